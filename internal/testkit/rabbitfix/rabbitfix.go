// Package rabbitfix is the one RabbitMQ fixture of mqscope's tests. Each test gets a private vhost on the
// long-lived broker named by MQSCOPE_TEST_RABBITMQ, made through the management API and deleted with
// everything in it when the test ends, so that what a test lists is what it put there, whatever other
// tests running at the same time do. Data goes in with plain amqp091-go and the management API, never
// through the adapter under test.
package rabbitfix

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/internal/testkit/testenv"
)

// Env names the variable that holds the AMQP URL of the test broker; ./scripts/test.sh sets it.
const Env = "MQSCOPE_TEST_RABBITMQ"

// BrokerURL is the AMQP URL of the test broker's default vhost, from MQSCOPE_TEST_RABBITMQ. Tests that
// need a vhost of their own (nearly all) use New instead.
func BrokerURL(t testing.TB) string {
	return testenv.URL(t, Env, "the AMQP URL of a RabbitMQ with the management plugin", "amqp://guest:guest@127.0.0.1:5672/")
}

// Vhost is a test's private vhost.
type Vhost struct {
	Name string // the vhost's name
	URL  string // AMQP URL that reaches it, with credentials
	API  string // the management API's base URL (http://user:password@host:15672/api)

	once sync.Once
	conn *amqp.Connection
	err  error
}

// New makes a private vhost for t, open to the test user, and deletes it when t ends.
func New(t testing.TB) *Vhost {
	t.Helper()
	broker := BrokerURL(t)
	uri, err := amqp.ParseURI(broker)
	if err != nil {
		t.Fatalf("rabbitfix: %s: %v", Env, err)
	}
	v := &Vhost{Name: Unique("vhost")}
	api := url.URL{Scheme: "http", Host: net.JoinHostPort(uri.Host, "15672"), User: url.UserPassword(uri.Username, uri.Password), Path: "/api"}
	v.API = api.String()
	path := "/vhosts/" + url.PathEscape(v.Name)
	v.Do(t, http.MethodPut, path, nil)
	t.Cleanup(func() {
		if v.conn != nil {
			_ = v.conn.Close()
		}
		v.Do(t, http.MethodDelete, path, nil)
	})
	v.Do(t, http.MethodPut, "/permissions/"+url.PathEscape(v.Name)+"/"+url.PathEscape(uri.Username),
		map[string]string{"configure": ".*", "write": ".*", "read": ".*"})
	uri.Vhost = v.Name
	v.URL = uri.String()
	return v
}

// On is the default vhost of a broker the test owns (a node of its own, say), for its AMQP helpers: it
// makes no vhost and calls no management API.
func On(t testing.TB, amqpURL string) *Vhost {
	t.Helper()
	uri, err := amqp.ParseURI(amqpURL)
	if err != nil {
		t.Fatalf("rabbitfix: %v", err)
	}
	v := &Vhost{Name: uri.Vhost, URL: amqpURL}
	t.Cleanup(func() {
		if v.conn != nil {
			_ = v.conn.Close()
		}
	})
	return v
}

// Unique makes a name that collides with no earlier run against the same long-lived broker.
func Unique(base string) string {
	return fmt.Sprintf("mqscope-test-%s-%d", base, time.Now().UnixNano()%1_000_000_000_000)
}

// Path is the management API path of a thing in the vhost: Path("queues", "jobs") is
// /queues/VHOST/jobs, escaped.
func (v *Vhost) Path(kind string, names ...string) string {
	p := "/" + kind + "/" + url.PathEscape(v.Name)
	for _, n := range names {
		p += "/" + url.PathEscape(n)
	}
	return p
}

// Do calls the management API at path (below /api) and fails the test unless it succeeds. A string
// body is sent as it is, any other as JSON; nil sends none.
func (v *Vhost) Do(t testing.TB, method, path string, body any) {
	t.Helper()
	v.call(t, method, path, body)
}

// Get reads path (below /api) from the management API into into, failing the test unless it succeeds.
func (v *Vhost) Get(t testing.TB, path string, into any) {
	t.Helper()
	if err := json.Unmarshal(v.call(t, http.MethodGet, path, nil), into); err != nil {
		t.Fatalf("rabbitfix: GET %s: %v", path, err)
	}
}

func (v *Vhost) call(t testing.TB, method, path string, body any) []byte {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, v.API+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("rabbitfix: %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("rabbitfix: %s %s: %v", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		t.Fatalf("rabbitfix: %s %s: %s %s", method, path, resp.Status, strings.TrimSpace(string(data[:min(len(data), 512)])))
	}
	return data
}

// Policy applies a queue policy to the vhost's queues matching pattern.
func (v *Vhost) Policy(t testing.TB, name, pattern string, definition map[string]any) {
	t.Helper()
	v.Do(t, http.MethodPut, v.Path("policies", name), map[string]any{"pattern": pattern, "definition": definition, "apply-to": "queues"})
}

// Channel opens a channel on the fixture's own connection to the vhost; it closes with the test.
func (v *Vhost) Channel(t testing.TB) *amqp.Channel {
	t.Helper()
	v.once.Do(func() { v.conn, v.err = amqp.Dial(v.URL) })
	if v.err != nil {
		t.Fatalf("rabbitfix: dial vhost %s: %v", v.Name, v.err)
	}
	ch, err := v.conn.Channel()
	if err != nil {
		t.Fatalf("rabbitfix: open channel: %v", err)
	}
	return ch
}

