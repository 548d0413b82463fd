package rabbitmq_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/rabbitmq"
)

// TestPurge: a purge removes the ready messages and says how many; a message a consumer holds stays.
func TestPurge(t *testing.T) {
	u := testURL(t)
	t.Parallel()
	f := newFixture(t, u)
	queue := unique("purge")
	f.declare(t, queue, nil)
	f.put(t, queue, 5)
	holder := f.channel(t)
	t.Cleanup(func() { holder.Close() })
	held, ok, err := holder.Get(queue, false)
	if err != nil || !ok {
		t.Fatalf("fixture: get: %v", err)
	}

	b := open(t, rabbitmq.Config{URL: u})
	n, err := b.Purge(context.Background(), queue)
	if err != nil || n != 4 {
		t.Fatalf("Purge = %d, %v; want the 4 ready messages", n, err)
	}
	if err := held.Nack(false, true); err != nil { // the held one goes back: it was never purged
		t.Fatal(err)
	}
	if got := readyCount(t, f, queue); got != 1 {
		t.Errorf("after the purge and the return the queue holds %d, want 1", got)
	}
	if n, err := b.Purge(context.Background(), queue); err != nil || n != 1 {
		t.Errorf("second Purge = %d, %v; want 1", n, err)
	}
}

// TestPurgeRefusals: streams, exchanges and missing queues are refused with the contract's errors, with
// and without the management API, and the backend's connection survives each refusal.
func TestPurgeRefusals(t *testing.T) {
	u := testURL(t)
	t.Parallel()
	f := newFixture(t, u)
	streamName, queue := unique("purge-stream"), unique("purge-after")
	f.declare(t, streamName, amqp.Table{"x-queue-type": "stream"})
	f.declare(t, queue, nil)
	f.put(t, streamName, 3)
	for _, cfg := range []rabbitmq.Config{{URL: u}, {URL: u, ManagementURL: "http://127.0.0.1:1"}} {
		t.Run(fmt.Sprintf("api=%v", cfg.ManagementURL == ""), func(t *testing.T) {
			b := open(t, cfg)
			ctx := context.Background()
			if _, err := b.Purge(ctx, streamName); !errors.Is(err, backends.ErrNotSupported) || !strings.Contains(err.Error(), "stream") {
				t.Errorf("purge of a stream: %v, want ErrNotSupported naming the stream", err)
			}
			if _, err := b.Purge(ctx, unique("missing")); !errors.Is(err, backends.ErrNotFound) {
				t.Errorf("purge of a missing queue: %v, want ErrNotFound", err)
			}
			if _, err := b.Purge(ctx, "amq.direct"); !errors.Is(err, backends.ErrNotFound) {
				t.Errorf("purge of an exchange: %v, want ErrNotFound", err)
			}
			if _, err := b.Purge(ctx, "amq.direct"); cfg.ManagementURL == "" && !strings.Contains(err.Error(), "is an exchange") {
				t.Errorf("purge of an exchange: %v, want it to say it is an exchange", err)
			}
			f.put(t, queue, 2)
			if n, err := b.Purge(ctx, queue); err != nil || n != 2 {
				t.Errorf("purge after the refusals: %d, %v; want 2", n, err)
			}
		})
	}
}

// TestAckRate: once messages are acknowledged the listing carries an ack rate; an idle queue has none.
func TestAckRate(t *testing.T) {
	u := testURL(t)
	t.Parallel()
	f := newFixture(t, u)
	acked, idle := unique("acked"), unique("ack-idle")
	f.declare(t, acked, nil)
	f.declare(t, idle, nil)
	f.put(t, acked, 10)
	ch := f.channel(t) // kept open: the statistics come from the channel
	t.Cleanup(func() { ch.Close() })
	for i := 0; i < 10; i++ {
		d, ok, err := ch.Get(acked, false)
		if err != nil || !ok {
			t.Fatalf("fixture: get: %v", err)
		}
		if err := d.Ack(false); err != nil {
			t.Fatal(err)
		}
	}
	b := open(t, rabbitmq.Config{URL: u})
	got := listUntil(t, b, func(m map[string]backends.Destination) error {
		if m[acked].AckRate == nil {
			return fmt.Errorf("%s: no ack rate after acknowledging", acked)
		}
		return nil
	})
	if got[idle].AckRate != nil {
		t.Errorf("%s: ack rate %v on an idle queue, want none", idle, *got[idle].AckRate)
	}
}

// readyCount is what a passive declare says the queue holds ready.
func readyCount(t *testing.T, f *fixture, queue string) int {
	t.Helper()
	ch := f.channel(t)
	defer ch.Close()
	q, err := ch.QueueDeclarePassive(queue, false, false, false, false, nil)
	if err != nil {
		t.Fatalf("fixture: declare %s: %v", queue, err)
	}
	return q.Messages
}
