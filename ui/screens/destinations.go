package screens

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/list"
	"github.com/mqscope/mqscope/ui/components/table"
)

type dest = backends.Destination

// KindDestinations is the Kind of the destinations view.
const KindDestinations = "destinations"

// NewDestinations returns the view of topics, queues, streams and exchanges. title names it until the
// first listing arrives ("topics" when the user typed :topics); then the data names it.
func NewDestinations(c *common.Common, title string) common.View {
	return list.New(c, destinationSpec, title)
}

// canBrowse reports whether the message browser can open on d: the broker can peek, d holds messages.
func canBrowse(c *common.Common, d dest) bool {
	return c.Allows(actions.VerbPeek) && Browsable(d) && !present.IsTreeLevel(d)
}

func fetchDestinations(ctx context.Context, b backends.Backend) ([]dest, error) {
	ds, err := actions.ListDestinations(ctx, b, backends.ListOptions{})
	return present.TopicTree(ds), err // MQTT's topics read as a tree, as in MQTT Explorer
}

// topicCount is how many destinations the listing holds: the levels of a topic tree are not topics.
func topicCount(ds []dest) int {
	n := 0
	for _, d := range ds {
		if !present.IsTreeLevel(d) {
			n++
		}
	}
	return n
}

// treeNamed is the NAME column with MQTT's topics named as a tree shows them (indented by level, the
// last level only); the filter still matches the whole topic (Spec.Name).
func treeNamed(cols []list.Column[dest]) []list.Column[dest] {
	i := list.ColumnIndex(cols, "NAME")
	flat := cols[i].Text
	cols[i].Text = func(d dest) string {
		if present.Sampled(d) {
			return present.TreeName(d)
		}
		return flat(d)
	}
	return cols
}

// byName sorts by name; MQTT's topics by their levels, so that the tree reads top down.
func byName(a, b *dest) int {
	if present.Sampled(*a) && present.Sampled(*b) {
		return present.CompareTreePaths(*a, *b)
	}
	return strings.Compare(a.Name, b.Name)
}

// destinationSpec lists every column any broker fills; each one shows only when the listing fills it, so a
// Kafka listing gets partitions and replication, a RabbitMQ one ready, unacked and rates, with no switch on
// the broker's name.
var destinationSpec = &list.Spec[dest]{
	Kind:        KindDestinations,
	Noun:        destinationNoun,
	Count:       topicCount,
	Fetch:       fetchDestinations,
	Closer:      countOnScreen,
	Note:        countsNote,
	ID:          dest.ID,
	Name:        func(d dest) string { return d.Name },
	Detail:      destinationFields,
	Details:     newDestinationDetails,
	Browsable:   canBrowse,
	Browse:      func(c *common.Common, d dest) common.View { return NewMessages(c, d) },
	Actions:     destinationActions,
	ListActions: createActions,
	Columns:     treeNamed(list.WithLooks(present.Destinations, destinationLooks)),
}

var destinationLooks = map[string]list.Look[dest]{
	"NAME":        {Flex: true, Cmp: byName},
	"VHOST":       {Cmp: func(a, b *dest) int { return strings.Compare(a.Vhost, b.Vhost) }},
	"KIND":        {Cmp: func(a, b *dest) int { return strings.Compare(string(a.Kind), string(b.Kind)) }},
	"TYPE":        {Cmp: func(a, b *dest) int { return strings.Compare(a.Type, b.Type) }},
	"PARTITIONS":  intLook(func(d dest) int64 { return int64(d.Partitions) }),
	"RF":          intLook(func(d dest) int64 { return int64(d.ReplicationFactor) }),
	"UNDER-REPL":  alarmLook(func(d dest) int { return d.UnderReplicated }, table.Warn),
	"OFFLINE":     alarmLook(func(d dest) int { return d.Offline }, table.Bad),
	"MESSAGES":    intLook(func(d dest) int64 { return d.Messages }),
	"READY":       intLook(func(d dest) int64 { return d.Ready }),
	"UNACKED":     intLook(func(d dest) int64 { return d.Unacked }),
	"CONSUMERS":   intLook(func(d dest) int64 { return int64(d.Consumers) }),
	"PUBLISH/S":   rateLook(func(d dest) *float64 { return d.PublishRate }),
	"DELIVER/S":   rateLook(func(d dest) *float64 { return d.DeliverRate }),
	"DEAD-LETTER": {Cmp: func(a, b *dest) int { return strings.Compare(dlxText(*a), dlxText(*b)) }},
}

// intLook is a count: biggest first, zeros muted.
func intLook[T any](get func(T) int64) list.Look[T] {
	return list.Look[T]{DescFirst: true, Tone: func(x T) table.Tone { return zeroMuted(get(x)) },
		Cmp: func(a, b *T) int { return cmp.Compare(get(*a), get(*b)) }}
}

// alarmLook is a count of partitions in trouble, coloured when non-zero.
func alarmLook(get func(dest) int, tone table.Tone) list.Look[dest] {
	l := intLook(func(d dest) int64 { return int64(get(d)) })
	l.Tone = func(d dest) table.Tone { return alarm(get(d), tone) }
	return l
}

// rateLook is a rate: fastest first, unknown and zero muted.
func rateLook[T any](get func(T) *float64) list.Look[T] {
	return list.Look[T]{DescFirst: true,
		Tone: func(x T) table.Tone {
			if r := get(x); r == nil || *r == 0 {
				return table.Muted
			}
			return table.Normal
		},
		Cmp: func(a, b *T) int { return cmpRate(get(*a), get(*b)) }}
}

