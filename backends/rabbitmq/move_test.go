package rabbitmq_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/rabbitmq"
	"github.com/mqscope/mqscope/internal/testkit/rabbitfix"
)

func exchangeTarget(x, key string) backends.Target {
	return backends.Target{Exchange: &x, RoutingKey: key}
}

// TestPublish: confirmed publishes keep body, properties and typed headers; an unroutable message is
// ErrUnroutable; a missing exchange ErrNotFound; a batch larger than the window is confirmed whole.
func TestPublish(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.URL
	inbox, events, lonely := rabbitfix.Unique("pub-inbox"), rabbitfix.Unique("pub-events"), rabbitfix.Unique("pub-lonely")
	f.Declare(t, inbox, nil)
	ch := f.Channel(t)
	t.Cleanup(func() { ch.Close() })
	for _, x := range []string{events, lonely} {
		if err := ch.ExchangeDeclare(x, "topic", false, false, false, false, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := ch.QueueBind(inbox, "order.*", events, false, nil); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	typed := backends.Message{
		Body: []byte(`{"id":1}`), Timestamp: at,
		Headers: []backends.Header{
			{Key: "n", Typed: 42}, {Key: "big", Typed: uint64(1) << 63}, {Key: "text", Value: []byte("plain")},
			{Key: "nested", Typed: map[string]any{"list": []any{"a", int32(1)}, "when": at}},
			{Key: "x-delivery-count", Typed: int64(3)}, // a delivery annotation: not sent on
		},
		Properties: &backends.Properties{ContentType: "application/json", DeliveryMode: 2, Priority: 1,
			CorrelationID: "c-1", MessageID: "m-1", Type: "order.created", AppID: "test", ReplyTo: "r",
			Expiration: "600000", UserID: "someone-else"},
	}
	msgs := []backends.Outgoing{
		{Target: backends.Target{Destination: inbox}, Message: typed},
		{Target: exchangeTarget(events, "order.created"), Message: backends.Message{Body: []byte("via exchange")}},
		{Target: exchangeTarget(lonely, "order.created"), Message: backends.Message{Body: []byte("nobody")}},
		{Target: backends.Target{Destination: rabbitfix.Unique("no-such-queue")}, Message: backends.Message{Body: []byte("lost?")}},
		{Target: exchangeTarget(rabbitfix.Unique("no-such-exchange"), "k"), Message: backends.Message{Body: []byte("x")}},
		{Target: backends.Target{Destination: inbox}, Message: backends.Message{Headers: []backends.Header{{Key: "bad", Typed: struct{}{}}}}},
	}
	b := open(t, rabbitmq.Config{URL: u})
	errs, err := b.Publish(context.Background(), msgs)
	if err != nil {
		t.Fatal(err)
	}
	if errs[0] != nil || errs[1] != nil {
		t.Errorf("routable messages: %v, %v", errs[0], errs[1])
	}
	for i := 2; i <= 3; i++ {
		if !errors.Is(errs[i], backends.ErrUnroutable) {
			t.Errorf("message %d: %v, want ErrUnroutable", i, errs[i])
		}
	}
	if !errors.Is(errs[4], backends.ErrNotFound) || !strings.Contains(errs[4].Error(), "no exchange") {
		t.Errorf("missing exchange: %v", errs[4])
	}
	if errs[5] == nil || !strings.Contains(errs[5].Error(), `header "bad"`) {
		t.Errorf("untyped header: %v", errs[5])
	}

	d, ok, err := ch.Get(inbox, true)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	want := amqp.Table{"n": int64(42), "big": "9223372036854775808", "text": "plain",
		"nested": amqp.Table{"list": []any{"a", int32(1)}, "when": at.Local()}} // amqp091-go reads times as local
	if !reflect.DeepEqual(d.Headers, want) {
		t.Errorf("headers %#v, want %#v", d.Headers, want)
	}
	if string(d.Body) != `{"id":1}` || d.ContentType != "application/json" || d.DeliveryMode != 2 || d.Priority != 1 ||
		d.CorrelationId != "c-1" || d.MessageId != "m-1" || d.Type != "order.created" || d.AppId != "test" ||
		d.ReplyTo != "r" || d.Expiration != "600000" || !d.Timestamp.Equal(at) || d.UserId != "" || d.RoutingKey != inbox {
		t.Errorf("delivered %+v", d)
	}
	if d, _, _ := ch.Get(inbox, true); string(d.Body) != "via exchange" || d.Exchange != events {
		t.Errorf("through the exchange: %q from %q", d.Body, d.Exchange)
	}

	// More than the window of unconfirmed messages, with unroutable ones among them.
	var many []backends.Outgoing
	for i := 0; i < 2500; i++ {
		target := backends.Target{Destination: inbox}
		if i%500 == 7 {
			target = exchangeTarget(lonely, "x")
		}
		many = append(many, backends.Outgoing{Target: target, Message: backends.Message{Body: fmt.Appendf(nil, "m%d", i)}})
	}
	errs, err = b.Publish(context.Background(), many)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range errs {
		if unroutable := i%500 == 7; unroutable != errors.Is(e, backends.ErrUnroutable) || !unroutable && e != nil {
			t.Fatalf("message %d: %v", i, e)
		}
	}
	if n := f.Ready(t, inbox); n != 2495 {
		t.Errorf("inbox holds %d, want 2495", n)
	}
}

// deadLetterSetup is a dead-letter queue fed by work queues through a dead-letter exchange, with letters
// the broker itself dead-lettered (basic.reject, requeue=false).
type deadLetterSetup struct {
	f   *fixture
	dlq string
	dlx string
}

func newDeadLetters(t *testing.T, f *fixture) *deadLetterSetup {
	t.Helper()
	s := &deadLetterSetup{f: f, dlq: rabbitfix.Unique("dlq"), dlx: rabbitfix.Unique("dlx")}
	ch := f.Channel(t)
	defer ch.Close()
	if err := ch.ExchangeDeclare(s.dlx, "fanout", false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	f.Declare(t, s.dlq, nil)
	if err := ch.QueueBind(s.dlq, "", s.dlx, false, nil); err != nil {
		t.Fatal(err)
	}
	return s
}

// work declares a work queue dead-lettering into the DLQ.
func (s *deadLetterSetup) work(t *testing.T, name string) {
	s.f.Declare(t, name, amqp.Table{"x-dead-letter-exchange": s.dlx})
}

// reject puts the bodies on work and rejects each, so that the broker dead-letters them.
func (s *deadLetterSetup) reject(t *testing.T, work string, bodies ...string) {
	t.Helper()
	s.f.PutBodies(t, work, bodies...)
	ch := s.f.Channel(t)
	defer ch.Close()
	for range bodies {
		d, ok, err := ch.Get(work, false)
		if err != nil || !ok {
			t.Fatalf("fixture: get from %s: %v %v", work, ok, err)
		}
		if err := d.Reject(false); err != nil {
			t.Fatal(err)
		}
	}
}

// toOrigin routes a letter back to the queue it died in.
func toOrigin(m backends.Message) (backends.Target, error) {
	if m.Origin == nil {
		return backends.Target{}, errors.New("no origin")
	}
	return backends.Target{Destination: m.Origin.Destination}, nil
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

// TestMoveToOrigins: letters from two queues each go back to their own; the letters of a deleted queue
// come back unroutable and stay, as does one with no origin; progress ends with the totals.
func TestMoveToOrigins(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.URL
	s := newDeadLetters(t, f)
	a, bq, gone := rabbitfix.Unique("work-a"), rabbitfix.Unique("work-b"), rabbitfix.Unique("work-gone")
	for _, q := range []string{a, bq, gone} {
		s.work(t, q)
	}
	s.reject(t, a, "a0", "a1", "a2")
	s.reject(t, bq, "b0", "b1")
	s.reject(t, gone, "gone0")
	f.PutBodies(t, s.dlq, "no origin")
	f.WaitReady(t, s.dlq, 7)
	f.DeleteQueue(t, gone)

	b := open(t, rabbitmq.Config{URL: u})
	var last backends.MoveProgress
	report, err := b.Move(context.Background(), backends.MoveRequest{Source: s.dlq}, toOrigin,
		func(p backends.MoveProgress) { last = p })
	if err != nil {
		t.Fatal(err)
	}
	if report.Moved != 5 || report.Kept != 1 || report.Failed != 1 || report.PerTarget[a] != 3 || report.PerTarget[bq] != 2 {
		t.Errorf("report %+v", report)
	}
	if last != (backends.MoveProgress{Moved: 5, Kept: 1, Failed: 1, Total: 7}) {
		t.Errorf("last progress %+v", last)
	}
	reasons := map[string]string{}
	for _, fl := range report.Failures {
		reasons[fl.Target] = fl.Reason
	}
	if reasons[gone] != backends.ErrUnroutable.Error() || reasons[""] != "no origin" {
		t.Errorf("failures %+v", report.Failures)
	}
	if got := drain(t, f, a); !slices.Equal(got, []string{"a0", "a1", "a2"}) {
		t.Errorf("%s holds %q", a, got)
	}
	if got := drain(t, f, bq); !slices.Equal(got, []string{"b0", "b1"}) {
		t.Errorf("%s holds %q", bq, got)
	}
	if got := drain(t, f, s.dlq); !slices.Equal(sorted(got), []string{"gone0", "no origin"}) {
		t.Errorf("dlq holds %q", got)
	}
}

// TestMoveMaxAndRefusals: Max moves that many in order and leaves the rest in place; a missing source, an
// exchange and a stream are refused.
func TestMoveMaxAndRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.URL
	src, dst, streamQ := rabbitfix.Unique("move-src"), rabbitfix.Unique("move-dst"), rabbitfix.Unique("move-stream")
	f.Declare(t, src, nil)
	f.Declare(t, dst, nil)
	f.Declare(t, streamQ, amqp.Table{"x-queue-type": "stream"})
	f.PutBodies(t, src, bodies(10)...)
	b := open(t, rabbitmq.Config{URL: u})
	to := func(backends.Message) (backends.Target, error) { return backends.Target{Destination: dst}, nil }
	report, err := b.Move(context.Background(), backends.MoveRequest{Source: src, Max: 4}, to, nil)
	if err != nil || report.Moved != 4 {
		t.Fatalf("Max 4: %+v, %v", report, err)
	}
	if got := drain(t, f, dst); !slices.Equal(got, bodies(4)) {
		t.Errorf("target holds %q", got)
	}
	if got := drain(t, f, src); !slices.Equal(got, bodies(10)[4:]) {
		t.Errorf("source holds %q, want the rest in order", got)
	}
	for name, want := range map[string]error{rabbitfix.Unique("missing"): backends.ErrNotFound, "amq.fanout": backends.ErrNotFound,
		streamQ: backends.ErrNotSupported} {
		if _, err := b.Move(context.Background(), backends.MoveRequest{Source: name}, to, nil); !errors.Is(err, want) {
			t.Errorf("move from %s: %v, want %v", name, err, want)
		}
	}
}

// TestMoveManyKept: more kept letters than a consumer's prefetch do not stall the move.
func TestMoveManyKept(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.URL
	src, dst := rabbitfix.Unique("kept-src"), rabbitfix.Unique("kept-dst")
	f.Declare(t, src, nil)
	f.Declare(t, dst, nil)
	const n = 4500
	f.PutBodies(t, src, bodies(n)...)
	b := open(t, rabbitmq.Config{URL: u})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Only every tenth letter has somewhere to go.
	to := func(m backends.Message) (backends.Target, error) {
		if m.Offset%10 == 0 {
			return backends.Target{Destination: dst}, nil
		}
		return backends.Target{}, errors.New("not this one")
	}
	start := time.Now()
	report, err := b.Move(ctx, backends.MoveRequest{Source: src}, to, nil)
	t.Logf("moved %d and kept %d in %v", report.Moved, report.Kept, time.Since(start))
	if err != nil || report.Moved != n/10 || report.Kept != n-n/10 || len(report.Failures) != 100 {
		t.Fatalf("report %d moved, %d kept, %d failures listed; %v", report.Moved, report.Kept, len(report.Failures), err)
	}
	var wantKept []string
	for i, body := range bodies(n) {
		if i%10 != 0 {
			wantKept = append(wantKept, body)
		}
	}
	if got := drain(t, f, src); !slices.Equal(got, wantKept) {
		t.Errorf("source holds %d letters, want the %d kept in their order", len(got), len(wantKept))
	}
	if got := f.Ready(t, dst); got != n/10 {
		t.Errorf("target holds %d", got)
	}
}

// TestMoveInterrupted: a move stopped halfway — by its context, or by its connection dying — and run
// again accounts for every letter: each is in its origin or still in the dead-letter queue. Only a
// connection dying between a confirm and its acknowledgement may leave a letter in both (at-least-once),
// and at most a window of them.
func TestMoveInterrupted(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"cancel", "connection"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			u := f.URL
			s := newDeadLetters(t, f)
			origin := rabbitfix.Unique("interrupted-origin")
			s.work(t, origin)
			const n = 3000
			expiring := rabbitfix.Unique("interrupted-ttl") // dead-letters everything at once (reason expired)
			f.Declare(t, expiring, amqp.Table{"x-message-ttl": 0, "x-dead-letter-exchange": s.dlx})
			f.PutBodies(t, expiring, bodies(n)...)
			f.WaitReady(t, s.dlq, n)
			to := func(backends.Message) (backends.Target, error) { return backends.Target{Destination: origin}, nil }

			b := open(t, rabbitmq.Config{URL: u})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			report, err := b.Move(ctx, backends.MoveRequest{Source: s.dlq}, to, func(p backends.MoveProgress) {
				if p.Moved >= n/3 {
					if how == "cancel" {
						cancel()
					} else {
						_ = rabbitmq.DropConnection(b)
					}
				}
			})
			if err == nil || report.Moved >= n {
				t.Fatalf("interrupted move: %+v, %v; want it stopped with an error", report.Moved, err)
			}
			t.Logf("stopped after %d moved: %v", report.Moved, err)
			again, err := b.Move(context.Background(), backends.MoveRequest{Source: s.dlq}, to, nil)
			if err != nil {
				t.Fatalf("second run: %v", err)
			}
			// What the first run reports moved left the source for certain; what it reports in doubt may have.
			if left1 := n - again.Moved; report.Moved > left1 || left1 > report.Moved+report.InDoubt {
				t.Errorf("first run: %d moved for certain and %d in doubt, but %d letters had left the source", report.Moved,
					report.InDoubt, left1)
			}
			if report.InDoubt > 0 && !report.InDoubtAtMost {
				t.Errorf("first run: %d in doubt, not marked as an upper bound (some may never have reached the target)", report.InDoubt)
			}
			if report.PerTarget[origin] != report.Moved {
				t.Errorf("first run: %d moved, %d of them to %s; want the same", report.Moved, report.PerTarget[origin], origin)
			}
			inOrigin, left := drain(t, f, origin), drain(t, f, s.dlq)
			if len(left) != 0 {
				t.Errorf("%d letters left in the dead-letter queue", len(left))
			}
			seen := map[string]int{}
			for _, body := range inOrigin {
				seen[body]++
			}
			dups := len(inOrigin) - len(seen)
			for _, body := range bodies(n) {
				if seen[body] == 0 {
					t.Fatalf("%s lost", body)
				}
			}
			if how == "cancel" && (dups != 0 || report.InDoubt != 0) || int64(dups) > report.InDoubt {
				t.Errorf("%d letters moved twice (moved %d then %d), %d reported in doubt", dups, report.Moved, again.Moved, report.InDoubt)
			}
			t.Logf("%d moved, then %d; %d moved twice", report.Moved, again.Moved, dups)
		})
	}
}

