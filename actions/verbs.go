package actions

import (
	"errors"
	"fmt"

	"github.com/mqscope/mqscope/backends"
)

// Verb is something a front end may ask to do on a connection. Its text names it in errors and in the
// audit log.
type Verb string

// What reads.
const (
	VerbList     Verb = "list"         // list destinations
	VerbGroups   Verb = "list groups"  // list consumer groups
	VerbPeek     Verb = "peek"         // read messages without consuming them
	VerbAdvise   Verb = "advise"       // say what a peek does to a destination, where it does something
	VerbLag      Verb = "lag"          // measure consumer lag
	VerbExactLag Verb = "exact lag"    // lag in seconds from the record at the committed offset
	VerbPlanMove Verb = "plan redrive" // say what a redrive would do
	VerbPending  Verb = "list pending" // list what a group was given and has not acknowledged
)

// What changes the broker: refused in a read-only context.
const (
	VerbPublish Verb = "publish"
	VerbReplay  Verb = "replay"
	VerbRedrive Verb = "redrive"
	// VerbServerMove is a redrive the broker does itself (RabbitMQ's shovel plugin, SQS's move task):
	// RedriveOptions.ServerSide.
	VerbServerMove Verb = "server-side redrive"
	VerbPurge      Verb = "purge"
	VerbTruncate   Verb = "truncate"
	// VerbPurgeFiltered purges part of a stream, by subject or keeping its newest messages.
	VerbPurgeFiltered Verb = "purge by subject"
	VerbReset         Verb = "reset offsets"
	// VerbDeadLetterPending moves pending messages past a delivery count to a dead-letter destination.
	VerbDeadLetterPending Verb = "dead-letter pending"
	VerbClaimPending      Verb = "claim pending" // give pending messages to another consumer
)

// verbSpec says what a verb needs: whether it changes the broker, which capability of the backend, and
// which capabilities a degraded connection may have lost that it cannot do without.
type verbSpec struct {
	mutates    bool
	has        func(backends.Backend) bool
	degradedBy []backends.Capability
	lacks      string // what a broker without the capability is told
}

var verbs = map[Verb]verbSpec{
	VerbList:   {has: is[backends.DestinationLister], lacks: "this broker cannot list destinations"},
	VerbGroups: {has: is[backends.GroupLister], lacks: "this broker has no consumer groups (its consumers show per destination)"},
	VerbPeek:   {has: is[backends.Peeker], lacks: "this broker cannot peek messages"},
	VerbAdvise: {has: is[backends.PeekAdvisor], lacks: "peeking on this broker changes nothing"},
	VerbLag: {has: is[backends.LagReader],
		lacks: "this broker has no consumer groups to measure lag on (queues show their backlog instead)"},
	VerbExactLag: {has: both(is[backends.LagReader], is[backends.Peeker]),
		lacks: "this broker cannot read the record at a committed offset, so lag in seconds stays an estimate"},
	VerbPlanMove: {has: both(is[backends.Mover], is[backends.Peeker]), lacks: "this broker cannot move messages"},
	VerbPending: {has: is[backends.PendingReader],
		lacks: "this broker keeps no list of delivered, unacknowledged messages to show"},
	VerbDeadLetterPending: {mutates: true, has: both(is[backends.PendingReader], is[backends.PendingSettler]),
		lacks: "this broker cannot settle pending messages (its own delivery limits dead-letter them)"},
	VerbClaimPending: {mutates: true, has: both(is[backends.PendingReader], is[backends.PendingSettler]),
		lacks: "this broker cannot give pending messages to another consumer"},
	VerbPublish: {mutates: true, has: is[backends.Publisher], lacks: "this broker cannot publish messages"},
	VerbReplay:  {mutates: true, has: is[backends.Publisher], lacks: "this broker cannot publish messages"},
	VerbRedrive: {mutates: true, has: is[backends.Mover], lacks: "this broker cannot move messages"},
	// RabbitMQ's shovel on request; SQS's move task, which a redrive uses by itself where it fits: asked
	// for, it is insisted on (refused where it cannot do the move, rather than moving client-side).
	VerbServerMove: {mutates: true, has: both(is[backends.Mover], either(is[backends.ServerMover], is[backends.TaskMover])),
		lacks: "this broker cannot move messages itself"},
	// A purge is shown before it is done, and what it removes comes from the listing.
	VerbPurge: {mutates: true, has: is[backends.Purger], degradedBy: []backends.Capability{backends.Listing},
		lacks: "this broker has no queues to purge (Kafka topics are truncated instead)"},
	VerbPurgeFiltered: {mutates: true, has: is[backends.FilteredPurger],
		lacks: "this broker cannot purge by subject or keep the newest messages (NATS streams can)"},
	VerbTruncate: {mutates: true, has: both(is[backends.Truncator], is[backends.OffsetResetter]),
		lacks: "this broker has no topics to truncate (RabbitMQ queues are purged instead)"},
	VerbReset: {mutates: true, has: both(is[backends.OffsetResetter], is[backends.LagReader]),
		lacks: "this broker has no consumer group offsets to reset"},
}