func queueish(d dest) bool { return d.Kind == backends.Queue || d.Kind == backends.Stream }

// destinationNoun names a listing by what it holds; an empty one holds nothing to name it by ("": the
// view's title, which says what the user asked for). Redis holds streams and lists, neither of them a
// queue: its listing says so rather than "queues".
func destinationNoun(ds []dest) string {
	if len(ds) == 0 {
		return ""
	}
	topics, queues, streams, lists := 0, 0, 0, 0
	for _, d := range ds {
		switch {
		case d.Kind == backends.Topic:
			topics++
		case d.Kind == backends.Stream:
			streams++
		case d.Kind == backends.Queue && d.Type == "list": // a Redis list
			lists++
		case queueish(d):
			queues++
		}
	}
	switch {
	case topics == len(ds):
		return "topics"
	case streams == len(ds): // NATS's streams, and Redis's when it holds no list
		return "streams"
	case lists == len(ds):
		return "lists"
	case streams+lists == len(ds):
		return "streams and lists"
	case queues+streams+lists == len(ds):
		return "queues"
	}
	return "destinations"
}

// dlxText is where a queue's rejected messages go, as the DEAD-LETTER column says it.
func dlxText(d dest) string { return sanitize.Line(present.DeadLetter(d.DeadLetter)) }

// destinationFields is what the detail view shows: every field the broker filled.
func destinationFields(d dest) []list.Field {
	fs := []list.Field{{Label: "name", Value: sanitize.Line(d.Name)}, {Label: "kind", Value: string(d.Kind)}}
	add := func(ok bool, label, value string) {
		if ok {
			fs = append(fs, list.Field{Label: label, Value: value})
		}
	}
	add(d.Type != "", "type", sanitize.Line(d.Type))
	add(d.Vhost != "", "vhost", sanitize.Line(d.Vhost))
	add(d.Internal, "internal", "yes")
	add(d.State != "", "state", sanitize.Line(d.State))
	add(d.Partitions > 0, "partitions", present.Int(int64(d.Partitions)))
	add(d.ReplicationFactor > 0, "replication factor", present.Int(int64(d.ReplicationFactor)))
	add(d.Partitions > 0, "under-replicated", present.Int(int64(d.UnderReplicated)))
	add(d.Partitions > 0, "offline", present.Int(int64(d.Offline)))
	if d.Approximate {
		return append(fs, sqsFields(d)...)
	}
	add(true, "messages", present.Count(d.Messages))
	add(queueish(d), "ready", present.Count(d.Ready))
	add(queueish(d), "unacked", present.Count(d.Unacked))
	add(queueish(d) || d.Consumers > 0, "consumers", present.Count(d.Consumers))
	add(d.PublishRate != nil, "publish rate", formatRate(d.PublishRate))
	add(d.DeliverRate != nil, "deliver rate", formatRate(d.DeliverRate))
	add(d.DeadLetter != nil, "dead-letter", dlxText(d))
	if dl := d.DeadLetter; dl != nil {
		add(dl.DeliveryLimit > 0, "delivery limit", strconv.Itoa(dl.DeliveryLimit))
	}
	add(d.Policy != "", "policy", sanitize.Line(d.Policy))
	return fs
}

// sqsFields are an SQS queue's counts in SQS's words, each marked ~ as the list marks them (SQS calls
// them approximate; the page showed them bare, as ready and unacked, with consumers SQS does not have),
// and its redrive policy and the queues that dead-letter into it.
func sqsFields(d dest) []list.Field {
	fs := []list.Field{
		{Label: "messages", Value: present.Approx(d, d.Messages)},
		{Label: "visible", Value: present.Approx(d, d.Ready)},
		{Label: "in-flight", Value: present.Approx(d, d.Unacked)},
		{Label: "delayed", Value: present.Approx(d, d.Delayed)},
	}
	if d.Redrive != nil {
		fs = append(fs, list.Field{Label: "redrive", Value: sanitize.Line(present.Redrive(d.Redrive))})
	}
	if len(d.DeadLetterSources) > 0 {
		fs = append(fs, list.Field{Label: "dead-letter for", Value: sanitize.Line(strings.Join(d.DeadLetterSources, ", "))})
	}
	return fs
}

// countOnScreen counts the queues on screen now (at most actions.ExactCountsPerRefresh of them), where the
// broker gives exact counts cheaply: RabbitMQ's management API samples its figures every 5 s, so a queue
// just published to would read empty.
func countOnScreen(ctx context.Context, b backends.Backend, all, onScreen []dest) []dest {
	var names []string
	for _, d := range onScreen {
		if d.Kind == backends.Queue {
			names = append(names, d.Name)
		}
	}
	return actions.ExactCounts(ctx, b, all, names)
}

// countsNote says which counts on screen are current: the management API samples the rest.
func countsNote(_ *common.Common, onScreen []dest) string {
	exact, sampled := 0, 0
	for _, d := range onScreen {
		switch present.CountsNote(d) {
		case "counted now":
			exact++
		case "":
		default:
			sampled++
		}
	}
	switch {
	case sampled > 0 && exact > 0:
		return fmt.Sprintf("%d counted now, %d sampled (≤5 s old)", exact, sampled)
	case sampled > 0:
		return "counts sampled (≤5 s old)"
	case exact > 0:
		return "counted now"
	}
	return ""
}
