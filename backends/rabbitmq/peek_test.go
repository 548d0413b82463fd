package rabbitmq_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/rabbitmq"
	"github.com/mqscope/mqscope/internal/testkit/rabbitfix"
)

// peekAll peeks and returns what was emitted, and Peek's error.
func peekAll(t *testing.T, b *rabbitmq.Backend, req backends.PeekRequest) ([]backends.Message, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var msgs []backends.Message
	err := b.Peek(ctx, req, func(m backends.Message) error {
		msgs = append(msgs, m)
		return nil
	})
	return msgs, err
}

func mustPeek(t *testing.T, b *rabbitmq.Backend, req backends.PeekRequest) []backends.Message {
	t.Helper()
	msgs, err := peekAll(t, b, req)
	if err != nil {
		t.Fatalf("Peek(%+v): %v", req, err)
	}
	return msgs
}

func bodiesOf(msgs []backends.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = string(m.Body)
	}
	return out
}

func offsetsOf(msgs []backends.Message) []int64 {
	out := make([]int64, len(msgs))
	for i, m := range msgs {
		out[i] = m.Offset
	}
	return out
}

func span(from, to int64) []int64 {
	var out []int64
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

// drain takes every message out of queue, acknowledging each, and returns the bodies in order.
func drain(t *testing.T, f *fixture, queue string) []string {
	t.Helper()
	ch := f.Channel(t)
	defer ch.Close()
	var out []string
	for {
		d, ok, err := ch.Get(queue, true)
		if err != nil {
			t.Fatalf("fixture: drain %s: %v", queue, err)
		}
		if !ok {
			return out
		}
		out = append(out, string(d.Body))
	}
}

var earliest = backends.Position{Kind: backends.Earliest}

// TestPeekClassicQueue: every position a queue supports; the queue holds the same messages in the same
// order afterwards; a peek reads no more than the queue held when it began.
func TestPeekClassicQueue(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.URL
	b := open(t, rabbitmq.Config{URL: u})
	queue := rabbitfix.Unique("peek-classic")
	f.Declare(t, queue, nil)
	want := bodies(20)
	f.PutBodies(t, queue, want...)

	first := mustPeek(t, b, backends.PeekRequest{Destination: queue, From: earliest})
	if !slices.Equal(bodiesOf(first), want) || !slices.Equal(offsetsOf(first), span(0, 19)) {
		t.Fatalf("peek: %q at %v", bodiesOf(first), offsetsOf(first))
	}
	if first[0].Redelivered || string(first[0].Key) != queue || first[0].DeliveryCount != 0 || first[0].Origin != nil {
		t.Errorf("first read of a fresh message: %+v", first[0])
	}
	again := mustPeek(t, b, backends.PeekRequest{Destination: queue, From: earliest})
	if !slices.Equal(bodiesOf(again), want) || !again[0].Redelivered {
		t.Errorf("second peek: %q, redelivered %v; want the same, marked redelivered", bodiesOf(again), again[0].Redelivered)
	}
	cases := []struct {
		req     backends.PeekRequest
		offsets []int64
	}{
		{backends.PeekRequest{Destination: queue, From: earliest, Limit: 5}, span(0, 4)},
		{backends.PeekRequest{Destination: queue, From: backends.Position{Kind: backends.LastN, N: 3}}, span(17, 19)},
		{backends.PeekRequest{Destination: queue, From: backends.Position{Kind: backends.AtOffset, Offset: 15}}, span(15, 19)},
		{backends.PeekRequest{Destination: queue, From: backends.Position{Kind: backends.AtOffset, Offset: 12}, Limit: 2}, span(12, 13)},
		{backends.PeekRequest{Destination: queue, From: backends.Position{Kind: backends.Latest}}, nil},
	}
	for _, c := range cases {
		got := mustPeek(t, b, c.req)
		if !slices.Equal(offsetsOf(got), c.offsets) {
			t.Errorf("%+v: offsets %v, want %v", c.req.From, offsetsOf(got), c.offsets)
		}
		for _, m := range got {
			if string(m.Body) != want[m.Offset] {
				t.Errorf("%+v: offset %d holds %q, want %q", c.req.From, m.Offset, m.Body, want[m.Offset])
			}
		}
	}
	for _, req := range []backends.PeekRequest{
		{Destination: queue, From: earliest, Follow: true},
		{Destination: queue, From: backends.Position{Kind: backends.AtTime, Time: time.Now()}},
	} {
		if _, err := peekAll(t, b, req); !errors.Is(err, backends.ErrNotSupported) {
			t.Errorf("%+v on a queue: %v, want ErrNotSupported", req, err)
		}
	}

	// Messages that arrive while a peek runs are not read by it.
	extra := f.Channel(t)
	t.Cleanup(func() { extra.Close() })
	calls := 0
	err := b.Peek(context.Background(), backends.PeekRequest{Destination: queue, From: earliest}, func(m backends.Message) error {
		if calls++; calls == 1 {
			rabbitfix.Publish(t, extra, "", queue, 3, func(i int) amqp.Publishing {
				return amqp.Publishing{Body: fmt.Appendf(nil, "late %d", i)}
			})
		}
		return nil
	})
	if err != nil || calls != 20 {
		t.Errorf("peek while messages arrive: %d messages, %v; want the 20 there at the start", calls, err)
	}
	// Looking changed nothing: the queue holds everything, in order.
	if got := drain(t, f, queue); !slices.Equal(got, append(want, "late 0", "late 1", "late 2")) {
		t.Errorf("after the peeks the queue holds %q", got)
	}
}

// TestPeekQuorumDeliveryLimit holds the quorum safety promise on a queue with a dead-letter exchange:
// PeekEffects says what reading costs, and six peeks in a row, each by a backend of its own (as six runs
// of mqscope would be), read every message in order and dead-letter nothing: a message whose give-back
// would leave it at its limit is copied back instead, and starts its count afresh.
func TestPeekQuorumDeliveryLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.URL
	queue, dlq := rabbitfix.Unique("peek-quorum"), rabbitfix.Unique("peek-quorum-dlq")
	f.Declare(t, dlq, nil)
	f.Declare(t, queue, amqp.Table{"x-queue-type": "quorum", "x-delivery-limit": 2,
		"x-dead-letter-exchange": "", "x-dead-letter-routing-key": dlq})
	want := bodies(4)
	f.PutBodies(t, queue, want...)

	eff, err := open(t, rabbitmq.Config{URL: u}).PeekEffects(context.Background(), queue)
	if err != nil || !eff.MarksRedelivered || !eff.CountsDeliveries || eff.DeliveryLimit != 2 ||
		!strings.Contains(eff.Notice, "redelivered") || !strings.Contains(eff.Notice, "delivery limit of 2") ||
		!strings.Contains(eff.Notice, "copied back") {
		t.Errorf("PeekEffects: %+v, %v", eff, err)
	}
	for run := 1; run <= 6; run++ {
		got := mustPeek(t, open(t, rabbitmq.Config{URL: u}), backends.PeekRequest{Destination: queue, From: earliest})
		// Counts go 0, 1, then the copy starts again at 0.
		if wantCount := int64((run - 1) % 2); !slices.Equal(bodiesOf(got), want) || got[0].DeliveryCount != wantCount {
			t.Fatalf("run %d: %q, first count %d; want %q, count %d", run, bodiesOf(got), got[0].DeliveryCount, want, wantCount)
		}
	}
	if n := f.Ready(t, dlq); n != 0 {
		t.Errorf("%d messages were dead-lettered", n)
	}
	if got := drain(t, f, queue); !slices.Equal(got, want) {
		t.Errorf("after the peeks the queue holds %q, want %q", got, want)
	}
}

