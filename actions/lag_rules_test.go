package actions

import (
	"math"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)

func at(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }

func TestOffsetClockInterpolates(t *testing.T) {
	c := NewOffsetClock(0)
	c.Record(100, at(0))
	c.Record(200, at(10))
	c.Record(400, at(20))
	cases := []struct {
		committed int64
		want      float64
	}{
		{400, 0},        // at the head
		{500, 0},        // past the head (a newer end than the clock saw)
		{300, 25},       // halfway between 200@10 and 400@20 → 15 s; now is 40 → 25 s behind
		{200, 30},       // exactly a sample
		{150, 35},       // between 100@0 and 200@10 → 5 s
		{50, 130.0 / 3}, // before the oldest: along oldest→newest, t = 20−350·20/300 → −3.33 s
	}
	for _, tc := range cases {
		got, ok := c.LagSeconds(tc.committed, at(40))
		if !ok || math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("LagSeconds(%d) = %v, %v; want %v", tc.committed, got, ok, tc.want)
		}
	}
}

func TestOffsetClockUnknownUntilTwoPoints(t *testing.T) {
	c := NewOffsetClock(0)
	if _, ok := c.LagSeconds(5, at(1)); ok {
		t.Error("lag known with no samples")
	}
	c.Record(10, at(0))
	if _, ok := c.LagSeconds(5, at(1)); ok {
		t.Error("lag known with one sample")
	}
	if s, ok := c.LagSeconds(10, at(1)); !ok || s != 0 {
		t.Errorf("at the head with one sample: %v %v, want 0 true", s, ok)
	}
}

// A quiet log (the end never moved while sampled) cannot date a position behind it: unknown, not 0 s.
// A position at a still offset is dated by the last time the head was seen there.
func TestOffsetClockQuietLog(t *testing.T) {
	c := NewOffsetClock(0)
	c.Record(500, at(0))
	c.Record(500, at(1))
	if s, ok := c.LagSeconds(380, at(2)); ok {
		t.Errorf("lag behind a quiet log = %v s, want unknown", s)
	}
	if s, ok := c.LagSeconds(500, at(2)); !ok || s != 0 {
		t.Errorf("at the head of a quiet log: %v %v, want 0 true", s, ok)
	}
	c.Record(600, at(11))
	if s, ok := c.LagSeconds(500, at(12)); !ok || s != 11 {
		t.Errorf("at the still offset after it moved on: %v %v, want 11 s (head left 500 after 1 s)", s, ok)
	}
}

func TestOffsetClockDropsBackwardsAndCompactsStill(t *testing.T) {
	c := NewOffsetClock(5)
	c.Record(100, at(0))
	c.Record(90, at(1))  // back in offset: dropped
	c.Record(110, at(0)) // back in time: dropped
	if c.Len() != 1 {
		t.Fatalf("Len = %d after backwards samples, want 1", c.Len())
	}
	for i := 1; i <= 10; i++ {
		c.Record(200, at(float64(i))) // standing still: the third point's time moves on
	}
	if c.Len() != 3 {
		t.Fatalf("Len = %d for a still offset, want 3", c.Len())
	}
	if c.points[2].at != at(10) || c.points[1].at != at(1) {
		t.Errorf("still points = %+v", c.points)
	}
	for i := 0; i < 20; i++ {
		c.Record(int64(300+i), at(float64(20+i)))
	}
	if c.Len() != 5 {
		t.Errorf("Len = %d, want bounded at 5", c.Len())
	}
}

// window builds commits one second apart from (offset, lag) pairs.
func window(pairs ...[2]int64) []Commit {
	w := make([]Commit, len(pairs))
	for i, p := range pairs {
		w[i] = Commit{Offset: p[0], Lag: p[1], At: at(float64(i))}
	}
	return w
}

func TestJudge(t *testing.T) {
	cases := []struct {
		name string
		w    []Commit
		lag  int64
		end  int64
		now  float64
		want Status
	}{
		{"too few commits: not judged yet, never OK", window([2]int64{1, 9}, [2]int64{2, 9}), 9, 20, 2, StatusPending},
		{"too few commits but caught up", window([2]int64{1, 9}), 0, 20, 2, StatusOK},
		{"caught up now", window([2]int64{1, 9}, [2]int64{2, 9}, [2]int64{3, 9}), 0, 3, 3, StatusOK},
		{"stopped committing", window([2]int64{1, 5}, [2]int64{2, 5}, [2]int64{3, 5}), 5, 8, 10, StatusStop},
		{"rewound", window([2]int64{5, 5}, [2]int64{3, 8}, [2]int64{6, 6}), 6, 12, 3, StatusRewind},
		{"stalled", window([2]int64{4, 5}, [2]int64{4, 6}, [2]int64{4, 7}), 7, 11, 3, StatusStall},
		{"lag never decreasing", window([2]int64{1, 5}, [2]int64{2, 6}, [2]int64{3, 7}), 7, 10, 3, StatusWarn},
		{"lag went down once", window([2]int64{1, 5}, [2]int64{3, 4}, [2]int64{4, 6}), 6, 10, 3, StatusOK},
		{"was caught up in window", window([2]int64{1, 0}, [2]int64{2, 4}, [2]int64{3, 6}), 6, 9, 3, StatusOK},
	}
	for _, c := range cases {
		if got := Judge(c.w, c.lag, c.end, 0, at(c.now)); got != c.want {
			t.Errorf("%s: Judge = %s, want %s", c.name, got, c.want)
		}
	}
}

func TestGroupStatus(t *testing.T) {
	if s := GroupStatus([]Status{StatusOK, StatusWarn, StatusOK}); s != StatusWarn {
		t.Errorf("group of OK and WARN = %s", s)
	}
	if s := GroupStatus([]Status{StatusWarn, StatusStall}); s != StatusErr {
		t.Errorf("group with STALL = %s", s)
	}
	if s := GroupStatus(nil); s != StatusNone {
		t.Errorf("group with no partitions = %q, want no verdict: there is no evidence it is OK", s)
	}
	if s := GroupStatus([]Status{StatusNone, StatusNone}); s != StatusNone {
		t.Errorf("group that committed nothing = %q, want no verdict", s)
	}
	if s := GroupStatus([]Status{StatusNone, StatusOK}); s != StatusOK {
		t.Errorf("group with one judged partition = %q, want that partition's OK", s)
	}
	if s := GroupStatus([]Status{StatusOK, StatusPending}); s != StatusPending {
		t.Errorf("group with a partition not judged yet = %s, want pending, not OK", s)
	}
	if s := GroupStatus([]Status{StatusPending, StatusWarn}); s != StatusWarn {
		t.Errorf("group of pending and WARN = %s", s)
	}
}
