package rabbitmq_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
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

// A header too large for one frame and a queue name too long for AMQP are refused for what they are,
// before sending: the messages around them are confirmed, and the errors are one short line.
func TestPublishRefusesWhatAMQPCannotCarry(t *testing.T) {
	u := testURL(t)
	t.Parallel()
	f := newFixture(t, u)
	q := unique("limits")
	f.declare(t, q, nil)
	b := open(t, rabbitmq.Config{URL: u})
	to := backends.Target{Destination: q}
	msg := func(body string, headerBytes int) backends.Message {
		m := backends.Message{Body: []byte(body)}
		if headerBytes > 0 {
			m.Headers = []backends.Header{{Key: "h", Value: bytes.Repeat([]byte("x"), headerBytes)}}
		}
		return m
	}
	// The header frame: 8 (frame) + 14 (class, weight, size, flags) + 4 (table) + 2 (key) + 5 (string).
	fits := 131072 - 33
	errs, err := b.Publish(context.Background(), []backends.Outgoing{
		{Target: to, Message: msg("first", 0)},
		{Target: to, Message: msg("1 MB header", 1<<20)},
		{Target: backends.Target{Destination: strings.Repeat("q", 10<<10)}, Message: msg("long name", 0)},
		{Target: to, Message: msg("header at frame_max", fits)},
		{Target: to, Message: msg("one byte over", fits+1)},
		{Target: to, Message: msg("last", 0)},
	})
	if err != nil {
		t.Fatalf("the batch stopped: %v", err)
	}
	for i, want := range []string{"", "frame_max", "255", "", "frame_max", ""} {
		switch {
		case want == "" && errs[i] != nil:
			t.Errorf("message %d: %v", i, errs[i])
		case want != "" && (errs[i] == nil || !strings.Contains(errs[i].Error(), want) || len(errs[i].Error()) > 250):
			t.Errorf("message %d: %v, want one line naming %s", i, errs[i], want)
		}
	}
	ch := f.channel(t)
	defer ch.Close()
	var got []string
	for {
		d, ok, err := ch.Get(q, true)
		if err != nil || !ok {
			break
		}
		got = append(got, string(d.Body))
	}
	if want := []string{"first", "header at frame_max", "last"}; !slices.Equal(got, want) {
		t.Errorf("the queue holds %q, want %q", got, want)
	}
}

// Names that are path steps ("." and "..") reach their own queues through the management API, an empty
// name is refused in one line, and a missing queue's error says which management API was asked.
func TestPeekOddNames(t *testing.T) {
	u := testURL(t)
	t.Parallel()
	f := newFixture(t, u)
	_, vhostURL := f.vhost(t, u)
	fv := newFixture(t, vhostURL)
	for _, name := range []string{".", ".."} {
		fv.declare(t, name, nil)
		fv.putBodies(t, name, "in "+name)
	}
	b := open(t, rabbitmq.Config{URL: vhostURL})
	for _, name := range []string{".", ".."} {
		msgs, err := peekAll(t, b, backends.PeekRequest{Destination: name, From: earliest})
		if err != nil || len(msgs) != 1 || string(msgs[0].Body) != "in "+name {
			t.Errorf("peek %q: %v, %v", name, bodiesOf(msgs), err)
		}
	}
	_, err := peekAll(t, b, backends.PeekRequest{Destination: "", From: earliest})
	if err == nil || !strings.Contains(err.Error(), "no queue name") {
		t.Errorf(`peek "": %v`, err)
	}
	missing := unique("missing")
	_, err = peekAll(t, b, backends.PeekRequest{Destination: missing, From: earliest})
	if !errors.Is(err, backends.ErrNotFound) || !strings.Contains(err.Error(), "management API at http://127.0.0.1:15672") {
		t.Errorf("peek of a missing queue: %v, want the management API's address in it", err)
	}
}
