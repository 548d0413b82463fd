package rabbitmq_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

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
	src, dst := "dlq", "orders"
	fv.Declare(t, src, nil)
	fv.Declare(t, dst, nil)
	const letters = 20_000
	rabbitfix.Publish(t, fv.Channel(t), "", src, letters, func(i int) amqp.Publishing {
		return amqp.Publishing{DeliveryMode: amqp.Persistent, MessageId: strconv.Itoa(i), Body: []byte("letter")}
	})
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
	src, dst := "dlq", "orders"
	f.Declare(t, src, nil)
	f.Declare(t, dst, nil)
	const letters, arrivals = 6_000, 10
	rabbitfix.Publish(t, f.Channel(t), "", src, letters, func(i int) amqp.Publishing {
		return amqp.Publishing{DeliveryMode: amqp.Persistent, MessageId: strconv.Itoa(i), Body: []byte("letter")}
	})
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
