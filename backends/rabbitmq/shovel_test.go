package rabbitmq_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/rabbitmq"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/internal/testkit/rabbitfix"
)

// A server-side move hands the letters to the broker's shovel in parts; cancelled part way, it lets the
// part under way finish, so every letter is in exactly one of the two queues, and the report's count is
// what the target gained. Run to the end (in more than one part: the first is small), it moves all, and
// in order: each part's shovel starts only once the one before has given back what its prefetch took
// beyond its part.
func TestServerMoveCancelledHalfWay(t *testing.T) {
	t.Parallel()
	fv := newFixture(t)
	vhostURL := fv.URL
	const letters = 20_000
	src, dst := numberedLetters(t, fv, letters)
	b := open(t, rabbitmq.Config{URL: vhostURL})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	report, err := b.ServerMove(ctx, backends.MoveRequest{Source: src}, dst, func(p backends.MoveProgress) {
		if p.Total != letters {
			t.Errorf("progress %+v: want a total of %d", p, letters)
		}
		if p.Moved > 0 { // the first part is under way, and (at under 30,000 letters a second) the only one
			cancel()
		}
	})
	t.Logf("cancelled: %+v, %v", report, err)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "exactly one of the two queues") ||
		report.Moved == 0 || report.Moved >= letters || report.InDoubt != 0 {
		t.Fatalf("cancelled move: %+v, %v", report, err)
	}
	inSrc, inDst := ids(t, fv, src), ids(t, fv, dst)
	if int64(len(inDst)) != report.Moved || len(inSrc)+len(inDst) != letters {
		t.Errorf("%d in %s, %d in %s, reported moved %d", len(inSrc), src, len(inDst), dst, report.Moved)
	}
	for i := 0; i < letters; i++ {
		if id := strconv.Itoa(i); inSrc[id] == inDst[id] {
			t.Fatalf("letter %s in both queues or in neither (%v)", id, inSrc[id])
		}
	}

	report, err = b.ServerMove(context.Background(), backends.MoveRequest{Source: src}, dst, nil)
	if err != nil || report.Moved != int64(len(inSrc)) || report.PerTarget[dst] != report.Moved {
		t.Fatalf("the rest: %+v, %v; want %d moved", report, err, len(inSrc))
	}
	got := idsInOrder(t, fv, dst)
	if len(got) != letters {
		t.Fatalf("%s holds %d letters, want %d", dst, len(got), letters)
	}
	for i, id := range got {
		if id != strconv.Itoa(i) {
			t.Fatalf("%s holds letter %s at place %d: out of order", dst, id, i)
		}
	}
}

// A user who may not create shovels is told so, and what would allow it; nothing moves.
func TestServerMoveRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	src, dst := rabbitfix.Unique("shovel-src"), rabbitfix.Unique("shovel-dst")
	f.Declare(t, src, nil)
	f.Declare(t, dst, nil)
	f.PutJSON(t, src, 3)
	user := rabbitfix.Unique("user")
	f.Do(t, http.MethodPut, "/users/"+url.PathEscape(user), map[string]string{"password": "pw", "tags": "management"})
	t.Cleanup(func() { f.Do(t, http.MethodDelete, "/users/"+url.PathEscape(user), nil) })
	f.Do(t, http.MethodPut, f.Path("permissions", user), map[string]string{"configure": ".*", "write": ".*", "read": ".*"})

	b := open(t, rabbitmq.Config{URL: "amqp://" + user + ":pw@127.0.0.1:5672/" + url.PathEscape(f.Name)})
	_, err := b.ServerMove(context.Background(), backends.MoveRequest{Source: src}, dst, nil)
	if !errors.Is(err, backends.ErrAuth) || !strings.Contains(err.Error(), "policymaker") {
		t.Errorf("a user without the policymaker tag: %v", err)
	}
	if _, err := b.ServerMove(context.Background(), backends.MoveRequest{Source: src}, src, nil); err == nil {
		t.Error("a move of a queue to itself was not refused")
	}
	ch := f.Channel(t)
	defer ch.Close()
	if q, err := ch.QueueDeclarePassive(src, true, false, false, false, nil); err != nil || q.Messages != 3 {
		t.Errorf("%s after refused moves: %+v, %v; want 3 letters", src, q, err)
	}
}

