package present

import (
	"fmt"
	"strings"
	"time"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/sanitize"
)

type dest = backends.Destination

// Destinations are the columns of a listing of topics, queues, streams and exchanges. Every column any
// broker fills is here; each shows only where the listing fills it, so a Kafka listing gets partitions
// and replication, a RabbitMQ one ready, unacked and rates, with no switch on the broker's name.
var Destinations = []Column[dest]{
	{Name: "NAME", Text: func(d dest) string { return sanitize.Line(DestinationName(d)) }},
	{Name: "VHOST", Optional: 7, Applies: func(d dest) bool { return d.Vhost != "" }, Text: func(d dest) string { return sanitize.Line(d.Vhost) }},
	{Name: "KIND", Optional: 5, Text: func(d dest) string { return string(d.Kind) }},
	{Name: "TYPE", Optional: 6, Applies: func(d dest) bool { return d.Type != "" }, Text: func(d dest) string { return sanitize.Line(d.Type) }},
	{Name: "SUBJECTS", Optional: 8, Applies: func(d dest) bool { return len(d.Subjects) > 0 },
		Text: func(d dest) string { return sanitize.Line(strings.Join(d.Subjects, ",")) }},
	{Name: "PARTITIONS", Optional: 3, Right: true, Applies: IsPartitioned, Text: func(d dest) string { return Int(d.Partitions) }},
	{Name: "RF", Optional: 4, Right: true, Applies: IsPartitioned, Text: func(d dest) string { return Int(d.ReplicationFactor) }},
	{Name: "UNDER-REPL", Optional: 1, Right: true, Applies: IsPartitioned, Text: func(d dest) string { return Int(d.UnderReplicated) }},
	{Name: "OFFLINE", Optional: 1, Right: true, Applies: IsPartitioned, Text: func(d dest) string { return Int(d.Offline) }},
	// An MQTT topic holds one message, its retained one: RETAINED says it.
	{Name: "MESSAGES", Right: true, Applies: func(d dest) bool { return d.Kind != backends.Exchange && !Sampled(d) },
		Text: func(d dest) string { return Approx(d, d.Messages) }},
	{Name: "READY", Optional: 2, Right: true, Applies: countsDeliveries, Text: readyText},
	{Name: "UNACKED", Optional: 2, Right: true, Applies: func(d dest) bool { return countsDeliveries(d) && !d.TakenWhenRead },
		Text: func(d dest) string { return Count(d.Unacked) }},
	{Name: "CONSUMERS", Optional: 1, Right: true, Applies: countsDeliveries, Text: func(d dest) string { return Count(d.Consumers) }},
	{Name: "PUBLISH/S", Optional: 3, Right: true, Applies: countsDeliveries, Text: func(d dest) string { return Rate(d.PublishRate) }},
	{Name: "DELIVER/S", Optional: 3, Right: true, Applies: countsDeliveries, Text: func(d dest) string { return Rate(d.DeliverRate) }},
	// SQS's counts, which it calls approximate.
	{Name: "VISIBLE", Optional: 2, Right: true, Applies: IsApproximate, Text: func(d dest) string { return Approx(d, d.Ready) }},
	{Name: "IN-FLIGHT", Optional: 2, Right: true, Applies: IsApproximate, Text: func(d dest) string { return Approx(d, d.Unacked) }},
	{Name: "DELAYED", Optional: 1, Right: true, Applies: IsApproximate, Text: func(d dest) string { return Approx(d, d.Delayed) }},
	{Name: "REDRIVE", Optional: 4, Applies: func(d dest) bool { return d.Redrive != nil }, Text: func(d dest) string { return Redrive(d.Redrive) }},
	{Name: "DLQ-FOR", Optional: 4, Applies: func(d dest) bool { return len(d.DeadLetterSources) > 0 },
		Text: func(d dest) string { return sanitize.Line(strings.Join(d.DeadLetterSources, ",")) }},
	{Name: "RETAINED", Optional: 2, Applies: IsSampledTopic, Text: func(d dest) string { return map[bool]string{true: "yes", false: "no"}[d.Retained] }},
	{Name: "SEEN", Optional: 1, Right: true, Applies: Sampled, Text: func(d dest) string {
		return Int(int(d.Seen)) + " in " + d.Window.Round(100*time.Millisecond).String()
	}},
	{Name: "QOS", Optional: 4, Right: true, Applies: IsSampledTopic, Text: func(d dest) string { return Int(d.QoS) }},
	{Name: "LAST-SIZE", Optional: 4, Right: true, Applies: IsSampledTopic, Text: func(d dest) string { return Bytes(d.LastSize) }},
	{Name: "LAST", Optional: 5, Applies: IsSampledTopic, Text: LastPayload},
	{Name: "PUBLISH/S", Optional: 3, Right: true, Applies: Sampled, Text: func(d dest) string { return Rate(d.PublishRate) }},
	{Name: "GROUPS", Optional: 3, Right: true, Applies: IsLog, Text: func(d dest) string { return Int(d.Groups) }},
	{Name: "OLDEST", Optional: 5, Applies: func(d dest) bool { return !d.Oldest.IsZero() }, Text: func(d dest) string { return Time(d.Oldest) }},
	{Name: "NEWEST", Optional: 4, Applies: func(d dest) bool { return !d.Newest.IsZero() }, Text: func(d dest) string { return Time(d.Newest) }},
	// Redis estimates a key's memory from a sample (~); a NATS stream's bytes are counted.
	{Name: "~MEMORY", Optional: 6, Right: true, Applies: func(d dest) bool { return d.Bytes > 0 && d.BytesEstimated },
		Text: func(d dest) string { return Bytes(int(d.Bytes)) }},
	{Name: "BYTES", Optional: 6, Right: true, Applies: func(d dest) bool { return d.Bytes > 0 && !d.BytesEstimated },
		Text: func(d dest) string { return Bytes(int(d.Bytes)) }},
	{Name: "DEAD-LETTER", Optional: 5, Applies: func(d dest) bool { return d.DeadLetter != nil },
		Text: func(d dest) string { return sanitize.Line(DeadLetter(d.DeadLetter)) }},
	{Name: "INTERNAL", Optional: 2, Applies: func(d dest) bool { return d.Internal }, Text: func(dest) string { return "yes" }},
}

