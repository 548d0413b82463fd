package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/rabbitmq"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/internal/testkit/rabbitfix"
)

// rabbit is the test's private vhost on the long-lived RabbitMQ (rabbitfix), with the UI tests' own
// hands: the management API only, as the UI never imports an AMQP client.
type rabbit struct {
	t     *testing.T
	fix   *rabbitfix.Vhost
	url   string // AMQP URL of the vhost
	api   string // management API base, with credentials
	vhost string
}

func newRabbit(t *testing.T) *rabbit {
	t.Helper()
	v := rabbitfix.New(t)
	return &rabbit{t: t, fix: v, url: v.URL, api: v.API, vhost: v.Name}
}

// do calls the management API.
func (r *rabbit) do(method, path, body string) {
	r.t.Helper()
	r.fix.Do(r.t, method, path, body)
}

// queueWith declares a classic queue holding n messages, published through the default exchange.
func (r *rabbit) queueWith(name string, n int) {
	r.do("PUT", "/queues/"+r.vhost+"/"+name, `{"durable":false}`)
	for i := range n {
		r.do("POST", "/exchanges/"+r.vhost+"/amq.default/publish",
			fmt.Sprintf(`{"properties":{},"routing_key":%q,"payload":"job %d","payload_encoding":"string"}`, name, i))
	}
}

func (r *rabbit) harness(t *testing.T) *harness {
	open := func(ctx context.Context, c config.Context) (backends.Backend, error) {
		return rabbitmq.Open(ctx, rabbitmq.Config{URL: c.RabbitMQ.URL})
	}
	c := config.Context{Name: "rabbit", RabbitMQ: &config.RabbitMQConfig{URL: r.url}}
	h := newHarness(t, Options{Context: c, Open: open}, 140, 24)
	t.Cleanup(h.m.Close)
	h.run(h.m.Init())
	return h
}

// refreshUntil refreshes the top view until ok holds for its screen: the management API's figures trail
// the broker by a few seconds.
func (h *harness) refreshUntil(what string, ok func(screen string) bool) {
	h.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok(h.screen()) {
		if time.Now().After(deadline) {
			h.t.Fatalf("the screen never showed %s:\n%s", what, h.screen())
		}
		time.Sleep(250 * time.Millisecond)
		h.run(h.send(refreshTickMsg{}))
	}
}

// counted says whether every cell is a figure, not "?" (a count the broker did not give yet).
func counted(cells ...string) bool {
	return !slices.Contains(cells, "?")
}

// :lag on RabbitMQ, which has no consumer groups, shows the backlog of its queues.
func TestBacklogOnRabbitMQ(t *testing.T) {
	t.Parallel()
	r := newRabbit(t)
	r.queueWith("jobs", 3)
	r.queueWith("idle", 0)
	h := r.harness(t)
	h.command("lag")
	h.mustShow("backlog", "QUEUE", "DRAIN")
	// Columns: QUEUE VHOST READY UNACKED CONSUMERS ...
	// The management API samples a queue's figures in parts: READY can be there while UNACKED or
	// CONSUMERS are still unknown ("?"). Wait until every figure asserted below is a count.
	h.refreshUntil("jobs with 3 ready and both queues' figures known", func(s string) bool {
		jobs, idle := rowOf(s, "jobs", r.vhost), rowOf(s, "idle", r.vhost)
		return len(jobs) > 4 && jobs[2] == "3" && counted(jobs[3], jobs[4]) &&
			len(idle) > 4 && counted(idle[2], idle[3], idle[4])
	})
	row := rowOf(h.screen(), "jobs", r.vhost)
	if row[3] != "0" || row[4] != "0" {
		t.Fatalf("jobs: none unacked, no consumers: %v", row)
	}
	// Nothing in, nothing out: messages waiting with nobody to take them are stalled, not growing.
	if !slices.Contains(row, "stalled") || slices.Contains(row, "growing") {
		t.Fatalf("jobs: 3 ready, no consumers, nothing published: %v, want stalled", row)
	}
	if row := rowOf(h.screen(), "idle", r.vhost); len(row) < 3 || row[2] != "0" || !slices.Contains(row, "idle") {
		t.Fatalf("idle: nothing ready, nothing moving: %v", row)
	}

	// The queues on screen are counted at each refresh, not read from the management API's sample, which
	// trails a publish by seconds: two more show at the very next refresh.
	r.publish("jobs", "job 3")
	r.publish("jobs", "job 4")
	h.run(h.send(refreshTickMsg{}))
	if row := rowOf(h.screen(), "jobs", r.vhost); len(row) < 3 || row[2] != "5" {
		t.Fatalf("jobs right after two more: %v, want 5 ready", row)
	}
	h.mustShow("· counted now")
}

// P on a queue purges its ready messages, after a confirmation that says how many.
func TestPurgeOnRabbitMQ(t *testing.T) {
	t.Parallel()
	r := newRabbit(t)
	r.queueWith("jobs", 5)
	h := r.harness(t)
	if _, ok := h.m.conn.session.Backend().(backends.Purger); !ok {
		t.Fatal("the RabbitMQ adapter cannot purge")
	}
	h.filter("jobs")
	h.refreshUntil("jobs with 5 messages", func(s string) bool {
		row := rowOf(s, "jobs")
		return len(row) > 0 && strings.Contains(strings.Join(row, " "), " 5 5 ")
	})
	h.run(h.key("P"))
	h.mustShow("purge jobs?", "removes its 5 ready messages", "type jobs and enter to purge 5 ready messages")
	for _, k := range []string{"j", "o", "b", "s", "enter"} {
		h.run(h.key(k))
	}
	h.mustShow("purged 5 messages from jobs")
	h.refreshUntil("jobs empty", func(s string) bool {
		row := rowOf(s, "jobs")
		return len(row) > 0 && !strings.Contains(strings.Join(row, " "), " 5 ")
	})
}