// On a broker without the shovel plugin, a server-side move says which plugin to enable.
func TestServerMoveWithoutShovelPlugin(t *testing.T) {
	rabbitfix.BrokerURL(t)
	t.Parallel()
	n := startNode(t, "rabbitmq_management")
	f := &fixture{rabbitfix.On(t, n.url())}
	ch := f.Channel(t) // the queues go with the node
	for _, q := range []string{"dlq", "orders"} {
		if _, err := ch.QueueDeclare(q, true, false, false, false, nil); err != nil {
			t.Fatal(err)
		}
	}
	f.PutJSON(t, "dlq", 3)
	b := open(t, rabbitmq.Config{URL: n.url(), ManagementURL: "http://127.0.0.1:" + strconv.Itoa(n.apiPort)})
	_, err := b.ServerMove(context.Background(), backends.MoveRequest{Source: "dlq"}, "orders", nil)
	if !errors.Is(err, backends.ErrNotSupported) || !strings.Contains(err.Error(), "rabbitmq-plugins enable rabbitmq_shovel") {
		t.Errorf("without the shovel plugin: %v", err)
	}
	if q, err := ch.QueueDeclarePassive("dlq", true, false, false, false, nil); err != nil || q.Messages != 3 {
		t.Errorf("dlq after the refused move: %+v, %v; want its 3 letters", q, err)
	}
}

// A server-side redrive plans first: letters that all died in one queue go back there through the
// shovel; letters from two queues are refused before anything moves.
func TestServerSideRedrive(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.URL
	s := newDeadLetters(t, f)
	orders, billing := rabbitfix.Unique("ss-orders"), rabbitfix.Unique("ss-billing")
	s.work(t, orders)
	s.work(t, billing)
	s.reject(t, orders, "a", "b", "c")
	f.WaitReady(t, s.dlq, 3)
	b := open(t, rabbitmq.Config{URL: u})
	if !actions.NewSession(b, config.Context{}).Allows(actions.VerbServerMove) {
		t.Fatal("RabbitMQ should offer a server-side move")
	}
	opts := actions.RedriveOptions{ServerSide: true}
	report, err := actions.NewSession(b, config.Context{}).Redrive(context.Background(), s.dlq, opts, nil)
	if err != nil || report.Moved != 3 || report.PerTarget[orders] != 3 {
		t.Fatalf("server-side redrive: %+v, %v", report, err)
	}
	f.WaitReady(t, orders, 3)
	f.WaitReady(t, s.dlq, 0)

	s.reject(t, orders, "d")
	s.reject(t, billing, "e")
	f.WaitReady(t, s.dlq, 2)
	report, err = actions.NewSession(b, config.Context{}).Redrive(context.Background(), s.dlq, opts, nil)
	if err == nil || !strings.Contains(err.Error(), "go to 2 places") || report.Moved != 0 {
		t.Errorf("letters for two queues: %+v, %v", report, err)
	}
	f.WaitReady(t, s.dlq, 2)
}

// Letters that arrive in the source during a server-side move keep its counts from ever showing a part
// over: each part's end is then found through the management API, every part still runs, nothing is in
// both queues, and the move says that the counts do not add up.
func TestServerMoveWhileTheSourceGrows(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const letters, arrivals = 6_000, 10
	src, dst := numberedLetters(t, f, letters)
	b := open(t, rabbitmq.Config{URL: f.URL})
	ch := f.Channel(t)
	arrived := false
	report, err := b.ServerMove(context.Background(), backends.MoveRequest{Source: src}, dst, func(p backends.MoveProgress) {
		if !arrived && p.Moved > 0 {
			arrived = true
			rabbitfix.Publish(t, ch, "", src, arrivals, func(i int) amqp.Publishing {
				return amqp.Publishing{DeliveryMode: amqp.Persistent, MessageId: "new-" + strconv.Itoa(i), Body: []byte("new")}
			})
		}
	})
	t.Logf("%+v, %v", report, err)
	if err == nil || !strings.Contains(err.Error(), "do not add up") || report.Moved != letters || report.InDoubt != 0 {
		t.Fatalf("a move of a growing source: %+v, %v; want all %d moved and the counts found not to add up", report, err, letters)
	}
	inSrc, inDst := ids(t, f, src), ids(t, f, dst)
	if len(inSrc)+len(inDst) != letters+arrivals || len(inDst) != letters {
		t.Errorf("%d in %s, %d in %s; want %d in all, %d moved", len(inSrc), src, len(inDst), dst, letters+arrivals, letters)
	}
	for id := range inSrc {
		if inDst[id] {
			t.Errorf("letter %s in both queues", id)
		}
	}
}

