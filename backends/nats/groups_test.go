package nats

import (
	"context"
	"testing"

	"github.com/mqscope/mqscope/internal/testkit/natsfix"
)

// A stream deleted between a snapshot's listing and its consumers' request is skipped, not an error that
// fails the whole lag read (seen on the shared server: another test deleted its stream in between).
func TestConsumersOfAStreamDeletedMeanwhile(t *testing.T) {
	s := natsfix.New(t)
	name := natsfix.Unique("gone")
	s.Stream(t, name)
	s.Consumer(t, name, natsfix.Unique("worker"), 0)
	ctx := context.Background()
	handle, err := s.JS.Stream(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.JS.DeleteStream(ctx, name); err != nil {
		t.Fatal(err)
	}
	cis, err := listConsumers(ctx, handle)
	if !streamGone(err) {
		t.Fatalf("listing the consumers of a deleted stream: %d, %v; want the server's stream not found", len(cis), err)
	}
}
