package present

import (
	"strconv"
	"time"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/sanitize"
)

// PreviewBytes is how much of a body a message row looks at: a 5 MiB body costs what a line shows.
const PreviewBytes = 256

// KeyBytes is how much of a key (or a dead letter's origin) a message row looks at.
const KeyBytes = 128

// DiedMark follows a TIME that is when a dead letter died (x-death), shown where it has no timestamp.
const DiedMark = " †"

// MessageRow is one message as a row of the CLI's peek table and of the TUI's browser.
type MessageRow struct {
	Msg  backends.Message
	Size int              // the body's size on the broker: more than len(Msg.Body) where a front end holds it cut
	Dead *backends.Origin // where a RabbitMQ dead letter came from (x-death); nil for others
	// Decoded is what a decoder made of the body (Protobuf as JSON, say), previewed instead of the raw
	// bytes when set.
	Decoded string
}

// NewMessageRow is m as a row, its size that of its body and its x-death origin read once.
func NewMessageRow(m backends.Message) MessageRow {
	return MessageRow{Msg: m, Size: len(m.Body), Dead: XDeath(m.Headers)}
}

// XDeath is a RabbitMQ dead letter's origin, from its x-death header; nil for any other message.
func XDeath(h []backends.Header) *backends.Origin {
	if o := backends.ParseOrigin(h); o != nil && o.Convention == backends.RabbitXDeath {
		return o
	}
	return nil
}

type msgRow = MessageRow

// Messages are the columns of a list of messages, in the CLI's `peek -o table` and the TUI's browser.
// Each shows where it applies: partitions for records of a log (no AMQP properties), delivery state for
// AMQP deliveries, ROUTING KEY for an AMQP message's key, ORIGIN instead for a dead letter (its routing key is the DLQ's).
var Messages = []Column[msgRow]{
	{Name: "PARTITION", Right: true, Applies: IsRecord,
		Text: func(r msgRow) string { return strconv.Itoa(int(r.Msg.Partition)) }},
	// MQTT has no offsets: a message is its topic's retained one or one that arrived.
	{Name: "OFFSET", Right: true, Applies: func(r msgRow) bool { return !IsMQTT(r) },
		Text: func(r msgRow) string { return strconv.FormatInt(r.Msg.Offset, 10) }},
	{Name: "TIME", Optional: 2, Text: MessageTime},
	{Name: "KEY", Optional: 1, Applies: func(r msgRow) bool { return r.Dead == nil && r.Msg.Properties == nil && !IsMQTT(r) && !IsSQS(r) },
		Text: func(r msgRow) string { return Key(r.Msg.Key) }},
	// An AMQP message's key is the routing key it was published with.
	{Name: "ROUTING KEY", Optional: 1, Applies: func(r msgRow) bool { return r.Dead == nil && r.Msg.Properties != nil },
		Text: func(r msgRow) string { return Key(r.Msg.Key) }},
	// MQTT: a peek of a filter (+, #) shows many topics.
	{Name: "TOPIC", Applies: IsMQTT, Text: func(r msgRow) string { return sanitize.Line(r.Msg.Destination) }},
	{Name: "ORIGIN", Optional: 1, Applies: func(r msgRow) bool { return r.Dead != nil || IsSQS(r) && r.Msg.Origin != nil },
		Text: func(r msgRow) string {
			if r.Dead == nil {
				return Key([]byte(r.Msg.Origin.Destination))
			}
			return Key([]byte(r.Dead.Destination))
		}},
	// SQS FIFO: the message group, whose order SQS keeps.
	{Name: "GROUP", Optional: 2, Applies: func(r msgRow) bool { return IsSQS(r) && r.Msg.SQS.GroupID != "" },
		Text: func(r msgRow) string { return Key([]byte(r.Msg.SQS.GroupID)) }},
	{Name: "QOS", Optional: 4, Right: true, Applies: IsMQTT, Text: func(r msgRow) string { return strconv.Itoa(r.Msg.MQTT.QoS) }},
	{Name: "RETAINED", Optional: 3, Applies: IsMQTT, Text: func(r msgRow) string { return yesNo(r.Msg.MQTT.Retained) }},
	{Name: "REDELIVERED", Optional: 3, Applies: func(r msgRow) bool { return HasDeliveryState(r) && !IsSQS(r) },
		Text: func(r msgRow) string { return yesNo(r.Msg.Redelivered) }},
	// SQS: ApproximateReceiveCount, the peek's own receive included.
	{Name: "~RECEIVES", Optional: 2, Right: true, Applies: IsSQS, Text: func(r msgRow) string { return strconv.FormatInt(r.Msg.DeliveryCount, 10) }},
	// Only quorum queues count deliveries (x-delivery-count, from the first redelivery on): a redelivered
	// message without a count comes from a queue that keeps none, and its count is unknown, not 0.
	{Name: "DELIVERIES", Optional: 2, Right: true, Applies: func(r msgRow) bool { return HasDeliveryState(r) && !IsSQS(r) }, Text: func(r msgRow) string {
		if !actions.DeliveriesKnown(r.Msg) {
			return Unknown
		}
		return strconv.FormatInt(r.Msg.DeliveryCount, 10)
	}},
	{Name: "SIZE", Optional: 4, Right: true, Text: func(r msgRow) string { return Bytes(r.Size) }},
	{Name: "BODY", Text: func(r msgRow) string {
		body := r.Msg.Body
		if r.Decoded != "" {
			body = []byte(r.Decoded)
		}
		s, _ := BodyPreview(body, PreviewBytes)
		return s
	}},
}

// IsRecord is true for records of a log (Kafka), which have partitions: messages without AMQP properties
// or delivery state.
func IsRecord(r MessageRow) bool {
	return r.Msg.Properties == nil && !IsMQTT(r) && !IsSQS(r) && !HasDeliveryState(r)
}

// IsSQS is true for SQS messages, which have a receive count and, in FIFO queues, a message group.
func IsSQS(r MessageRow) bool { return r.Msg.SQS != nil }

// IsMQTT is true for MQTT messages, which have a topic, a QoS and a retained flag.
func IsMQTT(r MessageRow) bool { return r.Msg.MQTT != nil }

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// HasDeliveryState is true for AMQP deliveries, and any message the broker says it delivered before.
func HasDeliveryState(r MessageRow) bool {
	return r.Msg.Properties != nil || r.Msg.Redelivered || r.Msg.DeliveryCount > 0
}

// MessageTime is when a message was published, or, for a dead letter without a timestamp, when it died
// followed by DiedMark; Unknown where neither is known.
func MessageTime(r MessageRow) string { return messageTime(r, Time) }

// ShortMessageTime is MessageTime in ShortTime's form, for a narrow screen.
func ShortMessageTime(r MessageRow) string { return messageTime(r, ShortTime) }

func messageTime(r MessageRow, format func(time.Time) string) string {
	switch {
	case !r.Msg.Timestamp.IsZero():
		return format(r.Msg.Timestamp)
	case r.Dead != nil && len(r.Dead.Deaths) > 0 && !r.Dead.Deaths[0].Time.IsZero():
		return format(r.Dead.Deaths[0].Time) + DiedMark
	}
	return Unknown
}

// Key is a message key for its column: Unknown for none, "" for an empty one, else escaped, its first
// KeyBytes with … where cut.
func Key(k []byte) string {
	switch {
	case k == nil:
		return Unknown
	case len(k) == 0:
		return `""`
	case len(k) > KeyBytes:
		return sanitize.Bytes(wholeRunes(k[:KeyBytes])) + "…"
	}
	return sanitize.Bytes(k)
}
