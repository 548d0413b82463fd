package views

import (
	"cmp"
	"context"
	"strconv"
	"strings"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/table"
)

type dest = backends.Destination

// KindDestinations is the Kind of the destinations view.
const KindDestinations = "destinations"

// NewDestinations returns the view of topics, queues, streams and exchanges. title names it until the
// first listing arrives ("topics" when the user typed :topics); then the data names it.
func NewDestinations(c *common.Common, title string) common.View {
	return newList(c, destinationSpec, title)
}

// canBrowse reports whether the message browser can open on d: the broker can peek, d holds messages.
func canBrowse(c *common.Common, d dest) bool {
	_, ok := c.Backend().(backends.Peeker)
	return ok && Browsable(d)
}

func fetchDestinations(ctx context.Context, b backends.Backend) ([]dest, error) {
	return actions.ListDestinations(ctx, b, backends.ListOptions{})
}

// destinationSpec lists every column any broker fills; each one shows only when the listing fills it, so a
// Kafka listing gets partitions and replication, a RabbitMQ one ready, unacked and rates, with no switch on
// the broker's name.
var destinationSpec = &listSpec[dest]{
	kind:      KindDestinations,
	noun:      destinationNoun,
	fetch:     fetchDestinations,
	id:        dest.ID,
	name:      func(d dest) string { return d.Name },
	detail:    destinationFields,
	browsable: canBrowse,
	browse:    func(c *common.Common, d dest) common.View { return NewMessages(c, d) },
	actions:   destinationActions,
	columns: []column[dest]{
		{title: "NAME", flex: true, text: func(d dest) string { return sanitize.Line(d.Name) },
			cmp: func(a, b *dest) int { return strings.Compare(a.Name, b.Name) }},
		{title: "VHOST", shown: anyDest(func(d dest) bool { return d.Vhost != "" && d.Vhost != "/" }),
			text: func(d dest) string { return sanitize.Line(d.Vhost) },
			cmp:  func(a, b *dest) int { return strings.Compare(a.Vhost, b.Vhost) }},
		{title: "KIND", shown: mixedKinds, text: func(d dest) string { return string(d.Kind) },
			cmp: func(a, b *dest) int { return strings.Compare(string(a.Kind), string(b.Kind)) }},
		{title: "TYPE", shown: anyDest(func(d dest) bool { return d.Type != "" }),
			text: func(d dest) string { return sanitize.Line(d.Type) },
			cmp:  func(a, b *dest) int { return strings.Compare(a.Type, b.Type) }},
		intColumn("PARTS", hasPartitions, func(d dest) int64 { return int64(d.Partitions) }),
		intColumn("RF", anyDest(func(d dest) bool { return d.ReplicationFactor > 0 }),
			func(d dest) int64 { return int64(d.ReplicationFactor) }),
		alarmColumn("URP", func(d dest) int { return d.UnderReplicated }, table.Warn),
		alarmColumn("OFFLINE", func(d dest) int { return d.Offline }, table.Bad),
		intColumn("MESSAGES", nil, func(d dest) int64 { return d.Messages }),
		intColumn("READY", anyDest(queueish), func(d dest) int64 { return d.Ready }),
		intColumn("UNACKED", anyDest(queueish), func(d dest) int64 { return d.Unacked }),
		intColumn("CONSUMERS", anyDest(func(d dest) bool { return queueish(d) || d.Consumers > 0 }),
			func(d dest) int64 { return int64(d.Consumers) }),
		rateColumn("PUB/S", func(d dest) *float64 { return d.PublishRate }),
		rateColumn("DEL/S", func(d dest) *float64 { return d.DeliverRate }),
		{title: "DLX", shown: anyDest(func(d dest) bool { return d.DeadLetter != nil }), text: dlxText,
			tone: func(d dest) table.Tone { return map[bool]table.Tone{true: table.Muted}[d.DeadLetter == nil] },
			cmp:  func(a, b *dest) int { return strings.Compare(dlxText(*a), dlxText(*b)) }},
	},
}

func intColumn(title string, shown func([]dest) bool, get func(dest) int64) column[dest] {
	return column[dest]{
		title: title, align: table.Right, descFirst: true, shown: shown,
		text: func(d dest) string { return formatInt(get(d)) },
		tone: func(d dest) table.Tone { return zeroMuted(get(d)) },
		cmp:  func(a, b *dest) int { return cmp.Compare(get(*a), get(*b)) },
	}
}

