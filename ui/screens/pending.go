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
	"github.com/mqscope/mqscope/ui/components/list"
	"github.com/mqscope/mqscope/ui/components/table"
)

type pending = backends.PendingMessage

// KindPending is the Kind of the view of a group's pending messages.
const KindPending = "pending"

// newPending is the view of what group was given on destination and has not acknowledged, refreshed like
// any list: reading it counts no delivery. Only open it where the session allows actions.VerbPending.
func newPending(c *common.Common, destination, group string) common.View {
	return list.New(c, pendingSpec(destination, group), "pending")
}

func pendingSpec(destination, group string) *list.Spec[pending] {
	return &list.Spec[pending]{
		Kind: KindPending,
		Noun: func([]pending) string { return "pending of " + sanitize.Line(group) },
		Fetch: func(ctx context.Context, b backends.Backend) ([]pending, error) {
			return actions.Pending(ctx, b, backends.PendingRequest{Destination: destination, Group: group})
		},
		ID:     func(p pending) string { return string(p.Message.Key) },
		Name:   func(p pending) string { return string(p.Message.Key) },
		Detail: pendingFields,
		Columns: list.WithLooks(present.Pending, map[string]list.Look[pending]{
			"ID":       {Cmp: func(a, b *pending) int { return strings.Compare(string(a.Message.Key), string(b.Message.Key)) }},
			"CONSUMER": {Cmp: func(a, b *pending) int { return strings.Compare(a.Consumer, b.Consumer) }},
			"IDLE":     {DescFirst: true, Cmp: func(a, b *pending) int { return cmp.Compare(a.Idle, b.Idle) }},
			"DELIVERIES": {DescFirst: true, Tone: deliveriesTone,
				Cmp: func(a, b *pending) int { return cmp.Compare(a.Message.DeliveryCount, b.Message.DeliveryCount) }},
		}, list.Column[pending]{
			Column: present.Column[pending]{Name: "BODY", Text: pendingBody},
			Look:   list.Look[pending]{Flex: true},
		}),
	}
}

// deliveriesTone marks a message delivered more than once: a consumer gave up on it at least once.
func deliveriesTone(p pending) table.Tone {
	if p.Message.DeliveryCount > 1 {
		return table.Warn
	}
	return table.Normal
}

func pendingBody(p pending) string {
	if p.Gone {
		return present.GoneBody
	}
	text, _ := previewOf(p.Message.Body)
	return text
}

func pendingFields(p pending) []list.Field {
	fs := []list.Field{
		{Label: "id", Value: sanitize.Bytes(p.Message.Key)},
		{Label: "consumer", Value: sanitize.Line(p.Consumer)},
		{Label: "idle", Value: present.Duration(p.Idle)},
		{Label: "deliveries", Value: present.Int(p.Message.DeliveryCount), Tone: deliveriesTone(p)},
	}
	for _, h := range p.Message.Headers {
		fs = append(fs, list.Field{Label: sanitize.Line(h.Key), Value: sanitize.Bytes(h.Value)})
	}
	return append(fs, list.Field{Label: "body", Value: pendingBody(p)})
}
