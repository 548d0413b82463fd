package screens

import (
	"cmp"
	"context"
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
func NewGroups(c *common.Common) common.View { return list.New(c, groupSpec, "groups") }

func fetchGroups(ctx context.Context, b backends.Backend) ([]group, error) {
	return actions.ListGroups(ctx, b)
}

var groupSpec = &list.Spec[group]{
	Kind:   KindGroups,
	Noun:   func([]group) string { return "groups" },
	Fetch:  fetchGroups,
	ID:     func(g group) string { return g.Name },
	Name:   func(g group) string { return g.Name },
	Detail: groupFields,
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
