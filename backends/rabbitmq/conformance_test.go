package rabbitmq_test

import (
	"context"
	"fmt"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/backendtest"
	"github.com/mqscope/mqscope/backends/rabbitmq"
	"github.com/mqscope/mqscope/internal/testkit/rabbitfix"
)

// TestConformance holds the adapter to the whole contract, on a vhost of the test's own. The harness
// seeds and checks the broker with plain amqp091-go, never with the adapter.
func TestConformance(t *testing.T) {
	v := rabbitfix.New(t)
	t.Parallel()
	backendtest.Run(t, backendtest.Harness{
		Kind: backends.RabbitMQ,
		Open: func(t *testing.T) backends.Backend { return open(t, rabbitmq.Config{URL: v.URL}) },
		OpenUnreachable: backendtest.Unreachable(func(ctx context.Context, addr string) (*rabbitmq.Backend, error) {
			return rabbitmq.Open(ctx, rabbitmq.Config{URL: "amqp://guest:guest@" + addr + "/"})
		}),
		Fixture:         harness{v},
		Settle:          settle,
		DestinationKind: backends.Queue,
		NotSupported: map[backendtest.Case]string{
			backendtest.Groups:      "RabbitMQ has no consumer groups: consumers attach to queues",
			backendtest.Lag:         "RabbitMQ has no consumer groups or committed offsets to lag behind",
			backendtest.Reset:       "RabbitMQ has no committed offsets: a queue forgets what it delivered",
			backendtest.Truncate:    "queues are not logs with offsets: Purge is their counterpart",
			backendtest.GroupDelete: "RabbitMQ has no consumer groups or committed offsets to delete",
		},
	})
}

// harness is the conformance suite's backendtest.Fixture and DeadLetterFixture. Everything it makes goes
// with the vhost.
type harness struct{ v *rabbitfix.Vhost }

func (h harness) CreateDestination(t *testing.T, name string, _ int) { h.v.Declare(t, name, nil) }

func (h harness) Put(t *testing.T, name string, n int) { h.v.PutBodies(t, name, bodies(n)...) }

// Read takes every ready message of queue name with basic.get and gives them all back (nack, requeue)
// in one go, so they stay in their order.
func (h harness) Read(t *testing.T, name string) []backends.Message {
	t.Helper()
	ch := h.v.Channel(t)
	defer ch.Close()
	var msgs []backends.Message
	var last uint64
	for {
		d, ok, err := ch.Get(name, false)
		if err != nil {
			t.Fatalf("harness: get from %s: %v", name, err)
		}
		if !ok {
			break
		}
		last = d.DeliveryTag
		m := backends.Message{Destination: name, Offset: int64(len(msgs)), Body: d.Body, Redelivered: d.Redelivered}
		for k, v := range d.Headers {
			m.Headers = append(m.Headers, backends.Header{Key: k, Value: fmt.Append(nil, v)})
		}
		msgs = append(msgs, m)
	}
	if last > 0 {
		if err := ch.Nack(last, true, true); err != nil {
			t.Fatalf("harness: give back what was read of %s: %v", name, err)
		}
	}
	return msgs
}

// PutDeadLetters makes origin dead-letter into dlq through the default exchange, puts the bodies on
// origin and rejects each, so that the broker itself dead-letters them with its x-death header.
func (h harness) PutDeadLetters(t *testing.T, dlq, origin string, bodies ...string) {
	t.Helper()
	h.v.Declare(t, dlq, nil)
	h.v.Declare(t, origin, amqp.Table{"x-dead-letter-exchange": "", "x-dead-letter-routing-key": dlq})
	h.v.PutBodies(t, origin, bodies...)
	ch := h.v.Channel(t)
	defer ch.Close()
	for range bodies {
		d, ok, err := ch.Get(origin, false)
		if err != nil || !ok {
			t.Fatalf("harness: get from %s: %v %v", origin, ok, err)
		}
		if err := d.Reject(false); err != nil {
			t.Fatalf("harness: reject on %s: %v", origin, err)
		}
	}
	h.v.WaitReady(t, dlq, len(bodies))
}
