package rabbitmq_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/rabbitmq"
	"github.com/mqscope/mqscope/internal/testkit/rabbitfix"
)

// settle is how long the management statistics may take to catch up: the broker emits them every 5 s.
const settle = 12 * time.Second

func open(t testing.TB, cfg rabbitmq.Config) *rabbitmq.Backend {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	b, err := rabbitmq.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func list(t testing.TB, b *rabbitmq.Backend, opts backends.ListOptions) []backends.Destination {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dests, err := b.ListDestinations(ctx, opts)
	if err != nil {
		t.Fatalf("ListDestinations: %v", err)
	}
	return dests
}

// listUntil lists until check passes on the named queues, or fails the test once the statistics had time
// to settle.
func listUntil(t *testing.T, b *rabbitmq.Backend, check func(map[string]backends.Destination) error) map[string]backends.Destination {
	t.Helper()
	deadline := time.Now().Add(settle)
	for {
		byName := map[string]backends.Destination{}
		for _, d := range list(t, b, backends.ListOptions{}) {
			if d.Kind != backends.Exchange {
				byName[d.Name] = d
			}
		}
		err := check(byName)
		if err == nil {
			return byName
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func TestQueueTypesAndCounts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.URL
	b := open(t, rabbitmq.Config{URL: u})
	classic, quorum, stream, idle := rabbitfix.Unique("classic"), rabbitfix.Unique("quorum"), rabbitfix.Unique("stream"), rabbitfix.Unique("idle")
	f.Declare(t, classic, nil)
	f.Declare(t, quorum, amqp.Table{"x-queue-type": "quorum"})
	f.Declare(t, stream, amqp.Table{"x-queue-type": "stream"})
	f.Declare(t, idle, nil)
	f.PutJSON(t, quorum, 4)
	f.PutJSON(t, stream, 3)

	// Publish to the classic queue and hold one of its messages unacknowledged on a channel that stays
	// open, and consume from the quorum queue with a prefetch of 1.
	ch := f.Channel(t)
	t.Cleanup(func() { ch.Close() })
	rabbitfix.PublishJSON(t, ch, classic, 2)
	if _, ok, err := ch.Get(classic, false); err != nil || !ok {
		t.Fatalf("fixture: get from %s: ok=%v err=%v", classic, ok, err)
	}
	if err := ch.Qos(1, 0, false); err != nil {
		t.Fatal(err)
	}
	if _, err := ch.Consume(quorum, "", false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}

	type want struct {
		kind                     backends.DestinationKind
		typ                      string
		messages, ready, unacked int64
		consumers                int
	}
	wants := map[string]want{
		classic: {backends.Queue, "classic", 2, 1, 1, 0},
		quorum:  {backends.Queue, "quorum", 4, 3, 1, 1},
		stream:  {backends.Stream, "stream", 3, 3, 0, 0},
		idle:    {backends.Queue, "classic", 0, 0, 0, 0},
	}
	got := listUntil(t, b, func(m map[string]backends.Destination) error {
		for name, w := range wants {
			d, ok := m[name]
			if !ok {
				return fmt.Errorf("%s not listed", name)
			}
			g := want{d.Kind, d.Type, d.Messages, d.Ready, d.Unacked, d.Consumers}
			if g != w {
				return fmt.Errorf("%s: got %+v, want %+v", name, g, w)
			}
		}
		if m[classic].PublishRate == nil { // channel statistics arrive apart from queue statistics
			return fmt.Errorf("%s: no publish rate after publishing", classic)
		}
		return nil
	})
	for name := range wants {
		if d := got[name]; d.Vhost != f.Name || d.State == "" || d.DeadLetter != nil || d.Policy != "" {
			t.Errorf("%s: vhost %q, state %q, dead letter %+v, policy %q", name, d.Vhost, d.State, d.DeadLetter, d.Policy)
		}
	}
	if got[idle].PublishRate != nil || got[idle].DeliverRate != nil {
		t.Errorf("%s: rates %v/%v on a queue nothing ever touched, want nil", idle, got[idle].PublishRate, got[idle].DeliverRate)
	}
}

func TestDeadLetterFromArguments(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.URL
	b := open(t, rabbitmq.Config{URL: u})
	classic, quorum := rabbitfix.Unique("dl-classic"), rabbitfix.Unique("dl-quorum")
	f.Declare(t, classic, amqp.Table{"x-dead-letter-exchange": "mqscope-dlx", "x-dead-letter-routing-key": "parked"})
	f.Declare(t, quorum, amqp.Table{"x-queue-type": "quorum", "x-dead-letter-exchange": "", "x-delivery-limit": 3})
	checkDeadLetters(t, b, map[string]backends.DeadLetterConfig{
		classic: {Exchange: "mqscope-dlx", HasExchange: true, RoutingKey: "parked"},
		quorum:  {Exchange: "", HasExchange: true, DeliveryLimit: 3, HasDeliveryLimit: true},
	}, "")
}

func TestDeadLetterFromPolicy(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.URL
	b := open(t, rabbitmq.Config{URL: u})
	base := rabbitfix.Unique("dl-policy")
	f.Policy(t, base, "^"+regexp.QuoteMeta(base)+"-", map[string]any{
		"dead-letter-exchange": "mqscope-pdlx", "dead-letter-routing-key": "p-key", "delivery-limit": 5,
	})
	// A classic queue in 3.10 takes no policy that sets delivery-limit, so these are quorum queues.
	quorum := amqp.Table{"x-queue-type": "quorum"}
	only, both, lower := base+"-only", base+"-both", base+"-lower"
	f.Declare(t, only, quorum)
	f.Declare(t, both, amqp.Table{"x-queue-type": "quorum", "x-dead-letter-exchange": "mqscope-adlx", "x-delivery-limit": 9})
	f.Declare(t, lower, amqp.Table{"x-queue-type": "quorum", "x-delivery-limit": 2})
	checkDeadLetters(t, b, map[string]backends.DeadLetterConfig{
		// All from the policy.
		only: {Exchange: "mqscope-pdlx", HasExchange: true, RoutingKey: "p-key", DeliveryLimit: 5, HasDeliveryLimit: true, FromPolicy: true},
		// The argument's exchange wins; the lower limit wins, here the policy's.
		both: {Exchange: "mqscope-adlx", HasExchange: true, RoutingKey: "p-key", DeliveryLimit: 5, HasDeliveryLimit: true, FromPolicy: true},
		// The argument's lower limit wins; exchange and key still come from the policy.
		lower: {Exchange: "mqscope-pdlx", HasExchange: true, RoutingKey: "p-key", DeliveryLimit: 2, HasDeliveryLimit: true, FromPolicy: true},
	}, base)
}

// checkDeadLetters waits until every named queue lists with the wanted dead-lettering and policy.
func checkDeadLetters(t *testing.T, b *rabbitmq.Backend, want map[string]backends.DeadLetterConfig, policy string) {
	t.Helper()
	listUntil(t, b, func(m map[string]backends.Destination) error {
		for name, w := range want {
			d, ok := m[name]
			switch {
			case !ok:
				return fmt.Errorf("%s not listed", name)
			case d.DeadLetter == nil:
				return fmt.Errorf("%s: no dead-letter settings listed, want %+v", name, w)
			case *d.DeadLetter != w:
				return fmt.Errorf("%s: dead letter %+v, want %+v", name, *d.DeadLetter, w)
			case d.Policy != policy:
				return fmt.Errorf("%s: policy %q, want %q", name, d.Policy, policy)
			}
		}
		return nil
	})
}

func TestExchanges(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.URL
	b := open(t, rabbitmq.Config{URL: u})
	name := rabbitfix.Unique("exchange")
	ch := f.Channel(t)
	if err := ch.ExchangeDeclare(name, "topic", false, true, false, false, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ch.ExchangeDelete(name, false, false); ch.Close() })

	find := func(ds []backends.Destination, name string) (backends.Destination, bool) {
		for _, d := range ds {
			if d.Kind == backends.Exchange && d.Name == name {
				return d, true
			}
		}
		return backends.Destination{}, false
	}
	visible := list(t, b, backends.ListOptions{})
	if d, ok := find(visible, name); !ok || d.Type != "topic" || d.Internal || d.Vhost != f.Name {
		t.Errorf("exchange %s: listed %v as %+v", name, ok, d)
	}
	if d, ok := find(visible, "amq.direct"); ok {
		t.Errorf("amq.direct listed without IncludeInternal: %+v", d)
	}
	all := list(t, b, backends.ListOptions{IncludeInternal: true})
	for _, internal := range []string{"", "amq.direct", "amq.topic"} {
		if d, ok := find(all, internal); !ok || !d.Internal {
			t.Errorf("exchange %q with IncludeInternal: listed %v, internal %v", internal, ok, d.Internal)
		}
	}
}

func TestPagingListsEveryQueueOnce(t *testing.T) {
	t.Parallel()
	// In a vhost of its own: queues other tests make or delete meanwhile would shift the pages.
	f := newFixture(t)
	u := f.URL
	names := f.DeclareMany(t, rabbitfix.Unique("page"), 30)
	paged := open(t, rabbitmq.Config{URL: u, PageSize: 7})
	var requests atomic.Int64
	rabbitmq.WrapTransport(paged, counting(&requests))
	checkListedOnce(t, list(t, paged, backends.ListOptions{}), names)
	// 30 queues at 7 a page are 5 pages, and the vhost's 7 exchanges one more.
	if n := requests.Load(); n != 6 {
		t.Errorf("%d API requests for 30 queues and 7 exchanges at 7 a page, want 6", n)
	}

	unpaged := open(t, rabbitmq.Config{URL: u, PageSize: -1})
	requests.Store(0)
	rabbitmq.WrapTransport(unpaged, counting(&requests))
	checkListedOnce(t, list(t, unpaged, backends.ListOptions{}), names)
	if n := requests.Load(); n != 2 {
		t.Errorf("unpaged listing made %d API requests, want 2 (queues and exchanges)", n)
	}
}

// checkListedOnce checks that no destination is listed twice and every named queue is listed.
func checkListedOnce(t *testing.T, dests []backends.Destination, names []string) {
	t.Helper()
	seen := map[string]int{}
	queues := map[string]int{}
	for _, d := range dests {
		seen[d.ID()]++
		if d.Kind == backends.Queue {
			queues[d.Name]++
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s listed %d times", id, n)
		}
	}
	for _, name := range names {
		if queues[name] != 1 {
			t.Errorf("%s listed %d times, want once", name, queues[name])
		}
	}
}

func TestOtherVhost(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	vf := newFixture(t) // another vhost
	vhost, vhostURL := vf.Name, vf.URL
	queue := rabbitfix.Unique("in-vhost")
	vf.Declare(t, queue, nil)
	f.Declare(t, queue+"-in-the-other", nil)

	dests := list(t, open(t, rabbitmq.Config{URL: vhostURL}), backends.ListOptions{})
	found := false
	for _, d := range dests {
		if d.Vhost != vhost {
			t.Errorf("%s listed from vhost %q, want only %q", d.Name, d.Vhost, vhost)
		}
		found = found || d.Name == queue
	}
	if !found {
		t.Errorf("queue %s of vhost %s not listed among %d destinations", queue, vhost, len(dests))
	}
}

func TestIdentity(t *testing.T) {
	u := rabbitfix.BrokerURL(t)
	t.Parallel()
	ctx := context.Background()
	full, err := open(t, rabbitmq.Config{URL: u}).Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Without the API the identity comes from the AMQP handshake, and must agree.
	degraded, err := open(t, rabbitmq.Config{URL: u, ManagementURL: "http://127.0.0.1:1"}).Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if full.Version == "" || full.Version != degraded.Version || full.Cluster != degraded.Cluster {
		t.Errorf("API says %s %q, AMQP says %s %q", full.Version, full.Cluster, degraded.Version, degraded.Cluster)
	}
	uri, _ := amqp.ParseURI(u)
	port := fmt.Sprint(uri.Port)
	for _, n := range full.Nodes {
		if !strings.Contains(n.ID, "@") || !strings.HasSuffix(n.Address, ":"+port) || n.Role != "" {
			t.Errorf("node %+v: want a running rabbit@host with an AMQP address on port %s", n, port)
		}
	}
	if len(degraded.Nodes) != 1 || degraded.Nodes[0].Address != net.JoinHostPort(uri.Host, port) {
		t.Errorf("degraded nodes %+v, want the AMQP address", degraded.Nodes)
	}
}

func TestManagementAPIUnreachable(t *testing.T) {
	u := rabbitfix.BrokerURL(t)
	t.Parallel()
	b := open(t, rabbitmq.Config{URL: u, ManagementURL: "http://127.0.0.1:1"})
	warnings := b.Warnings()
	if len(warnings) != 1 {
		t.Fatalf("warnings %q, want one", warnings)
	}
	for _, part := range []string{"http://127.0.0.1:1 unreachable", "rabbitmq-plugins enable rabbitmq_management", "--rabbitmq-api"} {
		if !strings.Contains(warnings[0], part) {
			t.Errorf("warning %q does not say %q", warnings[0], part)
		}
	}
	_, err := b.ListDestinations(context.Background(), backends.ListOptions{})
	if !errors.Is(err, backends.ErrNotSupported) || !strings.Contains(err.Error(), "AMQP alone cannot enumerate") {
		t.Errorf("ListDestinations without the API: %v, want a clear ErrNotSupported", err)
	}
	if id, err := b.Identity(context.Background()); err != nil || id.Version == "" || id.Kind != backends.RabbitMQ {
		t.Errorf("Identity without the API: %+v, %v", id, err)
	}
}

func TestManagementAPIRefusesUser(t *testing.T) {
	u := rabbitfix.BrokerURL(t)
	t.Parallel()
	const secret = "Not-The-API-Password-31"
	b := open(t, rabbitmq.Config{URL: u, ManagementURL: "http://guest:" + secret + "@127.0.0.1:15672"})
	warnings := b.Warnings()
	if len(warnings) != 1 || !strings.Contains(warnings[0], `refused user "guest"`) || strings.Contains(warnings[0], secret) {
		t.Fatalf("warnings %q, want one saying the API refused guest, without the password", warnings)
	}
	_, err := b.ListDestinations(context.Background(), backends.ListOptions{})
	if !errors.Is(err, backends.ErrNotSupported) || strings.Contains(err.Error(), secret) {
		t.Errorf("ListDestinations: %v", err)
	}
}

func TestWrongPassword(t *testing.T) {
	u := rabbitfix.BrokerURL(t)
	t.Parallel()
	const secret = "Wrong-Secret-4f9c"
	parsed, _ := url.Parse(u)
	parsed.User = url.UserPassword(parsed.User.Username(), secret)
	_, err := rabbitmq.Open(context.Background(), rabbitmq.Config{URL: parsed.String()})
	if !errors.Is(err, backends.ErrAuth) {
		t.Fatalf("wrong password: %v, want ErrAuth", err)
	}
	if strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), parsed.Host) {
		t.Errorf("error %q must name %s and hide the password", err, parsed.Host)
	}
}

