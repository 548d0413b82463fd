package backends

import "time"

// Header is one message header. Headers keep their order and may repeat a key.
type Header struct {
	Key   string
	Value []byte // the value as bytes (AMQP typed values in their text form)
	// Typed holds the original typed value where the protocol has types (AMQP tables), in plain Go types
	// only — string, bool, int8..int64, float32/64, time.Time, []byte, []any, map[string]any — so that code
	// above the adapters never needs a client library's types. nil for Kafka.
	Typed any
}

// Message is one message as read from a broker, with everything mqscope can show or move.
type Message struct {
	Destination string
	Partition   int32 // Kafka; 0 for RabbitMQ
	Offset      int64 // Kafka offset, RabbitMQ stream offset, or position in a queue read
	Timestamp   time.Time
	Key         []byte // Kafka key; RabbitMQ routing key
	Headers     []Header
	Body        []byte

	Properties    *Properties   // AMQP basic properties; nil for Kafka
	Redelivered   bool          // RabbitMQ: the broker delivered it before
	DeliveryCount int64         // RabbitMQ quorum queues' x-delivery-count; 0 where unknown
	Origin        *Origin       // where a dead letter came from; nil for ordinary messages
	MQTT          *MQTTDelivery // how an MQTT message arrived; nil for other brokers
	SQS           *SQSMessage   // an SQS message's system attributes; nil for other brokers
}

// HeaderValue returns the first header named key.
func (m Message) HeaderValue(key string) (Header, bool) {
	return headerNamed(m.Headers, key)
}

func headerNamed(hs []Header, key string) (Header, bool) {
	for _, h := range hs {
		if h.Key == key {
			return h, true
		}
	}
	return Header{}, false
}

// Properties are AMQP 0-9-1 basic properties, and where the delivery came from.
type Properties struct {
	ContentType     string
	ContentEncoding string
	DeliveryMode    uint8 // 1 transient, 2 persistent
	Priority        uint8
	CorrelationID   string
	ReplyTo         string
	Expiration      string
	MessageID       string
	Timestamp       time.Time
	Type            string
	UserID          string
	AppID           string
	Exchange        string // the exchange it was published to
	RoutingKey      string // the routing key it was published with
}

// MQTTDelivery is how an MQTT message arrived: its quality of service, and whether it is the topic's
// retained message (sent because the subscription began) rather than one published since.
type MQTTDelivery struct {
	QoS      int
	Retained bool
}

// SQSMessage is what SQS says of a message besides its body and attributes. A publish reads GroupID and
// DeduplicationID (FIFO queues), so that a redrive keeps them.
type SQSMessage struct {
	MessageID       string
	GroupID         string // FIFO: the message group
	DeduplicationID string // FIFO: deduplicated within SQS's 5-minute window
	SequenceNumber  string // FIFO
	// SourceQueue is the queue a dead letter was moved from (SQS's DeadLetterQueueSourceArn), by name.
	SourceQueue string
}