// IsTopic is true for Kafka topics: what has partitions and replication.
func IsTopic(d dest) bool { return d.Kind == backends.Topic }

// IsPartitioned is true for topics of a partitioned log (Kafka); an MQTT topic, seen by a sampling
// listing, has no partitions.
func IsPartitioned(d dest) bool { return IsTopic(d) && !Sampled(d) }

// Sampled is true for a destination whose figures a listing saw during a window (MQTT topics).
func Sampled(d dest) bool { return d.Window > 0 }

// IsLog is true for logs whose entries carry their time and are read by groups (Redis streams).
func IsLog(d dest) bool { return d.FirstID != "" || d.Groups > 0 }

// Time is a moment as tables show it: UTC, to the millisecond.
func Time(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// ShortTime is a time for a narrow screen: month, day and second in UTC, 14 cells to Time's 24 (the year
// and the milliseconds are on a message's detail page).
func ShortTime(t time.Time) string { return t.UTC().Format("01-02 15:04:05") }

// IsApproximate is true for queues whose counts the broker itself calls approximate (SQS).
func IsApproximate(d dest) bool { return d.Approximate }

// countsDeliveries is true for queues and streams that count ready and unacked messages, consumers and
// rates; SQS's queues have approximate counts of their own and neither consumers nor rates.
func countsDeliveries(d dest) bool { return HoldsMessages(d) && !d.Approximate }

// readyText is a queue's count of messages ready for delivery. A stream has none to count (each of its
// groups reads it from where that group is): it shows NotApplicable, not a 0 that reads as a fact.
func readyText(d dest) string {
	if d.Kind == backends.Stream {
		return NotApplicable
	}
	return Count(d.Ready)
}

// Approx is a count, marked ~ where the broker calls it approximate.
func Approx(d dest, n int64) string {
	if d.Approximate && backends.Known(n) {
		return "~" + Count(n)
	}
	return Count(n)
}

// Redrive says where an SQS queue's messages go after too many receives: "orders-dlq after 5 receives".
func Redrive(p *backends.RedrivePolicy) string {
	return fmt.Sprintf("%s after %d receives", sanitize.Line(p.DeadLetterQueue), p.MaxReceiveCount)
}

// HoldsMessages is true for queues and streams: what has ready, unacked, consumers and rates.
func HoldsMessages(d dest) bool { return d.Kind == backends.Queue || d.Kind == backends.Stream }

// DestinationName is the name as a table shows it: the default exchange has none, so it gets a label
// (JSON keeps the empty name).
func DestinationName(d dest) string {
	if d.Name == "" && d.Kind == backends.Exchange {
		return "(default exchange)"
	}
	return d.Name
}

// DeadLetter says where a queue's rejected messages go: "orders.dlx key=orders.dead limit=5 (policy)".
func DeadLetter(dl *backends.DeadLetterConfig) string {
	if dl == nil {
		return ""
	}
	parts := []string{dl.Exchange}
	if dl.Exchange == "" {
		parts[0] = "(default exchange)"
	}
	if dl.RoutingKey != "" {
		parts = append(parts, "key="+dl.RoutingKey)
	}
	if dl.DeliveryLimit > 0 {
		parts = append(parts, "limit="+Int(dl.DeliveryLimit))
	}
	if dl.FromPolicy {
		parts = append(parts, "(policy)")
	}
	return strings.Join(parts, " ")
}
