package backends

import (
	"encoding/binary"
	"strconv"
	"time"
)

// Convention names the scheme a dead letter's origin was read from.
type Convention string

const (
	RabbitXDeath      Convention = "rabbitmq x-death"
	SpringKafka       Convention = "spring kafka_dlt"
	KafkaConnect      Convention = "kafka connect"
	SpringCloudStream Convention = "spring cloud stream"
	// OriginField is a field the application wrote naming the stream a letter came from (Redis).
	OriginField Convention = "origin field"
	// NATSHeaders are the Nats-Stream, Nats-Subject and Nats-Sequence headers of a message copied out of
	// its stream (by an application, or by the stream's republish).
	NATSHeaders Convention = "nats headers"
	// NATSAdvisory is a JetStream advisory (max deliveries, terminated) naming the stream and sequence of a
	// message a consumer gave up on; the message itself is still in its stream.
	NATSAdvisory Convention = "nats advisory"
	// SQSSource is the source queue SQS names for a message its redrive policy moved to a dead-letter queue
	// (DeadLetterQueueSourceArn).
	SQSSource Convention = "sqs redrive policy"
)

// Origin is where a dead letter came from, read from its own headers.
type Origin struct {
	Convention  Convention
	Destination string // the queue or topic it died in
	Partition   *int32 // Kafka: the original partition, when the headers name it
	Offset      *int64 // Kafka: the original offset, when the headers name it
	Timestamp   time.Time
	Group       string // Kafka: the consumer group that gave up on it, when known

	// RabbitMQ: how it was first published, so it can go back the same way (NATS: RoutingKeys holds the
	// subject it was published to).
	Exchange    string
	RoutingKeys []string

	Reason    string // RabbitMQ: rejected, expired, maxlen, delivery_limit
	Count     int64  // RabbitMQ: how many times it died in that queue for that reason
	Exception string // Kafka: the exception class and message, when the headers carry them
	Deaths    []Death
}

// Death is one entry of RabbitMQ's x-death header (newest first).
type Death struct {
	Queue       string
	Reason      string
	Count       int64
	Time        time.Time
	Exchange    string
	RoutingKeys []string
}

// ParseOrigin reads a dead letter's origin from its headers, trying each known convention. It returns nil
// for a message that carries none.
func ParseOrigin(headers []Header) *Origin {
	for _, parse := range []func([]Header) *Origin{parseXDeath, parseSpring, parseConnect, parseCloudStream} {
		if o := parse(headers); o != nil {
			return o
		}
	}
	return nil
}

// parseXDeath reads RabbitMQ's x-death array. The origin is the oldest death (the last entry), where the
// message was first published; x-first-death-* say the same and win when present, because they never
// change after the first death.
func parseXDeath(hs []Header) *Origin {
	h, ok := headerNamed(hs, "x-death")
	if !ok {
		return nil
	}
	items, _ := h.Typed.([]any)
	var deaths []Death
	for _, it := range items {
		t, ok := it.(map[string]any)
		if !ok {
			continue
		}
		deaths = append(deaths, Death{
			Queue: str(t["queue"]), Reason: str(t["reason"]), Count: toInt(t["count"]),
			Time: toTime(t["time"]), Exchange: str(t["exchange"]), RoutingKeys: strs(t["routing-keys"]),
		})
	}
	if len(deaths) == 0 {
		return nil
	}
	first := deaths[len(deaths)-1]
	o := &Origin{
		Convention: RabbitXDeath, Destination: first.Queue, Exchange: first.Exchange,
		RoutingKeys: first.RoutingKeys, Reason: first.Reason, Count: first.Count, Timestamp: first.Time,
		Deaths: deaths,
	}
	if q := headerText(hs, "x-first-death-queue"); q != "" {
		o.Destination = q
		o.Reason = or(headerText(hs, "x-first-death-reason"), o.Reason)
		if x, ok := headerNamed(hs, "x-first-death-exchange"); ok {
			o.Exchange = textOf(x)
		}
		for _, d := range deaths {
			if d.Queue == q && d.Reason == o.Reason {
				o.RoutingKeys, o.Count, o.Timestamp = d.RoutingKeys, d.Count, d.Time
			}
		}
	}
	return o
}

