// Package backends is the adapter contract: the shared types every broker adapter speaks, the small
// capability interfaces front ends ask for ("can this backend list groups?"), and the errors they return.
//
// A front end never switches on the broker's name. It holds a Backend and asks for a capability with a
// type assertion, through the helpers below, so that a new broker is a new folder under backends/ and
// nothing else.
package backends

import "context"

// Backend is a live connection to one broker cluster. Every adapter implements it; everything else is a
// capability an adapter may add.
type Backend interface {
	// Identity describes the cluster this backend is connected to.
	Identity(ctx context.Context) (Identity, error)
	// Close releases every connection. It is safe to call more than once.
	Close() error
}

// DestinationLister lists the places messages live: topics, queues, streams, exchanges.
type DestinationLister interface {
	ListDestinations(ctx context.Context, opts ListOptions) ([]Destination, error)
}

// GroupLister lists consumer groups (Kafka). RabbitMQ has no consumer groups and does not implement it.
type GroupLister interface {
	ListGroups(ctx context.Context) ([]ConsumerGroup, error)
}

// ListOptions narrows a listing.
type ListOptions struct {
	// IncludeInternal also lists the broker's own destinations (Kafka's __consumer_offsets,
	// RabbitMQ's amq.* exchanges).
	IncludeInternal bool
}

// Warner is implemented by backends that run degraded (for example RabbitMQ without its management
// API): Warnings says, in plain sentences, what is missing and what still works.
type Warner interface {
	Warnings() []string
}

// AsDestinationLister reports whether b can list destinations.
func AsDestinationLister(b Backend) (DestinationLister, bool) {
	l, ok := b.(DestinationLister)
	return l, ok
}

// AsGroupLister reports whether b can list consumer groups.
func AsGroupLister(b Backend) (GroupLister, bool) {
	l, ok := b.(GroupLister)
	return l, ok
}

// WarningsOf returns b's degradation warnings, if it has any.
func WarningsOf(b Backend) []string {
	if w, ok := b.(Warner); ok {
		return w.Warnings()
	}
	return nil
}

// Capability names what a backend can do, for a Degrader to say which of its capabilities it lost.
type Capability string

// The capabilities a connection may lose while it stays up.
const (
	Listing Capability = "list destinations"
)

// Degrader is implemented by backends that can run without part of what they do (RabbitMQ without its
// management API cannot list). Lost says why c does not work right now, or nil when it does; it answers
// from what the backend last saw, without a round trip, so that a front end may ask it while drawing.
type Degrader interface {
	Lost(c Capability) error
}
