package rabbitmq_test

import (
	"context"
	"testing"
	"time"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/rabbitmq"
)

// A published test message is persistent unless asked otherwise, so that a durable queue keeps what the
// broker confirmed across a restart.
func TestPublishPersistentByDefault(t *testing.T) {
	u := testURL(t)
	t.Parallel()
	f := newFixture(t, u)
	q := unique("persistent")
	f.declare(t, q, nil)
	b := open(t, rabbitmq.Config{URL: u})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	send := func(o actions.PublishOptions) {
		t.Helper()
		o.Target, o.Body = backends.Target{Destination: q}, []byte("x")
		if r, err := actions.Publish(ctx, b, actions.Guard{}, o, nil); err != nil || r.Sent != 1 {
			t.Fatalf("publish %+v: %+v, %v", o, r, err)
		}
	}
	send(actions.PublishOptions{})
	send(actions.PublishOptions{Properties: &backends.Properties{ContentType: "text/plain"}})
	send(actions.PublishOptions{Transient: true})
	send(actions.PublishOptions{Properties: &backends.Properties{DeliveryMode: 1}})
	ch := f.channel(t)
	defer ch.Close()
	for i, want := range []uint8{2, 2, 1, 1} {
		d, ok, err := ch.Get(q, true)
		if err != nil || !ok {
			t.Fatalf("message %d: %v %v", i, ok, err)
		}
		if d.DeliveryMode != want {
			t.Errorf("message %d: delivery mode %d, want %d", i, d.DeliveryMode, want)
		}
	}
}
