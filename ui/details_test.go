package ui

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/mqscope/mqscope/backends"
)

// mustMatch fails unless every pattern matches a line of the screen.
func (h *harness) mustMatch(patterns ...string) {
	h.t.Helper()
	s := h.screen()
	for _, p := range patterns {
		if !regexp.MustCompile(`(?m)` + p).MatchString(s) {
			h.t.Fatalf("screen lacks a line like %q:\n%s", p, s)
		}
	}
}

// d on a topic shows each partition's leader, replicas, in-sync replicas and exact offsets, and the
// configs set on the topic; d on a group (in the groups view and in the lag view) shows its member's
// client id and assignment, and the offsets it committed.
func TestDetailsOfAKafkaTopicAndGroup(t *testing.T) {
	t.Parallel()
	h, b := kafkaHarness(t, false)
	h.send(tea.WindowSizeMsg{Width: 160, Height: 45})
	ctx := context.Background()
	if err := b.CreateDestination(ctx, backends.DestinationSpec{Name: "orders", Partitions: 3,
		Configs: map[string]string{"retention.ms": "3600000", "cleanup.policy": "compact"}}); err != nil {
		t.Fatal(err)
	}
	brokers := h.m.c.Context.Kafka.Brokers
	producer, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer producer.Close()
	for i := range 5 {
		r := &kgo.Record{Topic: "orders", Partition: 1, Key: []byte("k"), Value: []byte{byte('0' + i)}}
		if err := producer.ProduceSync(ctx, r).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	member, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumerGroup("billing"),
		kgo.ClientID("billing-worker"), kgo.ConsumeTopics("orders"), kgo.DisableAutoCommit())
	if err != nil {
		t.Fatal(err)
	}
	defer member.Close()
	pollCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for got := 0; got < 5; got += member.PollFetches(pollCtx).NumRecords() {
		if pollCtx.Err() != nil {
			t.Fatalf("the member read %d of 5 records", got)
		}
	}
	if err := member.CommitUncommittedOffsets(pollCtx); err != nil {
		t.Fatal(err)
	}

	h.run(h.key("ctrl+r"))
	h.filterTo("orders")
	h.run(h.key("d"))
	h.mustShow("topics › orders", "partitions (3)", "configs set away from their defaults (2)")
	h.mustMatch(`^ +PARTITION +LEADER +REPLICAS +ISR +START +END +MESSAGES`,
		`^ +retention\.ms +3600000 +topic`, `^ +cleanup\.policy +compact +topic`)
	// Partition 1: a leader among its 3 replicas, all in sync; offsets 0 to 5, exact.
	p1 := regexp.MustCompile(`(?m)^ +1 +(\d) +(\d,\d,\d) +(\d,\d,\d) +0 +5 +5 *$`).FindStringSubmatch(h.screen())
	if p1 == nil || p1[2] != p1[3] || !strings.Contains(p1[2], p1[1]) {
		t.Errorf("partition 1: %q, want a leader among 3 replicas all in sync, offsets 0 to 5:\n%s", p1, h.screen())
	}
	if strings.Contains(h.screen(), "segment.bytes") {
		t.Errorf("the topic's details list a config at its default:\n%s", h.screen())
	}

	h.key("esc")
	h.command("groups")
	h.filterTo("billing")
	h.run(h.key("d"))
	group := []string{`^ +state +Stable`, `^ +billing-worker +\S+ +orders\[0,1,2\] +billing-worker-`,
		`^ +orders +1 +5 +0 +5 +0 +billing-worker`}
	h.mustMatch(group...)

	h.key("esc")
	h.command("lag")
	h.run(h.key("ctrl+r"))
	h.filterTo("billing")
	h.run(h.key("d"))
	h.mustShow("lag › billing")
	h.mustMatch(group...)
}

