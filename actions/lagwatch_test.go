package actions

import (
	"testing"

	"github.com/mqscope/mqscope/backends"
)

func snapshot(sec float64, groups ...backends.GroupLag) backends.LagSnapshot {
	return backends.LagSnapshot{At: at(sec), Groups: groups}
}

func group(name string, members int, parts ...backends.PartitionLag) backends.GroupLag {
	g := backends.GroupLag{Group: name, State: "Stable", Partitions: parts}
	if members == 0 {
		g.State = "Empty"
	}
	for i := 0; i < members; i++ {
		g.Members = append(g.Members, backends.GroupMember{ID: "m"})
	}
	return g
}

func part(topic string, p int32, committed, end int64) backends.PartitionLag {
	lag := end - committed
	if committed < 0 {
		lag = end
	}
	return backends.PartitionLag{Topic: topic, Partition: p, Committed: committed, End: end, Lag: lag}
}

func TestLagTrackerSecondsAndVerdicts(t *testing.T) {
	tr := NewLagTracker()
	var r LagReport
	// The log grows 100 messages a second. "fast" keeps up a few behind; "stuck" commits 50 every time;
	// "gone" has no members and sits at 10.
	behind := []int64{20, 10, 30, 5, 15}
	for i := 0; i < 5; i++ {
		end := int64(100 * (i + 1))
		r = tr.Observe(snapshot(float64(i),
			group("fast", 1, part("orders", 0, end-behind[i], end)),
			group("stuck", 1, part("orders", 0, 50, end)),
			group("gone", 0, part("orders", 0, 10, end)),
		))
		if i == 0 {
			if s := r.Groups[0].LagSeconds; s != nil {
				t.Fatalf("lag seconds known after one snapshot: %v", *s)
			}
		}
	}
	byName := map[string]GroupReport{}
	for _, g := range r.Groups {
		byName[g.Group] = g
	}
	fast := byName["fast"]
	if fast.Status != StatusOK || fast.LagSeconds == nil || *fast.LagSeconds < 0.149 || *fast.LagSeconds > 0.151 {
		t.Errorf("fast: status %s, seconds %v; want OK and 0.15 s", fast.Status, fast.LagSeconds)
	}
	if got := byName["stuck"].Status; got != StatusErr || byName["stuck"].Partitions[0].Status != StatusStall {
		t.Errorf("stuck: group %s, partition %s; want ERR and STALL", got, byName["stuck"].Partitions[0].Status)
	}
	if p := byName["gone"].Partitions[0]; p.Status != StatusStop || p.LagSeconds == nil || *p.LagSeconds < 4 {
		t.Errorf("gone: %s, %v s; want STOP and ≥ 4 s behind", p.Status, p.LagSeconds)
	}
	if h := fast.History; len(h) != 5 || h[4] != 15 {
		t.Errorf("fast history = %v", h)
	}
}

func TestLagTrackerForgetsWhatIsGone(t *testing.T) {
	tr := NewLagTracker()
	tr.Observe(snapshot(0, group("a", 1, part("t", 0, 1, 5), part("t", 1, 1, 5))))
	tr.Observe(snapshot(1, group("b", 1, part("u", 0, 1, 5))))
	if len(tr.clocks) != 1 || len(tr.commits) != 1 || len(tr.history) != 1 {
		t.Errorf("state after the watched set changed: %d clocks, %d windows, %d histories; want 1 each",
			len(tr.clocks), len(tr.commits), len(tr.history))
	}
}

func TestLagTrackerNothingCommitted(t *testing.T) {
	tr := NewLagTracker()
	r := tr.Observe(snapshot(0, group("new", 0, part("t", 0, -1, 30)), group("empty", 0)))
	if g := r.Groups[0]; g.Status != StatusNone || g.Partitions[0].Status != StatusNone || g.Partitions[0].Lag != 30 {
		t.Errorf("group that committed nothing: %+v; want no verdict on it or its partition", g)
	}
	if g := r.Groups[1]; g.Status != StatusNone {
		t.Errorf("group with no partitions: status %q, want no verdict (not OK: nothing shows it is)", g.Status)
	}
}

// A group behind on a partition whose lag time is unknown has an unknown lag time, not the 0 s of its
// caught-up partitions.
func TestGroupLagSecondsUnknownWhileALaggingPartitionIs(t *testing.T) {
	tr := NewLagTracker()
	var r LagReport
	for i := range 2 { // a quiet log: the ends never move, so the position behind cannot be dated
		r = tr.Observe(snapshot(float64(i), group("g", 1, part("t", 0, 500, 500), part("t", 1, 380, 500))))
	}
	g := r.Groups[0]
	if g.LagSeconds != nil || g.Partitions[0].LagSeconds == nil || *g.Partitions[0].LagSeconds != 0 {
		t.Errorf("group lag seconds %v, partition 0 %v; want unknown and 0", g.LagSeconds, g.Partitions[0].LagSeconds)
	}
	five, zero := 5.0, 0.0
	worst := WorstLagSeconds([]PartitionReport{
		{PartitionLag: backends.PartitionLag{Lag: 0}, LagSeconds: &zero},
		{PartitionLag: backends.PartitionLag{Lag: 9}, LagSeconds: &five},
		{PartitionLag: backends.PartitionLag{Lag: 0}}, // nothing to consume: no figure needed
	})
	if worst == nil || *worst != 5 {
		t.Errorf("worst = %v, want 5", worst)
	}
}