// TestPeekQuorumDeliveryLimitAcrossRuns is issue #10's case: a quorum queue with a delivery limit of 2
// and no dead-letter exchange (a message past its limit is dropped), 3 messages, peeked twelve times, in
// whole and in part, each time by a backend of its own, holds its 3 messages in order after; and the same
// with the limit set by a policy.
func TestPeekQuorumDeliveryLimitAcrossRuns(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.URL
	byArgument, byPolicy := rabbitfix.Unique("peek-runs-arg"), rabbitfix.Unique("peek-runs-policy")
	f.Policy(t, byPolicy, "^"+regexp.QuoteMeta(byPolicy)+"$", map[string]any{"delivery-limit": 2})
	f.Declare(t, byArgument, amqp.Table{"x-queue-type": "quorum", "x-delivery-limit": 2})
	f.Declare(t, byPolicy, amqp.Table{"x-queue-type": "quorum"})
	for _, queue := range []string{byArgument, byPolicy} {
		want := bodies(3)
		f.PutBodies(t, queue, want...)
		awaitLimit(t, open(t, rabbitmq.Config{URL: u}), queue, 2)
		for run := 1; run <= 12; run++ {
			limit := run % 3 // whole reads and partial ones
			got, err := peekAll(t, open(t, rabbitmq.Config{URL: u}), backends.PeekRequest{Destination: queue, From: earliest, Limit: limit})
			if err != nil || !slices.Equal(bodiesOf(got), want[:cmp.Or(limit, len(want))]) {
				t.Fatalf("%s, run %d: %q, %v", queue, run, bodiesOf(got), err)
			}
			for _, m := range got {
				if m.DeliveryCount >= 2 {
					t.Errorf("%s, run %d: a peek took a message at its limit: %+v", queue, run, m)
				}
			}
		}
		if got := drain(t, f, queue); !slices.Equal(got, want) {
			t.Errorf("%s after the peeks holds %q, want %q", queue, got, want)
		}
	}
}