// A vhost that does not exist is not a refused login: the error says the vhost is missing and where to
// see the broker's vhosts, and that the password was not the problem (it stays hidden all the same).
func TestVhostThatDoesNotExist(t *testing.T) {
	u := rabbitfix.BrokerURL(t)
	t.Parallel()
	vhost := rabbitfix.Unique("no-such-vhost")
	parsed, _ := url.Parse(u)
	parsed.Path = "/" + vhost
	password, _ := parsed.User.Password()
	_, err := rabbitmq.Open(context.Background(), rabbitmq.Config{URL: parsed.String()})
	if !errors.Is(err, backends.ErrNotFound) || errors.Is(err, backends.ErrAuth) {
		t.Fatalf("Open on a missing vhost: %v, want ErrNotFound and not ErrAuth", err)
	}
	msg := err.Error()
	for _, part := range []string{`vhost "` + vhost + `" does not exist`, "rabbitmqctl list_vhosts", ":15672/#/vhosts"} {
		if !strings.Contains(msg, part) {
			t.Errorf("error %q does not say %q", msg, part)
		}
	}
	if strings.Contains(msg, "authentication") || strings.Contains(msg, ":"+password+"@") {
		t.Errorf("error %q speaks of authentication or shows the password", msg)
	}
}

// TestConnectErrors holds the promise that secrets stay secret on every way Open can fail, and checks
// that each failure says what went wrong.
func TestConnectErrors(t *testing.T) {
	const secret = "Sekrit-Pass-8d2e"
	silent := fakeServer(t, nil)
	notAMQP := fakeServer(t, []byte("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"))
	cases := []struct {
		name string
		cfg  rabbitmq.Config
		is   error
		says string
	}{
		{"unreachable", rabbitmq.Config{URL: "amqp://guest:" + secret + "@127.0.0.1:1/"}, backends.ErrUnreachable, "connection refused"},
		{"silent", rabbitmq.Config{URL: "amqp://guest:" + secret + "@" + silent + "/", Timeout: 300 * time.Millisecond},
			backends.ErrUnreachable, "no answer before the connect timeout"},
		{"not AMQP", rabbitmq.Config{URL: "amqp://guest:" + secret + "@" + notAMQP + "/"}, backends.ErrUnreachable, "gave no AMQP 0-9-1 answer"},
		{"bad URL", rabbitmq.Config{URL: "amqp://guest:" + secret + "%zz@127.0.0.1/"}, nil, "invalid RabbitMQ URL"},
		{"no URL", rabbitmq.Config{}, nil, "no RabbitMQ URL given"},
		{"bad scheme", rabbitmq.Config{URL: "http://guest:" + secret + "@127.0.0.1/"}, nil, "invalid RabbitMQ URL"},
		{"bad API URL", rabbitmq.Config{URL: "amqp://127.0.0.1:1/", ManagementURL: "ftp://guest:" + secret + "@h/"}, nil,
			"invalid RabbitMQ management URL"},
	}
	for _, c := range cases {
		_, err := rabbitmq.Open(context.Background(), c.cfg)
		switch {
		case err == nil:
			t.Errorf("%s: Open succeeded", c.name)
		case strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "\n"):
			t.Errorf("%s: error %q shows the password or spans lines", c.name, err)
		case c.is != nil && !errors.Is(err, c.is):
			t.Errorf("%s: error %q does not wrap %v", c.name, err, c.is)
		case !strings.Contains(err.Error(), c.says):
			t.Errorf("%s: error %q does not say %q", c.name, err, c.says)
		}
	}
}

// fakeServer accepts TCP connections, writes reply (if any) and then says nothing more, like a wedged
// broker or a server of another protocol. It returns its address.
func fakeServer(t *testing.T, reply []byte) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns := make(chan net.Conn, 16)
	t.Cleanup(func() {
		l.Close()
		for len(conns) > 0 {
			(<-conns).Close()
		}
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			if reply != nil {
				_, _ = c.Write(reply)
			}
			conns <- c
		}
	}()
	return l.Addr().String()
}
