package backends

import (
	"context"
	"time"
)

// PendingReader lists what a consumer group was given and has not acknowledged (Redis's pending entries
// lists), oldest first. Reading it changes nothing: no delivery count moves.
type PendingReader interface {
	Pending(ctx context.Context, req PendingRequest) ([]PendingMessage, error)
}

// PendingRequest picks pending messages of one group on one destination.
type PendingRequest struct {
	Destination string
	Group       string
	// MinDeliveries keeps only messages delivered at least that many times: the ones a consumer keeps
	// failing on, which mqscope treats as dead letters. 0 keeps all.
	MinDeliveries int64
	MinIdle       time.Duration // keeps only messages no consumer touched for that long
	Consumer      string        // keeps only those held by this consumer; "" keeps all
	Limit         int           // 0: up to 10,000
}

// PendingMessage is one delivered, unacknowledged message: who holds it, for how long, and how many
// times it was delivered (Message.DeliveryCount says the same).
type PendingMessage struct {
	Message  Message
	Consumer string
	Idle     time.Duration
	// Gone is true when the message was deleted from the destination while still pending: only its id
	// is left.
	Gone bool
}

// PendingSettler settles pending messages, each atomically on the broker and only while it still
// matches the request (delivered often enough, idle long enough), so that one a consumer acknowledged
// meanwhile is left alone.
type PendingSettler interface {
	// DeadLetterPending copies each matching message to the dead-letter destination dlq, with fields
	// saying where it came from, and acknowledges it for the group, together. It stays in its stream,
	// where other groups may still read it.
	DeadLetterPending(ctx context.Context, req PendingRequest, dlq string) (int64, error)
	// ClaimPending gives each matching message to the named consumer of the same group, without counting
	// a delivery (it counts when that consumer reads it).
	ClaimPending(ctx context.Context, req PendingRequest, consumer string) (int64, error)
}