// awaitLimit waits until PeekEffects reports the delivery limit of queue (a policy applies a moment after
// it is set).
func awaitLimit(t *testing.T, b *rabbitmq.Backend, queue string, limit int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		eff, err := b.PeekEffects(context.Background(), queue)
		if err == nil && eff.CountsDeliveries && eff.DeliveryLimit == limit {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("PeekEffects of %s: %+v, %v; want a delivery limit of %d", queue, eff, err, limit)
		}
	}
}

// TestPeekQuorumKeepsOrder: partial peeks of a quorum queue leave its order as it was, although the
// queue serves given-back messages first (see keepOrder).
func TestPeekQuorumKeepsOrder(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.URL
	queue := rabbitfix.Unique("peek-quorum-order")
	f.Declare(t, queue, amqp.Table{"x-queue-type": "quorum"})
	want := bodies(10)
	f.PutBodies(t, queue, want...)
	b := open(t, rabbitmq.Config{URL: u})
	if eff, err := b.PeekEffects(context.Background(), queue); err != nil || eff.CountsDeliveries || !strings.Contains(eff.Notice, "back") {
		t.Errorf("PeekEffects: %+v, %v; want a notice that given-back messages go to the back", eff, err)
	}
	mustPeek(t, b, backends.PeekRequest{Destination: queue, From: earliest, Limit: 6})
	for _, limit := range []int{0, 3, 7, 1} {
		got := mustPeek(t, b, backends.PeekRequest{Destination: queue, From: earliest, Limit: limit})
		if n := min(limit, 10); limit == 0 && len(got) != 10 || limit > 0 && !slices.Equal(bodiesOf(got), want[:n]) {
			t.Fatalf("peek with limit %d: %q", limit, bodiesOf(got))
		}
	}
	stop := errors.New("enough")
	if err := b.Peek(context.Background(), backends.PeekRequest{Destination: queue, From: earliest},
		func(backends.Message) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("emit's error: %v", err)
	}
	if got := drain(t, f, queue); !slices.Equal(got, want) {
		t.Errorf("after the peeks the queue holds %q, want %q", got, want)
	}
}

