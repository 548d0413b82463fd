package rabbitmq_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/rabbitmq"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/internal/testkit/rabbitfix"
)

// A published test message is persistent unless asked otherwise, so that a durable queue keeps what the
// broker confirmed across a restart.
func TestPublishPersistentByDefault(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.URL
	q := rabbitfix.Unique("persistent")
	f.Declare(t, q, nil)
	b := open(t, rabbitmq.Config{URL: u})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	send := func(o actions.PublishOptions) {
		t.Helper()
		o.Target, o.Body = backends.Target{Destination: q}, []byte("x")
		if r, err := actions.NewSession(b, config.Context{}).Publish(ctx, o, nil); err != nil || r.Sent != 1 {
			t.Fatalf("publish %+v: %+v, %v", o, r, err)
		}
	}
	send(actions.PublishOptions{})
	send(actions.PublishOptions{Properties: &backends.Properties{ContentType: "text/plain"}})
	send(actions.PublishOptions{Transient: true})
	send(actions.PublishOptions{Properties: &backends.Properties{DeliveryMode: 1}})
	ch := f.Channel(t)
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
	t.Parallel()
	f := newFixture(t)
	u := f.URL
	q := rabbitfix.Unique("limits")
	f.Declare(t, q, nil)
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
	ch := f.Channel(t)
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
	t.Parallel()
	fv := newFixture(t)
	vhostURL := fv.URL
	for _, name := range []string{".", ".."} {
		fv.Declare(t, name, nil)
		fv.PutBodies(t, name, "in "+name)
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
	missing := rabbitfix.Unique("missing")
	_, err = peekAll(t, b, backends.PeekRequest{Destination: missing, From: earliest})
	if !errors.Is(err, backends.ErrNotFound) || !strings.Contains(err.Error(), "management API at http://127.0.0.1:15672") {
		t.Errorf("peek of a missing queue: %v, want the management API's address in it", err)
	}
	// A name with a terminal escape in it is escaped once in the error, not escaped again by %q.
	hostile := missing + "\x1b[31m"
	_, err = peekAll(t, b, backends.PeekRequest{Destination: hostile, From: earliest})
	if want := `"` + missing + `\e[31m"`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("peek of a missing hostile name: %v, want %s in it", err, want)
	}
}

// A node killed (SIGKILL) in the middle of a move: nothing is lost, the error says how many letters may
// now be in both places, no more than that are, and a new run after the restart moves the rest.
func TestMoveNodeKilled(t *testing.T) {
	rabbitfix.BrokerURL(t)
	t.Parallel()
	n := startNode(t)
	f := &fixture{rabbitfix.On(t, n.url())}
	src, dst := rabbitfix.Unique("kill-src"), rabbitfix.Unique("kill-dst")
	ch := f.Channel(t) // the queues go with the node
	for _, q := range []string{src, dst} {
		if _, err := ch.QueueDeclare(q, true, false, false, false, nil); err != nil {
			t.Fatal(err)
		}
	}
	n.syncDatabase(t) // the kill must not take the queues themselves
	const letters = 10_000
	rabbitfix.Publish(t, ch, "", src, letters, func(i int) amqp.Publishing {
		return amqp.Publishing{DeliveryMode: amqp.Persistent, MessageId: strconv.Itoa(i), Body: []byte("letter")}
	})

	b := open(t, rabbitmq.Config{URL: n.url(), Timeout: 3 * time.Second})
	if w := strings.Join(b.Warnings(), " "); !strings.Contains(w, "another broker's") {
		t.Errorf("the management API on 15672 is the shared node's, and the warnings should say so: %q", w)
	}
	toDst := func(backends.Message) (backends.Target, error) { return backends.Target{Destination: dst}, nil }
	killed := make(chan struct{})
	report, err := b.Move(context.Background(), backends.MoveRequest{Source: src}, toDst, func(p backends.MoveProgress) {
		if p.Moved >= letters/4 && n.cmd != nil {
			n.kill(t)
			close(killed)
		}
	})
	select {
	case <-killed:
	default:
		t.Fatalf("the move ended before the node was killed: %+v, %v", report, err)
	}
	t.Logf("report %+v; error: %v", report, err)
	// What was under way when the node died is in doubt. The kill comes from the progress callback, which
	// may run between two flights with none under way: then nothing is in doubt, and the error must not
	// say otherwise. Either way the broker's crash can bring back what was moved before.
	if err == nil || !strings.Contains(err.Error(), "if the broker itself went down, up to the ") {
		t.Errorf("the error should say how many letters a broker crash can bring back: %v", err)
	} else if strings.Contains(err.Error(), "may now be in both places") != (report.InDoubt > 0) || report.InDoubt > 0 &&
		!regexp.MustCompile(fmt.Sprintf(`\b%d letters? may now be in both places`, report.InDoubt)).MatchString(err.Error()) {
		t.Errorf("the error should say how many letters may be in both places (%d), and only if some may: %v", report.InDoubt, err)
	}

	n.start(t)
	f = &fixture{rabbitfix.On(t, n.url())}
	inSrc, inDst := ids(t, f, src), ids(t, f, dst)
	both := 0
	for id := range inSrc {
		if inDst[id] {
			both++
		}
	}
	for i := 0; i < letters; i++ {
		if id := strconv.Itoa(i); !inSrc[id] && !inDst[id] {
			t.Fatalf("letter %s is lost", id)
		}
	}
	t.Logf("after the restart: %d in %s, %d in %s, %d in both; reported in doubt %d", len(inSrc), src, len(inDst), dst, both, report.InDoubt)
	// The node lost acknowledgements it had not written yet: a broker crash can bring back every letter
	// moved before, and the error says so with that number.
	if int64(both) > report.InDoubt+report.Moved {
		t.Errorf("%d letters are in both queues, more than the %d+%d reported", both, report.InDoubt, report.Moved)
	}

	b2 := open(t, rabbitmq.Config{URL: n.url(), Timeout: 3 * time.Second})
	again, err := b2.Move(context.Background(), backends.MoveRequest{Source: src}, toDst, nil)
	if err != nil || again.Moved != int64(len(inSrc)) || again.InDoubt != 0 {
		t.Errorf("the next run: %+v, %v; want all %d letters left moved", again, err, len(inSrc))
	}
}

