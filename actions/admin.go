package actions

import (
	"context"
	"fmt"
	"maps"

	"github.com/mqscope/mqscope/backends"
)

// The administration verbs: making, configuring and removing topics, queues, exchanges, bindings,
// policies and groups. Each change is a Session method, so that read-only refuses it and the audit log
// records it like any other.
const (
	VerbCreate        Verb = "create"         // a topic or queue
	VerbDelete        Verb = "delete"         // a topic or queue
	VerbAddPartitions Verb = "add partitions" // to a topic
	VerbAlterConfig   Verb = "alter config"   // of a topic
	VerbAlterBroker   Verb = "alter broker config"
	VerbDeleteGroup   Verb = "delete group"       // a consumer group
	VerbDeleteOffsets Verb = "delete offsets"     // a group's on one topic
	VerbDeclareExch   Verb = "declare exchange"   // RabbitMQ
	VerbDeleteExch    Verb = "delete exchange"    // RabbitMQ
	VerbBind          Verb = "bind"               // RabbitMQ
	VerbUnbind        Verb = "unbind"             // RabbitMQ
	VerbSetPolicy     Verb = "set policy"         // RabbitMQ
	VerbClearPolicy   Verb = "clear policy"       // RabbitMQ
	VerbReadConfig    Verb = "read config"        // a topic's configs (reads)
	VerbBindings      Verb = "list bindings"      // reads
	VerbPolicies      Verb = "list policies"      // reads
	VerbVhosts        Verb = "list vhosts"        // reads
	VerbBrokerConfigs Verb = "read broker config" // reads
)

// adminVerbs join the verbs table at start-up: kept beside the methods that do them.
var adminVerbs = map[Verb]verbSpec{
	VerbCreate: {mutates: true, has: is[backends.DestinationCreator], lacks: "creating destinations on this broker is not supported yet"},
	VerbDelete: {mutates: true, has: is[backends.DestinationDeleter], lacks: "deleting destinations on this broker is not supported yet"},
	VerbAddPartitions: {mutates: true, has: is[backends.PartitionAdder],
		lacks: "this broker has no partitions to add"},
	VerbAlterConfig: {mutates: true, has: is[backends.TopicConfigurer], lacks: "this broker has no topic configs (RabbitMQ uses policies)"},
	VerbAlterBroker: {mutates: true, has: is[backends.BrokerConfigurer], lacks: "this broker has no dynamic broker configs"},
	VerbDeleteGroup: {mutates: true, has: is[backends.GroupDeleter], lacks: "this broker has no consumer groups to delete"},
	VerbDeleteOffsets: {mutates: true, has: is[backends.GroupDeleter],
		lacks: "this broker has no consumer group offsets to delete"},
	VerbDeclareExch: {mutates: true, has: is[backends.ExchangeAdmin], lacks: "this broker has no exchanges"},
	VerbDeleteExch:  {mutates: true, has: is[backends.ExchangeAdmin], lacks: "this broker has no exchanges"},
	VerbBind:        {mutates: true, has: is[backends.Binder], lacks: "this broker has no bindings"},
	VerbUnbind:      {mutates: true, has: is[backends.Binder], lacks: "this broker has no bindings"},
	VerbSetPolicy:   {mutates: true, has: is[backends.PolicyAdmin], lacks: "this broker has no policies"},
	VerbClearPolicy: {mutates: true, has: is[backends.PolicyAdmin], lacks: "this broker has no policies"},
	VerbReadConfig:  {has: is[backends.TopicConfigurer], lacks: "this broker has no topic configs (RabbitMQ uses policies)"},
	VerbBindings:    {has: is[backends.Binder], lacks: "this broker has no bindings"},
	VerbPolicies:    {has: is[backends.PolicyAdmin], lacks: "this broker has no policies"},
	VerbVhosts:      {has: is[backends.VhostLister], lacks: "this broker has no virtual hosts"},
	VerbBrokerConfigs: {has: is[backends.ClusterDescriber],
		lacks: "this broker does not describe its configuration"},
}

func init() { maps.Copy(verbs, adminVerbs) }

