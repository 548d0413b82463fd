package ui

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/kafka"
	"github.com/mqscope/mqscope/backends/rabbitmq"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/demo"
	"github.com/mqscope/mqscope/internal/testkit/kafkafix"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/screens"
)

// typeIn types text into the form with the cursor: a newline is enter, a tab moves to the next field.
func (h *harness) typeIn(text string) {
	for _, r := range text {
		switch r {
		case '\n':
			h.key("enter")
		case '\t':
			h.key("tab")
		default:
			h.key(string(r))
		}
	}
}

// kafkaHarness is the shell on a fresh kfake cluster, connected, on its topic list; and the adapter,
// for reading back what the shell did.
func kafkaHarness(t *testing.T, readOnly bool) (*harness, *kafka.Backend) {
	t.Helper()
	cluster := kafkafix.Start(t)
	open := func(ctx context.Context, c config.Context) (backends.Backend, error) {
		return kafka.Open(ctx, kafka.Config{Brokers: c.Kafka.Brokers})
	}
	c := config.Context{Name: "kfake", ReadOnly: readOnly, Kafka: &config.KafkaConfig{Brokers: cluster.ListenAddrs()}}
	h := newHarness(t, Options{Context: c, Open: open}, 140, 30)
	t.Cleanup(h.m.Close)
	h.run(h.m.Init())
	h.mustShow("● connected")
	b, err := kafka.Open(context.Background(), kafka.Config{Brokers: cluster.ListenAddrs()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return h, b
}

func topicNamed(t *testing.T, b *kafka.Backend, name string) (backends.Destination, bool) {
	t.Helper()
	ds, err := b.ListDestinations(context.Background(), backends.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Name == name {
			return d, true
		}
	}
	return backends.Destination{}, false
}

func configOf(t *testing.T, b *kafka.Backend, topic, name string) backends.ConfigEntry {
	t.Helper()
	entries, err := b.TopicConfig(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name == name {
			return e
		}
	}
	t.Fatalf("topic %s has no config %s", topic, name)
	return backends.ConfigEntry{}
}

// The topic form checks the name by Kafka's rules as it is typed: a name a real broker refuses is the name
// field's problem and creates nothing (kfake would take it); a name mixing '.' and '_' is created after a
// review that carries Kafka's warning.
func TestCreateTopicFormChecksTheName(t *testing.T) {
	t.Parallel()
	h, b := kafkaHarness(t, false)
	h.run(h.key("C"))
	h.typeIn("tui13 bad")
	h.mustShow(`' ' is not allowed`)
	h.run(h.key("ctrl+s"))
	if _, ok := topicNamed(t, b, "tui13 bad"); ok {
		t.Fatal("a name Kafka refuses was created")
	}
	h.key("esc")
	h.run(h.key("esc"))
	h.run(h.key("C"))
	h.typeIn("tui13.mixed_name")
	h.run(h.key("ctrl+s"))
	h.mustShow("mixes '.' and '_'")
	h.run(h.key("y"))
	if _, ok := topicNamed(t, b, "tui13.mixed_name"); !ok {
		t.Fatalf("the reviewed topic was not created:\n%s", h.screen())
	}
}

// C on the topic list opens the form; what is typed there becomes a topic with those partitions and
// configs, the list shows it, and the flash says so. A bad field says which, and creates nothing.
func TestCreateTopicFromTheList(t *testing.T) {
	t.Parallel()
	h, b := kafkaHarness(t, false)
	h.run(h.key("C"))
	if h.m.top().Kind() != screens.KindAdminForm {
		t.Fatalf("C opened %s", h.m.top().Title())
	}
	h.mustShow("New topic", "(empty: the broker's default)")
	// The longest label keeps a space before its field (it was "replication factor(empty: ...").
	h.mustShow("replication factor (empty: the broker's default)")
	h.typeIn("tui13.orders\tzero")
	h.mustShow(`partitions: "zero": want a whole number`)
	h.run(h.key("ctrl+s"))
	if _, ok := topicNamed(t, b, "tui13.orders"); ok {
		t.Fatal("a form with a bad field created the topic")
	}
	for range 4 {
		h.key("backspace")
	}
	h.typeIn("3\t\tretention.ms=86400000\ncleanup.policy=compact")
	h.run(h.key("ctrl+s"))
	d, ok := topicNamed(t, b, "tui13.orders")
	if !ok || d.Partitions != 3 {
		t.Fatalf("created %v (found %t), want 3 partitions", d, ok)
	}
	if e := configOf(t, b, "tui13.orders", "retention.ms"); e.Value != "86400000" || e.Source != backends.SourceTopic {
		t.Errorf("retention.ms = %+v, want 86400000 set on the topic", e)
	}
	if e := configOf(t, b, "tui13.orders", "cleanup.policy"); e.Value != "compact" {
		t.Errorf("cleanup.policy = %+v, want compact", e)
	}
	if h.m.top().Kind() != screens.KindDestinations {
		t.Fatalf("back on %s, want the topic list", h.m.top().Title())
	}
	h.mustShow("created topic tui13.orders", "tui13.orders")

	// The broker's refusal keeps the form open and says it in the broker's words.
	h.run(h.key("C"))
	h.typeIn("tui13.orders")
	h.run(h.key("ctrl+s"))
	if h.m.top().Kind() != screens.KindAdminForm {
		t.Fatalf("a refused create left the form for %s", h.m.top().Title())
	}
	h.mustShow("TOPIC_ALREADY_EXISTS")
	h.key("esc")
	h.mustShow("esc again throws away what you typed")
	h.run(h.key("esc"))
	if h.m.top().Kind() != screens.KindDestinations {
		t.Fatalf("two esc left %s open", h.m.top().Title())
	}
}

// Read-only: C opens nothing, says why, and the broker is left as it was.
func TestCreateRefusedReadOnly(t *testing.T) {
	t.Parallel()
	h, b := kafkaHarness(t, true)
	before, err := b.ListDestinations(context.Background(), backends.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, msg := range h.run(h.key("C")) {
		if _, ok := msg.(common.TaskMsg); ok {
			t.Fatal("C started work read-only")
		}
	}
	if h.m.top().Kind() != screens.KindDestinations {
		t.Fatalf("C opened %s read-only", h.m.top().Title())
	}
	h.mustShow("create refused", "read-only")
	for _, k := range h.m.top().Keys() {
		if k.Help().Key == "C" {
			t.Fatal("read-only offers C")
		}
	}
	after, _ := b.ListDestinations(context.Background(), backends.ListOptions{})
	if len(after) != len(before) {
		t.Fatalf("%d topics before, %d after", len(before), len(after))
	}
	if err := h.m.conn.session.Can(actions.VerbCreate); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("the session allows create read-only: %v", err)
	}
}

// get reads the management API at path into v, past the adapter under test.
func (r *rabbit) get(path string, v any) {
	r.t.Helper()
	resp, err := http.Get(r.api + path)
	if err != nil {
		r.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		r.t.Fatalf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		r.t.Fatalf("GET %s: %v", path, err)
	}
}

// C on RabbitMQ's list: a quorum queue with typed arguments, a topic exchange declared for it and the
// binding, each as asked; an argument of the wrong type is named on the form before anything is sent.
func TestCreateQueueFromTheList(t *testing.T) {
	t.Parallel()
	r := newRabbit(t)
	h := r.harness(t)
	h.mustShow("● connected")
	h.run(h.key("C"))
	h.mustShow("New queue", "bind from exchange", "(empty: classic)", "declare exchange as ")
	h.typeIn("jobs\tquorum\t\tx-delivery-limit=five")
	h.mustShow("x-delivery-limit", "want a whole number")
	for range 4 {
		h.key("backspace")
	}
	h.typeIn("5\nx-dead-letter-exchange=dlx\nx-message-ttl=60000\tjobs.x\ttopic\tjob.*")
	h.run(h.key("ctrl+s"))
	if h.m.top().Kind() != screens.KindDestinations {
		t.Fatalf("after the create: %s\n%s", h.m.top().Title(), h.screen())
	}
	h.mustShow("created queue jobs, bound from exchange jobs.x")

	var q struct {
		Type      string         `json:"type"`
		Durable   bool           `json:"durable"`
		Arguments map[string]any `json:"arguments"`
	}
	r.get("/queues/"+r.vhost+"/jobs", &q)
	if q.Type != "quorum" || !q.Durable || q.Arguments["x-delivery-limit"] != 5.0 ||
		q.Arguments["x-dead-letter-exchange"] != "dlx" || q.Arguments["x-message-ttl"] != 60000.0 {
		t.Fatalf("queue jobs: %+v", q)
	}
	var x struct{ Type string }
	r.get("/exchanges/"+r.vhost+"/jobs.x", &x)
	if x.Type != "topic" {
		t.Fatalf("exchange jobs.x is %q, want topic", x.Type)
	}
	var bs []struct {
		Source     string `json:"source"`
		RoutingKey string `json:"routing_key"`
	}
	r.get("/queues/"+r.vhost+"/jobs/bindings", &bs)
	bound := false
	for _, b := range bs {
		bound = bound || b.Source == "jobs.x" && b.RoutingKey == "job.*"
	}
	if !bound {
		t.Fatalf("jobs is not bound from jobs.x with job.*: %+v", bs)
	}
}

// X on the groups view: an empty group goes once its name is typed; a group with a member is refused on
// the dialog, saying why and what to do, and stays.
func TestDeleteGroupFromTheGroupsView(t *testing.T) {
	opts, cluster := startDemo(t)
	h := newHarness(t, opts, 140, 30)
	defer h.m.Close()
	h.run(h.m.Init())
	b, err := kafka.Open(context.Background(), kafka.Config{Brokers: cluster.Bootstrap()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	groups := func() map[string]bool {
		gs, err := b.ListGroups(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, g := range gs {
			out[g.Name] = true
		}
		return out
	}
	if !groups()[demo.Audit] || !groups()[demo.Billing] {
		t.Fatalf("the demo lacks its groups: %v", groups())
	}
	h.command("groups")
	h.mustShow("3 groups")

	filter(h, demo.Billing)
	h.run(h.key("X"))
	h.mustShow("delete group "+demo.Billing+"?", "has 1 member", "Stop its consumers")
	h.run(h.key("y"))
	h.run(h.key("esc"))
	if !groups()[demo.Billing] {
		t.Fatal("a group with a member was deleted")
	}

	h.key("esc") // the filter
	filter(h, demo.Audit)
	h.run(h.key("X"))
	h.mustShow("type " + demo.Audit + " and enter to delete group " + demo.Audit)
	h.typeIn(demo.Audit)
	h.run(h.key("enter"))
	if groups()[demo.Audit] {
		t.Fatal("the empty group is still there")
	}
	h.mustShow("deleted group " + demo.Audit)
	if h.m.top().Kind() != screens.KindGroups {
		t.Fatalf("back on %s, want the groups", h.m.top().Title())
	}
}

// e on a topic: the form shows the configs set away from their defaults with their sources and the
// topic's own as lines; an edited line sets, a deleted one resets, ctrl+s shows the dry run (nothing
// changed yet), y applies it.
func TestEditTopicConfigs(t *testing.T) {
	t.Parallel()
	h, b := kafkaHarness(t, false)
	ctx := context.Background()
	spec := backends.DestinationSpec{Name: "tui13.cfg", Partitions: 1,
		Configs: map[string]string{"retention.ms": "1000", "cleanup.policy": "compact"}}
	if err := b.CreateDestination(ctx, spec); err != nil {
		t.Fatal(err)
	}
	h.run(h.key("ctrl+r"))
	filter(h, "tui13.cfg")
	h.run(h.key("e"))
	h.mustShow("Configs of topic tui13.cfg", "set away from the default", "cleanup.policy=compact", "retention.ms=1000")
	// At 80 columns the hint wraps rather than losing its end ("delete it to ta…").
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	h.mustShow("back to what it inherits")
	h.send(tea.WindowSizeMsg{Width: 140, Height: 30})
	for range len("cleanup.policy=compact\nretention.ms=1000") {
		h.key("backspace")
	}
	h.typeIn("retention.ms=86400000\nmax.message.bytes=2048")
	h.run(h.key("ctrl+s"))
	h.mustShow("dry run", "set    retention.ms: 1000 (topic) → 86400000", "set    max.message.bytes:",
		"reset  cleanup.policy: compact (topic) → what it inherits")
	if e := configOf(t, b, "tui13.cfg", "retention.ms"); e.Value != "1000" {
		t.Fatalf("the dry run changed retention.ms to %s", e.Value)
	}
	h.run(h.key("y"))
	if e := configOf(t, b, "tui13.cfg", "retention.ms"); e.Value != "86400000" || e.Source != backends.SourceTopic {
		t.Errorf("retention.ms = %+v, want 86400000 on the topic", e)
	}
	if e := configOf(t, b, "tui13.cfg", "max.message.bytes"); e.Value != "2048" {
		t.Errorf("max.message.bytes = %+v, want 2048", e)
	}
	if e := configOf(t, b, "tui13.cfg", "cleanup.policy"); e.Source == backends.SourceTopic {
		t.Errorf("cleanup.policy is still set on the topic: %+v", e)
	}
	h.mustShow("configs of tui13.cfg: 2 set, 1 reset")
	if h.m.top().Kind() != screens.KindDestinations {
		t.Fatalf("back on %s, want the topic list", h.m.top().Title())
	}
}

// Read-only on RabbitMQ: C opens no form, says why, and the vhost still has no queue.
func TestCreateQueueRefusedReadOnly(t *testing.T) {
	t.Parallel()
	r := newRabbit(t)
	open := func(ctx context.Context, c config.Context) (backends.Backend, error) {
		return rabbitmq.Open(ctx, rabbitmq.Config{URL: c.RabbitMQ.URL})
	}
	c := config.Context{Name: "rabbit", ReadOnly: true, RabbitMQ: &config.RabbitMQConfig{URL: r.url}}
	h := newHarness(t, Options{Context: c, Open: open}, 140, 24)
	t.Cleanup(h.m.Close)
	h.run(h.m.Init())
	h.mustShow("● connected")
	for _, msg := range h.run(h.key("C")) {
		if _, ok := msg.(common.TaskMsg); ok {
			t.Fatal("C started work read-only")
		}
	}
	if h.m.top().Kind() != screens.KindDestinations {
		t.Fatalf("C opened %s read-only", h.m.top().Title())
	}
	h.mustShow("create refused", "read-only")
	var queues []struct{ Name string }
	r.get("/queues/"+r.vhost, &queues)
	if len(queues) != 0 {
		t.Fatalf("the vhost has queues: %+v", queues)
	}
}

// e on a topic's details page edits its configs the same way, and comes back to the page, which shows
// the new value.
func TestEditTopicConfigsFromDetails(t *testing.T) {
	t.Parallel()
	h, b := kafkaHarness(t, false)
	spec := backends.DestinationSpec{Name: "tui13.det", Partitions: 1, Configs: map[string]string{"retention.ms": "1000"}}
	if err := b.CreateDestination(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
	h.run(h.key("ctrl+r"))
	filter(h, "tui13.det")
	h.run(h.key("d"))
	if h.m.top().Kind() != screens.KindDetails {
		t.Fatalf("d opened %s", h.m.top().Title())
	}
	h.mustShow("retention.ms", "1000", "e edit configs")
	details := h.m.top().ID()
	h.run(h.key("e"))
	h.mustShow("Configs of topic tui13.det", "retention.ms=1000")
	h.key("backspace")
	h.key("backspace")
	h.key("backspace")
	h.typeIn("2345")
	h.run(h.key("ctrl+s"))
	h.mustShow("set    retention.ms: 1000 (topic) → 12345")
	h.run(h.key("y"))
	if e := configOf(t, b, "tui13.det", "retention.ms"); e.Value != "12345" {
		t.Fatalf("retention.ms = %+v, want 12345", e)
	}
	if h.m.top().ID() != details {
		t.Fatalf("back on %s, want the details page", h.m.top().Title())
	}
	h.mustShow("12345")
}
