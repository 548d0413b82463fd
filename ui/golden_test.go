package ui

import (
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/config"
)

// Golden screens at a fixed size, colours stripped. After an intended change to the look:
//
//	go test ./ui -run Golden -update
func goldenScreen(t *testing.T) *harness {
	h := newHarness(t, Options{Context: config.Context{Name: "demo", ReadOnly: true}}, 100, 24)
	h.connect(&groupLagBackend{}, kafkaIdentity()) // a Kafka: its help offers :groups and :lag
	h.deliver([]backends.Destination{
		{Name: "orders", Kind: backends.Topic, Partitions: 6, ReplicationFactor: 3, Messages: 120_000},
		{Name: "orders-dlt", Kind: backends.Topic, Partitions: 6, ReplicationFactor: 3, Messages: 37},
		{Name: "payments", Kind: backends.Topic, Partitions: 3, ReplicationFactor: 3, Messages: 8_812, UnderReplicated: 1},
		{Name: "inventory.snapshots.v2.compacted-with-a-name-too-long-to-fit-anywhere-reasonable", Kind: backends.Topic,
			Partitions: 12, ReplicationFactor: 2, Messages: 1_048_576, Offline: 2},
		{Name: "sensor-readings-binary", Kind: backends.Topic, Partitions: 1, ReplicationFactor: 1, Messages: 500},
		{Name: "evil\x1b]0;owned\x07", Kind: backends.Topic, Partitions: 1, ReplicationFactor: 1},
	})
	h.key("s")
	for range 5 { // KIND, PARTITIONS, RF, UNDER-REPL, OFFLINE, MESSAGES
		h.key("s") // sorted by messages, biggest first
	}
	h.key("down")
	return h
}

func TestGoldenDestinations(t *testing.T) {
	golden.RequireEqual(t, goldenScreen(t).screen())
}

func TestGoldenHelp(t *testing.T) {
	h := goldenScreen(t)
	h.key("?")
	golden.RequireEqual(t, h.screen())
}
