package e2e

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/internal/testkit/rabbitfix"
)

// rabbitMessage is the i-th message TestPeekRabbitMQQueue publishes: properties, typed headers, and a
// body that is JSON or, for the last one, binary.
func rabbitMessage(i, n int, at time.Time) amqp.Publishing {
	body := fmt.Appendf(nil, `{"n":%d}`, i)
	if i == n-1 {
		body = []byte{0xca, 0xfe, 0xff, byte(i)}
	}
	return amqp.Publishing{
		ContentType: "application/json", DeliveryMode: amqp.Persistent, Priority: 0,
		CorrelationId: fmt.Sprintf("corr-%d", i), MessageId: fmt.Sprintf("m-%d", i), Timestamp: at,
		Type: "order.created", AppId: "peek-test", ReplyTo: "replies",
		Headers: amqp.Table{"attempt": int32(i), "trace": "\x1b[31mred", "nested": amqp.Table{"a": int64(1)},
			"list": []any{"x", int32(2)}},
		Body: body,
	}
}

// A queue peeked as JSON: every message whole, with its properties and typed headers, a note that peeking
// marks messages redelivered, and afterwards the queue holds every message in the same order.
func TestPeekRabbitMQQueue(t *testing.T) {
	t.Parallel()
	rabbit := rabbitfix.New(t)
	url := rabbit.URL
	const queue, n = "orders.peek", 6
	at := time.Now().Truncate(time.Second).UTC()
	var published []amqp.Publishing
	for i := range n {
		published = append(published, rabbitMessage(i, n, at))
	}
	rabbit.Declare(t, queue, nil)
	ch := rabbit.Channel(t)
	rabbitfix.Publish(t, ch, "", queue, n, func(i int) amqp.Publishing { return published[i] })

	r := mqscope(t, "--rabbitmq", url, "peek", queue, "-o", "json")
	if r.code != 0 || !strings.HasPrefix(r.stderr, "mqscope: note: ") || strings.Count(r.stderr, "\n") != 1 ||
		!strings.Contains(r.stderr, "redelivered") {
		t.Fatalf("peek -o json: exit %d, stderr %q", r.code, r.stderr)
	}
	rows := jsonLines(t, r.stdout)
	msgs := records(t, r.stdout)
	if len(msgs) != n {
		t.Fatalf("%d messages, want %d:\n%s", len(msgs), n, r.stdout)
	}
	for i, m := range msgs {
		want := rabbitMessage(i, n, at)
		p := m.Properties
		if m.Destination != queue || !bytes.Equal(m.Body, want.Body) || string(m.Key) != queue || p == nil ||
			p.ContentType != want.ContentType || p.DeliveryMode != 2 || p.CorrelationID != want.CorrelationId ||
			p.MessageID != want.MessageId || !p.Timestamp.Equal(at) || p.Type != want.Type || p.AppID != want.AppId ||
			p.ReplyTo != want.ReplyTo || p.RoutingKey != queue {
			t.Errorf("message %d: %+v, properties %+v", i, m, p)
		}
		typed := map[string]any{}
		for _, h := range m.Headers {
			typed[h.Key] = h.Typed
		}
		wantTyped := map[string]any{"attempt": int32(i), "trace": "\x1b[31mred",
			"nested": map[string]any{"a": int64(1)}, "list": []any{"x", int32(2)}}
		if !reflect.DeepEqual(typed, wantTyped) {
			t.Errorf("message %d headers: %#v, want %#v", i, typed, wantTyped)
		}
		if _, ok := rows[i]["redelivered"].(bool); !ok {
			t.Errorf("message %d: no redelivered in %v", i, rows[i])
		}
	}
	if rows[n-1]["value_encoding"] != "base64" || rows[0]["value_encoding"] != "utf8" {
		t.Errorf("value encodings %v, %v", rows[0]["value_encoding"], rows[n-1]["value_encoding"])
	}
	if bad := rawControl(r.stdout); bad != "" {
		t.Errorf("raw %q in the JSON", bad)
	}

	// The table: AMQP columns, one row a message, the header's escape shown escaped nowhere raw.
	r = mqscope(t, "--rabbitmq", url, "peek", queue)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if r.code != 0 || len(lines) != n+1 ||
		strings.Join(strings.Fields(lines[0]), " ") != "OFFSET TIME ROUTING KEY REDELIVERED DELIVERIES SIZE BODY" {
		t.Errorf("table: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// Looking changed nothing: the queue holds every message, in order.
	if got := queueBodies(t, ch, queue); !slices.EqualFunc(got, published, sameBody) {
		t.Errorf("after the peeks the queue holds %q", got)
	}
}

// Issue #10's case: a quorum queue with a delivery limit of 2 and no dead-letter exchange (a message past
// its limit is dropped), 3 messages, peeked six times and replayed six times, each a run of its own. The
// first peek shows each message's delivery count and says what peeking costs; every run reads all three
// in order and exits 0; none takes a message at its limit; the queue holds its 3 messages, in order.
func TestPeekQuorumQueueNeverPushesPastTheDeliveryLimit(t *testing.T) {
	t.Parallel()
	rabbit := rabbitfix.New(t)
	url := rabbit.URL
	const queue, n = "payments.quorum", 3
	var published []amqp.Publishing
	for i := range n {
		published = append(published, amqp.Publishing{Body: fmt.Appendf(nil, "message %d", i)})
	}
	rabbit.Declare(t, queue, amqp.Table{"x-queue-type": "quorum", "x-delivery-limit": int32(2)})
	rabbit.Declare(t, "copies", nil)
	ch := rabbit.Channel(t)
	rabbitfix.Publish(t, ch, "", queue, n, func(i int) amqp.Publishing { return published[i] })

	r := mqscope(t, "--rabbitmq", url, "peek", queue)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if r.code != 0 || len(lines) != n+1 || !strings.Contains(r.stderr, "delivery limit") {
		t.Fatalf("first peek: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for i, line := range lines[1:] {
		f := strings.Fields(line)
		// OFFSET TIME KEY REDELIVERED DELIVERIES SIZE ("9 B", two fields) BODY... A quorum queue counts
		// deliveries, so a message never given back shows 0 (3fec58f); "-" is for a queue that keeps no count.
		if len(f) < 8 || f[0] != fmt.Sprint(i) || f[2] != queue || f[3] != "no" || f[4] != "0" || f[7] != "message" {
			t.Errorf("row %d: %q", i, line)
		}
	}
	for run := 2; run <= 6; run++ {
		r = mqscope(t, "--rabbitmq", url, "peek", queue, "-o", "json")
		msgs := records(t, r.stdout)
		if r.code != 0 || len(msgs) != n {
			t.Fatalf("peek %d: exit %d, %d records, stderr %q", run, r.code, len(msgs), r.stderr)
		}
		for i, m := range msgs {
			if !bytes.Equal(m.Body, published[i].Body) || m.DeliveryCount >= 2 {
				t.Errorf("peek %d, record %d: %q at count %d", run, i, m.Body, m.DeliveryCount)
			}
		}
	}
	for run := 1; run <= 6; run++ {
		r = mqscope(t, "--rabbitmq", url, "replay", queue, "--to", "copies", "-o", "json")
		if r.code != 0 || !strings.Contains(r.stdout, `"sent":3`) {
			t.Fatalf("replay %d: exit %d, %s %s", run, r.code, r.stdout, r.stderr)
		}
	}
	if got := queueBodies(t, ch, queue); !slices.EqualFunc(got, published, sameBody) {
		t.Errorf("after the peeks and replays the queue holds %q", got)
	}
}

// queueBodies takes every message of queue, unacknowledged (the test's vhost goes after it), and returns
// their bodies in queue order.
func queueBodies(t *testing.T, ch *amqp.Channel, queue string) [][]byte {
	t.Helper()
	var out [][]byte
	for {
		d, ok, err := ch.Get(queue, false)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return out
		}
		out = append(out, d.Body)
	}
}

func sameBody(b []byte, m amqp.Publishing) bool { return bytes.Equal(b, m.Body) }