// Declare makes a durable queue with the given arguments.
func (v *Vhost) Declare(t testing.TB, name string, args amqp.Table) {
	t.Helper()
	ch := v.Channel(t)
	defer ch.Close()
	if _, err := ch.QueueDeclare(name, true, false, false, false, args); err != nil {
		t.Fatalf("rabbitfix: declare queue %s: %v", name, err)
	}
}

// DeleteQueue deletes queue name, as whoever owns it might while a test runs.
func (v *Vhost) DeleteQueue(t testing.TB, name string) {
	t.Helper()
	ch := v.Channel(t)
	defer ch.Close()
	if _, err := ch.QueueDelete(name, false, false, false); err != nil {
		t.Fatalf("rabbitfix: delete queue %s: %v", name, err)
	}
}

// DeclareMany makes n transient queues named prefix-00000... as fast as AMQP allows (no round trip per
// queue).
func (v *Vhost) DeclareMany(t testing.TB, prefix string, n int) []string {
	t.Helper()
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("%s-%05d", prefix, i)
	}
	ch := v.Channel(t)
	defer ch.Close()
	for _, name := range names {
		if _, err := ch.QueueDeclare(name, false, false, false, true, nil); err != nil {
			t.Fatalf("rabbitfix: declare queue %s: %v", name, err)
		}
	}
	// A channel's methods run in order: once the last queue answers, all exist.
	if _, err := ch.QueueDeclarePassive(names[n-1], false, false, false, false, nil); err != nil {
		t.Fatalf("rabbitfix: declare %d queues: %v", n, err)
	}
	return names
}

// PutJSON publishes n small persistent JSON messages ({"n":0}, ...) to queue name through the default
// exchange, confirmed.
func (v *Vhost) PutJSON(t testing.TB, name string, n int) {
	t.Helper()
	ch := v.Channel(t)
	defer ch.Close()
	PublishJSON(t, ch, name, n)
}

// PutBodies publishes one persistent message per body to queue name, in order, confirmed.
func (v *Vhost) PutBodies(t testing.TB, name string, bodies ...string) {
	t.Helper()
	ch := v.Channel(t)
	defer ch.Close()
	Publish(t, ch, "", name, len(bodies), func(i int) amqp.Publishing {
		return amqp.Publishing{DeliveryMode: amqp.Persistent, Body: []byte(bodies[i])}
	})
}

// PublishJSON is PutJSON on a channel the caller keeps: the broker's publish statistics come from the
// channel, and a channel closed at once may never report them.
func PublishJSON(t testing.TB, ch *amqp.Channel, name string, n int) {
	t.Helper()
	Publish(t, ch, "", name, n, func(i int) amqp.Publishing {
		return amqp.Publishing{DeliveryMode: amqp.Persistent, ContentType: "application/json",
			Body: fmt.Appendf(nil, `{"n":%d}`, i)}
	})
}

// Publish publishes msg(0) … msg(n-1) to exchange with key on ch, mandatory, and waits until the
// broker confirmed every one. It puts ch in confirm mode.
func Publish(t testing.TB, ch *amqp.Channel, exchange, key string, n int, msg func(int) amqp.Publishing) {
	t.Helper()
	if err := ch.Confirm(false); err != nil {
		t.Fatalf("rabbitfix: confirm mode: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	confirms := make([]*amqp.DeferredConfirmation, n)
	for i := range confirms {
		c, err := ch.PublishWithDeferredConfirmWithContext(ctx, exchange, key, true, false, msg(i))
		if err != nil {
			t.Fatalf("rabbitfix: publish to %q/%q: %v", exchange, key, err)
		}
		confirms[i] = c
	}
	for i, c := range confirms {
		if ok, err := c.WaitContext(ctx); !ok || err != nil {
			t.Fatalf("rabbitfix: message %d of %d to %q/%q not confirmed: %v", i+1, n, exchange, key, err)
		}
	}
}

// Send publishes one message and waits until the broker confirmed it.
func Send(t testing.TB, ch *amqp.Channel, exchange, key string, p amqp.Publishing) {
	t.Helper()
	Publish(t, ch, exchange, key, 1, func(int) amqp.Publishing { return p })
}

// Ready is what a passive declare says queue holds ready: exact, unlike the management API's samples.
func (v *Vhost) Ready(t testing.TB, queue string) int {
	t.Helper()
	ch := v.Channel(t)
	defer ch.Close()
	q, err := ch.QueueDeclarePassive(queue, false, false, false, false, nil)
	if err != nil {
		t.Fatalf("rabbitfix: declare %s: %v", queue, err)
	}
	return q.Messages
}

// WaitReady waits until queue holds n ready messages (dead-lettering and requeueing are asynchronous).
func (v *Vhost) WaitReady(t testing.TB, queue string, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for got := v.Ready(t, queue); got != n; got = v.Ready(t, queue) {
		if time.Now().After(deadline) {
			t.Fatalf("rabbitfix: %s holds %d, want %d", queue, got, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
