package screens

import (
	"cmp"
	"context"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"fmt"
	"strings"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/list"
	"github.com/mqscope/mqscope/ui/components/table"
)

type group = backends.ConsumerGroup

// KindGroups is the Kind of the consumer groups view.
const KindGroups = "groups"

// NewGroups returns the view of consumer groups. Only open it on a backend that can list them.
func NewGroups(c *common.Common) common.View {
	return &groupsView{Model: list.New(c, groupSpec, "groups"), c: c}
}

// groupsView is the list of groups, where R resets a whole group as it does in the lag list.
type groupsView struct {
	*list.Model[group]
	c *common.Common
}

func (v *groupsView) Keys() []key.Binding {
	keys := v.Model.Keys()
	if v.c.Allows(actions.VerbReset) {
		keys = append(keys, common.Relabel(v.c.Keys.ResetOffsets, "reset the group"))
	}
	return keys
}

func (v *groupsView) Update(msg tea.KeyPressMsg) tea.Cmd {
	if key.Matches(msg, v.c.Keys.ResetOffsets) && v.c.Allows(actions.VerbReset) {
		if g, ok := v.Model.Selected(); ok && len(g.Topics) > 0 {
			return common.Push(newGroupResetForm(v.c, reportOf(g), v.ID()))
		}
		return nil
	}
	return v.Model.Update(msg)
}

// reportOf is what the reset form needs of a listed group: its name, state, member count and topics.
func reportOf(g group) groupReport {
	r := groupReport{Group: g.Name, State: g.State, Members: make([]backends.GroupMember, g.Members)}
	for _, t := range g.Topics {
		r.Partitions = append(r.Partitions, actions.PartitionReport{PartitionLag: backends.PartitionLag{Topic: t}})
	}
	return r
}

func fetchGroups(ctx context.Context, b backends.Backend) ([]group, error) {
	return actions.ListGroups(ctx, b)
}

var groupSpec = &list.Spec[group]{
	Kind:    KindGroups,
	Noun:    func([]group) string { return "groups" },
	Fetch:   fetchGroups,
	ID:      func(g group) string { return g.Name },
	Name:    func(g group) string { return g.Name },
	Detail:  groupFields,
	Details: newGroupDetails,
	Actions: groupActions,
	Columns: list.WithLooks(present.Groups, map[string]list.Look[group]{
		"GROUP":       {Flex: true, Cmp: func(a, b *group) int { return strings.Compare(a.Name, b.Name) }},
		"STATE":       {Tone: stateTone, Cmp: func(a, b *group) int { return strings.Compare(a.State, b.State) }},
		"MEMBERS":     intLook(func(g group) int64 { return int64(g.Members) }),
		"PROTOCOL":    {Cmp: func(a, b *group) int { return strings.Compare(present.Protocol(*a), present.Protocol(*b)) }},
		"COORDINATOR": {Cmp: func(a, b *group) int { return strings.Compare(a.Coordinator, b.Coordinator) }},
		"TOPICS":      {Cmp: func(a, b *group) int { return cmp.Compare(len(a.Topics), len(b.Topics)) }},
	}),
}

// stateTone colours a group's state: Stable is healthy, a rebalance is passing trouble, Dead is gone.
func stateTone(g group) table.Tone {
	switch g.State {
	case "Stable":
		return table.Good
	case "Empty":
		return table.Muted
	case "Dead":
		return table.Bad
	case "PreparingRebalance", "CompletingRebalance":
		return table.Warn
	}
	return table.Normal
}

func protocolText(g group) string { return sanitize.Line(present.Protocol(g)) }

func groupFields(g group) []list.Field {
	fs := []list.Field{
		{Label: "group", Value: sanitize.Line(g.Name)},
		{Label: "state", Value: sanitize.Line(g.State), Tone: stateTone(g)},
		{Label: "members", Value: present.Int(int64(g.Members))},
	}
	if p := protocolText(g); p != "" {
		fs = append(fs, list.Field{Label: "protocol", Value: p})
	}
	if g.Coordinator != "" {
		fs = append(fs, list.Field{Label: "coordinator", Value: sanitize.Line(g.Coordinator)})
	}
	for i, t := range g.Topics {
		fs = append(fs, list.Field{Label: firstOnly(i, "topics"), Value: sanitize.Line(t)})
	}
	for i, c := range g.Committed[:min(len(g.Committed), maxCommittedFields)] {
		fs = append(fs, list.Field{Label: firstOnly(i, "committed"),
			Value: fmt.Sprintf("%s[%d]  %s", sanitize.Line(c.Topic), c.Partition, present.Int(c.Offset))})
	}
	if more := len(g.Committed) - maxCommittedFields; more > 0 {
		fs = append(fs, list.Field{Value: fmt.Sprintf("and %s more partitions (see :lag)", present.Int(more)), Tone: table.Muted})
	}
	return fs
}

// maxCommittedFields bounds the committed offsets a group's details list; :lag has them all, with lag.
const maxCommittedFields = 500

// firstOnly labels the first line of a list of values, and leaves the rest blank.
func firstOnly(i int, label string) string {
	if i == 0 {
		return label
	}
	return ""
}
