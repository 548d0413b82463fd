package testenv

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

var seq atomic.Int64

// Unique is prefix and base made into a name no other test or run uses: the time, then a counter, so
// that two names made in the same nanosecond differ too. Each fixture gives its broker's prefix
// ("mqscope-test-", Redis's "mqscope-test:").
func Unique(prefix, base string) string {
	return fmt.Sprintf("%s%s-%d-%d", prefix, base, time.Now().UnixNano()%1_000_000_000, seq.Add(1))
}

// Context is for a fixture's own requests: it ends after limit, or when t ends.
func Context(t testing.TB, limit time.Duration) context.Context {
	c, cancel := context.WithTimeout(context.Background(), limit)
	t.Cleanup(cancel)
	return c
}