// ids reads the message ids a queue holds and gives every message back: when it returns, the queue holds
// them all as ready again.
func ids(t *testing.T, f *fixture, queue string) map[string]bool {
	t.Helper()
	inOrder := idsInOrder(t, f, queue)
	seen := make(map[string]bool, len(inOrder))
	for _, id := range inOrder {
		seen[id] = true
	}
	return seen
}

// idsInOrder is ids in the queue's order.
func idsInOrder(t *testing.T, f *fixture, queue string) []string {
	t.Helper()
	ch := f.Channel(t)
	q, err := ch.QueueDeclarePassive(queue, false, false, false, false, nil)
	if err != nil {
		t.Fatalf("count %s: %v", queue, err)
	}
	// A consumer without a prefetch limit takes them all at once, not one basic.get round trip each;
	// none is settled, so closing the channel gives them back.
	deliveries, err := ch.Consume(queue, "", false, false, false, false, nil)
	if err != nil {
		t.Fatalf("read %s: %v", queue, err)
	}
	seen := make([]string, 0, q.Messages)
	for range q.Messages {
		select {
		case d, open := <-deliveries:
			if !open {
				t.Fatalf("read %s: the channel closed after %d of %d messages", queue, len(seen), q.Messages)
			}
			seen = append(seen, d.MessageId)
		case <-time.After(30 * time.Second):
			t.Fatalf("read %s: %d of %d messages after 30 s", queue, len(seen), q.Messages)
		}
	}
	ch.Close() // gives them back, and the broker counts them as ready a moment later
	f.WaitReady(t, queue, q.Messages)
	return seen
}

// Redrive of a quorum dead-letter queue with a delivery limit and no dead-letter exchange, whose letters
// name no origin: each run keeps all of them, and no number of runs loses one (a give-back counts toward
// the limit, so the mover copies back a letter that one more give-back would end).
func TestRedriveKeepsQuorumLettersAtTheirLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	parking := rabbitfix.Unique("parking")
	f.Declare(t, parking, amqp.Table{"x-queue-type": "quorum", "x-delivery-limit": 2})
	f.PutBodies(t, parking, "a", "b", "c")
	b := open(t, rabbitmq.Config{URL: f.URL})
	for run := 1; run <= 6; run++ {
		report, err := actions.NewSession(b, config.Context{}).Redrive(context.Background(), parking, actions.RedriveOptions{}, nil)
		if err != nil || report.Kept != 3 || report.Moved != 0 {
			t.Fatalf("run %d: %+v, %v; want 3 kept", run, report, err)
		}
		if got := f.Ready(t, parking); got != 3 {
			t.Fatalf("after run %d the queue holds %d letters, want 3", run, got)
		}
	}
	msgs := mustPeek(t, b, backends.PeekRequest{Destination: parking, From: earliest})
	if got := slices.Sorted(slices.Values(bodiesOf(msgs))); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("after six runs the queue holds %q", got)
	}
}