// TestPeekQuorumAtLimitFromElsewhere: a message a consumer's rejects left at its limit, which any
// give-back would dead-letter, is copied back by a peek that cannot have known; the message after it is
// copied back too, to keep the order.
func TestPeekQuorumAtLimitFromElsewhere(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.URL
	queue, dlq := rabbitfix.Unique("peek-at-limit"), rabbitfix.Unique("peek-at-limit-dlq")
	f.Declare(t, dlq, nil)
	f.Declare(t, queue, amqp.Table{"x-queue-type": "quorum", "x-delivery-limit": 2,
		"x-dead-letter-exchange": "", "x-dead-letter-routing-key": dlq})
	f.PutBodies(t, queue, "poison")
	ch := f.Channel(t)
	defer ch.Close()
	for i := 0; i < 2; i++ { // a consumer fails on it twice: count 2, the limit
		d, ok, err := getEventually(ch, queue)
		if err != nil || !ok {
			t.Fatal(ok, err)
		}
		if err := d.Nack(false, true); err != nil {
			t.Fatal(err)
		}
	}
	f.PutBodies(t, queue, "fine")
	got, err := peekAll(t, open(t, rabbitmq.Config{URL: u}), backends.PeekRequest{Destination: queue, From: earliest})
	if err != nil || !slices.Equal(bodiesOf(got), []string{"poison", "fine"}) || got[0].DeliveryCount != 2 {
		t.Fatalf("peek: %q (%+v), %v; want poison at count 2, then fine", bodiesOf(got), got, err)
	}
	if n := f.Ready(t, dlq); n != 0 {
		t.Errorf("%d messages were dead-lettered", n)
	}
	for _, want := range []struct {
		body  string
		count int64
	}{{"poison", 0}, {"fine", 0}} { // copied too, behind it: copies go to the back, given-back messages to the front
		d, ok, err := getEventually(ch, queue)
		if c, _ := d.Headers["x-delivery-count"].(int64); err != nil || !ok || string(d.Body) != want.body || c != want.count {
			t.Errorf("after the peek: %q count %d, %v %v; want %q count %d", d.Body, c, ok, err, want.body, want.count)
		}
	}
}

// getEventually gets the next message of queue unacknowledged, waiting a moment for one given back to
// count again.
func getEventually(ch *amqp.Channel, queue string) (amqp.Delivery, bool, error) {
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		d, ok, err := ch.Get(queue, false)
		if ok || err != nil || time.Now().After(deadline) {
			return d, ok, err
		}
	}
}

// TestPeekQuorumDeliveryLimitZero: on RabbitMQ 3.x a limit of 0 ends a message at its first give-back
// (measured on 3.10.8), so every message a peek reads is copied back, and nothing is dropped.
func TestPeekQuorumDeliveryLimitZero(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.URL
	queue := rabbitfix.Unique("peek-limit-zero")
	f.Declare(t, queue, amqp.Table{"x-queue-type": "quorum", "x-delivery-limit": 0})
	f.PutBodies(t, queue, bodies(3)...)
	b := open(t, rabbitmq.Config{URL: u})
	if eff, err := b.PeekEffects(context.Background(), queue); err != nil || !eff.CountsDeliveries ||
		eff.DeliveryLimit != 0 || !strings.Contains(eff.Notice, "dropped") {
		t.Errorf("PeekEffects: %+v, %v; want a limit of 0 whose messages would be dropped", eff, err)
	}
	for round := 1; round <= 3; round++ {
		if got := mustPeek(t, b, backends.PeekRequest{Destination: queue, From: earliest}); !slices.Equal(bodiesOf(got), bodies(3)) {
			t.Fatalf("round %d: %q", round, bodiesOf(got))
		}
	}
	if got := drain(t, f, queue); !slices.Equal(got, bodies(3)) {
		t.Errorf("queue holds %q after the peeks, want all three", got)
	}
}

