package backends

import (
	"context"
	"time"
)

// Kind names a broker family. It is for display and wiring only: front ends decide by capability.
type Kind string

const (
	Kafka    Kind = "kafka"
	RabbitMQ Kind = "rabbitmq"
	Redis    Kind = "redis"
	NATS     Kind = "nats"
	MQTT     Kind = "mqtt"
	SQS      Kind = "sqs"
)

// Identity says which cluster a backend is talking to.
type Identity struct {
	Kind    Kind
	Version string // broker software version, or the best the protocol reveals (e.g. "3.7+")
	Cluster string // Kafka cluster id, RabbitMQ cluster name
	Nodes   []Node
}

// Node is one broker process of a cluster.
type Node struct {
	ID      string
	Address string // host:port
	Role    string // "controller" for Kafka's controller, "" otherwise
	Down    bool   // the cluster knows the node but it is not running
}

// DestinationKind says what sort of place a destination is.
type DestinationKind string

const (
	Topic    DestinationKind = "topic"
	Queue    DestinationKind = "queue"
	Stream   DestinationKind = "stream"
	Exchange DestinationKind = "exchange"
)

// Unknown is a count the broker could not give: RabbitMQ's management API reports no figures for a queue
// right after a restart, or before the statistics collector first saw it. Front ends show it as unknown
// (JSON null, "?" in tables), never as 0: a queue holding 500 must not read as empty.
const Unknown = -1

// Known says whether a count is a figure rather than Unknown.
func Known[N int | int64](n N) bool { return n >= 0 }

// Destination is a topic, queue, stream or exchange with the figures a listing shows. Fields that a broker
// does not have stay at their zero value; counts it has but could not give now are Unknown; rates are nil
// where the broker reported none (idle RabbitMQ queues carry no rate fields at all).
type Destination struct {
	Name string
	Kind DestinationKind
	// Type refines Kind: "classic", "quorum" or "stream" for RabbitMQ queues, "direct", "fanout", "topic" or
	// "headers" for exchanges; empty for Kafka topics.
	Type     string
	Vhost    string // RabbitMQ only
	Internal bool   // the broker's own: __consumer_offsets, amq.* exchanges

	// Kafka topics.
	Partitions        int
	ReplicationFactor int
	UnderReplicated   int // partitions whose in-sync replicas are fewer than their replicas
	Offline           int // partitions without a leader

	// Messages is the total held: for Kafka the sum over partitions of end − start offset, for RabbitMQ
	// ready + unacknowledged. Messages, Ready, Unacked and Consumers may be Unknown.
	Messages int64
	Ready    int64 // RabbitMQ
	Unacked  int64 // RabbitMQ; the pending entries of a Redis stream's groups
	// TakenWhenRead says a read takes a message away for good, unacknowledged (a Redis list's pops): the
	// queue never holds a message delivered and unacknowledged, so Unacked means nothing for it.
	TakenWhenRead bool
	// CountsExact says Ready and Consumers were counted now (RabbitMQ: a passive queue.declare) rather than
	// sampled by the management API, whose figures are up to its statistics interval (5 s) old.
	CountsExact bool

	Consumers   int
	PublishRate *float64 // messages per second
	DeliverRate *float64 // messages per second
	AckRate     *float64 // messages per second (RabbitMQ)

	// Logs whose entries carry their time (Redis streams): the first and last entry held, and the
	// consumer groups reading it.
	FirstID, LastID string
	Oldest, Newest  time.Time // zero when empty or unknown
	Groups          int
	// Bytes is what the destination takes: the bytes of its messages as the broker counts them (a NATS
	// stream, an MQTT topic's retained message), or, where BytesEstimated, the memory Redis estimates
	// from a sample; 0 when unknown.
	Bytes          int64
	BytesEstimated bool
	// Subjects are the subjects a stream takes (NATS JetStream).
	Subjects []string
	// MQTT topics, as a listing saw them: messages seen arriving during its Window (PublishRate is Seen
	// over Window), the last one's size and QoS, and whether the topic holds a retained message (Messages
	// is then 1, the most a topic holds).
	Seen     int64
	Window   time.Duration
	LastSize int
	QoS      int
	Retained bool
	// LastPayload is the start of the last message's payload (at most PreviewBytes, cut on a rune
	// boundary), raw: front ends sanitize it. A preview, not the payload: memory stays bounded by the
	// listing's topic cap.
	LastPayload []byte
	// TopicsUnder, where set, makes this row a level of a topic tree rather than a topic: the number of
	// topics below it. Front ends synthesize these rows (present.TopicTree); no broker lists them.
	TopicsUnder int

	// SQS queues: Ready is the approximate visible count, Unacked the approximate in-flight count, and
	// Delayed the approximate count of messages not yet visible because of a delay; SQS says all three are
	// approximate, and Approximate says so for front ends.
	Delayed     int64
	Approximate bool
	// Redrive is an SQS queue's redrive policy: where a message goes after maxReceiveCount receives.
	Redrive *RedrivePolicy
	// DeadLetterSources are the queues whose redrive policy names this one as their dead-letter queue
	// (SQS ListDeadLetterSourceQueues), sorted.
	DeadLetterSources []string

	DeadLetter *DeadLetterConfig // RabbitMQ: where rejected or expired messages go
	Policy     string            // RabbitMQ: the name of the policy applied, if any
	State      string            // RabbitMQ: "running", "idle", ...; empty where unknown
}

