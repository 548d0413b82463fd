package e2e

// End-to-end tests of publish and redrive on the real RabbitMQ, on dead letters the broker itself made:
// messages rejected (requeue=false) from work queues whose dead-letter exchange routes them to one DLQ.

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/internal/testkit/rabbitfix"
)

func rabbitContext(url string) config.Context {
	return config.Context{Name: "test", RabbitMQ: &config.RabbitMQConfig{URL: url}}
}

// deadLetters sets up, in a vhost of its own, the exchange jobs routing keys a, b and gone to the queues
// work-a, work-b and work-gone, each dead-lettering into the queue dlq; publishes 3, 2 and 1 messages
// through jobs and rejects them all, so that the broker moves them to dlq with its own x-death headers;
// deletes work-gone; and adds one letter with no origin at all. It returns the vhost and a channel.
func deadLetters(t *testing.T) (*rabbitfix.Vhost, *amqp.Channel) {
	t.Helper()
	rabbit := rabbitfix.New(t)
	ch := rabbit.Channel(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(ch.ExchangeDeclare("jobs", "direct", true, false, false, false, nil))
	_, err := ch.QueueDeclare("dlq", true, false, false, false, nil)
	must(err)
	sent := map[string]int{"a": 3, "b": 2, "gone": 1}
	for key := range sent {
		q := "work-" + key
		_, err := ch.QueueDeclare(q, true, false, false, false,
			amqp.Table{"x-dead-letter-exchange": "", "x-dead-letter-routing-key": "dlq"})
		must(err)
		must(ch.QueueBind(q, key, "jobs", false, nil))
	}
	for key, n := range sent {
		for i := range n {
			rabbitfix.Send(t, ch, "jobs", key, amqp.Publishing{ContentType: "text/plain", MessageId: fmt.Sprintf("%s-%d", key, i),
				Headers: amqp.Table{"n": int32(i)}, Body: fmt.Appendf(nil, "job %s %d", key, i)})
		}
	}
	for key, n := range sent {
		for range n {
			d, ok, err := ch.Get("work-"+key, false)
			must(err)
			if !ok {
				t.Fatalf("work-%s holds fewer than %d messages", key, n)
			}
			must(d.Reject(false)) // the broker dead-letters it, adding x-death
		}
	}
	rabbitfix.Send(t, ch, "", "dlq", amqp.Publishing{Body: []byte("no origin")})
	rabbit.WaitReady(t, "dlq", 7)
	_, err = ch.QueueDelete("work-gone", false, false, false)
	must(err)
	return rabbit, ch
}

// bodies takes every message of queue (acking them) and returns their bodies, sorted.
func bodies(t *testing.T, ch *amqp.Channel, queue string) []string {
	t.Helper()
	var out []string
	for {
		d, ok, err := ch.Get(queue, true)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			slices.Sort(out)
			return out
		}
		out = append(out, string(d.Body))
	}
}

// planByTarget decodes a redrive --dry-run -o json as "target letters outcome" lines, sorted.
func planByTarget(t *testing.T, r result) []string {
	t.Helper()
	var out []string
	for _, line := range jsonLines(t, r.stdout) {
		target, _ := line["target"].(string)
		outcome := "moves"
		if line["moves"] != true {
			outcome = "stays: " + line["reason"].(string)
		}
		out = append(out, fmt.Sprintf("%s %v %s", target, line["letters"], outcome))
	}
	slices.Sort(out)
	return out
}

