package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/ui/uitest"
)

func secs(f float64) *float64 { return &f }

var report = actions.LagReport{
	At: time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC),
	Groups: []actions.GroupReport{{
		Group: "billing", State: "Stable", Members: []backends.GroupMember{{ClientID: "billing-1"}},
		Lag: 120, MaxLag: 120, Status: actions.StatusErr,
		Partitions: []actions.PartitionReport{
			{PartitionLag: backends.PartitionLag{Topic: "orders", Partition: 0, Committed: 380, End: 500, Lag: 120, Member: "billing-1"},
				Status: actions.StatusStall},
			{PartitionLag: backends.PartitionLag{Topic: "orders", Partition: 1, Committed: -1, Start: 7, End: 7},
				LagSeconds: secs(0), LagSource: actions.LagExact, Status: actions.StatusNone},
			{PartitionLag: backends.PartitionLag{Topic: "orders", Partition: 2, Committed: 5, Start: 0, End: 9, Lag: 4},
				LagSeconds: secs(2.5), LagSource: actions.LagEstimate, Status: actions.StatusOK},
		},
	}},
}

// Groups, then their partitions; nothing committed shows as -, as do an unknown lag time and no verdict.
func TestLagTableWithPartitions(t *testing.T) {
	var b bytes.Buffer
	if err := (lagView{partitions: true}).render(&b, outputTable, report); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"GROUP    STATE   MEMBERS  PARTITIONS  LAG  MAX-LAG  LAG-TIME  STATUS\n" +
		"billing  Stable        1           3  120      120         -  ERR\n" +
		"\n" +
		"GROUP    TOPIC   PARTITION  COMMITTED  END  LAG  LAG-TIME  STATUS  MEMBER\n" +
		"billing  orders          0        380  500  120         -  STALL   billing-1\n" +
		"billing  orders          1          -    7    0        0s  -       -\n" +
		"billing  orders          2          5    9    4     ≈2.5s  OK      -\n"
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestLagJSON(t *testing.T) {
	var b bytes.Buffer
	if err := (lagView{}).render(&b, outputJSON, report); err != nil {
		t.Fatal(err)
	}
	want := `{"at":"2026-11-26T03:00:00Z","group":"billing","state":"Stable","members":1,"lag":120,"max_lag":120,` +
		`"lag_seconds":null,"lag_seconds_source":null,"status":"ERR","partitions":[` +
		`{"topic":"orders","partition":0,"committed":380,"start":0,"end":500,"lag":120,"lag_seconds":null,"lag_seconds_source":null,"status":"STALL","member":"billing-1","deliveries":null},` +
		`{"topic":"orders","partition":1,"committed":null,"start":7,"end":7,"lag":0,"lag_seconds":0,"lag_seconds_source":"exact","status":null,"member":"","deliveries":null},` +
		`{"topic":"orders","partition":2,"committed":5,"start":0,"end":9,"lag":4,"lag_seconds":2.5,"lag_seconds_source":"estimate","status":"OK","member":"","deliveries":null}]}` + "\n"
	if b.String() != want {
		t.Errorf("JSON:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestBacklogTableAndJSON(t *testing.T) {
	queues := []actions.QueueBacklog{
		{Queue: "orders", Vhost: "/", Ready: 1200, Unacked: 4, Consumers: 2, PublishRate: secs(10), DeliverRate: secs(40),
			AckRate: secs(40), DrainSeconds: secs(40)},
		{Queue: "retry", Vhost: "/", Ready: 30, PublishRate: secs(1.25), Drain: actions.DrainGrowing},
		{Queue: "idle", Vhost: "/", DrainSeconds: secs(0)},
		{Queue: "unknown", Vhost: "/", Ready: 3},
		{Queue: "stuck", Vhost: "/", Ready: 20, PublishRate: secs(0), Drain: actions.DrainStalled},
	}
	var b bytes.Buffer
	at := time.Date(2026, 12, 4, 23, 30, 0, 500_000_000, time.UTC)
	if err := render(&b, outputTable, queues, backlogColumns, backlogJSON(at)); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"QUEUE    VHOST  READY  UNACKED  CONSUMERS  PUBLISH/S  DELIVER/S  ACK/S    DRAIN\n" +
		"orders   /      1,200        4          2       10.0       40.0   40.0      40s\n" +
		"retry    /         30        0          0        1.2          -      -  growing\n" +
		"idle     /          0        0          0          -          -      -       0s\n" +
		"unknown  /          3        0          0          -          -      -        -\n" +
		"stuck    /         20        0          0        0.0          -      -  stalled\n"
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	render(&b, outputJSON, queues[1:2], backlogColumns, backlogJSON(at))
	wantJSON := `{"at":"2026-12-04T23:30:00.5Z","queue":"retry","vhost":"/","ready":30,"unacked":0,"consumers":0,"publish_rate":1.25,"deliver_rate":null,` +
		`"ack_rate":null,"drain_seconds":null,"drain":"growing","growing":true,"counts":"sampled"}` + "\n"
	if b.String() != wantJSON {
		t.Errorf("JSON %s want %s", b.String(), wantJSON)
	}
}

func TestResetTableShowsWarningsOnlyWhenThereAreSome(t *testing.T) {
	plan := actions.ResetPlan{Group: "audit", State: "Empty", Topic: "inventory", Partitions: []actions.PartitionReset{
		{Partition: 0, Start: 0, End: 351, Current: 151, New: 0},
		{Partition: 1, Start: 40, End: 349, Current: -1, New: 40, Warning: "7 is before the log start; set to 40"},
	}}
	var b bytes.Buffer
	writeTable(&b, resetRows(plan), resetColumns)
	want := "" +
		"TOPIC      PARTITION  START  END  CURRENT  NEW  CHANGE  WARNING\n" +
		"inventory          0      0  351      151    0    -151\n" +
		"inventory          1     40  349        -   40       -  7 is before the log start; set to 40\n"
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	writeTable(&b, resetRows(actions.ResetPlan{Topic: "t", Partitions: plan.Partitions[:1]}), resetColumns)
	if strings.Contains(b.String(), "WARNING") {
		t.Errorf("WARNING column without warnings:\n%s", b.String())
	}
}

// A group with nothing committed has no verdict: "-" in the table, null in JSON, never OK.
func TestLagOfAGroupWithNoOffsetsHasNoVerdict(t *testing.T) {
	empty := actions.LagReport{At: report.At, Groups: []actions.GroupReport{{Group: "fresh", State: "Empty"}}}
	var table, lines bytes.Buffer
	if err := (lagView{}).render(&table, outputTable, empty); err != nil {
		t.Fatal(err)
	}
	if err := (lagView{}).render(&lines, outputJSON, empty); err != nil {
		t.Fatal(err)
	}
	if row := strings.Split(table.String(), "\n")[1]; !strings.HasSuffix(row, "  -") {
		t.Errorf("table row %q: want STATUS -", row)
	}
	if !strings.Contains(lines.String(), `"status":null`) {
		t.Errorf("JSON %s: want status null", lines.String())
	}
}

// lag of a group the broker does not know is an error of one line, exit 1: Kafka answers for it with a Dead
// group with nothing in it, Redis and NATS leave it out. Before, it printed STATUS OK and exited 0.
func TestLagOfAGroupThatIsNotThere(t *testing.T) {
	known := backends.GroupLag{Group: "billing", State: "Stable", Members: []backends.GroupMember{{ID: "m"}},
		Partitions: []backends.PartitionLag{{Topic: "orders", Committed: 5, End: 5}}}
	for name, snap := range map[string]backends.LagSnapshot{
		"kafka":  {Groups: []backends.GroupLag{known, {Group: "nosuchgroup", State: "Dead"}}},
		"others": {Groups: []backends.GroupLag{known}},
	} {
		open := func(context.Context, config.Context) (backends.Backend, error) {
			return uitest.Answering{Data: snap}, nil
		}
		r := execute(t, open, "--kafka", "adhoc:9092", "lag", "--sample", "0", "billing", "nosuchgroup")
		want := "mqscope: no group named nosuchgroup here (see `mqscope groups`)\n"
		if r.code != ExitError || r.stderr != want || r.stdout != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit %d and %q", name, r.code, r.stdout, r.stderr, ExitError, want)
		}
		if r := execute(t, open, "--kafka", "adhoc:9092", "lag", "--sample", "0", "billing"); r.code != ExitOK {
			t.Errorf("%s: lag of a group that is there: exit %d, %s", name, r.code, r.stderr)
		}
	}
}

// framesThenStop is a watch's stdout that cancels the watch when the n-th frame is written.
type framesThenStop struct {
	bytes.Buffer
	n      int
	cancel context.CancelFunc
}

func (w *framesThenStop) Write(p []byte) (int, error) {
	if w.n--; w.n == 0 {
		w.cancel()
	}
	return w.Buffer.Write(p)
}

// lag --watch on a broker with no group says so on stderr once, at the first frame, as lag without --watch
// does; before, it printed frames of a bare header row and nothing else.
func TestLagWatchWithNoGroupsSaysSoOnce(t *testing.T) {
	t.Setenv(config.EnvConfig, writeConfig(t, "# no contexts\n"))
	t.Setenv(config.EnvContext, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout := &framesThenStop{n: 2, cancel: cancel}
	var stderr bytes.Buffer
	code := Execute(ctx, []string{"--kafka", "adhoc:9092", "lag", "--watch", "--interval", "500ms"}, Deps{
		Open: func(context.Context, config.Context) (backends.Backend, error) {
			return uitest.Answering{Data: backends.LagSnapshot{}}, nil
		},
		Stdout: stdout, Stderr: &stderr,
	})
	if code != ExitOK || stderr.String() != "mqscope: no consumer groups\n" || strings.Count(stdout.String(), "GROUP") != 2 {
		t.Errorf("exit %d, stderr %q, stdout %q; want two frames and the one line once", code, stderr.String(), stdout.String())
	}
}