// DeadLetterConfig is a RabbitMQ queue's dead-lettering, merged from its arguments and its effective policy
// (arguments win, as in the broker).
type DeadLetterConfig struct {
	Exchange      string // x-dead-letter-exchange ("" is the default exchange)
	HasExchange   bool   // false when no dead-letter exchange is set: letters past a limit are dropped
	RoutingKey    string // x-dead-letter-routing-key; empty keeps the message's own
	DeliveryLimit int    // x-delivery-limit for quorum queues; 0 when unset (see HasDeliveryLimit)
	FromPolicy    bool   // true when any of it came from a policy rather than the queue's arguments
	// HasDeliveryLimit is true when a delivery limit is set: 0 is a limit too (on RabbitMQ 3.x the first
	// give-back of a message ends it).
	HasDeliveryLimit bool
}

// RedrivePolicy is an SQS queue's redrive policy: a message received more than MaxReceiveCount times
// goes to DeadLetterQueue instead of being delivered again.
type RedrivePolicy struct {
	DeadLetterQueue string // the queue's name (the policy holds its ARN)
	MaxReceiveCount int
}

// ID is a stable identity for a destination across refreshes ("vhost/name" for RabbitMQ).
func (d Destination) ID() string {
	if d.Vhost != "" {
		return d.Vhost + "/" + string(d.Kind) + "/" + d.Name
	}
	return string(d.Kind) + "/" + d.Name
}

// ConsumerGroup is a Kafka consumer group as a listing shows it.
type ConsumerGroup struct {
	Name         string
	State        string // Stable, Empty, Dead, PreparingRebalance, CompletingRebalance, ...
	Members      int
	ProtocolType string           // "consumer" for ordinary consumer groups
	Protocol     string           // the assignor: range, roundrobin, cooperative-sticky, ...
	Coordinator  string           // host:port of the group's coordinator
	Topics       []string         // assigned, subscribed or committed on, sorted
	Committed    []RecordPosition // committed offsets (Kafka), sorted by topic and partition
}

// PositionKind says where a read starts.
type PositionKind int

const (
	Earliest PositionKind = iota // the oldest message still held
	Latest                       // after the newest: only what arrives from now on
	AtOffset                     // an explicit offset (Kafka, RabbitMQ streams)
	AtTime                       // the first message at or after a time
	LastN                        // the last N of each partition
)

// Position is where a read starts. Later capabilities (peek, tail) take it.
type Position struct {
	Kind   PositionKind
	Offset int64
	Time   time.Time
	N      int
}

// QueueCounter says how many messages are ready in one queue and how many consumers it has, exactly and
// now (RabbitMQ: a passive queue.declare), where a listing's figures are samples a few seconds old, or
// Unknown.
type QueueCounter interface {
	QueueCount(ctx context.Context, queue string) (ready int64, consumers int, err error)
}
