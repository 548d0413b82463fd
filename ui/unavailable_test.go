package ui

import (
	"strings"
	"testing"
)

// :broker on Kafka says the broker kind cannot do it, not that something refused it, in one line that
// fits an 80-column terminal; it said "broker statistics refused: this broker publishes no statistics
// about itself (MQTT brokers publish theirs under $SYS)", cut at the edge.
func TestBrokerStatsOnKafkaSaysNotAvailable(t *testing.T) {
	opts, _ := startDemo(t)
	h := newHarness(t, opts, 80, 24)
	defer h.m.Close()
	h.run(h.m.Init())
	h.mustShow("● connected")
	h.command("broker")
	want := "not available on Kafka: only MQTT brokers publish their own statistics ($SYS)"
	h.mustShow(want)
	if s := h.screen(); strings.Contains(s, "refused") {
		t.Errorf("the flash says refused:\n%s", s)
	}
}

// e (edit configs) on a RabbitMQ queue says RabbitMQ has no topic configs, within 80 columns; it did
// nothing and said nothing.
func TestEditConfigsOnRabbitMQSaysWhy(t *testing.T) {
	t.Parallel()
	r := newRabbit(t)
	r.queueWith("jobs", 0)
	h := r.harness(t)
	h.filter("jobs")
	h.refreshUntil("jobs", func(s string) bool { return len(rowOf(s, "jobs")) > 0 })
	h.run(h.key("e"))
	want := "e: not available on RabbitMQ: it has no topic configs (RabbitMQ uses policies)"
	h.mustShow(want)
	if len(want) > 80 {
		t.Errorf("%d columns: wider than an 80-column terminal", len(want))
	}
}

// C (create) on the groups list says it does not apply there; it did nothing and said nothing.
func TestCreateOnGroupsSaysItDoesNotApply(t *testing.T) {
	opts, _ := startDemo(t)
	h := newHarness(t, opts, 120, 24)
	defer h.m.Close()
	h.run(h.m.Init())
	h.command("groups")
	h.run(h.key("C"))
	h.mustShow("C (create) does not apply to groups; ? lists the keys that do")
}
