package actions

import "time"

// DefaultClockPoints bounds each partition's table of end-offset samples.
const DefaultClockPoints = 60

// OffsetClock is one partition's bounded table of (log end offset, time) samples, from which lag in
// seconds is estimated as kafka-lag-exporter does: interpolate when the log end passed the committed
// offset, and call that how long ago the consumer's position was the head of the log.
type OffsetClock struct {
	points []clockPoint // oldest first, offsets and times never decreasing
	max    int
}

type clockPoint struct {
	offset int64
	at     time.Time
}

// NewOffsetClock makes a clock that keeps at most max points (DefaultClockPoints when max <= 0).
func NewOffsetClock(max int) *OffsetClock {
	if max <= 0 {
		max = DefaultClockPoints
	}
	return &OffsetClock{max: max}
}

// Record adds a sample of the log end offset. Samples that go back in time or in offset are dropped (a
// truncated or recreated topic, a clock step); while the offset stands still the newest point's time is
// moved forward instead of adding points, so a quiet partition does not push history out of the table.
func (c *OffsetClock) Record(offset int64, at time.Time) {
	if n := len(c.points); n > 0 {
		last := c.points[n-1]
		if offset < last.offset || !at.After(last.at) {
			return
		}
		if n >= 2 && c.points[n-2].offset == offset && last.offset == offset {
			c.points[n-1].at = at
			return
		}
	}
	c.points = append(c.points, clockPoint{offset, at})
	if len(c.points) > c.max {
		c.points = append(c.points[:0], c.points[len(c.points)-c.max:]...)
	}
}

// Len is the number of samples held.
func (c *OffsetClock) Len() int { return len(c.points) }

// LagSeconds estimates how far behind the head of the log a consumer at committed is, in seconds. ok is
// false while fewer than two samples exist (and the consumer is not at the head).
func (c *OffsetClock) LagSeconds(committed int64, now time.Time) (seconds float64, ok bool) {
	n := len(c.points)
	if n > 0 && committed >= c.points[n-1].offset {
		return 0, true
	}
	if n < 2 {
		return 0, false
	}
	// Before the oldest sample, extrapolate along the whole table; otherwise interpolate between the
	// neighbours.
	left, right := c.points[0], c.points[n-1]
	if committed < left.offset && left.offset == right.offset {
		// The log end has not moved while watched: its slope cannot date an older position. (It is at
		// least now − oldest sample behind, but "unknown" is the honest figure; the exact one comes
		// from the record at the committed offset.)
		return 0, false
	}
	for i := 1; i < n && committed >= left.offset; i++ {
		if c.points[i].offset >= committed {
			left, right = c.points[i-1], c.points[i]
			break
		}
	}
	t := right.at
	if right.offset != left.offset {
		span := float64(right.at.Sub(left.at))
		t = right.at.Add(-time.Duration(float64(right.offset-committed) * span / float64(right.offset-left.offset)))
	}
	lag := now.Sub(t).Seconds()
	if lag < 0 {
		lag = 0
	}
	return lag, true
}
