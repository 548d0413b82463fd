package rabbitmq_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// testURL is the AMQP URL of the broker the tests use, from MQSCOPE_TEST_RABBITMQ.
func testURL(t testing.TB) string {
	u := os.Getenv("MQSCOPE_TEST_RABBITMQ")
	if u == "" {
		t.Skip("SKIPPED: MQSCOPE_TEST_RABBITMQ is not set. Set it to the AMQP URL of a RabbitMQ with the " +
			"management plugin, e.g. MQSCOPE_TEST_RABBITMQ=amqp://guest:guest@127.0.0.1:5672/ " +
			"(./scripts/test.sh sets it)")
	}
	return u
}

// fixture puts data on the broker with plain amqp091-go and the management API, never through the
// adapter under test, and removes it when the test ends.
type fixture struct {
	conn *amqp.Connection
	api  string // management API base URL, with credentials
}

func newFixture(t testing.TB, amqpURL string) *fixture {
	conn, err := amqp.Dial(amqpURL)
	if err != nil {
		t.Fatalf("fixture: dial %s: %v", amqpURL, err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	uri, err := amqp.ParseURI(amqpURL)
	if err != nil {
		t.Fatal(err)
	}
	api := url.URL{Scheme: "http", Host: net.JoinHostPort(uri.Host, "15672"), User: url.UserPassword(uri.Username, uri.Password)}
	return &fixture{conn: conn, api: api.String()}
}

func (f *fixture) channel(t testing.TB) *amqp.Channel {
	t.Helper()
	ch, err := f.conn.Channel()
	if err != nil {
		t.Fatalf("fixture: open channel: %v", err)
	}
	return ch
}

// declare makes a durable queue with the given arguments and deletes it when the test ends.
func (f *fixture) declare(t testing.TB, name string, args amqp.Table) {
	t.Helper()
	ch := f.channel(t)
	defer ch.Close()
	if _, err := ch.QueueDeclare(name, true, false, false, false, args); err != nil {
		t.Fatalf("fixture: declare queue %s: %v", name, err)
	}
	t.Cleanup(func() { f.deleteQueue(t, name) })
}

// declareMany makes n transient queues named prefix-00000... as fast as AMQP allows (no round trip per
// queue). The fixture must be on a vhost of the test's own (see vhost): they go when it goes.
func (f *fixture) declareMany(t testing.TB, prefix string, n int) []string {
	t.Helper()
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("%s-%05d", prefix, i)
	}
	ch := f.channel(t)
	defer ch.Close()
	for _, name := range names {
		if _, err := ch.QueueDeclare(name, false, false, false, true, nil); err != nil {
			t.Fatalf("fixture: declare queue %s: %v", name, err)
		}
	}
	// A channel's methods run in order: once the last queue answers, all exist.
	if _, err := ch.QueueDeclarePassive(names[n-1], false, false, false, false, nil); err != nil {
		t.Fatalf("fixture: declare %d queues: %v", n, err)
	}
	return names
}

func (f *fixture) deleteQueue(t testing.TB, name string) {
	ch, err := f.conn.Channel()
	if err != nil {
		t.Errorf("fixture: cannot delete queue %s: %v", name, err)
		return
	}
	defer ch.Close()
	if _, err := ch.QueueDelete(name, false, false, false); err != nil {
		t.Errorf("fixture: delete queue %s: %v", name, err)
	}
}

// put publishes n small persistent messages to queue name through the default exchange and waits until
// the broker confirmed every one.
func (f *fixture) put(t testing.TB, name string, n int) {
	t.Helper()
	ch := f.channel(t)
	defer ch.Close()
	publish(t, ch, name, n)
}

// putBodies publishes one persistent message per body to queue name, in order, confirmed.
func (f *fixture) putBodies(t testing.TB, name string, bodies ...string) {
	t.Helper()
	ch := f.channel(t)
	defer ch.Close()
	publishWith(t, ch, "", name, len(bodies), func(i int) amqp.Publishing {
		return amqp.Publishing{DeliveryMode: amqp.Persistent, Body: []byte(bodies[i])}
	})
}

// publish is put on a channel the caller keeps: the broker's publish statistics come from the channel,
// and a channel closed at once may never report them. Call it once per channel.
func publish(t testing.TB, ch *amqp.Channel, name string, n int) {
	t.Helper()
	publishWith(t, ch, "", name, n, func(i int) amqp.Publishing {
		return amqp.Publishing{DeliveryMode: amqp.Persistent, ContentType: "application/json",
			Body: fmt.Appendf(nil, `{"n":%d}`, i)}
	})
}

// publishWith publishes msg(0) … msg(n-1) to exchange with key on ch and waits for every confirm. The
// channel is put in confirm mode: call it once per channel.
func publishWith(t testing.TB, ch *amqp.Channel, exchange, key string, n int, msg func(int) amqp.Publishing) {
	t.Helper()
	if err := ch.Confirm(false); err != nil {
		t.Fatalf("fixture: confirm mode: %v", err)
	}
	confirms := ch.NotifyPublish(make(chan amqp.Confirmation, n))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := 0; i < n; i++ {
		if err := ch.PublishWithContext(ctx, exchange, key, true, false, msg(i)); err != nil {
			t.Fatalf("fixture: publish to %s: %v", key, err)
		}
	}
	for i := 0; i < n; i++ {
		select {
		case c := <-confirms:
			if !c.Ack {
				t.Fatalf("fixture: broker refused message %d to %s", c.DeliveryTag, key)
			}
		case <-ctx.Done():
			t.Fatalf("fixture: %d of %d publishes to %s unconfirmed", n-i, n, key)
		}
	}
}

// bodies are "message 0" … "message n-1", as the conformance suite wants them.
func bodies(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("message %d", i)
	}
	return out
}