// A move whose source another client empties meanwhile (another redrive, an application, a purge) ends
// once the source holds nothing more, instead of waiting for the letters it counted at the start; every
// letter is moved by one of the two, none twice.
func TestMoveEndsWhenOthersEmptyTheSource(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const n = 20_000
	src, dst := numberedLetters(t, f, n)
	other := f.Channel(t) // takes letters from the same queue, acknowledging each
	if err := other.Qos(50, 0, false); err != nil {
		t.Fatal(err)
	}
	taken, err := other.Consume(src, "", false, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	var byOther atomic.Int64
	go func() {
		for d := range taken {
			if d.Ack(false) == nil {
				byOther.Add(1)
			}
		}
	}()
	b := open(t, rabbitmq.Config{URL: f.URL})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	toDst := func(backends.Message) (backends.Target, error) { return backends.Target{Destination: dst}, nil }
	report, err := b.Move(ctx, backends.MoveRequest{Source: src}, toDst, nil)
	if err != nil || ctx.Err() != nil {
		t.Fatalf("move beside another consumer: %+v, %v (context: %v)", report.Moved, err, ctx.Err())
	}
	if report.Gone <= 0 || report.Gone > n-report.Moved {
		t.Errorf("moved %d of %d, and %d reported gone to others; want some, at most the rest", report.Moved, n, report.Gone)
	}
	_ = other.Close() // what it had not acknowledged goes back
	left := f.Ready(t, src)
	if moved := f.Ready(t, dst); int64(moved) != report.Moved || report.Moved+byOther.Load()+int64(left) != n {
		t.Errorf("moved %d (%d in %s), the other consumer took %d, %d left in %s, of %d", report.Moved, moved, dst,
			byOther.Load(), left, src, n)
	}
}
