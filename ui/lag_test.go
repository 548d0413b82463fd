package ui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/confirm"
	"github.com/mqscope/mqscope/ui/screens"
)

// lagBackend stands for a broker that reads consumer lag, queueBackend for one that only lists queues:
// what :lag decides by. Their methods are never called here; the tests hand over the data themselves.
type (
	lagBackend   struct{ bareBackend }
	queueBackend struct{ bareBackend }
)

var errNotCalled = errors.New("not called: the test delivers data by hand")

func (*lagBackend) LagSnapshot(context.Context, []string) (backends.LagSnapshot, error) {
	return backends.LagSnapshot{}, errNotCalled
}
func (*lagBackend) PartitionBounds(context.Context, string, []int32) ([]backends.PartitionBounds, error) {
	return nil, errNotCalled
}
func (*lagBackend) OffsetsForTime(context.Context, string, []int32, time.Time) (map[int32]int64, error) {
	return nil, errNotCalled
}
func (*lagBackend) CommitOffsets(context.Context, string, map[backends.TopicPartition]int64) error {
	return errNotCalled
}
func (*queueBackend) ListDestinations(context.Context, backends.ListOptions) ([]backends.Destination, error) {
	return nil, errNotCalled
}

// typeCommand types ":line" and enter, and leaves what it starts unrun.
func (h *harness) typeCommand(line string) tea.Cmd {
	h.key(":")
	for _, r := range line {
		h.key(string(r))
	}
	return h.key("enter")
}

// lagSnapshot is billing lagging on two partitions with its member stuck, shipping caught up.
func lagSnapshot(n int) backends.LagSnapshot {
	end := int64(1000 + 100*n)
	member := []backends.GroupMember{{ID: "m-1", ClientID: "billing-1"}}
	return backends.LagSnapshot{
		At: at.Add(time.Duration(n) * 2 * time.Second), Requests: 5,
		Groups: []backends.GroupLag{
			{Group: "billing-service", State: "Stable", Members: member, Partitions: []backends.PartitionLag{
				{Topic: "orders", Partition: 0, Committed: 880, End: end, Lag: end - 880, Member: "billing-1"},
				{Topic: "orders", Partition: 1, Committed: end, End: end, Member: "billing-1"},
				{Topic: "payments", Partition: 0, Committed: 988, End: end, Lag: end - 988, Member: "billing-1"},
			}},
			{Group: "shipping-service", State: "Stable", Members: member, Partitions: []backends.PartitionLag{
				{Topic: "orders", Partition: 0, Committed: end, End: end, Member: "shipping-1"},
			}},
		},
	}
}

func lagHarness(t *testing.T, ctx config.Context, b backends.Backend) *harness {
	h := newHarness(t, Options{Context: ctx}, 120, 30)
	h.connect(b, kafkaIdentity())
	h.deliver(someTopics())
	return h
}

func TestLagCommandDecidesByCapability(t *testing.T) {
	h := lagHarness(t, config.Context{}, &bareBackend{})
	h.command("lag")
	h.mustShow("can report neither consumer lag nor queue backlogs")
	if len(h.m.stack) != 1 {
		t.Fatal(":lag must not open a view the backend cannot fill")
	}

	h = lagHarness(t, config.Context{}, &queueBackend{})
	h.typeCommand("lag")
	h.mustShow("backlog", "waiting for the broker")

	h = lagHarness(t, config.Context{}, &lagBackend{})
	h.typeCommand("consumers")
	h.mustShow("lag")
	if h.m.top().Kind() != screens.KindLag || !h.m.fetch.inflight {
		t.Fatal(":consumers opens the lag view and loads it")
	}
}

// The lag view loads through the shell's refresh: one snapshot at a time, a tick that finds the last one
// still running waits for the next.
func TestLagRefreshNeverOverlaps(t *testing.T) {
	h := lagHarness(t, config.Context{}, &lagBackend{})
	h.typeCommand("lag")
	seq := h.m.fetch.seq
	h.send(refreshTickMsg{})
	h.key("ctrl+r")
	if h.m.fetch.seq != seq || h.m.skipped != 1 {
		t.Fatalf("a tick during a snapshot must skip (seq %d→%d, skipped %d)", seq, h.m.fetch.seq, h.m.skipped)
	}
	h.deliver(lagSnapshot(0))
	h.mustShow("billing-service", "shipping-service", "2 groups · updated 05:06:07 · 5 requests per refresh")
	for n := 1; n <= 3; n++ {
		h.send(refreshTickMsg{})
		if h.m.fetch.seq != seq+uint64(n) {
			t.Fatalf("tick %d after the snapshot returned should take the next", n)
		}
		h.deliver(lagSnapshot(n))
	}
	line := lineWith(h.screen(), "billing-service")
	// 1,300 − 880 + 1,300 − 988 behind; 880 was the log end 8.4 s before the last snapshot, as the clock
	// extrapolates 100 offsets per 2 s.
	for _, want := range []string{"Stable", "732", "8.4s"} {
		if !strings.Contains(line, want) {
			t.Errorf("billing row lacks %q: %s", want, line)
		}
	}
	h.key("g") // billing, the worst, is on top
	h.mustShow("billing-service  total lag over the last 6s")
}

