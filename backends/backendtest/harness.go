package backendtest

import (
	"context"
	"fmt"
	"testing"

	"github.com/mqscope/mqscope/backends"
)

// The pieces below are what every adapter's test writes around its Harness; they live here so that each
// adapter writes only how to reach its broker.

// Bodies are the bodies Fixture.Put writes, in order: "message 0" … "message n-1".
func Bodies(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("message %d", i)
	}
	return out
}

// Open opens a backend for t with open, fails t (naming where) when it cannot, and closes the backend when
// t ends.
func Open[B backends.Backend](t testing.TB, where string, open func(context.Context) (B, error)) B {
	t.Helper()
	b, err := open(context.Background())
	if err != nil {
		t.Fatalf("open %s: %v", where, err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// Unreachable makes Harness.OpenUnreachable from an adapter's way of opening a backend at an address: it
// returns open's error, and closes a backend that opened after all.
func Unreachable[B backends.Backend](open func(ctx context.Context, addr string) (B, error)) func(context.Context, string) error {
	return func(ctx context.Context, addr string) error {
		b, err := open(ctx, addr)
		if err == nil {
			b.Close()
		}
		return err
	}
}
