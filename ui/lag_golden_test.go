package ui

import (
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/config"
)

// The lag view at a fixed size after a minute of snapshots: verdicts, lag times, trends and the chart of
// the group under the cursor. go test ./ui -run GoldenLag -update after an intended change.
func TestGoldenLag(t *testing.T) {
	h := newHarness(t, Options{Context: config.Context{Name: "demo"}}, 100, 24)
	h.connect(&lagBackend{}, kafkaIdentity())
	h.deliver(someTopics())
	h.typeCommand("lag")
	for n := range 30 {
		snap := lagSnapshot(n)
		end := snap.Groups[0].Partitions[0].End
		// audit-exporter has no members and sits still: STOP. It appears a while after the others.
		if n >= 10 {
			snap.Groups = append(snap.Groups, backends.GroupLag{Group: "audit-exporter", State: "Empty",
				Partitions: []backends.PartitionLag{{Topic: "orders", Partition: 0, Committed: 1900, End: end, Lag: end - 1900}}})
		}
		// catching-up works its lag down: big at first, then less every snapshot.
		behind := int64(max(600-25*n, 0))
		snap.Groups = append(snap.Groups, backends.GroupLag{Group: "catching-up", State: "Stable",
			Members: []backends.GroupMember{{ID: "c", ClientID: "c-1"}},
			Partitions: []backends.PartitionLag{{Topic: "orders", Partition: 0, Committed: end - behind, End: end,
				Lag: behind, Member: "c-1"}}})
		h.send(refreshTickMsg{})
		h.deliver(snap)
	}
	h.key("g") // the cursor follows its group as rows re-sort: put it on the top row, then one down
	h.key("down")
	golden.RequireEqual(t, h.screen())
}