// apiDo calls the management API (e.g. PUT /api/policies/%2F/NAME) and fails the test unless it succeeds.
func (f *fixture) apiDo(t testing.TB, method, path string, body any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, f.api+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("fixture: %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		t.Fatalf("fixture: %s %s: %s %s", method, path, resp.Status, strings.TrimSpace(string(msg)))
	}
}

// vhost makes a vhost of its own for a test, open to the fixture's user, and returns the AMQP URL that
// reaches it. A test that must see no other test's queues lists there.
func (f *fixture) vhost(t testing.TB, amqpURL string) (vhost, vhostURL string) {
	t.Helper()
	vhost = unique("vhost")
	path := "/api/vhosts/" + url.PathEscape(vhost)
	f.apiDo(t, http.MethodPut, path, nil)
	t.Cleanup(func() { f.apiDo(t, http.MethodDelete, path, nil) })
	uri, err := amqp.ParseURI(amqpURL)
	if err != nil {
		t.Fatal(err)
	}
	f.apiDo(t, http.MethodPut, "/api/permissions/"+url.PathEscape(vhost)+"/"+url.PathEscape(uri.Username),
		map[string]string{"configure": ".*", "write": ".*", "read": ".*"})
	return vhost, strings.TrimRight(amqpURL, "/") + "/" + url.PathEscape(vhost)
}

// policy applies a queue policy to the queues matching pattern in vhost "/" until the test ends.
func (f *fixture) policy(t testing.TB, name, pattern string, definition map[string]any) {
	t.Helper()
	path := "/api/policies/%2F/" + url.PathEscape(name)
	f.apiDo(t, http.MethodPut, path, map[string]any{"pattern": pattern, "definition": definition, "apply-to": "queues"})
	t.Cleanup(func() { f.apiDo(t, http.MethodDelete, path, nil) })
}

// countingTransport counts the requests that pass through it.
type countingTransport struct {
	next http.RoundTripper
	n    *atomic.Int64
}

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

func counting(n *atomic.Int64) func(http.RoundTripper) http.RoundTripper {
	return func(next http.RoundTripper) http.RoundTripper { return countingTransport{next: next, n: n} }
}

// unique makes names that do not collide with earlier runs against the same long-lived broker.
func unique(base string) string {
	return fmt.Sprintf("mqscope-test-%s-%d", base, time.Now().UnixNano()%1_000_000_000_000)
}