// TestPeekStream: every position on a stream, following, and that streams have no peek effects.
func TestPeekStream(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.URL
	name := rabbitfix.Unique("peek-stream")
	f.Declare(t, name, amqp.Table{"x-queue-type": "stream"})
	b := open(t, rabbitmq.Config{URL: u})
	if msgs := mustPeek(t, b, backends.PeekRequest{Destination: name, From: earliest}); len(msgs) != 0 {
		t.Errorf("empty stream: %d messages", len(msgs))
	}
	f.PutBodies(t, name, "s0", "s1", "s2", "s3", "s4")
	// The stream's time index has a resolution of a second: the second batch goes after a whole second.
	at := time.Now().Truncate(time.Second).Add(time.Second)
	time.Sleep(time.Until(at) + 50*time.Millisecond)
	f.PutBodies(t, name, "s5", "s6", "s7", "s8", "s9")

	if eff, err := b.PeekEffects(context.Background(), name); err != nil || eff != (backends.PeekEffects{}) {
		t.Errorf("PeekEffects on a stream: %+v, %v; want none", eff, err)
	}
	cases := []struct {
		from    backends.Position
		limit   int
		offsets []int64
	}{
		{earliest, 0, span(0, 9)},
		{earliest, 4, span(0, 3)},
		{backends.Position{Kind: backends.LastN, N: 3}, 0, span(7, 9)},
		{backends.Position{Kind: backends.LastN, N: 50}, 0, span(0, 9)},
		{backends.Position{Kind: backends.AtOffset, Offset: 4}, 0, span(4, 9)},
		{backends.Position{Kind: backends.AtOffset, Offset: 10}, 0, nil},
		{backends.Position{Kind: backends.AtTime, Time: at}, 0, span(5, 9)},
		{backends.Position{Kind: backends.Latest}, 0, nil},
	}
	for _, c := range cases {
		got := mustPeek(t, b, backends.PeekRequest{Destination: name, From: c.from, Limit: c.limit})
		if !slices.Equal(offsetsOf(got), c.offsets) {
			t.Errorf("%+v limit %d: offsets %v, want %v", c.from, c.limit, offsetsOf(got), c.offsets)
		}
		for _, m := range got {
			if string(m.Body) != fmt.Sprintf("s%d", m.Offset) || m.Redelivered || m.Destination != name {
				t.Errorf("%+v: offset %d is %+v", c.from, m.Offset, m)
			}
		}
	}

	// Following reads what is there, then what arrives.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	late := f.Channel(t)
	t.Cleanup(func() { late.Close() })
	var followed []int64
	err := b.Peek(ctx, backends.PeekRequest{Destination: name, From: backends.Position{Kind: backends.LastN, N: 2}, Follow: true},
		func(m backends.Message) error {
			followed = append(followed, m.Offset)
			if m.Offset == 9 {
				rabbitfix.Publish(t, late, "", name, 2, func(i int) amqp.Publishing {
					return amqp.Publishing{Body: fmt.Appendf(nil, "s%d", 10+i)}
				})
			}
			if m.Offset == 11 {
				cancel()
			}
			return nil
		})
	if !errors.Is(err, context.Canceled) || !slices.Equal(followed, span(8, 11)) {
		t.Errorf("follow: offsets %v, %v; want 8-11 and the context's end", followed, err)
	}
	// Reading removed nothing.
	if got := mustPeek(t, b, backends.PeekRequest{Destination: name, From: earliest}); !slices.Equal(offsetsOf(got), span(0, 11)) {
		t.Errorf("after the peeks: offsets %v", offsetsOf(got))
	}
}

