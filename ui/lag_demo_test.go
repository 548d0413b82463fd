package ui

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/demo"
)

// :lag on the demo cluster through the Kafka adapter: the seeded lag, the drill-down, the exact lag of a
// partition read from its record, and the messages from the committed offset.
func TestLagOnTheDemoCluster(t *testing.T) {
	opts, cluster := startDemo(t)
	seeded := cluster.Seeded()
	billing, _ := seeded.Group(demo.Billing)
	audit, _ := seeded.Group(demo.Audit)

	h := newHarness(t, opts, 140, 30)
	defer h.m.Close()
	h.run(h.m.Init())

	h.command("lag")
	h.mustShow("lag", "3 groups")
	billingLag := billing.Lag(seeded, demo.Orders) + billing.Lag(seeded, demo.Payments)
	row := strings.Fields(lineWith(h.screen(), demo.Billing))
	if len(row) < 8 || row[1] != "Stable" || row[2] != "1" || row[4] != groupDigits(billingLag) {
		t.Fatalf("billing-service: Stable, one member, %d behind; got %v", billingLag, row)
	}
	// Its member is stuck: the CLI says ERR from its samples; the first snapshot here says so or "…",
	// never OK.
	if row[7] != "ERR" && row[7] != "…" {
		t.Errorf("billing-service's first verdict: %s, want ERR (the CLI's) or …", row[7])
	}
	// audit-exporter has no members and data waits: stopped, an error from the first snapshot.
	if row := strings.Fields(lineWith(h.screen(), demo.Audit)); len(row) < 8 || row[4] != groupDigits(audit.Lag(seeded, demo.Inventory)) || row[7] != "ERR" {
		t.Fatalf("audit-exporter: %v", row)
	}

	// Down to billing's partitions; orders[0] is 120 behind.
	h.key("/")
	for _, r := range "billing" {
		h.key(string(r))
	}
	h.key("enter")
	h.run(h.key("enter"))
	h.mustShow("lag › billing-service", "COMMITTED", "payments")
	ordersEnd, _ := seeded.Topic(demo.Orders)
	committed := billing.Committed[demo.Orders][0]
	p0 := rowOf(h.screen(), demo.Orders, "0")
	if len(p0) < 5 || p0[1] != "0" || p0[2] != groupDigits(committed) || p0[3] != groupDigits(ordersEnd.Ends[0]) || p0[4] != "120" {
		t.Fatalf("orders[0]: committed %d, end %d, lag 120; got %v", committed, ordersEnd.Ends[0], p0)
	}

	// x reads the record at the committed offset: the exact lag, from its timestamp.
	h.run(h.key("x"))
	h.mustShow("orders[0]: the record at offset "+groupDigits(committed)+" was written", "EXACT")

	// enter browses orders[0] from the committed offset.
	h.run(h.key("enter"))
	h.mustShow("billing-service › orders", "from "+strconv.FormatInt(committed, 10))
}

// Offset reset and truncation on the demo cluster, each through its confirmation: an Empty group is
// moved, a Stable one is refused, a topic is emptied.
func TestResetAndTruncateOnTheDemoCluster(t *testing.T) {
	opts, cluster := startDemo(t)
	seeded := cluster.Seeded()
	inventory, _ := seeded.Topic(demo.Inventory)

	h := newHarness(t, opts, 140, 30)
	defer h.m.Close()
	h.run(h.m.Init())
	h.command("lag")

	// audit-exporter (Empty) on inventory-events[0], 200 behind: back to the start of the log.
	h.filter(demo.Audit)
	h.run(h.key("enter"))
	h.filter(demo.Inventory)
	h.run(h.key("R"))
	h.mustShow("reset offsets", "Move the committed offsets of audit-exporter", "inventory-events[0] only")
	for _, r := range "earliest" {
		h.key(string(r))
	}
	h.run(h.key("enter"))
	h.mustShow("reset audit-exporter to earliest?", "COMMITTED  →  NEW", "y commit 1 offset for audit-exporter")
	h.run(h.key("y"))
	h.mustShow("audit-exporter: 1 offset committed")
	h.run(h.send(refreshTickMsg{}))
	p0 := rowOf(h.screen(), demo.Inventory, "0")
	if end := groupDigits(inventory.Ends[0]); len(p0) < 5 || p0[2] != "0" || p0[4] != end {
		t.Fatalf("after the reset inventory-events[0] is committed at 0, %s behind: %v", end, p0)
	}

	// billing-service has a live member: the dry run shows, with the refusal instead of a y.
	h.key("esc")
	h.key("esc")
	h.key("esc")
	h.filter(demo.Billing)
	h.run(h.key("enter"))
	h.run(h.key("R"))
	h.run(h.key("enter"))
	h.mustShow("reset billing-service to earliest?", "group billing-service is Stable with 1 member; stop its consumers first")
	h.run(h.key("y"))
	h.mustShow("group billing-service is Stable") // still there: y did nothing

	// P on a topic deletes its records, once its name is typed (as k9s asks before a delete): a y is text.
	h.command("topics")
	h.filter(demo.Telemetry)
	telemetry, _ := seeded.Topic(demo.Telemetry)
	h.run(h.key("P"))
	h.mustShow("truncate telemetry-bin?", "type telemetry-bin and enter to delete "+groupDigits(telemetry.Messages())+" records")
	h.run(h.key("y"))
	h.run(h.key("enter"))
	h.mustShow("truncate telemetry-bin?") // y and a wrong name do nothing
	h.key("backspace")
	for _, r := range demo.Telemetry {
		h.key(string(r))
	}
	h.run(h.key("enter"))
	h.mustShow("truncated telemetry-bin: " + groupDigits(telemetry.Messages()) + " records deleted")
	h.run(h.send(refreshTickMsg{}))
	if row := rowOf(h.screen(), demo.Telemetry); len(row) == 0 || row[len(row)-1] != "0" {
		t.Fatalf("telemetry-bin holds nothing after the truncation: %v", row)
	}
}

// filter types /text and enter.
func (h *harness) filter(text string) {
	h.key("/")
	for _, r := range text {
		h.key(string(r))
	}
	h.key("enter")
}

// rowOf is the fields of the first table row that starts with these cells.
func rowOf(screen string, cells ...string) []string {
	for _, line := range strings.Split(screen, "\n") {
		f := strings.Fields(line)
		for i := range max(len(f)-len(cells)+1, 0) { // past the columns before them (a partition's GROUP)
			if slices.Equal(f[i:i+len(cells)], cells) {
				return f[i:]
			}
		}
	}
	return nil
}
