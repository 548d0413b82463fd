package actions

import (
	"time"

	"github.com/mqscope/mqscope/backends"
)

// HistoryPoints bounds each group's lag history (five minutes at the default two-second refresh).
const HistoryPoints = 150

// LagTracker turns a series of lag snapshots into lag in seconds, health verdicts and short histories.
// Both front ends feed it the snapshots they poll; it holds only the partitions of the latest snapshot.
type LagTracker struct {
	Window     int   // commits per partition the verdict looks at; DefaultWindow when 0
	AllowedLag int64 // lag that still counts as caught up

	clocks  map[backends.TopicPartition]*OffsetClock
	commits map[groupPartition][]Commit
	history map[string]*Ring[int64]
	dated   positionDates
}

type groupPartition struct {
	group string
	tp    backends.TopicPartition
}

// LagReport is one snapshot, judged.
type LagReport struct {
	At       time.Time
	Requests int
	Groups   []GroupReport
}

// GroupReport is one group's lag, verdict and recent history.
type GroupReport struct {
	Group      string
	State      string
	Members    []backends.GroupMember
	Lag        int64     // total over partitions
	MaxLag     int64     // the worst partition's
	LagSeconds *float64  // the worst partition's lag in seconds; nil while any lagging partition's is unknown
	LagSource  LagSource // exact when every lagging partition's figure is; "" while LagSeconds is nil
	Status     Status
	Partitions []PartitionReport
	History    []int64 // total lag at each snapshot, oldest first
}

// PartitionReport is one partition's lag, estimate and verdict.
type PartitionReport struct {
	backends.PartitionLag
	LagSeconds *float64
	LagSource  LagSource // "" while LagSeconds is nil
	Status     Status
}

// NewLagTracker makes an empty tracker.
func NewLagTracker() *LagTracker {
	return &LagTracker{
		clocks:  map[backends.TopicPartition]*OffsetClock{},
		commits: map[groupPartition][]Commit{},
		history: map[string]*Ring[int64]{},
	}
}

// Observe records a snapshot and returns it judged.
func (t *LagTracker) Observe(s backends.LagSnapshot) LagReport {
	seenTP := map[backends.TopicPartition]bool{}
	seenGP := map[groupPartition]bool{}
	for _, g := range s.Groups {
		for _, p := range g.Partitions {
			tp := backends.TopicPartition{Topic: p.Topic, Partition: p.Partition}
			if !seenTP[tp] {
				seenTP[tp] = true
				t.clock(tp).Record(p.End, s.At)
			}
		}
	}
	report := LagReport{At: s.At, Requests: s.Requests}
	for _, g := range s.Groups {
		report.Groups = append(report.Groups, t.judgeGroup(g, s.At, seenGP))
	}
	t.forget(seenTP, seenGP, report.Groups)
	return report
}

func (t *LagTracker) clock(tp backends.TopicPartition) *OffsetClock {
	c, ok := t.clocks[tp]
	if !ok {
		c = NewOffsetClock(0)
		t.clocks[tp] = c
	}
	return c
}

func (t *LagTracker) judgeGroup(g backends.GroupLag, now time.Time, seen map[groupPartition]bool) GroupReport {
	r := GroupReport{Group: g.Group, State: g.State, Members: g.Members}
	statuses := make([]Status, 0, len(g.Partitions))
	for _, p := range g.Partitions {
		pr := t.judgePartition(g, p, now, seen)
		r.Lag += p.Lag
		if p.Lag > r.MaxLag {
			r.MaxLag = p.Lag
		}
		statuses = append(statuses, pr.Status)
		r.Partitions = append(r.Partitions, pr)
	}
	r.LagSeconds, r.LagSource = WorstLagSeconds(r.Partitions), GroupLagSource(r.Partitions)
	r.Status = GroupStatus(statuses)
	h, ok := t.history[g.Group]
	if !ok {
		h = NewRing[int64](HistoryPoints)
		t.history[g.Group] = h
	}
	h.Push(r.Lag)
	r.History = make([]int64, h.Len())
	for i := range r.History {
		r.History[i] = h.At(i)
	}
	return r
}

func (t *LagTracker) judgePartition(g backends.GroupLag, p backends.PartitionLag, now time.Time,
	seen map[groupPartition]bool) PartitionReport {
	tp := backends.TopicPartition{Topic: p.Topic, Partition: p.Partition}
	key := groupPartition{g.Group, tp}
	seen[key] = true
	pr := PartitionReport{PartitionLag: p, Status: StatusOK}
	committed := p.Committed
	if committed < 0 {
		committed = p.Start
	}
	if secs, ok := t.clock(tp).LagSeconds(committed, now); ok {
		pr.LagSeconds, pr.LagSource = &secs, LagEstimate
	}
	if secs, ok := nextTimeLag(p, now); ok {
		pr.LagSeconds, pr.LagSource = &secs, LagExact
	}
	t.commits[key] = t.recordCommit(t.commits[key], p, len(g.Members) > 0, now)
	switch {
	case p.Committed < 0:
		// Nothing committed: there is no consumer position to judge, so no verdict (not OK).
		pr.Status = StatusNone
	case len(g.Members) == 0 && p.Lag > t.AllowedLag:
		// A poll cannot see commit times, but a group with no members commits nothing: it has stopped
		// while data waits.
		pr.Status = StatusStop
	default:
		pr.Status = Judge(t.commits[key], p.Lag, p.End, t.AllowedLag, now)
	}
	return pr
}

// recordCommit adds an observed commit to the window. A moved offset is a commit; an unmoved one counts
// only while the group has members (a live consumer that keeps committing the same offset is stalled,
// which is what the window must be able to show).
func (t *LagTracker) recordCommit(w []Commit, p backends.PartitionLag, live bool, now time.Time) []Commit {
	if p.Committed < 0 {
		return w
	}
	if n := len(w); n > 0 && w[n-1].Offset == p.Committed && !live {
		return w
	}
	w = append(w, Commit{Offset: p.Committed, At: now, Lag: p.Lag})
	size := t.Window
	if size <= 0 {
		size = DefaultWindow
	}
	if len(w) > size {
		w = append(w[:0], w[len(w)-size:]...)
	}
	return w
}

// forget drops state for partitions and groups the latest snapshot no longer has, so memory follows
// what is being watched.
func (t *LagTracker) forget(tps map[backends.TopicPartition]bool, gps map[groupPartition]bool, groups []GroupReport) {
	for tp := range t.clocks {
		if !tps[tp] {
			delete(t.clocks, tp)
		}
	}
	for gp := range t.commits {
		if !gps[gp] {
			delete(t.commits, gp)
		}
	}
	names := map[string]bool{}
	for _, g := range groups {
		names[g.Group] = true
	}
	for g := range t.history {
		if !names[g] {
			delete(t.history, g)
		}
	}
}
