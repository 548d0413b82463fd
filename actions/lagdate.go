package actions

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/mqscope/mqscope/backends"
)

// DatesPerRefresh bounds the positions one refresh reads a record at to make lag in seconds exact. The
// rest keep the estimate for now and are read on later refreshes; a position read once is never read
// again while the group stays there, so a stalled partition costs one read in all.
const DatesPerRefresh = 64

// LagSource says where a lag in seconds comes from.
type LagSource string

const (
	// LagExact is now − the write time of the first record the group has not consumed.
	LagExact LagSource = "exact"
	// LagEstimate is interpolated from how fast the log end moved while watched (kafka-lag-exporter's way).
	LagEstimate LagSource = "estimate"
)

// positionDates caches the write time of the record at each consumer position, for the positions of the
// latest snapshot only.
type positionDates struct {
	mu    sync.Mutex
	dates map[backends.RecordPosition]time.Time
}

// Date sets NextTime on the lagging partitions of s where the broker can date records, from the record at
// each group's position, and returns s. Partitions it cannot date keep the estimate: dating is a bonus that
// never fails a snapshot.
func (t *LagTracker) Date(ctx context.Context, b backends.Backend, s backends.LagSnapshot) backends.LagSnapshot {
	d, ok := b.(backends.RecordDater)
	if !ok {
		return s
	}
	t.dated.mu.Lock()
	defer t.dated.mu.Unlock()
	wanted := lagPositions(s)
	t.dated.keepOnly(wanted)
	t.dated.read(ctx, d, wanted)
	s.Groups = slices.Clone(s.Groups)
	for i := range s.Groups {
		g := &s.Groups[i]
		g.Partitions = slices.Clone(g.Partitions)
		for j := range g.Partitions {
			p := &g.Partitions[j]
			if at, ok := t.dated.dates[position(*p)]; ok && needsDate(*p) {
				p.NextTime = at
			}
		}
	}
	return s
}

// lagPositions are the positions of the partitions that lag and carry no time of their own, furthest
// behind first, each once.
func lagPositions(s backends.LagSnapshot) []backends.PartitionLag {
	var parts []backends.PartitionLag
	seen := map[backends.RecordPosition]bool{}
	for _, g := range s.Groups {
		for _, p := range g.Partitions {
			if pos := position(p); needsDate(p) && !seen[pos] {
				seen[pos] = true
				parts = append(parts, p)
			}
		}
	}
	slices.SortStableFunc(parts, func(x, y backends.PartitionLag) int { return cmp.Compare(y.Lag, x.Lag) })
	return parts
}

func needsDate(p backends.PartitionLag) bool {
	return p.Lag > 0 && p.NextTime.IsZero() && max(p.Committed, p.Start) < p.End
}

// position is where a group's next record is: its committed offset, or the log start when it committed
// nothing or its offset fell out of retention.
func position(p backends.PartitionLag) backends.RecordPosition {
	return backends.RecordPosition{Topic: p.Topic, Partition: p.Partition, Offset: max(p.Committed, p.Start)}
}

// keepOnly forgets the dates of positions no group is at any more, so memory follows the partitions.
func (c *positionDates) keepOnly(parts []backends.PartitionLag) {
	keep := make(map[backends.RecordPosition]bool, len(parts))
	for _, p := range parts {
		keep[position(p)] = true
	}
	for pos := range c.dates {
		if !keep[pos] {
			delete(c.dates, pos)
		}
	}
}

// read dates up to DatesPerRefresh positions not dated yet, in one call to the broker.
func (c *positionDates) read(ctx context.Context, d backends.RecordDater, parts []backends.PartitionLag) {
	var ask []backends.RecordPosition
	for _, p := range parts {
		if _, known := c.dates[position(p)]; !known && len(ask) < DatesPerRefresh {
			ask = append(ask, position(p))
		}
	}
	if len(ask) == 0 {
		return
	}
	got, err := d.RecordTimes(ctx, ask)
	if err != nil {
		return // the broker did not answer: try again next refresh
	}
	if c.dates == nil {
		c.dates = map[backends.RecordPosition]time.Time{}
	}
	for pos, at := range got {
		c.dates[pos] = at // the undated are asked again next refresh, within the bound
	}
}