// A quorum dead-letter queue with a delivery limit is not moved server-side: the shovel hands back what
// its prefetch took beyond its part (and all it holds on a cancel), and each hand-back counts toward the
// limit, so letters already at it would be dead-lettered. Here every letter is at its limit (count 2 of 2,
// as a dead-letter consumer that crashed twice leaves them) and a move of 2,000 of the 3,000 would hand
// back up to 1,000. The move is refused and changes nothing; the client-side mover then moves every
// letter, none dead-lettered. (Without the refusal the shovel moved its 2,000 and the 1,000 it handed
// back were dead-lettered.)
func TestServerMoveQuorumDeliveryLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const letters, part = 3_000, 2_000
	dlq, dst, parked := quorumLettersAtLimit(t, f, letters)
	b := open(t, rabbitmq.Config{URL: f.URL})

	if err := b.CheckServerMove(context.Background(), dlq); !errors.Is(err, backends.ErrNotSupported) {
		t.Errorf("check before a move: %v, want it refused", err)
	}
	if err := b.CheckServerMove(context.Background(), dst); err != nil {
		t.Errorf("check of a classic queue: %v", err)
	}
	report, err := b.ServerMove(context.Background(), backends.MoveRequest{Source: dlq, Max: part}, dst, nil)
	t.Logf("server-side: %+v, %v", report, err)
	if !errors.Is(err, backends.ErrNotSupported) || !strings.Contains(err.Error(), "delivery limit of 2") ||
		strings.Contains(err.Error(), "\n") || report.Moved != 0 {
		t.Errorf("server-side move of a quorum queue with a delivery limit: %+v, %v; want it refused in one line", report, err)
	}

	to := func(backends.Message) (backends.Target, error) { return backends.Target{Destination: dst}, nil }
	if report, err := b.Move(context.Background(), backends.MoveRequest{Source: dlq}, to, nil); err != nil || report.Moved != letters {
		t.Errorf("client-side move: %+v, %v; want all %d moved", report, err, letters)
	}
	f.WaitReady(t, dlq, 0)
	inDst, inParked := ids(t, f, dst), ids(t, f, parked)
	for i := range letters {
		if id := strconv.Itoa(i); !inDst[id] {
			t.Errorf("letter %s did not arrive (dead-lettered: %v)", id, inParked[id])
			break
		}
	}
	if len(inDst) != letters || len(inParked) != 0 {
		t.Errorf("%s holds %d letters, %s (the dead-letter target) %d; want %d and 0", dst, len(inDst), parked, len(inParked), letters)
	}
}

// quorumLettersAtLimit makes a quorum dead-letter queue with a delivery limit of 2, whose own dead letters
// go to a classic queue (parked), and a classic target, and fills the first with n letters at their limit
// (count 2, as a dead-letter consumer that crashed twice leaves them), their message IDs 0 to n-1.
func quorumLettersAtLimit(t *testing.T, f *fixture, n int) (dlq, dst, parked string) {
	t.Helper()
	dlq, dst, parked = rabbitfix.Unique("qdlq"), rabbitfix.Unique("qdst"), rabbitfix.Unique("qparked")
	f.Declare(t, parked, nil)
	f.Declare(t, dst, nil)
	f.Declare(t, dlq, amqp.Table{"x-queue-type": "quorum", "x-delivery-limit": 2,
		"x-dead-letter-exchange": "", "x-dead-letter-routing-key": parked})
	rabbitfix.Publish(t, f.Channel(t), "", dlq, n, func(i int) amqp.Publishing {
		return amqp.Publishing{DeliveryMode: amqp.Persistent, MessageId: strconv.Itoa(i), Body: []byte("letter")}
	})
	f.WaitReady(t, dlq, n)
	takeAllAndGiveBack(t, f, dlq, n) // count 1,
	takeAllAndGiveBack(t, f, dlq, n) // then 2, the limit: one more hand-back ends it
	if got := f.Ready(t, parked); got != 0 {
		t.Fatalf("setup: %d letters dead-lettered before the move", got)
	}
	return dlq, dst, parked
}

// takeAllAndGiveBack takes the n letters of queue and gives them all back by closing its channel, which
// raises each one's delivery count on a quorum queue. (A quorum queue gives a consumer without a prefetch
// limit only 2,000 at a time, hence the Qos.)
func takeAllAndGiveBack(t *testing.T, f *fixture, queue string, n int) {
	t.Helper()
	ch := f.Channel(t)
	if err := ch.Qos(n, 0, false); err != nil {
		t.Fatalf("qos: %v", err)
	}
	deliveries, err := ch.Consume(queue, "", false, false, false, false, nil)
	if err != nil {
		t.Fatalf("read %s: %v", queue, err)
	}
	for i := range n {
		select {
		case <-deliveries:
		case <-time.After(30 * time.Second):
			t.Fatalf("read %s: %d of %d letters after 30 s", queue, i, n)
		}
	}
	ch.Close()
	f.WaitReady(t, queue, n)
}

