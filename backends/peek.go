package backends

import (
	"context"
	"errors"
)

// ErrDeliveryLimit is wrapped by a peek that stopped because it could not read on without risking a
// message's delivery limit (RabbitMQ quorum queues count give-backs: a limit it cannot read, or a copy
// the broker refused): the messages emitted before it are good, and the error says what happened and
// what to do.
var ErrDeliveryLimit = errors.New("stopped to protect a message near its delivery limit")

// Peeker reads messages without consuming them. Looking changes nothing: a Kafka peek commits no offset, a
// RabbitMQ stream peek removes nothing, and a classic or quorum queue peek gives every message back in its
// place (see PeekEffects for what that costs).
type Peeker interface {
	// Peek hands messages to emit in order until req.Limit messages, the end of what the destination held
	// when the peek began (unless req.Follow), the end of ctx, or emit returning an error (which Peek
	// returns). Kafka peeks over several partitions merge them in timestamp order.
	Peek(ctx context.Context, req PeekRequest, emit func(Message) error) error
}

// PeekRequest says what to read.
type PeekRequest struct {
	Destination string
	From        Position
	Limit       int     // 0: no limit
	Partitions  []int32 // Kafka: empty means every partition
	Follow      bool    // keep reading what arrives until ctx ends (topics and streams)
}

// PeekAdvisor is implemented by peekers whose reads are not free of side effects. Front ends ask it before
// a peek and show the notice once, plainly.
type PeekAdvisor interface {
	PeekEffects(ctx context.Context, destination string) (PeekEffects, error)
}

// PeekEffects says what reading a destination does to it.
type PeekEffects struct {
	// MarksRedelivered is true where a read takes each message and gives it back (RabbitMQ classic and
	// quorum queues): consumers then see redelivered=true.
	MarksRedelivered bool
	// CountsDeliveries is true where each give-back counts toward a delivery limit (quorum queues).
	CountsDeliveries bool
	DeliveryLimit    int    // 0 when there is none
	Notice           string // one or two plain sentences for the user; empty when reading is free
}

// Costly says a read leaves a mark on what it reads (redelivered flags, delivery or receive counts), which
// a front end has the user confirm before the first peek.
func (e PeekEffects) Costly() bool { return e.MarksRedelivered || e.CountsDeliveries }