// Mutates reports whether v changes the broker.
func (v Verb) Mutates() bool { return verbs[v].mutates }

func is[C any](b backends.Backend) bool {
	_, ok := b.(C)
	return ok
}

func both(x, y func(backends.Backend) bool) func(backends.Backend) bool {
	return func(b backends.Backend) bool { return x(b) && y(b) }
}

func either(x, y func(backends.Backend) bool) func(backends.Backend) bool {
	return func(b backends.Backend) bool { return x(b) || y(b) }
}

// Why a session refuses a verb: the Err of a *RefusedError, for errors.Is.
var (
	// ErrReadOnly: the context refuses every mutation.
	ErrReadOnly = errors.New("read-only")
	// ErrNotConnected: there is no connection (a zero session, or one not yet open).
	ErrNotConnected = errors.New("not connected")
)

// RefusedError is a verb a session would not do, and why: ErrReadOnly, ErrNotConnected,
// backends.ErrNotSupported, or a *DegradedError. Its text names no key and no flag; each front end adds
// its own way out (see the CLI's and the TUI's phrasing).
type RefusedError struct {
	Verb    Verb
	Context string // the context's name; "" when unknown
	Err     error
}

func (e *RefusedError) Error() string {
	where := "this connection"
	if e.Context != "" {
		where = fmt.Sprintf("context %q", e.Context)
	}
	var d *DegradedError
	switch {
	case errors.Is(e.Err, ErrReadOnly):
		return fmt.Sprintf("%s refused: %s is read-only", e.Verb, where)
	case errors.Is(e.Err, ErrNotConnected):
		return fmt.Sprintf("%s refused: not connected", e.Verb)
	case errors.As(e.Err, &d):
		return fmt.Sprintf("%s refused: %s", e.Verb, d)
	}
	if lacks := verbs[e.Verb].lacks; lacks != "" {
		return fmt.Sprintf("%s refused: %s", e.Verb, lacks)
	}
	return fmt.Sprintf("%s refused: %v", e.Verb, e.Err)
}

func (e *RefusedError) Unwrap() error { return e.Err }

// Lacks is why a broker without the verb's capability cannot do it, in words for a user ("this broker
// has no policies"); "" when the verb has no such words.
func (v Verb) Lacks() string { return verbs[v].lacks }

// DegradedError says that a connection lost a capability it needs (RabbitMQ without its management API
// cannot list), and why.
type DegradedError struct {
	Lacks backends.Capability
	Err   error
}

func (e *DegradedError) Error() string {
	return fmt.Sprintf("this connection cannot %s right now: %v", e.Lacks, e.Err)
}

func (e *DegradedError) Unwrap() error { return e.Err }

// refusalReason is a refusal's cause in a word or two, for the audit log.
func refusalReason(err error) string {
	var d *DegradedError
	switch {
	case errors.Is(err, ErrReadOnly):
		return "read-only"
	case errors.Is(err, ErrNotConnected):
		return "not connected"
	case errors.As(err, &d):
		return "degraded"
	}
	return "not supported"
}
