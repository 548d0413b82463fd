package actions

import (
	"context"
	"fmt"
	"slices"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/sanitize"
)

// VerbDescribe reads one destination whole; VerbDescribeGroup one consumer group.
const (
	VerbDescribe      Verb = "describe"
	VerbDescribeGroup Verb = "describe group"
)

func init() {
	verbs[VerbDescribe] = verbSpec{has: is[backends.DestinationLister], lacks: "this broker cannot list destinations"}
	verbs[VerbDescribeGroup] = verbSpec{has: is[backends.GroupLister], lacks: "this broker has no consumer groups"}
}

// Describe looks closely at one destination, for its details view and `mqscope describe`: the adapter's
// own description where it has one (a topic's partitions; a queue's arguments, policy, node, consumers),
// else its line of a listing; then a topic's configs and a queue's or exchange's bindings, where the broker
// has them. It changes nothing. A destination that is not there is an error wrapping ErrNotFound.
func Describe(ctx context.Context, b backends.Backend, kind backends.DestinationKind, name string) (backends.Details, error) {
	d, err := describeItself(ctx, b, kind, name)
	if err != nil {
		return d, err
	}
	s := readingSession(b)
	switch {
	case kind == backends.Topic && s.Allows(VerbReadConfig):
		if d.Configs, err = s.TopicConfig(ctx, name); err != nil {
			return d, fmt.Errorf("configs of topic %s: %w", sanitize.Line(name), err)
		}
	case kind != backends.Topic && s.Allows(VerbBindings):
		if d.Bindings, err = s.Bindings(ctx, kind, name); err != nil {
			return d, fmt.Errorf("bindings of %s %s: %w", kind, sanitize.Line(name), err)
		}
	}
	return d, nil
}

func describeItself(ctx context.Context, b backends.Backend, kind backends.DestinationKind, name string) (backends.Details, error) {
	if ds, ok := b.(backends.Describer); ok {
		return ds.Describe(ctx, kind, name)
	}
	dests, err := ListDestinations(ctx, b, backends.ListOptions{IncludeInternal: true})
	if err != nil {
		return backends.Details{}, err
	}
	i := slices.IndexFunc(dests, func(d backends.Destination) bool { return d.Name == name && sameKind(d.Kind, kind) })
	if i < 0 {
		return backends.Details{}, backends.NotFound("no %s %s here", kind, sanitize.Line(name))
	}
	return backends.Details{Destination: dests[i]}, nil
}

// sameKind takes a stream for a queue: RabbitMQ's streams are queues of a type, named like any other.
func sameKind(listed, asked backends.DestinationKind) bool {
	return listed == asked || listed == backends.Stream && asked == backends.Queue ||
		listed == backends.Queue && asked == backends.Stream
}

// NonDefaultConfigs are the configs set away from the broker's defaults, on the topic or for the brokers:
// what is worth reading in a topic's details.
func NonDefaultConfigs(all []backends.ConfigEntry) []backends.ConfigEntry {
	return slices.DeleteFunc(slices.Clone(all), func(e backends.ConfigEntry) bool { return e.Source == backends.SourceDefault })
}

// GroupDetails is one consumer group whole: as listed (state, protocol, coordinator), its members with
// what each was assigned, and every partition it is assigned or committed on, with the log's bounds.
type GroupDetails struct {
	Group      backends.ConsumerGroup
	Members    []backends.GroupMember
	Partitions []backends.PartitionLag
}

// DescribeGroup looks closely at one consumer group: its listing and one lag snapshot of it alone. A
// group with only committed offsets (Empty) shows the partitions it committed on.
func DescribeGroup(ctx context.Context, b backends.Backend, name string) (GroupDetails, error) {
	groups, err := ListGroups(ctx, b)
	if err != nil {
		return GroupDetails{}, err
	}
	i := slices.IndexFunc(groups, func(g backends.ConsumerGroup) bool { return g.Name == name })
	if i < 0 {
		// Said as lag says it (GroupsFound), so every command words a missing group the same way.
		return GroupDetails{}, &NotFoundError{Kind: "group", Name: sanitize.Line(name), Group: true}
	}
	d := GroupDetails{Group: groups[i]}
	if _, ok := b.(backends.LagReader); !ok {
		return d, nil
	}
	snap, err := LagSnapshot(ctx, b, []string{name})
	if err != nil {
		return d, err
	}
	for _, g := range snap.Groups {
		if g.Group == name {
			d.Members, d.Partitions = g.Members, g.Partitions
		}
	}
	return d, nil
}
