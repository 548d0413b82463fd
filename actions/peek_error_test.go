package actions

import (
	"context"
	"testing"

	"github.com/mqscope/mqscope/backends"
)

// missing is a backend whose every destination is missing, to reading and to asking what reading costs.
type missing struct{}

func (missing) Identity(context.Context) (backends.Identity, error) { return backends.Identity{}, nil }
func (missing) Close() error                                        { return nil }
func (missing) Peek(context.Context, backends.PeekRequest, func(backends.Message) error) error {
	return backends.ErrNotFound
}
func (missing) PeekEffects(context.Context, string) (backends.PeekEffects, error) {
	return backends.PeekEffects{}, backends.ErrNotFound
}

// A read that fails names what it read, not "peek": replay, redrive and lag read through Peek too, and a
// redrive of a DLQ that is not there said "peek orders-dlq: ...".
func TestReadErrorsSayRead(t *testing.T) {
	err := Peek(context.Background(), missing{}, backends.PeekRequest{Destination: "orders-dlq"}, nil)
	if err == nil || err.Error() != "read orders-dlq: not found" {
		t.Errorf("Peek: %v", err)
	}
	if _, err := PeekEffects(context.Background(), missing{}, "orders-dlq"); err == nil || err.Error() != "read orders-dlq: not found" {
		t.Errorf("PeekEffects: %v", err)
	}
}
