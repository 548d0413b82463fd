package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/config"
)

// pendingBackend has consumer groups that keep lists of delivered, unacknowledged messages (Redis).
type pendingBackend struct{ lagBackend }

func (*pendingBackend) Pending(context.Context, backends.PendingRequest) ([]backends.PendingMessage, error) {
	return nil, nil
}

// A group's partition offers its pending messages only where the broker keeps them; the view lists each
// with its consumer, idle time and deliveries, and escapes what the broker sent.
func TestPendingOfferedByCapability(t *testing.T) {
	for _, b := range []backends.Backend{&lagBackend{}, &pendingBackend{}} {
		_, keeps := b.(backends.PendingReader)
		h := lagHarness(t, config.Context{}, b)
		h.typeCommand("lag")
		h.deliver(lagSnapshot(0))
		h.send(h.key("enter")())
		h.key("?")
		if got := strings.Contains(h.screen(), "pending (unacked)"); got != keeps {
			t.Fatalf("help offers pending: %v on a broker that keeps them: %v\n%s", got, keeps, h.screen())
		}
		h.key("?")
		if !keeps {
			if h.key("u") != nil {
				t.Error("u does something on a broker without pending lists")
			}
			continue
		}
		h.send(h.key("u")())
		h.deliver([]backends.PendingMessage{{Consumer: "fraud-1", Idle: 90 * time.Second,
			Message: backends.Message{Key: []byte("1700000000000-0"), DeliveryCount: 6, Body: []byte("pay \x1b[2J")}}})
		h.mustShow("lag › ", "› pending of ", "1700000000000-0", "fraud-1", "1m30s")
		line := lineWith(h.screen(), "fraud-1")
		if !strings.Contains(line, " 6 ") || strings.Contains(line, "\x1b[2J") {
			t.Errorf("pending row: %q", line)
		}
	}
}