// TestPeekMessageModel: properties, typed headers as plain Go types, and the origin of a real dead
// letter that the broker made.
func TestPeekMessageModel(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.URL
	work, dlq, dlx := rabbitfix.Unique("model-work"), rabbitfix.Unique("model-dlq"), rabbitfix.Unique("model-dlx")
	ch := f.Channel(t)
	t.Cleanup(func() { ch.Close() })
	if err := ch.ExchangeDeclare(dlx, "fanout", false, true, false, false, nil); err != nil {
		t.Fatal(err)
	}
	f.Declare(t, dlq, nil)
	if err := ch.QueueBind(dlq, "", dlx, false, nil); err != nil {
		t.Fatal(err)
	}
	f.Declare(t, work, amqp.Table{"x-dead-letter-exchange": dlx})
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	headers := amqp.Table{
		"i8": int8(-8), "u8": uint8(8), "i16": int16(-16), "i32": int32(-32), "i64": int64(-64), "f32": float32(1.5),
		"f64": 2.25, "bool": true, "str": "text", "bytes": []byte{0, 1, 2}, "time": at, "void": nil,
		"dec": amqp.Decimal{Scale: 2, Value: 1250}, "table": amqp.Table{"nested": amqp.Table{"n": int32(1)}},
		"array": []any{"a", int32(2), amqp.Table{"k": "v"}},
	}
	pub := f.Channel(t)
	t.Cleanup(func() { pub.Close() })
	rabbitfix.Publish(t, pub, "", work, 1, func(int) amqp.Publishing {
		return amqp.Publishing{Headers: headers, ContentType: "application/json", ContentEncoding: "identity",
			DeliveryMode: amqp.Persistent, Priority: 3, CorrelationId: "corr", ReplyTo: "replies", MessageId: "m-1",
			Timestamp: at, Type: "order.created", AppId: "model-test", Body: []byte(`{"ok":true}`)}
	})
	d, ok, err := ch.Get(work, false)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if err := d.Reject(false); err != nil { // dead-lettered by the broker, with x-death
		t.Fatal(err)
	}

	b := open(t, rabbitmq.Config{URL: u})
	var got []backends.Message
	for deadline := time.Now().Add(5 * time.Second); len(got) == 0 && time.Now().Before(deadline); {
		got = mustPeek(t, b, backends.PeekRequest{Destination: dlq, From: earliest})
	}
	if len(got) != 1 {
		t.Fatalf("dead-letter queue: %d messages", len(got))
	}
	m := got[0]
	p := m.Properties
	if p == nil || p.ContentType != "application/json" || p.ContentEncoding != "identity" || p.DeliveryMode != 2 ||
		p.Priority != 3 || p.CorrelationID != "corr" || p.ReplyTo != "replies" || p.MessageID != "m-1" ||
		!p.Timestamp.Equal(at) || !m.Timestamp.Equal(at) || p.Type != "order.created" || p.AppID != "model-test" ||
		p.Exchange != dlx || string(m.Body) != `{"ok":true}` {
		t.Errorf("properties %+v, body %q", p, m.Body)
	}
	typed := map[string]any{}
	for i, h := range m.Headers {
		typed[h.Key] = h.Typed
		if i > 0 && m.Headers[i-1].Key >= h.Key {
			t.Errorf("headers not in key order: %q before %q", m.Headers[i-1].Key, h.Key)
		}
	}
	want := map[string]any{
		"i8": int8(-8), "u8": uint8(8), "i16": int16(-16), "i32": int32(-32), "i64": int64(-64), "f32": float32(1.5),
		"f64": 2.25, "bool": true, "str": "text", "bytes": []byte{0, 1, 2}, "time": at, "void": nil,
		"dec": "12.50", "table": map[string]any{"nested": map[string]any{"n": int32(1)}},
		"array": []any{"a", int32(2), map[string]any{"k": "v"}},
	}
	for k, w := range want {
		if !reflect.DeepEqual(typed[k], w) {
			t.Errorf("header %s: %#v, want %#v", k, typed[k], w)
		}
	}
	if h, _ := m.HeaderValue("table"); string(h.Value) != `{"nested":{"n":1}}` {
		t.Errorf("table header's text: %q", h.Value)
	}
	if h, _ := m.HeaderValue("dec"); string(h.Value) != "12.50" {
		t.Errorf("decimal header's text: %q", h.Value)
	}
	o := m.Origin
	if o == nil || o.Convention != backends.RabbitXDeath || o.Destination != work || o.Reason != "rejected" ||
		o.Count != 1 || o.Exchange != "" || !slices.Equal(o.RoutingKeys, []string{work}) || o.Timestamp.IsZero() {
		t.Fatalf("origin %+v", o)
	}
	if deaths, _ := typed["x-death"].([]any); len(deaths) != 1 {
		t.Errorf("x-death typed as %#v, want []any of one map", typed["x-death"])
	} else if _, ok := deaths[0].(map[string]any); !ok {
		t.Errorf("x-death entry typed as %T, want map[string]any", deaths[0])
	}
}

