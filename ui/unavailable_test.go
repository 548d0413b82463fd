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
