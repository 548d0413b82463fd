package actions

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/mqscope/mqscope/backends"
)

// datingBroker answers RecordTimes from a table of write times and counts what it was asked.
type datingBroker struct {
	backends.Backend
	written map[backends.RecordPosition]time.Time
	asked   []int // positions asked per call
}

func (d *datingBroker) RecordTimes(_ context.Context, at []backends.RecordPosition) (map[backends.RecordPosition]time.Time, error) {
	d.asked = append(d.asked, len(at))
	out := map[backends.RecordPosition]time.Time{}
	for _, p := range at {
		if ts, ok := d.written[p]; ok {
			out[p] = ts
		}
	}
	return out, nil
}

// A stalled partition is read once, its lag in seconds is exact and grows one second per second; more
// lagging partitions than one refresh may read are read over the next refreshes, estimated meanwhile.
func TestDateReadsEachPositionOnceAndBoundsEachRefresh(t *testing.T) {
	written := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	d := &datingBroker{written: map[backends.RecordPosition]time.Time{}}
	var parts []backends.PartitionLag
	for p := range int32(DatesPerRefresh + 10) {
		parts = append(parts, part("orders", p, 100, 200+int64(p)))
		d.written[backends.RecordPosition{Topic: "orders", Partition: p, Offset: 100}] = written
	}
	tr := NewLagTracker()
	var secs []float64
	for i := range 3 {
		now := written.Add(time.Hour + time.Duration(i)*time.Second)
		s := backends.LagSnapshot{At: now, Groups: []backends.GroupLag{group("stuck", 1, parts...)}}
		r := tr.Observe(tr.Date(context.Background(), d, s))
		g := r.Groups[0]
		exact := 0
		for _, p := range g.Partitions {
			if p.LagSource == LagExact {
				exact++
			}
		}
		if i == 0 && exact != DatesPerRefresh || i > 0 && exact != len(parts) {
			t.Errorf("refresh %d: %d of %d partitions exact", i, exact, len(parts))
		}
		if g.LagSeconds != nil {
			secs = append(secs, *g.LagSeconds)
		}
	}
	if fmt.Sprint(d.asked) != fmt.Sprint([]int{DatesPerRefresh, 10}) {
		t.Errorf("asked %v positions per refresh; want %d, then the 10 left, then none", d.asked, DatesPerRefresh)
	}
	if fmt.Sprint(secs) != "[3601 3602]" {
		t.Errorf("group lag seconds %v, want 3601 then 3602 (exact, one second per second)", secs)
	}
}
