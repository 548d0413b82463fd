package backends

import "context"

// Details is a closer look at one destination than a listing takes: per partition where the log has
// partitions, and what a RabbitMQ queue is made of (arguments, policy, where it lives, who consumes).
// Parts a broker does not have stay empty.
type Details struct {
	// Destination is the destination with the figures of a listing, read now for this one.
	Destination Destination

	// Partitions of a Kafka topic, sorted by partition, with exact log offsets.
	Partitions []PartitionInfo
	// Configs of a Kafka topic, every one with its source (the front ends show those set away from their
	// defaults). Filled by actions.Describe, not by the adapter.
	Configs []ConfigEntry

	// RabbitMQ queues and exchanges.
	Durable, AutoDelete, Exclusive bool
	Arguments                      map[string]any
	Policy                         string         // the name of the policy applied, if any
	OperatorPolicy                 string         // the operator policy applied, if any
	PolicyDefinition               map[string]any // the effective policy's definition
	Node                           string         // the node a classic queue lives on, a quorum queue's leader
	Members                        []string       // a quorum queue's or stream's members
	Online                         []string       // those of Members that are up
	Consumers                      []Consumer
	// Bindings lead to a queue, or lead to and leave an exchange. Filled by actions.Describe.
	Bindings []Binding

	// Properties are what else the broker says about the destination, in its own words (a NATS stream's
	// limits, a Redis stream's first and last entry), in the order it gives them.
	Properties []Property
	// Readers are the consumers that read a log at their own pace (NATS consumers, Redis stream groups).
	Readers []Reader
}

// PartitionInfo is one partition of a topic: who leads it, who holds it, and the offsets it holds.
type PartitionInfo struct {
	Partition int32
	Leader    int32   // broker id; -1 when it has none (offline)
	Replicas  []int32 // broker ids, in the broker's order
	ISR       []int32 // in-sync replicas
	Offline   []int32 // replicas that are down
	Start     int64   // log start offset; Unknown where the leader did not answer
	End       int64   // log end offset (high watermark); Unknown likewise
}

// Consumer is one consumer of a RabbitMQ queue and the channel it reads on.
type Consumer struct {
	Tag         string
	Channel     string // the channel's name: "client address -> server address (number)"
	Connection  string // the client's connection name, where it gave one
	User        string
	Prefetch    int // how many unacknowledged deliveries it may hold; 0 is no limit
	AckRequired bool
	Exclusive   bool
	Active      bool
}

// Property is one fact about a destination, as its broker names it.
type Property struct {
	Name, Value string
}

// Reader is a consumer that keeps its own place in a log (a NATS JetStream consumer, a Redis stream
// group): where it stands and what it has not settled.
type Reader struct {
	Name      string
	Consumers int    // clients reading for it; Unknown where the broker does not say
	Position  string // where it stands, in the broker's terms (last delivered id, ack floor)
	Pending   int64  // delivered, not acknowledged
	Lag       int64  // not delivered yet; Unknown where the broker cannot tell
}

// Describer looks closely at one destination, in a few requests: what its details view and `mqscope
// describe` show. A destination that does not exist is an error wrapping ErrNotFound.
type Describer interface {
	Describe(ctx context.Context, kind DestinationKind, name string) (Details, error)
}
