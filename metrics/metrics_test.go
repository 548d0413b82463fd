package metrics

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
)

func secs(f float64) *float64 { return &f }

var taken = time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC)

func collector(now time.Time) *Collector {
	c := NewCollector()
	c.now = func() time.Time { return now }
	return c
}

var lag = actions.LagReport{At: taken, Groups: []actions.GroupReport{{
	Group: "billing", State: "Stable", Members: []backends.GroupMember{{ClientID: "b-1"}},
	Lag: 124, MaxLag: 120, Status: actions.StatusErr,
	Partitions: []actions.PartitionReport{
		{PartitionLag: backends.PartitionLag{Topic: "orders", Partition: 0, Committed: 380, End: 500, Lag: 120},
			Status: actions.StatusStall},
		{PartitionLag: backends.PartitionLag{Topic: "orders", Partition: 2, Committed: 5, End: 9, Lag: 4},
			LagSeconds: secs(2.5), LagSource: actions.LagEstimate, Status: actions.StatusPending},
	},
}}}

// The exposition passes the linter promtool runs, and says exactly what the report says: no lag seconds
// where they are unknown, the source where they are known, one verdict series set to 1.
func TestLagExposition(t *testing.T) {
	c := collector(taken.Add(1500 * time.Millisecond))
	if n := testutil.CollectAndCount(c); n != 0 {
		t.Errorf("%d series before any snapshot, want none", n)
	}
	c.SetLag(lag)
	problems, err := testutil.CollectAndLint(c)
	if err != nil || len(problems) > 0 {
		t.Fatalf("lint: %v %v", err, problems)
	}
	want := `
# HELP mqscope_group_lag_messages Messages the consumer group has not consumed, over all its partitions.
# TYPE mqscope_group_lag_messages gauge
mqscope_group_lag_messages{group="billing"} 124
# HELP mqscope_partition_lag_messages Messages of the partition the group has not consumed.
# TYPE mqscope_partition_lag_messages gauge
mqscope_partition_lag_messages{group="billing",partition="0",topic="orders"} 120
mqscope_partition_lag_messages{group="billing",partition="2",topic="orders"} 4
# HELP mqscope_partition_lag_seconds Age of the first message of the partition the group has not consumed; absent while unknown.
# TYPE mqscope_partition_lag_seconds gauge
mqscope_partition_lag_seconds{group="billing",partition="2",source="estimate",topic="orders"} 2.5
# HELP mqscope_snapshot_age_seconds How long ago the snapshot served was taken: every figure here is that old.
# TYPE mqscope_snapshot_age_seconds gauge
mqscope_snapshot_age_seconds 1.5
`
	err = testutil.CollectAndCompare(c, strings.NewReader(want), "mqscope_group_lag_messages",
		"mqscope_partition_lag_messages", "mqscope_partition_lag_seconds", "mqscope_snapshot_age_seconds",
		"mqscope_group_lag_seconds")
	if err != nil {
		t.Error(err)
	}
	only(t, c, `mqscope_group_status{group="billing",status="ERR"} 1`)
	only(t, c, `mqscope_group_status{group="billing",status="OK"} 0`)
	only(t, c, `mqscope_partition_status{group="billing",partition="2",status="pending",topic="orders"} 1`)
}

// A group with nothing committed has no verdict: every status series is 0, OK included.
func TestNoVerdictIsNotOK(t *testing.T) {
	c := collector(taken)
	c.SetLag(actions.LagReport{At: taken, Groups: []actions.GroupReport{{Group: "fresh", State: "Empty"}}})
	var want strings.Builder
	want.WriteString("# HELP mqscope_group_status The group's verdict: 1 for the current one, 0 for the others; " +
		"all 0 while it has none (nothing committed).\n# TYPE mqscope_group_status gauge\n")
	for _, s := range []string{"ERR", "OK", "REWIND", "STALL", "STOP", "WARN", "pending"} {
		want.WriteString(`mqscope_group_status{group="fresh",status="` + s + `"} 0` + "\n")
	}
	if err := testutil.CollectAndCompare(c, strings.NewReader(want.String()), "mqscope_group_status"); err != nil {
		t.Error(err)
	}
}

// only fails unless a scrape of /metrics served by Listen has the line.
func only(t *testing.T, c *Collector, line string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := Listen(ctx, "127.0.0.1:0", c)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + srv.Addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains("\n"+string(body), "\n"+line+"\n") {
		t.Errorf("no %q in the scrape:\n%s", line, body)
	}
}

// Queues give their counts and drain time where known; an unknown count is absent, not 0.
func TestBacklogExposition(t *testing.T) {
	c := collector(taken)
	c.SetBacklog(taken, []actions.QueueBacklog{
		{Queue: "orders", Vhost: "/", Ready: 1200, Unacked: 4, Consumers: 2, DrainSeconds: secs(40)},
		{Queue: "stuck", Vhost: "/", Ready: 20, Unacked: backends.Unknown, Drain: actions.DrainStalled},
	})
	if problems, err := testutil.CollectAndLint(c); err != nil || len(problems) > 0 {
		t.Fatalf("lint: %v %v", err, problems)
	}
	want := `
# HELP mqscope_queue_ready_messages Messages ready for delivery in the queue; absent while unknown.
# TYPE mqscope_queue_ready_messages gauge
mqscope_queue_ready_messages{queue="orders",vhost="/"} 1200
mqscope_queue_ready_messages{queue="stuck",vhost="/"} 20
# HELP mqscope_queue_unacked_messages Messages delivered and not yet acknowledged; absent while unknown.
# TYPE mqscope_queue_unacked_messages gauge
mqscope_queue_unacked_messages{queue="orders",vhost="/"} 4
# HELP mqscope_queue_drain_seconds Time the ready messages take to go at the current rates; absent when unknown or not draining (see mqscope_queue_drain_state).
# TYPE mqscope_queue_drain_seconds gauge
mqscope_queue_drain_seconds{queue="orders",vhost="/"} 40
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "mqscope_queue_ready_messages",
		"mqscope_queue_unacked_messages", "mqscope_queue_drain_seconds", "mqscope_group_lag_messages"); err != nil {
		t.Error(err)
	}
	only(t, c, `mqscope_queue_drain_state{queue="stuck",state="stalled",vhost="/"} 1`)
	only(t, c, `mqscope_queue_drain_state{queue="orders",state="draining",vhost="/"} 1`)
}