// alarmColumn is a count of partitions in trouble: shown wherever partitions are, coloured when non-zero.
func alarmColumn(title string, get func(dest) int, tone table.Tone) column[dest] {
	c := intColumn(title, hasPartitions, func(d dest) int64 { return int64(get(d)) })
	c.tone = func(d dest) table.Tone { return alarm(get(d), tone) }
	return c
}

func rateColumn(title string, get func(dest) *float64) column[dest] {
	return column[dest]{
		title: title, align: table.Right, descFirst: true,
		shown: anyDest(func(d dest) bool { return get(d) != nil }),
		text:  func(d dest) string { return formatRate(get(d)) },
		tone: func(d dest) table.Tone {
			if r := get(d); r == nil || *r == 0 {
				return table.Muted
			}
			return table.Normal
		},
		cmp: func(a, b *dest) int { return cmpRate(get(*a), get(*b)) },
	}
}

func anyDest(pred func(dest) bool) func([]dest) bool {
	return func(ds []dest) bool {
		for _, d := range ds {
			if pred(d) {
				return true
			}
		}
		return false
	}
}

var hasPartitions = anyDest(func(d dest) bool { return d.Partitions > 0 })

func queueish(d dest) bool { return d.Kind == backends.Queue || d.Kind == backends.Stream }

func mixedKinds(ds []dest) bool {
	for _, d := range ds {
		if d.Kind != ds[0].Kind {
			return true
		}
	}
	return false
}

// destinationNoun names a listing by what it holds.
func destinationNoun(ds []dest) string {
	topics, queues := 0, 0
	for _, d := range ds {
		switch {
		case d.Kind == backends.Topic:
			topics++
		case queueish(d):
			queues++
		}
	}
	switch {
	case topics == len(ds):
		return "topics"
	case queues == len(ds):
		return "queues"
	}
	return "destinations"
}

func dlxText(d dest) string {
	dl := d.DeadLetter
	if dl == nil {
		return "–"
	}
	s := sanitize.Line(dl.Exchange)
	if dl.Exchange == "" {
		s = "(default)"
	}
	if dl.RoutingKey != "" {
		s += " → " + sanitize.Line(dl.RoutingKey)
	}
	if dl.FromPolicy {
		s += " (policy)"
	}
	return s
}

// destinationFields is what the detail view shows: every field the broker filled.
func destinationFields(d dest) []field {
	fs := []field{{label: "name", value: sanitize.Line(d.Name)}, {label: "kind", value: string(d.Kind)}}
	add := func(ok bool, label, value string) {
		if ok {
			fs = append(fs, field{label: label, value: value})
		}
	}
	add(d.Type != "", "type", sanitize.Line(d.Type))
	add(d.Vhost != "", "vhost", sanitize.Line(d.Vhost))
	add(d.Internal, "internal", "yes")
	add(d.State != "", "state", sanitize.Line(d.State))
	add(d.Partitions > 0, "partitions", formatInt(int64(d.Partitions)))
	add(d.ReplicationFactor > 0, "replication factor", formatInt(int64(d.ReplicationFactor)))
	add(d.Partitions > 0, "under-replicated", formatInt(int64(d.UnderReplicated)))
	add(d.Partitions > 0, "offline", formatInt(int64(d.Offline)))
	add(true, "messages", formatInt(d.Messages))
	add(queueish(d), "ready", formatInt(d.Ready))
	add(queueish(d), "unacked", formatInt(d.Unacked))
	add(queueish(d) || d.Consumers > 0, "consumers", formatInt(int64(d.Consumers)))
	add(d.PublishRate != nil, "publish rate", formatRate(d.PublishRate))
	add(d.DeliverRate != nil, "deliver rate", formatRate(d.DeliverRate))
	add(d.DeadLetter != nil, "dead-letter", dlxText(d))
	if dl := d.DeadLetter; dl != nil {
		add(dl.DeliveryLimit > 0, "delivery limit", strconv.Itoa(dl.DeliveryLimit))
	}
	add(d.Policy != "", "policy", sanitize.Line(d.Policy))
	return fs
}
