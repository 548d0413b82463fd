package backends

import (
	"context"
	"errors"
)

// The administration capabilities: making, configuring and removing what holds messages. Each is small
// so that a broker implements what it has (Kafka has topic configs, RabbitMQ has bindings), and front ends
// ask for one by type assertion like any other capability.

// DestinationSpec is a topic or queue to create. Fields a broker does not have are ignored by it: Kafka
// reads Partitions, ReplicationFactor and Configs; RabbitMQ reads Type, Durable and Arguments; SQS reads
// FIFO, DeadLetterQueue, MaxReceiveCount and Configs (as queue attributes), and refuses Type and Arguments.
type DestinationSpec struct {
	Name string
	// Kafka: Partitions 0 and ReplicationFactor 0 take the broker's defaults.
	Partitions        int
	ReplicationFactor int
	Configs           map[string]string
	// RabbitMQ: Type is "classic", "quorum" or "stream" ("" is classic); quorum queues and streams are
	// always durable. Arguments are checked for type before they are sent (see CheckQueueArguments).
	Type      string
	Durable   bool
	Arguments map[string]any
	// SQS: a FIFO queue (its name must end in .fifo), and a redrive policy sending a message to
	// DeadLetterQueue (of the same type) after MaxReceiveCount receives (1 to 1000).
	FIFO            bool
	DeadLetterQueue string
	MaxReceiveCount int
}

// DeleteOptions are a deletion's conditions: the broker refuses it when one does not hold.
type DeleteOptions struct {
	IfEmpty  bool // RabbitMQ queues: only while no message is ready
	IfUnused bool // RabbitMQ queues and exchanges: only while nothing consumes (or is bound)
}

// DestinationCreator creates topics (Kafka) or queues (RabbitMQ). A destination that exists already is
// an error wrapping ErrExists.
type DestinationCreator interface {
	CreateDestination(ctx context.Context, spec DestinationSpec) error
}

// DestinationDeleter deletes a topic or queue, with its messages. One that does not exist is ErrNotFound.
type DestinationDeleter interface {
	DeleteDestination(ctx context.Context, name string, opts DeleteOptions) error
}

// PartitionAdder raises a topic's partition count to total (Kafka cannot lower it).
type PartitionAdder interface {
	AddPartitions(ctx context.Context, topic string, total int) error
}

// ConfigSource says where a config's effective value comes from.
type ConfigSource string

const (
	SourceDefault ConfigSource = "default" // the broker's built-in default
	SourceBroker  ConfigSource = "broker"  // set for the broker or the cluster
	SourceTopic   ConfigSource = "topic"   // set on the topic itself
)

// ConfigEntry is one config of a topic: its effective value and where that comes from.
type ConfigEntry struct {
	Name      string
	Value     string
	Source    ConfigSource
	Sensitive bool // the broker hides the value (Value is empty)
	ReadOnly  bool
}

// TopicConfigurer reads and changes a topic's configs. AlterTopicConfig sets the configs in set and
// takes those in reset back to the value they inherit; the others stay as they are.
type TopicConfigurer interface {
	TopicConfig(ctx context.Context, topic string) ([]ConfigEntry, error)
	AlterTopicConfig(ctx context.Context, topic string, set map[string]string, reset []string) error
}

// GroupDeleter deletes consumer groups, or the offsets one committed for one topic. Both are refused by
// the broker while the group has members: the error then wraps ErrGroupActive.
type GroupDeleter interface {
	DeleteGroup(ctx context.Context, group string) error
	DeleteGroupOffsets(ctx context.Context, group, topic string) error
}

// ClusterDescriber describes the cluster beyond its Identity: the broker configs set away from their
// defaults (Kafka), by broker id.
type ClusterDescriber interface {
	BrokerConfigs(ctx context.Context) (map[string][]ConfigEntry, error)
}

// BrokerConfigurer changes broker configs without a restart (Kafka's dynamic configs): those of one
// broker, by id, or with broker "" the cluster-wide default every broker takes. AlterBrokerConfig sets the
// configs in set and removes the dynamic value of those in reset; the others stay.
type BrokerConfigurer interface {
	AlterBrokerConfig(ctx context.Context, broker string, set map[string]string, reset []string) error
}

// ExchangeSpec is a RabbitMQ exchange to declare.
type ExchangeSpec struct {
	Name       string
	Type       string // direct, fanout, topic, headers
	Durable    bool
	AutoDelete bool
	Internal   bool
	Arguments  map[string]any
}

// ExchangeAdmin declares and deletes exchanges (RabbitMQ).
type ExchangeAdmin interface {
	DeclareExchange(ctx context.Context, spec ExchangeSpec) error
	DeleteExchange(ctx context.Context, name string, opts DeleteOptions) error
}

// Binding routes from an exchange to a queue or to another exchange.
type Binding struct {
	Source          string // the exchange; "" is the default exchange
	Destination     string
	DestinationKind DestinationKind // Queue or Exchange
	RoutingKey      string
	Arguments       map[string]any
}

// Binder binds and unbinds, and lists the bindings of a queue or exchange: those that lead to it and,
// for an exchange, those that leave it.
type Binder interface {
	Bind(ctx context.Context, b Binding) error
	Unbind(ctx context.Context, b Binding) error
	Bindings(ctx context.Context, kind DestinationKind, name string) ([]Binding, error)
}

// Policy is a RabbitMQ policy: a definition applied to the queues or exchanges whose names match.
type Policy struct {
	Name       string
	Vhost      string
	Pattern    string
	ApplyTo    string // queues, exchanges, all
	Priority   int
	Definition map[string]any
}

// PolicyAdmin lists, sets and clears policies in the connection's vhost.
type PolicyAdmin interface {
	Policies(ctx context.Context) ([]Policy, error)
	SetPolicy(ctx context.Context, p Policy) error
	ClearPolicy(ctx context.Context, name string) error
}

// VhostLister lists the broker's virtual hosts.
type VhostLister interface {
	Vhosts(ctx context.Context) ([]string, error)
}

// NameChecker is implemented by backends whose broker has rules for a new destination's name that mqscope
// applies before asking (Kafka's topic names; kfake and some proxies would take any). An error is a name
// the broker refuses, said in one line with the rule; a warning is a legal name that is likely a mistake.
type NameChecker interface {
	CheckDestinationName(name string) (warning string, err error)
}

// ErrExists is a broker's refusal to create what is there already.
var ErrExists = errors.New("already exists")

// Topology is what a broker is made of, as a declarative file states it: its topics or queues, exchanges
// and bindings (not their messages, not the broker's own).
type Topology struct {
	Destinations []DestinationSpec // Kafka: only the configs set on the topic itself
	Exchanges    []ExchangeSpec
	Bindings     []Binding
}

// TopologyReader reads the broker's whole topology in a few requests.
type TopologyReader interface {
	Topology(ctx context.Context) (Topology, error)
}