// Letters from several queues each go back to their own queue; the one whose queue was deleted and the
// one without an origin stay in the DLQ, and the run exits 1.
func TestRedriveRabbitMQToOriginQueues(t *testing.T) {
	t.Parallel()
	rabbit, ch := deadLetters(t)
	url := rabbit.URL
	needsMover(t, rabbitContext(url))

	r := mqscope(t, "--rabbitmq", url, "redrive", "dlq", "--dry-run", "-o", "json")
	want := []string{
		" 1 stays: no origin: its headers name none; give --to DEST to send such letters somewhere",
		"work-a 3 moves", "work-b 2 moves",
		"work-gone 1 stays: origin work-gone no longer exists",
	}
	if got := planByTarget(t, r); r.code != 0 || !slices.Equal(got, want) {
		t.Errorf("dry run: exit %d\n%q\nwant\n%q\n%s", r.code, got, want, r.stderr)
	}
	if n := rabbit.Ready(t, "dlq"); n != 7 {
		t.Fatalf("the dry run left %d letters in dlq, want 7", n)
	}

	r = mqscope(t, "--rabbitmq", url, "redrive", "dlq", "-o", "json")
	lines := jsonLines(t, r.stdout)
	if r.code != 1 || len(lines) != 1 || lines[0]["moved"] != 5.0 || lines[0]["kept"] != 2.0 ||
		fmt.Sprint(lines[0]["per_target"]) != "map[work-a:3 work-b:2]" {
		t.Fatalf("redrive: exit %d, %s %s", r.code, r.stdout, r.stderr)
	}
	if !strings.HasPrefix(r.stderr, "mqscope: 2 letters stayed in dlq (2 kept, 0 failed)") {
		t.Errorf("stderr %q", r.stderr)
	}
	if got := bodies(t, ch, "work-a"); !slices.Equal(got, []string{"job a 0", "job a 1", "job a 2"}) {
		t.Errorf("work-a holds %q", got)
	}
	if got := bodies(t, ch, "work-b"); !slices.Equal(got, []string{"job b 0", "job b 1"}) {
		t.Errorf("work-b holds %q", got)
	}
	if got := bodies(t, ch, "dlq"); !slices.Equal(got, []string{"job gone 0", "no origin"}) {
		t.Errorf("dlq holds %q", got)
	}
}