// change runs one administrative change through the gate: refused (and audited) unless allowed, then
// done and audited with its outcome.
func (s *Session) change(ctx context.Context, v Verb, what string, do func() error, scope ...any) error {
	if err := s.begin(v, scope...); err != nil {
		return err
	}
	err := do()
	s.done(v, err, scope...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// CreateDestination creates a topic or queue. A name the broker's rules refuse is refused before anything
// is sent (CheckName).
func (s *Session) CreateDestination(ctx context.Context, spec backends.DestinationSpec) error {
	if _, err := s.CheckName(spec.Name); err != nil {
		return err
	}
	return s.change(ctx, VerbCreate, "create "+spec.Name, func() error {
		return s.b.(backends.DestinationCreator).CreateDestination(ctx, spec)
	}, "name", spec.Name, "partitions", spec.Partitions, "replication", spec.ReplicationFactor,
		"configs", spec.Configs, "type", spec.Type, "arguments", spec.Arguments, "fifo", spec.FIFO,
		"dead_letter_queue", spec.DeadLetterQueue, "max_receive_count", spec.MaxReceiveCount)
}

// CheckName applies the broker's rules for a new destination's name, where it has some mqscope knows
// (backends.NameChecker): an error for a name it refuses, a warning for a legal name that is likely a
// mistake (Kafka: '.' and '_' in one topic name). Creating checks it anyway; front ends call it first to
// show the warning.
func (s *Session) CheckName(name string) (warning string, err error) {
	if s == nil {
		return "", nil // not connected: creating says so
	}
	if c, ok := s.b.(backends.NameChecker); ok {
		return c.CheckDestinationName(name)
	}
	return "", nil
}

// destinationValidator is implemented by backends whose broker judges a creation without doing it (Kafka's
// CreateTopics with validate_only).
type destinationValidator interface {
	ValidateDestination(ctx context.Context, spec backends.DestinationSpec) error
}

// CheckCreate says whether spec would be created, creating nothing: the broker judges it where it can,
// else the checks done before sending (queue argument types). It needs what creating needs: read-only
// refuses it like the creation itself, since it previews one.
func (s *Session) CheckCreate(ctx context.Context, spec backends.DestinationSpec) error {
	if err := s.Can(VerbCreate); err != nil {
		return err
	}
	if _, err := s.CheckName(spec.Name); err != nil {
		return err
	}
	if v, ok := s.b.(destinationValidator); ok {
		return v.ValidateDestination(ctx, spec)
	}
	return backends.CheckQueueArguments(spec.Type, maps.Clone(spec.Arguments))
}

// DeleteDestination deletes a topic or queue with what it holds.
func (s *Session) DeleteDestination(ctx context.Context, name string, opts backends.DeleteOptions) error {
	return s.change(ctx, VerbDelete, "delete "+name, func() error {
		return s.b.(backends.DestinationDeleter).DeleteDestination(ctx, name, opts)
	}, "name", name, "if_empty", opts.IfEmpty, "if_unused", opts.IfUnused)
}

// AddPartitions raises a topic's partition count to total.
func (s *Session) AddPartitions(ctx context.Context, topic string, total int) error {
	return s.change(ctx, VerbAddPartitions, "add partitions to "+topic, func() error {
		return s.b.(backends.PartitionAdder).AddPartitions(ctx, topic, total)
	}, "topic", topic, "partitions", total)
}

// AlterTopicConfig sets the configs in set and takes those in reset back to what they inherit.
func (s *Session) AlterTopicConfig(ctx context.Context, topic string, set map[string]string, reset []string) error {
	return s.change(ctx, VerbAlterConfig, "alter the configs of "+topic, func() error {
		return s.b.(backends.TopicConfigurer).AlterTopicConfig(ctx, topic, set, reset)
	}, "topic", topic, "set", set, "reset", reset)
}

// AlterBrokerConfig sets and resets the dynamic configs of one broker, or with broker "" the cluster-wide
// default.
func (s *Session) AlterBrokerConfig(ctx context.Context, broker string, set map[string]string, reset []string) error {
	what := "alter the cluster-wide broker configs"
	if broker != "" {
		what = "alter the configs of broker " + broker
	}
	return s.change(ctx, VerbAlterBroker, what, func() error {
		return s.b.(backends.BrokerConfigurer).AlterBrokerConfig(ctx, broker, set, reset)
	}, "broker", broker, "set", set, "reset", reset)
}

// DeleteGroup deletes a consumer group with its committed offsets; the broker refuses while it has members.
func (s *Session) DeleteGroup(ctx context.Context, group string) error {
	return s.change(ctx, VerbDeleteGroup, "delete group "+group, func() error {
		return s.b.(backends.GroupDeleter).DeleteGroup(ctx, group)
	}, "group", group)
}

// DeleteGroupOffsets deletes the offsets a group committed on one topic.
func (s *Session) DeleteGroupOffsets(ctx context.Context, group, topic string) error {
	return s.change(ctx, VerbDeleteOffsets, fmt.Sprintf("delete the offsets of group %s on %s", group, topic), func() error {
		return s.b.(backends.GroupDeleter).DeleteGroupOffsets(ctx, group, topic)
	}, "group", group, "topic", topic)
}

// DeclareExchange declares an exchange.
func (s *Session) DeclareExchange(ctx context.Context, spec backends.ExchangeSpec) error {
	return s.change(ctx, VerbDeclareExch, "declare exchange "+spec.Name, func() error {
		return s.b.(backends.ExchangeAdmin).DeclareExchange(ctx, spec)
	}, "exchange", spec.Name, "type", spec.Type, "durable", spec.Durable)
}

// DeleteExchange deletes an exchange and its bindings.
func (s *Session) DeleteExchange(ctx context.Context, name string, opts backends.DeleteOptions) error {
	return s.change(ctx, VerbDeleteExch, "delete exchange "+name, func() error {
		return s.b.(backends.ExchangeAdmin).DeleteExchange(ctx, name, opts)
	}, "exchange", name, "if_unused", opts.IfUnused)
}

// Bind routes from an exchange to a queue or exchange.
func (s *Session) Bind(ctx context.Context, b backends.Binding) error {
	return s.change(ctx, VerbBind, "bind "+b.Destination, func() error {
		return s.b.(backends.Binder).Bind(ctx, b)
	}, bindingScope(b)...)
}

// Unbind removes a binding.
func (s *Session) Unbind(ctx context.Context, b backends.Binding) error {
	return s.change(ctx, VerbUnbind, "unbind "+b.Destination, func() error {
		return s.b.(backends.Binder).Unbind(ctx, b)
	}, bindingScope(b)...)
}

func bindingScope(b backends.Binding) []any {
	return []any{"source", b.Source, "destination", b.Destination, "destination_kind", string(b.DestinationKind),
		"routing_key", b.RoutingKey}
}

// SetPolicy creates or replaces a policy.
func (s *Session) SetPolicy(ctx context.Context, p backends.Policy) error {
	return s.change(ctx, VerbSetPolicy, "set policy "+p.Name, func() error {
		return s.b.(backends.PolicyAdmin).SetPolicy(ctx, p)
	}, "policy", p.Name, "pattern", p.Pattern, "apply_to", p.ApplyTo, "priority", p.Priority, "definition", p.Definition)
}

// ClearPolicy removes a policy.
func (s *Session) ClearPolicy(ctx context.Context, name string) error {
	return s.change(ctx, VerbClearPolicy, "clear policy "+name, func() error {
		return s.b.(backends.PolicyAdmin).ClearPolicy(ctx, name)
	}, "policy", name)
}

// read runs one reading verb: refused only where the backend lacks it.
func read[T any](s *Session, v Verb, fn func() (T, error)) (T, error) {
	var zero T
	if err := s.Can(v); err != nil {
		return zero, err
	}
	return fn()
}

// TopicConfig is a topic's configs with their effective values and sources.
func (s *Session) TopicConfig(ctx context.Context, topic string) ([]backends.ConfigEntry, error) {
	return read(s, VerbReadConfig, func() ([]backends.ConfigEntry, error) {
		return s.b.(backends.TopicConfigurer).TopicConfig(ctx, topic)
	})
}

// Bindings lists the bindings of a queue or exchange.
func (s *Session) Bindings(ctx context.Context, kind backends.DestinationKind, name string) ([]backends.Binding, error) {
	return read(s, VerbBindings, func() ([]backends.Binding, error) {
		return s.b.(backends.Binder).Bindings(ctx, kind, name)
	})
}

// Policies lists the policies.
func (s *Session) Policies(ctx context.Context) ([]backends.Policy, error) {
	return read(s, VerbPolicies, func() ([]backends.Policy, error) { return s.b.(backends.PolicyAdmin).Policies(ctx) })
}

// Vhosts lists the virtual hosts.
func (s *Session) Vhosts(ctx context.Context) ([]string, error) {
	return read(s, VerbVhosts, func() ([]string, error) { return s.b.(backends.VhostLister).Vhosts(ctx) })
}

// BrokerConfigs are each broker's configs set away from their defaults.
func (s *Session) BrokerConfigs(ctx context.Context) (map[string][]backends.ConfigEntry, error) {
	return read(s, VerbBrokerConfigs, func() (map[string][]backends.ConfigEntry, error) {
		return s.b.(backends.ClusterDescriber).BrokerConfigs(ctx)
	})
}
