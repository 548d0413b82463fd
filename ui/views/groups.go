package views

import (
	"cmp"
	"context"
	"strings"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/table"
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
	columns: []column[group]{
		{title: "GROUP", flex: true, text: func(g group) string { return sanitize.Line(g.Name) },
			cmp: func(a, b *group) int { return strings.Compare(a.Name, b.Name) }},
		{title: "STATE", text: func(g group) string { return sanitize.Line(g.State) }, tone: stateTone,
			cmp: func(a, b *group) int { return strings.Compare(a.State, b.State) }},
		{title: "MEMBERS", align: table.Right, descFirst: true,
			text: func(g group) string { return formatInt(int64(g.Members)) },
			tone: func(g group) table.Tone { return zeroMuted(int64(g.Members)) },
			cmp:  func(a, b *group) int { return cmp.Compare(a.Members, b.Members) }},
		{title: "PROTOCOL", shown: anyGroup(func(g group) bool { return g.Protocol != "" || g.ProtocolType != "" }),
			text: protocolText, cmp: func(a, b *group) int { return strings.Compare(protocolText(*a), protocolText(*b)) }},
		{title: "COORDINATOR", shown: anyGroup(func(g group) bool { return g.Coordinator != "" }),
			text: func(g group) string { return sanitize.Line(g.Coordinator) },
			cmp:  func(a, b *group) int { return strings.Compare(a.Coordinator, b.Coordinator) }},
		{title: "TOPICS", align: table.Right, descFirst: true,
			shown: anyGroup(func(g group) bool { return len(g.Topics) > 0 }),
			text:  func(g group) string { return formatInt(int64(len(g.Topics))) },
			cmp:   func(a, b *group) int { return cmp.Compare(len(a.Topics), len(b.Topics)) }},
	},
}

func anyGroup(pred func(group) bool) func([]group) bool {
	return func(gs []group) bool {
		for _, g := range gs {
			if pred(g) {
				return true
			}
		}
		return false
	}
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

// protocolText is "consumer/range": the protocol type and the assignor, whichever the broker gave.
func protocolText(g group) string {
	switch {
	case g.ProtocolType != "" && g.Protocol != "":
		return sanitize.Line(g.ProtocolType + "/" + g.Protocol)
	case g.Protocol != "":
		return sanitize.Line(g.Protocol)
	}
	return sanitize.Line(g.ProtocolType)
}

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