// d on a RabbitMQ queue shows its arguments, the policy that applies with its definition, where it lives,
// the binding that leads to it and its consumer with the prefetch of its channel; d on the exchange
// shows the binding from the other end. At 60×15 the page scrolls, and no line is wider than the screen.
func TestDetailsOfARabbitMQQueueAndExchange(t *testing.T) {
	t.Parallel()
	r := newRabbit(t)
	r.do(http.MethodPut, "/queues/"+r.vhost+"/jobs", `{"durable":true,"arguments":{"x-max-length":500,"x-message-ttl":60000}}`)
	r.fix.Policy(t, "jobs-dlx", "^jobs$", map[string]any{"dead-letter-exchange": "dead"})
	r.do(http.MethodPut, "/exchanges/"+r.vhost+"/work", `{"type":"topic","durable":true}`)
	r.do(http.MethodPost, "/bindings/"+r.vhost+"/e/work/q/jobs", `{"routing_key":"job.*"}`)
	hostile := "evil\x1b[2Jqueue"
	r.do(http.MethodPut, "/queues/"+r.vhost+"/"+url.PathEscape(hostile), `{"durable":true}`)
	ch := r.fix.Channel(t)
	if err := ch.Qos(7, 0, false); err != nil {
		t.Fatal(err)
	}
	if _, err := ch.Consume("jobs", "worker-1", false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}

	h := r.harness(t)
	h.send(tea.WindowSizeMsg{Width: 160, Height: 45})
	h.filterTo("jobs")
	h.run(h.key("d"))
	h.mustShow("› jobs")
	h.mustMatch(`^ +durability +durable$`, `^ +dead-letter +dead \(policy\)$`, `^ +node +rabbit@`, `^ +consumers +1$`, `^ +counts +counted now$`,
		`^ +x-max-length +500$`, `^ +x-message-ttl +60000$`,
		`^ effective policy jobs-dlx$`, `^ +dead-letter-exchange +dead$`,
		`^ +work +jobs +queue +job\.\*$`)
	// The consumer's channel and prefetch come with the management API's statistics, a few seconds late.
	h.refreshUntil("the consumer worker-1 with prefetch 7", func(s string) bool {
		return regexp.MustCompile(`(?m)^ +worker-1 +\S.* +7 +manual +yes *$`).MatchString(s)
	})

	h.send(tea.WindowSizeMsg{Width: 60, Height: 15})
	h.mustShow("lines 1–")
	h.key("G")
	h.mustMatch(`^ +work +jobs +queue +job\.\*$`) // the last line, scrolled to
	for _, line := range strings.Split(h.m.View().Content, "\n") {
		if w := ansi.StringWidth(line); w > 60 {
			t.Errorf("a line %d wide at 60×15: %q", w, ansi.Strip(line))
		}
	}

	h.key("esc")
	h.send(tea.WindowSizeMsg{Width: 160, Height: 45})
	h.filterTo("work")
	h.run(h.key("d"))
	h.mustShow("work", "bindings (1)")
	h.mustMatch(`^ +type +topic$`, `^ +work +jobs +queue +job\.\*$`)

	h.key("esc")
	h.filterTo("evil")
	h.run(h.key("d"))
	if raw := h.m.View().Content; strings.Contains(raw, "\x1b[2J") {
		t.Errorf("the queue's name reached the terminal raw:\n%q", raw)
	}
	h.mustMatch(`^ +name +evil\\e\[2Jqueue$`)
}

// The queues on screen are counted now on every refresh (RabbitMQ's management API samples its figures
// every 5 s): right after 4 messages land, the list shows 4 ready, and says which counts are current.
func TestQueuesOnScreenAreCountedNow(t *testing.T) {
	t.Parallel()
	r := newRabbit(t)
	r.queueWith("fresh", 0)
	h := r.harness(t)
	r.queueWith("fresh", 4) // after the first listing: the API's sample cannot have it yet
	h.run(h.key("ctrl+r"))
	// Columns: NAME VHOST KIND TYPE MESSAGES READY ...
	if row := rowOf(h.screen(), "fresh", r.vhost); len(row) < 6 || row[5] != "4" {
		t.Fatalf("fresh right after 4 published: %v, want READY 4:\n%s", row, h.screen())
	}
	h.mustShow("counted now")
}