// TestPeekNotFound: a missing queue and an exchange are refused with ErrNotFound naming them.
func TestPeekNotFound(t *testing.T) {
	u := rabbitfix.BrokerURL(t)
	t.Parallel()
	b := open(t, rabbitmq.Config{URL: u})
	missing := rabbitfix.Unique("peek-missing")
	for _, name := range []string{missing, "amq.topic"} {
		if _, err := peekAll(t, b, backends.PeekRequest{Destination: name, From: earliest}); !errors.Is(err, backends.ErrNotFound) ||
			!strings.Contains(err.Error(), name) {
			t.Errorf("peek %s: %v, want ErrNotFound naming it", name, err)
		}
		if _, err := b.PeekEffects(context.Background(), name); !errors.Is(err, backends.ErrNotFound) {
			t.Errorf("PeekEffects %s: %v, want ErrNotFound", name, err)
		}
	}
}

// TestPeekWithoutManagementAPI: queues and streams can still be peeked, a stream's refusal of basic.get
// does not take the backend's connection down, and a quorum queue is still guarded.
func TestPeekWithoutManagementAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.URL
	classicQ, streamQ, quorumQ := rabbitfix.Unique("degraded-classic"), rabbitfix.Unique("degraded-stream"), rabbitfix.Unique("degraded-quorum")
	f.Declare(t, classicQ, nil)
	f.Declare(t, streamQ, amqp.Table{"x-queue-type": "stream"})
	f.Declare(t, quorumQ, amqp.Table{"x-queue-type": "quorum", "x-delivery-limit": 5})
	f.PutBodies(t, classicQ, bodies(3)...)
	f.PutBodies(t, streamQ, bodies(3)...)
	f.PutBodies(t, quorumQ, bodies(3)...)
	b := open(t, rabbitmq.Config{URL: u, ManagementURL: "http://127.0.0.1:1"})

	for _, q := range []string{classicQ, streamQ, classicQ} {
		if got := mustPeek(t, b, backends.PeekRequest{Destination: q, From: earliest}); !slices.Equal(bodiesOf(got), bodies(3)) {
			t.Errorf("peek %s: %q", q, bodiesOf(got))
		}
	}
	if eff, err := b.PeekEffects(context.Background(), classicQ); err != nil || !eff.MarksRedelivered || eff.Notice == "" {
		t.Errorf("PeekEffects without the API: %+v, %v", eff, err)
	}
	if _, err := peekAll(t, b, backends.PeekRequest{Destination: streamQ, From: earliest, Follow: true}); !errors.Is(err, backends.ErrNotSupported) {
		t.Errorf("follow without the API: %v, want ErrNotSupported", err)
	}
	// The limit cannot be read: the first message is copied back (safe whatever the limit), and the peek
	// stops there, every time.
	for range 3 {
		got, err := peekAll(t, b, backends.PeekRequest{Destination: quorumQ, From: earliest})
		if !errors.Is(err, backends.ErrDeliveryLimit) || !strings.Contains(err.Error(), "management API") || len(got) != 1 {
			t.Errorf("quorum queue without the API: %d messages, %v; want one, then a stop", len(got), err)
		}
	}
	if got := drain(t, f, quorumQ); len(got) != 3 {
		t.Errorf("quorum queue holds %q after the peeks, want three messages", got)
	}
	if _, err := peekAll(t, b, backends.PeekRequest{Destination: rabbitfix.Unique("nowhere"), From: earliest}); !errors.Is(err, backends.ErrNotFound) {
		t.Errorf("missing queue without the API: %v", err)
	}
}

// TestPeekReconnects: a connection the broker dropped is dialled again by the next peek.
func TestPeekReconnects(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.URL
	queue := rabbitfix.Unique("peek-reconnect")
	f.Declare(t, queue, nil)
	f.PutBodies(t, queue, bodies(2)...)
	b := open(t, rabbitmq.Config{URL: u})
	if err := rabbitmq.DropConnection(b); err != nil {
		t.Fatal(err)
	}
	if got := mustPeek(t, b, backends.PeekRequest{Destination: queue, From: earliest}); len(got) != 2 {
		t.Errorf("peek after the connection dropped: %d messages", len(got))
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := peekAll(t, b, backends.PeekRequest{Destination: queue, From: earliest}); err == nil {
		t.Error("peek after Close succeeded")
	}
}