// The first snapshot of a stuck group is no evidence that it is fine: it shows "…" until its window
// has enough commits to judge, then the verdict (a member that commits nothing while data waits).
func TestFirstVerdictOfAStuckGroupIsNotOK(t *testing.T) {
	h := lagHarness(t, config.Context{}, &lagBackend{})
	h.typeCommand("lag")
	h.deliver(lagSnapshot(0))
	status := func(group string) string {
		row := strings.Fields(lineWith(h.screen(), group))
		if len(row) < 8 {
			t.Fatalf("%s row %v", group, row)
		}
		return row[7]
	}
	if s := status("billing-service"); s != "…" {
		t.Errorf("billing-service after one snapshot: %s, want … (not judged yet)", s)
	}
	if s := status("shipping-service"); s != "OK" {
		t.Errorf("shipping-service, caught up: %s, want OK", s)
	}
	for n := 1; n < 3; n++ {
		h.send(refreshTickMsg{})
		h.deliver(lagSnapshot(n))
	}
	if s := status("billing-service"); s != "ERR" {
		t.Errorf("billing-service after three snapshots: %s, want ERR", s)
	}
}

// At 80 columns the lag view's header says in full what a refresh costs (requests per refresh), and the
// partitions view's header, under the group's longer name, is not cut.
func TestLagHeaderAt80Columns(t *testing.T) {
	h := newHarness(t, Options{}, 80, 24)
	h.connect(&lagBackend{}, kafkaIdentity())
	h.deliver(someTopics())
	h.typeCommand("lag")
	h.deliver(lagSnapshot(0))
	header := strings.Split(h.screen(), "\n")[1]
	if !strings.Contains(header, "2 groups · +") || !strings.HasSuffix(strings.TrimSpace(header),
		"· updated 05:06:07 · 5 requests per refresh") || strings.Contains(header, "…") {
		t.Fatalf("lag header at 80 columns: %q", header)
	}
	h.key("enter")
	h.send(h.key("enter")())
	h.deliver(lagSnapshot(1))
	header = strings.Split(h.screen(), "\n")[1]
	if !strings.HasPrefix(strings.TrimSpace(header), "lag › billing-service ") || !strings.HasSuffix(strings.TrimSpace(header),
		"3 partitions · +1 col · updated 05:06:09") || strings.Contains(header, "…") {
		t.Fatalf("partitions header at 80 columns: %q", header)
	}
}

func TestLagDrillDownAndBack(t *testing.T) {
	h := lagHarness(t, config.Context{}, &lagBackend{})
	h.typeCommand("lag")
	h.deliver(lagSnapshot(0))
	h.key("/")
	for _, r := range "billing" {
		h.key(string(r))
	}
	h.key("enter")
	h.send(h.key("enter")()) // the push, without running the fetch it starts
	h.mustShow("lag › billing-service", "COMMITTED", "payments", "billing-1")
	h.deliver(lagSnapshot(1))
	h.mustShow("3 partitions · updated 05:06:09", "220     ≈4.4s")
	h.key("esc")
	h.mustShow("lag", "billing-service")
}

// In a read-only context the keys that change things are neither shown nor active.
func TestReadOnlyLagOffersNoReset(t *testing.T) {
	for _, ro := range []bool{false, true} {
		h := lagHarness(t, config.Context{ReadOnly: ro}, &lagBackend{})
		h.typeCommand("lag")
		h.deliver(lagSnapshot(0))
		h.send(h.key("enter")())
		h.key("?")
		if got := strings.Contains(h.screen(), "reset offsets"); got == ro {
			t.Errorf("read-only %v: help offers reset offsets: %v\n%s", ro, got, h.screen())
		}
		h.key("?")
		if got := strings.Contains(h.screen(), "R reset offsets"); got == ro {
			t.Errorf("read-only %v: footer offers reset offsets: %v", ro, got)
		}
		if ro && h.key("R") != nil {
			t.Error("R does nothing in a read-only context")
		}
	}
}

// A confirmation does nothing until y; then it runs its action once, through the shell, on the live
// backend, and the result comes back to the view on the UI goroutine.
func TestConfirmNeedsYes(t *testing.T) {
	h := lagHarness(t, config.Context{}, &bareBackend{})
	ran := 0
	var got backends.Backend
	dialog := confirm.New(h.m.c, "purge orders", []string{"orders: 1,200 messages"}, "purge 1,200 messages",
		func() tea.Cmd {
			return tea.Batch(common.Pop(), common.Run(0, func(_ context.Context, b backends.Backend) (int, error) {
				ran++
				got = b
				return 1200, nil
			}, func(int, error) tea.Cmd {
				return common.Flash(common.FlashInfo, "purged 1,200 messages")
			}))
		})
	h.run(h.send(common.PushMsg{View: dialog}))
	h.mustShow("topics › purge orders", "purge orders?", "orders: 1,200 messages", "y purge 1,200 messages", "n or esc cancel")
	for _, k := range []string{"enter", "Y", "x", "down"} {
		h.run(h.key(k))
	}
	if ran != 0 || len(h.m.stack) != 2 {
		t.Fatal("only y confirms")
	}
	h.run(h.key("y"))
	h.run(h.key("y"))
	if ran != 1 || got != h.m.conn.session.Backend() || len(h.m.stack) != 1 {
		t.Fatalf("y runs the action once on the live backend and closes the dialog (ran %d, stack %d)", ran, len(h.m.stack))
	}
	h.mustShow("purged 1,200 messages")

	// n and esc cancel.
	for _, k := range []string{"n", "esc"} {
		h.run(h.send(common.PushMsg{View: confirm.New(h.m.c, "purge orders", nil, "purge", func() tea.Cmd {
			ran++
			return nil
		})}))
		h.run(h.key(k))
		if len(h.m.stack) != 1 || ran != 1 {
			t.Fatalf("%s cancels without running", k)
		}
	}
}
