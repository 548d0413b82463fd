package e2e

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/mqscope/mqscope/internal/testkit/kafkafix"
	"github.com/mqscope/mqscope/internal/testkit/natsfix"
	"github.com/mqscope/mqscope/internal/testkit/rabbitfix"
)

// describe queue shows what the queue is made of: its arguments, the policy that applies and its
// definition, its durability and node, the binding that leads to it, and its consumer with the prefetch
// of its channel; describe exchange shows the same binding from the other end.
func TestDescribeRabbitMQQueueAndExchange(t *testing.T) {
	t.Parallel()
	v := rabbitfix.New(t)
	v.Declare(t, "jobs", amqp.Table{"x-max-length": int32(500)})
	v.Policy(t, "jobs-ttl", "^jobs$", map[string]any{"message-ttl": 60000})
	ch := v.Channel(t)
	if err := ch.ExchangeDeclare("work", "topic", true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	if err := ch.QueueBind("jobs", "job.*", "work", false, nil); err != nil {
		t.Fatal(err)
	}
	if err := ch.Qos(7, 0, false); err != nil {
		t.Fatal(err)
	}
	if _, err := ch.Consume("jobs", "worker-1", false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	rabbitfix.PublishJSON(t, v.Channel(t), "jobs", 3) // held by the consumer or ready: 3 in all

	r := mqscope(t, "--rabbitmq", v.URL, "describe", "queue", "jobs")
	if r.code != 0 {
		t.Fatalf("describe queue: exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{
		`\n +x-max-length +500\n`,                             // its argument
		`\neffective policy jobs-ttl\n +message-ttl +60000\n`, // its policy and what it sets
		`\n +durability +durable\n`, `\n +node +rabbit@`,      // where it lives
		`\n +work +jobs +queue +job\.\*\n`, // the binding that leads to it
		`\n +counts +counted now\n`,
	} {
		if !regexp.MustCompile(want).MatchString(r.stdout) {
			t.Errorf("describe queue lacks %q:\n%s", want, r.stdout)
		}
	}

	// The consumer's channel and prefetch come with the management API's statistics, up to 5 s later.
	deadline := time.Now().Add(15 * time.Second)
	for !regexp.MustCompile(`\n +worker-1 +\S.* +7 +manual +yes\n`).MatchString(r.stdout) {
		if time.Now().After(deadline) {
			t.Fatalf("describe queue never showed the consumer worker-1 with prefetch 7:\n%s", r.stdout)
		}
		time.Sleep(200 * time.Millisecond)
		r = mqscope(t, "--rabbitmq", v.URL, "describe", "queue", "jobs")
	}

	r = mqscope(t, "--rabbitmq", v.URL, "describe", "queue", "jobs", "-o", "json")
	var line struct {
		Arguments map[string]any `json:"arguments"`
		Policy    string         `json:"policy"`
		Consumers []struct {
			Tag      string `json:"tag"`
			Prefetch int    `json:"prefetch"`
		} `json:"consumers"`
		Bindings []struct {
			Source     string `json:"source"`
			RoutingKey string `json:"routing_key"`
		} `json:"bindings"`
		Counts string `json:"counts"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &line); err != nil {
		t.Fatalf("describe queue -o json: %v: %s", err, r.stdout)
	}
	if line.Arguments["x-max-length"] != 500.0 || line.Policy != "jobs-ttl" || len(line.Consumers) != 1 ||
		line.Consumers[0].Prefetch != 7 || line.Counts != "exact" ||
		!containsBinding(line.Bindings, func(src, key string) bool { return src == "work" && key == "job.*" }) {
		t.Errorf("describe queue -o json: %+v", line)
	}

	r = mqscope(t, "--rabbitmq", v.URL, "describe", "exchange", "work")
	if r.code != 0 || !regexp.MustCompile(`\n +work +jobs +queue +job\.\*\n`).MatchString(r.stdout) ||
		!strings.Contains(r.stdout, "topic") {
		t.Errorf("describe exchange: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := mqscope(t, "--rabbitmq", v.URL, "describe", "queue", "nope"); r.code == 0 || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("describe of a missing queue: exit %d, %q", r.code, r.stderr)
	}
}

func containsBinding[B any](bs []B, match func(src, key string) bool) bool {
	for _, b := range bs {
		raw, _ := json.Marshal(b)
		var x struct {
			Source     string `json:"source"`
			RoutingKey string `json:"routing_key"`
		}
		_ = json.Unmarshal(raw, &x)
		if match(x.Source, x.RoutingKey) {
			return true
		}
	}
	return false
}

// describe topic gives each partition's leader, replicas, in-sync replicas and exact offsets, and the
// configs set on the topic; describe group gives each member's client id, host and assignment, and the
// committed offsets, also for a group that only has commits.
func TestDescribeKafkaTopicAndGroup(t *testing.T) {
	t.Parallel()
	c := kafkafix.Start(t, kfake.NumBrokers(3))
	k := []string{"--kafka", strings.Join(c.ListenAddrs(), ",")}
	run := func(args ...string) string {
		t.Helper()
		r := mqscope(t, append(k, args...)...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
		}
		return r.stdout
	}
	run("create", "topic", "orders", "--partitions", "3", "--replication-factor", "3", "--set", "retention.ms=3600000",
		"--set", "cleanup.policy=compact")
	for i := range 5 {
		run("publish", "orders", "--partition", "1", "--key", "k", "--body", `{"n":`+string(rune('0'+i))+`}`)
	}
	if r := mqscope(t, append(k, "describe", "topic", "ordres")...); r.code != 1 ||
		r.stderr != "mqscope: describe topic ordres: topic \"ordres\": not found (check the name)\n" {
		t.Errorf("describe of a topic that is not there: exit %d, %q", r.code, r.stderr)
	}
	out := run("describe", "topic", "orders", "-o", "json")
	var topic struct {
		Partitions []struct {
			Partition int32   `json:"partition"`
			Leader    int32   `json:"leader"`
			Replicas  []int32 `json:"replicas"`
			ISR       []int32 `json:"isr"`
			Start     int64   `json:"start"`
			End       int64   `json:"end"`
		} `json:"partitions"`
		Configs []struct {
			Name, Source string
			Value        *string
		} `json:"configs"`
	}
	if err := json.Unmarshal([]byte(out), &topic); err != nil {
		t.Fatalf("describe topic -o json: %v: %s", err, out)
	}
	if len(topic.Partitions) != 3 {
		t.Fatalf("describe topic: %d partitions, want 3: %s", len(topic.Partitions), out)
	}
	for _, p := range topic.Partitions {
		wantEnd := map[bool]int64{true: 5}[p.Partition == 1]
		if p.Leader < 0 || len(p.Replicas) != 3 || len(p.ISR) != 3 || p.Start != 0 || p.End != wantEnd {
			t.Errorf("partition %d: leader %d replicas %v isr %v offsets %d..%d, want a leader, 3 replicas in sync, 0..%d",
				p.Partition, p.Leader, p.Replicas, p.ISR, p.Start, p.End, wantEnd)
		}
	}
	text := run("describe", "topic", "orders")
	for _, want := range []string{`\n +retention\.ms +3600000 +topic\n`, `\n +cleanup\.policy +compact +topic\n`,
		`\n +1 +\d +\d,\d,\d +\d,\d,\d +0 +5 +5\n`} {
		if !regexp.MustCompile(want).MatchString(text) {
			t.Errorf("describe topic lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "segment.bytes") {
		t.Errorf("describe topic lists a config at its default:\n%s", text)
	}

	// A member reads and commits all five records of partition 1.
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumerGroup("billing"),
		kgo.ClientID("billing-worker"), kgo.ConsumeTopics("orders"), kgo.DisableAutoCommit())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for got := 0; got < 5; {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("the member read %d of 5 records: %v", got, err)
		}
		got += fs.NumRecords()
	}
	if err := cl.CommitUncommittedOffsets(ctx); err != nil {
		t.Fatal(err)
	}
	if r := mqscope(t, append(k, "describe", "group", "no-such-group")...); r.code != 1 ||
		r.stderr != "mqscope: no group named no-such-group here (see `mqscope groups`)\n" {
		t.Errorf("describe of a group that is not there (said as lag says it): exit %d, %q", r.code, r.stderr)
	}
	group := run("describe", "group", "billing")
	for _, want := range []string{`
 +state +Stable
`, `
 +billing-worker +\S+ +orders\[0,1,2\] +billing-worker-`,
		`
 +orders +1 +5 +0 +5 +0 +billing-worker
`} {
		if !regexp.MustCompile(want).MatchString(group) {
			t.Errorf("describe group lacks %q:\n%s", want, group)
		}
	}
	cl.Close() // it leaves: the group keeps only its commits
	group = run("describe", "group", "billing")
	for _, want := range []string{`
 +state +Empty
`, `
 +topics +orders
`, `
 +orders +1 +5 +0 +5 +0 +-
`} {
		if !regexp.MustCompile(want).MatchString(group) {
			t.Errorf("describe group of the group left Empty lacks %q:\n%s", want, group)
		}
	}
}

// describe on a NATS stream shows its settings and each consumer's place, pending and lag; a stream has
// no partitions, configs or bindings to show.
func TestDescribeNATSStream(t *testing.T) {
	t.Parallel()
	s := natsfix.New(t)
	stream, consumer := natsWork(t, s, 10, 4, 1) // 4 acknowledged, 1 delivered and held, 5 not delivered
	r := mqscope(t, "--nats", s.URL, "describe", "queue", stream)
	if r.code != 0 {
		t.Fatalf("describe: exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{`\n +subjects +` + regexp.QuoteMeta(stream) + `\.>\n`, `\n +retention +limits\n`,
		`\n +` + regexp.QuoteMeta(consumer) + ` +delivered 5, ack floor \d+ +1 +5\n`} {
		if !regexp.MustCompile(want).MatchString(r.stdout) {
			t.Errorf("describe lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "partitions") || strings.Contains(r.stdout, "bindings") {
		t.Errorf("describe of a stream shows parts it has not:\n%s", r.stdout)
	}
}
