package screens

import (
	"cmp"
	"context"
	"strings"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/table"
)

type group = backends.ConsumerGroup

// KindGroups is the Kind of the consumer groups view.
const KindGroups = "groups"

// NewGroups returns the view of consumer groups. Only open it on a backend that can list them.
func NewGroups(c *common.Common) common.View { return newList(c, groupSpec, "groups") }

func fetchGroups(ctx context.Context, b backends.Backend) ([]group, error) {
	return actions.ListGroups(ctx, b)
}

var groupSpec = &listSpec[group]{
	kind:   KindGroups,
	noun:   func([]group) string { return "groups" },
	fetch:  fetchGroups,
	id:     func(g group) string { return g.Name },
	name:   func(g group) string { return g.Name },
	detail: groupFields,
	columns: withLooks(present.Groups, map[string]look[group]{
		"GROUP":       {flex: true, cmp: func(a, b *group) int { return strings.Compare(a.Name, b.Name) }},
		"STATE":       {tone: stateTone, cmp: func(a, b *group) int { return strings.Compare(a.State, b.State) }},
		"MEMBERS":     intLook(func(g group) int64 { return int64(g.Members) }),
		"PROTOCOL":    {cmp: func(a, b *group) int { return strings.Compare(present.Protocol(*a), present.Protocol(*b)) }},
		"COORDINATOR": {cmp: func(a, b *group) int { return strings.Compare(a.Coordinator, b.Coordinator) }},
		"TOPICS":      {cmp: func(a, b *group) int { return cmp.Compare(len(a.Topics), len(b.Topics)) }},
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

func groupFields(g group) []field {
	fs := []field{
		{label: "group", value: sanitize.Line(g.Name)},
		{label: "state", value: sanitize.Line(g.State), tone: stateTone(g)},
		{label: "members", value: formatInt(int64(g.Members))},
	}
	if p := protocolText(g); p != "" {
		fs = append(fs, field{label: "protocol", value: p})
	}
	if g.Coordinator != "" {
		fs = append(fs, field{label: "coordinator", value: sanitize.Line(g.Coordinator)})
	}
	for i, t := range g.Topics {
		label := ""
		if i == 0 {
			label = "topics"
		}
		fs = append(fs, field{label: label, value: sanitize.Line(t)})
	}
	return fs
}
