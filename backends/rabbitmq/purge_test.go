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
	"github.com/mqscope/mqscope/internal/testkit/rabbitfix"
)

// TestPurge: a purge removes the ready messages and says how many; a message a consumer holds stays.
func TestPurge(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.URL
	queue := rabbitfix.Unique("purge")
	f.Declare(t, queue, nil)
	f.PutJSON(t, queue, 5)
	holder := f.Channel(t)
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
	// A nack has no answer, and the queue answers a count before it handles a requeue sent earlier (even
	// on the same channel: the queue process serves stat requests first), so the count is awaited.
	f.WaitReady(t, queue, 1)
	if n, err := b.Purge(context.Background(), queue); err != nil || n != 1 {
		t.Errorf("second Purge = %d, %v; want 1", n, err)
	}
}

// TestPurgeRefusals: streams, exchanges and missing queues are refused with the contract's errors, with
// and without the management API, and the backend's connection survives each refusal.
func TestPurgeRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.URL
	streamName, queue := rabbitfix.Unique("purge-stream"), rabbitfix.Unique("purge-after")
	f.Declare(t, streamName, amqp.Table{"x-queue-type": "stream"})
	f.Declare(t, queue, nil)
	f.PutJSON(t, streamName, 3)
	for _, cfg := range []rabbitmq.Config{{URL: u}, {URL: u, ManagementURL: "http://127.0.0.1:1"}} {
		t.Run(fmt.Sprintf("api=%v", cfg.ManagementURL == ""), func(t *testing.T) {
			b := open(t, cfg)
			ctx := context.Background()
			if _, err := b.Purge(ctx, streamName); !errors.Is(err, backends.ErrNotSupported) || !strings.Contains(err.Error(), "stream") {
				t.Errorf("purge of a stream: %v, want ErrNotSupported naming the stream", err)
			}
			if _, err := b.Purge(ctx, rabbitfix.Unique("missing")); !errors.Is(err, backends.ErrNotFound) {
				t.Errorf("purge of a missing queue: %v, want ErrNotFound", err)
			}
			if _, err := b.Purge(ctx, "amq.direct"); !errors.Is(err, backends.ErrNotFound) {
				t.Errorf("purge of an exchange: %v, want ErrNotFound", err)
			}
			if _, err := b.Purge(ctx, "amq.direct"); cfg.ManagementURL == "" && !strings.Contains(err.Error(), "is an exchange") {
				t.Errorf("purge of an exchange: %v, want it to say it is an exchange", err)
			}
			f.PutJSON(t, queue, 2)
			if n, err := b.Purge(ctx, queue); err != nil || n != 2 {
				t.Errorf("purge after the refusals: %d, %v; want 2", n, err)
			}
		})
	}
}

// TestAckRate: once messages are acknowledged the listing carries an ack rate; an idle queue has none.
func TestAckRate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.URL
	acked, idle := rabbitfix.Unique("acked"), rabbitfix.Unique("ack-idle")
	f.Declare(t, acked, nil)
	f.Declare(t, idle, nil)
	f.PutJSON(t, acked, 10)
	ch := f.Channel(t) // kept open: the statistics come from the channel
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