// Through the original exchange, a letter reaches every queue bound for its key, and one whose key no
// queue is bound for any more comes back unroutable and stays.
func TestRedriveRabbitMQThroughTheOriginalExchange(t *testing.T) {
	t.Parallel()
	rabbit, ch := deadLetters(t)
	url := rabbit.URL
	needsMover(t, rabbitContext(url))
	if _, err := ch.QueueDeclare("audit-a", true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	if err := ch.QueueBind("audit-a", "a", "jobs", false, nil); err != nil {
		t.Fatal(err)
	}

	r := mqscope(t, "--rabbitmq", url, "redrive", "dlq", "--original-exchange", "--to", "parking-missing", "-o", "json")
	if line := oneLine(t, r, 1); !strings.Contains(line, "--to parking-missing: no such topic or queue here") {
		t.Errorf("--to a queue that does not exist: %s", line)
	}
	if _, err := ch.QueueDeclare("parking", true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	r = mqscope(t, "--rabbitmq", url, "redrive", "dlq", "--original-exchange", "--to", "parking", "-o", "json")
	lines := jsonLines(t, r.stdout)
	if r.code != 1 || len(lines) != 1 || lines[0]["moved"] != 6.0 || lines[0]["kept"].(float64)+lines[0]["failed"].(float64) != 1 {
		t.Fatalf("redrive: exit %d, %s %s", r.code, r.stdout, r.stderr)
	}
	if got := fmt.Sprint(lines[0]["per_target"]); got != "map[exchange jobs (key a):3 exchange jobs (key b):2 parking:1]" {
		t.Errorf("per target %s", got)
	}
	if !strings.Contains(fmt.Sprint(lines[0]["failures"]), backends.ErrUnroutable.Error()) {
		t.Errorf("the letter for key gone is not reported unroutable: %v", lines[0]["failures"])
	}
	for queue, want := range map[string][]string{
		"work-a": {"job a 0", "job a 1", "job a 2"}, "audit-a": {"job a 0", "job a 1", "job a 2"},
		"work-b": {"job b 0", "job b 1"}, "parking": {"no origin"}, "dlq": {"job gone 0"},
	} {
		if got := bodies(t, ch, queue); !slices.Equal(got, want) {
			t.Errorf("%s holds %q, want %q", queue, got, want)
		}
	}
}

// publish to a queue with properties and headers, read back with amqp091; to an exchange with a key no
// queue is bound for: an error, never a silent drop.
func TestPublishRabbitMQ(t *testing.T) {
	t.Parallel()
	rabbit := rabbitfix.New(t)
	url := rabbit.URL
	needsPublisher(t, rabbitContext(url))
	ch := rabbit.Channel(t)
	if _, err := ch.QueueDeclare("inbox", true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	if err := ch.ExchangeDeclare("events", "topic", true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	if err := ch.QueueBind("inbox", "order.*", "events", false, nil); err != nil {
		t.Fatal(err)
	}

	report := sendReport(t, "--rabbitmq", url, "publish", "inbox", "-H", "trace={{seq}}", "--content-type", "application/json",
		"-P", "delivery_mode=2", "-P", "message_id=m-{{seq}}", "--body", `{"n":{{seq}}}`, "--count", "3")
	if report["sent"] != 3.0 || report["failed"] != 0.0 {
		t.Fatalf("report %v", report)
	}
	report = sendReport(t, "--rabbitmq", url, "publish", "--exchange", "events", "--routing-key", "order.created", "--body", "via exchange")
	if report["sent"] != 1.0 || report["target"] != "exchange events (key order.created)" {
		t.Fatalf("report %v", report)
	}
	for i := 1; i <= 4; i++ {
		d, ok, err := ch.Get("inbox", true)
		if err != nil || !ok {
			t.Fatalf("message %d: %v %v", i, ok, err)
		}
		if i == 4 {
			if string(d.Body) != "via exchange" || d.Exchange != "events" || d.RoutingKey != "order.created" {
				t.Errorf("through the exchange: %q from %q/%q", d.Body, d.Exchange, d.RoutingKey)
			}
			continue
		}
		if string(d.Body) != fmt.Sprintf(`{"n":%d}`, i) || d.ContentType != "application/json" || d.DeliveryMode != 2 ||
			fmt.Sprint(d.Headers["trace"]) != fmt.Sprint(i) {
			t.Errorf("message %d: body %q, content type %q, mode %d, headers %v", i, d.Body, d.ContentType, d.DeliveryMode, d.Headers)
		}
	}

	r := mqscope(t, "--rabbitmq", url, "publish", "--exchange", "events", "--routing-key", "nobody.listens", "--body", "x", "-o", "json")
	lines := jsonLines(t, r.stdout)
	if r.code != 1 || len(lines) != 1 || lines[0]["failed"] != 1.0 || !strings.Contains(r.stderr, backends.ErrUnroutable.Error()) {
		t.Errorf("unroutable: exit %d, %s %s", r.code, r.stdout, r.stderr)
	}
}

// peek -o json, then publish --from-file, on RabbitMQ: typed headers (numbers of every width, tables,
// arrays, bytes, timestamps), properties and bodies (binary too) come back as they were.
func TestPublishFromFileRoundTripRabbitMQ(t *testing.T) {
	t.Parallel()
	rabbit := rabbitfix.New(t)
	url := rabbit.URL
	needsPublisher(t, rabbitContext(url))
	ch := rabbit.Channel(t)
	for _, q := range []string{"src", "copy"} {
		if _, err := ch.QueueDeclare(q, true, false, false, false, nil); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	for i := range 4 {
		rabbitfix.Send(t, ch, "", "src", amqp.Publishing{
			ContentType: "application/octet-stream", ContentEncoding: "identity", DeliveryMode: amqp.Persistent,
			Priority: uint8(i), CorrelationId: fmt.Sprint("c-", i), ReplyTo: "replies", Expiration: "600000",
			MessageId: fmt.Sprint("m-", i), Timestamp: at, Type: "t", AppId: "round-trip",
			Headers: amqp.Table{"i8": int8(-i), "i16": int16(300), "i32": int32(i), "i64": int64(1) << 40, "f": 1.5,
				"b": true, "s": "text \x1b[31m", "bytes": []byte{0, 0xff}, "ts": at, "nested": amqp.Table{"k": []any{"x", int32(2)}}},
			Body: []byte{0xca, 0xfe, byte(i), 0xff},
		})
	}
	r := mqscope(t, "--rabbitmq", url, "peek", "src", "-o", "json")
	file := filepath.Join(t.TempDir(), "src.jsonl")
	if err := os.WriteFile(file, []byte(r.stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	want := records(t, r.stdout)
	if len(want) != 4 {
		t.Fatalf("peek src: %d messages: %s", len(want), r.stderr)
	}
	if report := sendReport(t, "--rabbitmq", url, "publish", "copy", "--from-file", file); report["sent"] != 4.0 {
		t.Fatalf("report %v", report)
	}
	r = mqscope(t, "--rabbitmq", url, "peek", "copy", "-o", "json")
	got := records(t, r.stdout)
	if len(got) != len(want) {
		t.Fatalf("copy holds %d messages, want %d", len(got), len(want))
	}
	for i := range want {
		if g, w := amqpEssence(got[i]), amqpEssence(want[i]); g != w {
			t.Errorf("message %d:\ngot  %s\nwant %s", i, g, w)
		}
	}
}

// amqpEssence is a message's export record without what says where and how it was delivered.
func amqpEssence(m backends.Message) string {
	m.Destination, m.Key, m.Offset, m.Redelivered, m.DeliveryCount = "", nil, 0, false, 0
	if m.Properties != nil {
		p := *m.Properties
		p.Exchange, p.RoutingKey = "", ""
		m.Properties = &p
	}
	return string(actions.AppendRecord(nil, m))
}

// replay of a queue copies the first -n messages to another queue and leaves the source holding them all.
func TestReplayRabbitMQQueue(t *testing.T) {
	t.Parallel()
	rabbit := rabbitfix.New(t)
	url := rabbit.URL
	needsPublisher(t, rabbitContext(url))
	ch := rabbit.Channel(t)
	for _, q := range []string{"src", "dst"} {
		if _, err := ch.QueueDeclare(q, true, false, false, false, nil); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		rabbitfix.Send(t, ch, "", "src", amqp.Publishing{Body: fmt.Appendf(nil, "m%d", i)})
	}
	r := mqscope(t, "--rabbitmq", url, "replay", "src", "--to", "dst", "-n", "3", "-o", "json")
	lines := jsonLines(t, r.stdout)
	if r.code != 0 || len(lines) != 1 || lines[0]["sent"] != 3.0 || lines[0]["target"] != "dst" {
		t.Fatalf("replay: exit %d, %s %s", r.code, r.stdout, r.stderr)
	}
	if got := bodies(t, ch, "dst"); !slices.Equal(got, []string{"m0", "m1", "m2"}) {
		t.Errorf("dst holds %q", got)
	}
	if got := bodies(t, ch, "src"); !slices.Equal(got, []string{"m0", "m1", "m2", "m3", "m4"}) {
		t.Errorf("src holds %q after the replay", got)
	}
}

// redrive --server-side hands a one-queue plan to the broker's shovel, and refuses a plan with several
// targets before anything moves; --dry-run says which it would be.
func TestRedriveRabbitMQServerSide(t *testing.T) {
	t.Parallel()
	rabbit, ch := deadLetters(t)
	url := rabbit.URL
	needsMover(t, rabbitContext(url))
	r := mqscope(t, "--rabbitmq", url, "redrive", "dlq", "--server-side")
	if r.code != 1 || !strings.Contains(r.stderr, "--server-side") || rabbit.Ready(t, "dlq") != 7 {
		t.Fatalf("a plan with several targets: exit %d, %q; dlq holds %d", r.code, r.stderr, rabbit.Ready(t, "dlq"))
	}
	// Only work-a's letters left: one target.
	for _, body := range bodies(t, ch, "dlq") {
		if strings.HasPrefix(body, "job a ") {
			rabbitfix.Send(t, ch, "jobs", "a", amqp.Publishing{Body: []byte(body)})
		}
	}
	for range 3 {
		d, ok, err := ch.Get("work-a", false)
		if err != nil || !ok {
			t.Fatalf("work-a: %v %v", ok, err)
		}
		if err := d.Reject(false); err != nil {
			t.Fatal(err)
		}
	}
	rabbit.WaitReady(t, "dlq", 3)
	r = mqscope(t, "--rabbitmq", url, "redrive", "dlq", "--server-side", "--dry-run")
	if r.code != 0 || !strings.Contains(r.stderr, "--server-side: the broker's shovel would move the 3 letters to work-a") {
		t.Errorf("dry run: exit %d, %q", r.code, r.stderr)
	}
	r = mqscope(t, "--rabbitmq", url, "redrive", "dlq", "--server-side", "-o", "json")
	lines := jsonLines(t, r.stdout)
	if r.code != 0 || len(lines) != 1 || lines[0]["moved"] != 3.0 || fmt.Sprint(lines[0]["per_target"]) != "map[work-a:3]" {
		t.Fatalf("server-side redrive: exit %d, %s %s", r.code, r.stdout, r.stderr)
	}
	if got := bodies(t, ch, "work-a"); !slices.Equal(got, []string{"job a 0", "job a 1", "job a 2"}) {
		t.Errorf("work-a holds %q", got)
	}
}
