package rabbitmq_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/rabbitmq"
	"github.com/mqscope/mqscope/internal/testkit/netproxy"
	"github.com/mqscope/mqscope/internal/testkit/rabbitfix"
)

// TestPeekWhileConsumed: peeks of a classic queue that a consumer reads and acknowledges at the same
// time each see messages in queue order, and every message reaches the consumer exactly once: nothing a
// peek took is lost or left unacknowledged.
func TestPeekWhileConsumed(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	queue := rabbitfix.Unique("peek-consumed")
	f.Declare(t, queue, nil)
	want := bodies(3000)
	f.PutBodies(t, queue, want...)

	ch := f.Channel(t)
	if err := ch.Qos(20, 0, false); err != nil {
		t.Fatal(err)
	}
	deliveries, err := ch.Consume(queue, "", false, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	var mu sync.Mutex
	all := make(chan struct{})
	go func() {
		for d := range deliveries {
			mu.Lock()
			seen[string(d.Body)]++
			n := len(seen)
			mu.Unlock()
			_ = d.Ack(false)
			if n == len(want) {
				close(all)
			}
		}
	}()
	b := open(t, rabbitmq.Config{URL: f.URL})
	for range 3 {
		got := mustPeek(t, b, backends.PeekRequest{Destination: queue, From: earliest})
		if !slices.IsSortedFunc(got, func(x, y backends.Message) int { return index(x) - index(y) }) {
			t.Errorf("a peek saw messages out of order: %q…", bodiesOf(got[:min(len(got), 10)]))
		}
	}
	select {
	case <-all:
	case <-time.After(60 * time.Second):
		t.Fatal("the consumer did not get every message")
	}
	mu.Lock()
	defer mu.Unlock()
	for _, w := range want {
		if seen[w] != 1 {
			t.Errorf("%q reached the consumer %d times", w, seen[w])
		}
	}
	if n := f.Ready(t, queue); n != 0 {
		t.Errorf("%d messages left in the queue", n)
	}
}

func index(m backends.Message) int {
	var i int
	fmt.Sscanf(string(m.Body), "message %d", &i)
	return i
}

// TestPeekQuorumKeepsOrderMany: a quorum queue returns a nack of more than 32 messages, or what a closed
// channel held, in no particular order; peeks whole and partial, of a queue with and without a delivery
// limit, leave 100 messages in their order.
func TestPeekQuorumKeepsOrderMany(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	plain, limited := rabbitfix.Unique("peek-order-many"), rabbitfix.Unique("peek-order-many-limit")
	f.Declare(t, plain, amqp.Table{"x-queue-type": "quorum"})
	f.Declare(t, limited, amqp.Table{"x-queue-type": "quorum", "x-delivery-limit": 3})
	want := bodies(100)
	for _, queue := range []string{plain, limited} {
		f.PutBodies(t, queue, want...)
		for round, limit := range []int{0, 0, 40, 0, 0} {
			got := mustPeek(t, open(t, rabbitmq.Config{URL: f.URL}), backends.PeekRequest{Destination: queue, From: earliest, Limit: limit})
			if n := cmp.Or(limit, len(want)); !slices.Equal(bodiesOf(got), want[:n]) {
				t.Fatalf("%s, round %d, limit %d: %q…", queue, round, limit, bodiesOf(got[:min(len(got), 10)]))
			}
		}
		if got := drain(t, f, queue); !slices.Equal(got, want) {
			t.Errorf("%s after the peeks holds %q…", queue, got[:min(len(got), 10)])
		}
	}
}

// TestPeekOverSlowLink: through a link with 50 ms each way, a peek hands messages over as they arrive,
// and one that holds them longer than Config.PeekHold (here a slow reader) gives them all back and
// stops, saying where to read on; the queue is whole and in order after.
func TestPeekOverSlowLink(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	queue := rabbitfix.Unique("peek-slow-link")
	f.Declare(t, queue, nil)
	want := bodies(300)
	f.PutBodies(t, queue, want...)
	u, err := url.Parse(f.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := netproxy.Start(t, net.JoinHostPort(u.Hostname(), cmp.Or(u.Port(), "5672")))
	proxy.SetLatency(50 * time.Millisecond)
	u.Host = proxy.Addr()
	b := open(t, rabbitmq.Config{URL: u.String(), ManagementURL: strings.TrimSuffix(f.API, "/api"), PeekHold: time.Second})

	// Whole and quick: every message, in order.
	if got := mustPeek(t, b, backends.PeekRequest{Destination: queue, From: earliest}); !slices.Equal(bodiesOf(got), want) {
		t.Fatalf("peek through the slow link: %d messages", len(got))
	}
	// A slow reader: the peek stops once it has held messages for a second.
	var got []string
	err = b.Peek(context.Background(), backends.PeekRequest{Destination: queue, From: earliest}, func(m backends.Message) error {
		got = append(got, string(m.Body))
		time.Sleep(20 * time.Millisecond)
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("read on from offset %d", len(got))) ||
		len(got) == 0 || len(got) >= len(want) || !slices.Equal(got, want[:len(got)]) {
		t.Fatalf("slow reader: %d messages, %v; want some in order, then a stop that says where to read on", len(got), err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the stop is the hold bound, not a timeout: %v", err)
	}
	if got := drain(t, f, queue); !slices.Equal(got, want) {
		t.Errorf("after the peeks the queue holds %d messages, want %d in order", len(got), len(want))
	}
}

// TestPeekSingleActiveConsumer: a queue whose single active consumer is another's delivers nothing to a
// peek's consumer; the peek reads the ready messages with basic.get instead, in order.
func TestPeekSingleActiveConsumer(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	queue := rabbitfix.Unique("peek-sac")
	f.Declare(t, queue, amqp.Table{"x-single-active-consumer": true})
	want := bodies(6)
	f.PutBodies(t, queue, want...)
	ch := f.Channel(t)
	if err := ch.Qos(1, 0, false); err != nil {
		t.Fatal(err)
	}
	deliveries, err := ch.Consume(queue, "", false, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	held := <-deliveries // the active consumer holds the first message
	got := mustPeek(t, open(t, rabbitmq.Config{URL: f.URL}), backends.PeekRequest{Destination: queue, From: earliest})
	if !slices.Equal(bodiesOf(got), want[1:]) || string(held.Body) != want[0] {
		t.Errorf("peek beside the active consumer: %q (it holds %q); want %q", bodiesOf(got), held.Body, want[1:])
	}
}