func parseSpring(hs []Header) *Origin {
	topic := headerText(hs, "kafka_dlt-original-topic")
	if topic == "" {
		return nil
	}
	o := &Origin{Convention: SpringKafka, Destination: topic,
		Group:     headerText(hs, "kafka_dlt-original-consumer-group"),
		Exception: exception(headerText(hs, "kafka_dlt-exception-fqcn"), headerText(hs, "kafka_dlt-exception-message")),
	}
	o.Partition = headerInt32(hs, "kafka_dlt-original-partition")
	o.Offset = headerInt64(hs, "kafka_dlt-original-offset")
	if ts := headerInt64(hs, "kafka_dlt-original-timestamp"); ts != nil {
		o.Timestamp = time.UnixMilli(*ts).UTC()
	}
	return o
}

func parseConnect(hs []Header) *Origin {
	topic := headerText(hs, "__connect.errors.topic")
	if topic == "" {
		return nil
	}
	return &Origin{Convention: KafkaConnect, Destination: topic,
		Partition: headerInt32(hs, "__connect.errors.partition"),
		Offset:    headerInt64(hs, "__connect.errors.offset"),
		Group:     headerText(hs, "__connect.errors.connector.name"),
		Exception: exception(headerText(hs, "__connect.errors.exception.class.name"),
			headerText(hs, "__connect.errors.exception.message")),
	}
}

func parseCloudStream(hs []Header) *Origin {
	topic := headerText(hs, "x-original-topic")
	if topic == "" {
		return nil
	}
	return &Origin{Convention: SpringCloudStream, Destination: topic,
		Partition: headerInt32(hs, "x-original-partition"),
		Offset:    headerInt64(hs, "x-original-offset"),
		Exception: exception(headerText(hs, "x-exception-fqcn"), headerText(hs, "x-exception-message")),
	}
}

func exception(class, msg string) string {
	switch {
	case class == "":
		return msg
	case msg == "":
		return class
	}
	return class + ": " + msg
}

func headerText(hs []Header, key string) string {
	h, ok := headerNamed(hs, key)
	if !ok {
		return ""
	}
	return textOf(h)
}

func textOf(h Header) string {
	if s, ok := h.Typed.(string); ok {
		return s
	}
	return string(h.Value)
}

// headerInt64 reads a number written either as decimal text (Kafka Connect) or as an 8-byte big-endian
// long (Spring); headerInt32 likewise with a 4-byte int. Text wins when every byte is a digit.
func headerInt64(hs []Header, key string) *int64 {
	h, ok := headerNamed(hs, key)
	if !ok {
		return nil
	}
	if h.Typed != nil {
		v := toInt(h.Typed)
		return &v
	}
	if v, err := strconv.ParseInt(string(h.Value), 10, 64); err == nil {
		return &v
	}
	if len(h.Value) == 8 {
		v := int64(binary.BigEndian.Uint64(h.Value))
		return &v
	}
	return nil
}

func headerInt32(hs []Header, key string) *int32 {
	h, ok := headerNamed(hs, key)
	if !ok {
		return nil
	}
	if h.Typed != nil {
		v := int32(toInt(h.Typed))
		return &v
	}
	if v, err := strconv.ParseInt(string(h.Value), 10, 32); err == nil {
		p := int32(v)
		return &p
	}
	if len(h.Value) == 4 {
		v := int32(binary.BigEndian.Uint32(h.Value))
		return &v
	}
	return nil
}

func str(v any) string {
	switch s := v.(type) {
	case string:
		return s
	case []byte:
		return string(s)
	}
	return ""
}

func strs(v any) []string {
	items, _ := v.([]any)
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, str(it))
	}
	return out
}

func toInt(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case int32:
		return int64(n)
	case int16:
		return int64(n)
	case int8:
		return int64(n)
	case int:
		return int64(n)
	case uint8:
		return int64(n)
	case uint16:
		return int64(n)
	case uint32:
		return int64(n)
	case float64:
		return int64(n)
	case string:
		i, _ := strconv.ParseInt(n, 10, 64)
		return i
	}
	return 0
}

func toTime(v any) time.Time {
	if t, ok := v.(time.Time); ok {
		return t.UTC()
	}
	return time.Time{}
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// KafkaRedriveGroup is the consumer group whose committed offsets on a dead-letter topic say how far
// redrives out of it have come: Kafka letters stay in their topic, and this group's offset moves instead.
func KafkaRedriveGroup(topic string) string { return "mqscope-redrive." + topic }