// A server-side move that has to give up on its shovel deletes it and says that up to what the shovel held
// may be in both queues: an upper bound, and the report says it is one. Here the source is deleted under
// the move; the shovel declares it again, empty, so nothing moves, and after shovelStall (30 s) the move
// gives up.
func TestServerMoveAbandonedReportsAnUpperBound(t *testing.T) {
	t.Parallel()
	fv := newFixture(t)
	const letters = 20_000
	src, dst := numberedLetters(t, fv, letters)
	b := open(t, rabbitmq.Config{URL: fv.URL})
	deleted := false
	report, err := b.ServerMove(context.Background(), backends.MoveRequest{Source: src}, dst, func(p backends.MoveProgress) {
		if p.Moved > 0 && !deleted {
			deleted = true
			fv.DeleteQueue(t, src)
		}
	})
	t.Logf("abandoned: %+v, %v", report, err)
	if err == nil || !strings.Contains(err.Error(), "mqscope deleted its shovel, and up to ") ||
		!report.InDoubtAtMost || report.InDoubt == 0 || report.InDoubt > 1000 {
		t.Fatalf("a move whose source went: %+v, %v; want an upper bound of at most 1000 in doubt", report, err)
	}
	var shovels []map[string]any
	fv.Get(t, "/shovels/"+url.PathEscape(fv.Name), &shovels)
	if len(shovels) != 0 {
		t.Errorf("shovels left behind: %v", shovels)
	}
}

// numberedLetters declares a source "dlq" holding n persistent letters whose message ids are 0 … n-1, in
// order, and an empty target "orders".
func numberedLetters(t *testing.T, f *fixture, n int) (src, dst string) {
	t.Helper()
	src, dst = "dlq", "orders"
	f.Declare(t, src, nil)
	f.Declare(t, dst, nil)
	rabbitfix.Publish(t, f.Channel(t), "", src, n, func(i int) amqp.Publishing {
		return amqp.Publishing{DeliveryMode: amqp.Persistent, MessageId: strconv.Itoa(i), Body: []byte("letter")}
	})
	return src, dst
}

// A server-side move that gives up on its shovel mid-part while the queues are left alone (here the
// management API fails it when asked whether the part's shovel is still there) reads, once the deleted
// shovel has handed back what it held, exactly what the part moved; what the shovel held may be in both
// queues, and that is an upper bound.
func TestServerMoveAbandonedCountsWhatMoved(t *testing.T) {
	t.Parallel()
	fv := newFixture(t)
	const letters = 60_000
	src, dst := numberedLetters(t, fv, letters)
	b := open(t, rabbitmq.Config{URL: fv.URL})
	var puts atomic.Int32
	rabbitmq.WrapTransport(b, func(next http.RoundTripper) http.RoundTripper {
		return roundTripper(func(r *http.Request) (*http.Response, error) {
			isShovel := strings.Contains(r.URL.Path, "/parameters/shovel/")
			if isShovel && r.Method == http.MethodPut {
				puts.Add(1)
			}
			if isShovel && r.Method == http.MethodGet && puts.Load() >= 2 {
				return nil, errors.New("injected: the management API went away")
			}
			return next.RoundTrip(r)
		})
	})
	report, err := b.ServerMove(context.Background(), backends.MoveRequest{Source: src}, dst, nil)
	t.Logf("abandoned: %+v, %v", report, err)
	if err == nil || !strings.Contains(err.Error(), "mqscope deleted its shovel, which had moved ") || !report.InDoubtAtMost {
		t.Fatalf("a move whose API failed mid-part: %+v, %v; want its part's moves counted", report, err)
	}
	inSrc, inDst := ids(t, fv, src), ids(t, fv, dst)
	both := 0
	for id := range inSrc {
		if inDst[id] {
			both++
		}
	}
	if int64(len(inSrc)) != letters-report.Moved || int64(len(inDst)) != report.Moved+int64(both) || int64(both) > report.InDoubt ||
		report.PerTarget[dst] != report.Moved {
		t.Errorf("%d in %s, %d in %s, %d in both; reported %d moved (%d to %s), %d in doubt", len(inSrc), src, len(inDst), dst,
			both, report.Moved, report.PerTarget[dst], dst, report.InDoubt)
	}
}

// A server-side move cancelled during its last part is not stopped by it: that part moves every letter
// left, so the move ends complete and says nothing of a cancel.
func TestServerMoveCancelledInItsLastPartEndsComplete(t *testing.T) {
	t.Parallel()
	fv := newFixture(t)
	const letters = 20_000 // a first part of 5,000, then the rest in one
	src, dst := numberedLetters(t, fv, letters)
	b := open(t, rabbitmq.Config{URL: fv.URL})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	report, err := b.ServerMove(ctx, backends.MoveRequest{Source: src}, dst, func(p backends.MoveProgress) {
		if p.Moved > 5_000 {
			cancel()
		}
	})
	if ctx.Err() == nil {
		t.Fatal("the move ended before its last part was under way: nothing was cancelled")
	}
	if err != nil || report.Moved != letters {
		t.Fatalf("cancelled in the last part: %+v, %v; want all %d moved and no error", report, err, letters)
	}
	fv.WaitReady(t, dst, letters)
}
