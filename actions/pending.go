package actions

import (
	"context"
	"fmt"

	"github.com/mqscope/mqscope/backends"
)

// Pending lists what a group was given and has not acknowledged, without counting a delivery: with
// req.MinDeliveries, the messages its consumers keep failing on, which are dead letters in all but name.
func Pending(ctx context.Context, b backends.Backend, req backends.PendingRequest) ([]backends.PendingMessage, error) {
	if err := readingSession(b).Can(VerbPending); err != nil {
		return nil, err
	}
	ps, err := b.(backends.PendingReader).Pending(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("pending messages of %s on %s: %w", req.Group, req.Destination, err)
	}
	return ps, nil
}

// DeadLetterPending moves the pending messages req picks to the dead-letter destination dlq, each
// copied there and acknowledged in one step, and says how many moved. Refused in read-only mode.
func (s *Session) DeadLetterPending(ctx context.Context, req backends.PendingRequest, dlq string) (int64, error) {
	scope := []any{"destination", req.Destination, "group", req.Group, "min_deliveries", req.MinDeliveries, "to", dlq}
	if err := s.begin(VerbDeadLetterPending, scope...); err != nil {
		return 0, err
	}
	n, err := s.b.(backends.PendingSettler).DeadLetterPending(ctx, req, dlq)
	s.done(VerbDeadLetterPending, err, append(scope, "moved", n)...)
	if err != nil {
		return n, fmt.Errorf("dead-letter pending messages of %s on %s to %s: %w", req.Group, req.Destination, dlq, err)
	}
	return n, nil
}

// ClaimPending gives the pending messages req picks to consumer, and says how many it took. Refused in
// read-only mode.
func (s *Session) ClaimPending(ctx context.Context, req backends.PendingRequest, consumer string) (int64, error) {
	scope := []any{"destination", req.Destination, "group", req.Group, "min_deliveries", req.MinDeliveries,
		"consumer", consumer}
	if err := s.begin(VerbClaimPending, scope...); err != nil {
		return 0, err
	}
	n, err := s.b.(backends.PendingSettler).ClaimPending(ctx, req, consumer)
	s.done(VerbClaimPending, err, append(scope, "claimed", n)...)
	if err != nil {
		return n, fmt.Errorf("claim pending messages of %s on %s for %s: %w", req.Group, req.Destination, consumer, err)
	}
	return n, nil
}
