package actions

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/mqscope/mqscope/backends"
)

// errStopPeek ends a one-record peek once the record is in hand.
var errStopPeek = errors.New("got the record")

// LagSnapshot takes one batched snapshot of the named consumer groups (every group when none are named),
// or says plainly that this broker has no consumer groups. Front ends feed it to a LagTracker.
func LagSnapshot(ctx context.Context, b backends.Backend, groups []string) (backends.LagSnapshot, error) {
	r, ok := b.(backends.LagReader)
	if !ok {
		return backends.LagSnapshot{}, fmt.Errorf("this broker has no consumer groups to measure lag on "+
			"(queues show their backlog instead): %w", backends.ErrNotSupported)
	}
	s, err := r.LagSnapshot(ctx, groups)
	if err != nil {
		return s, fmt.Errorf("read consumer lag: %w", err)
	}
	return s, nil
}

// GroupsFound says whether the snapshot has every one of the named groups: a *NotFoundError for the first
// the broker does not know, with kind as what it calls a group ("group", NATS's "consumer"). Redis and NATS
// leave an unknown name out of a snapshot; Kafka answers for it with a Dead group that has no members and
// no offsets, the same thing.
func GroupsFound(s backends.LagSnapshot, names []string, kind string) error {
	for _, name := range names {
		i := slices.IndexFunc(s.Groups, func(g backends.GroupLag) bool { return g.Group == name })
		if i < 0 || unknownGroup(s.Groups[i]) {
			return &NotFoundError{Kind: kind, Name: name, Group: true}
		}
	}
	return nil
}

func unknownGroup(g backends.GroupLag) bool {
	return g.State == "Dead" && len(g.Members) == 0 && len(g.Partitions) == 0
}

// ExactLag replaces the estimated lag in seconds of every lagging partition of g by the exact figure: how
// long ago the first record the group has not consumed was written (one peek of one record per lagging
// partition, so it is for the groups someone asked about, not for all of them). Partitions at the head
// stay at 0 s; the group's figure becomes the worst partition's.
func ExactLag(ctx context.Context, b backends.Backend, g GroupReport, now time.Time) (GroupReport, error) {
	if _, ok := b.(backends.Peeker); !ok {
		return g, fmt.Errorf("this broker cannot read the record at a committed offset, so lag in seconds "+
			"stays an estimate: %w", backends.ErrNotSupported)
	}
	g.Partitions = slices.Clone(g.Partitions)
	for i := range g.Partitions {
		p := &g.Partitions[i]
		secs, err := exactLagSeconds(ctx, b, p.PartitionLag, now)
		if err != nil {
			return g, fmt.Errorf("exact lag of group %s on %s/%d: %w", g.Group, p.Topic, p.Partition, err)
		}
		p.LagSeconds, p.LagSource = secs, LagExact
		if secs == nil {
			p.LagSource = ""
		}
	}
	g.LagSeconds, g.LagSource = WorstLagSeconds(g.Partitions), GroupLagSource(g.Partitions)
	return g, nil
}

// WorstLagSeconds is a group's lag in seconds: its worst partition's. It is unknown (nil) while any
// partition that lags has no figure, since that one may be the worst: partitions at the head (0 s) must
// not make a group that is behind look caught up.
func WorstLagSeconds(parts []PartitionReport) *float64 {
	var worst *float64
	for _, p := range parts {
		switch {
		case p.LagSeconds == nil && p.Lag > 0:
			return nil
		case p.LagSeconds != nil && (worst == nil || *p.LagSeconds > *worst):
			worst = p.LagSeconds
		}
	}
	return worst
}

// GroupLagSource says where a group's lag in seconds comes from: exact only when every partition's figure
// is (an estimated partition may be the one furthest behind); "" while the group's figure is unknown.
func GroupLagSource(parts []PartitionReport) LagSource {
	if WorstLagSeconds(parts) == nil {
		return ""
	}
	for _, p := range parts {
		if p.LagSource == LagEstimate {
			return LagEstimate
		}
	}
	return LagExact
}

// exactLagSeconds is now − the timestamp of the record at the group's position (the log start when it
// committed nothing, or when its offset fell out of retention); 0 at the head; nil when that record is
// gone before it could be read.
func exactLagSeconds(ctx context.Context, b backends.Backend, p backends.PartitionLag, now time.Time) (*float64, error) {
	pos := max(p.Committed, p.Start)
	if p.Lag == 0 || pos >= p.End {
		zero := 0.0
		return &zero, nil
	}
	if secs, ok := nextTimeLag(p, now); ok {
		return &secs, nil
	}
	var ts time.Time
	req := backends.PeekRequest{
		Destination: p.Topic, Partitions: []int32{p.Partition}, Limit: 1,
		From: backends.Position{Kind: backends.AtOffset, Offset: pos},
	}
	err := Peek(ctx, b, req, func(m backends.Message) error {
		ts = m.Timestamp
		return errStopPeek
	})
	if err != nil && !errors.Is(err, errStopPeek) {
		return nil, err
	}
	if ts.IsZero() {
		return nil, nil
	}
	secs := max(now.Sub(ts).Seconds(), 0)
	return &secs, nil
}

// nextTimeLag is the exact lag in seconds of a partition whose broker told the time of the first message
// the group has not consumed (Redis): no estimate and no extra read is needed.
func nextTimeLag(p backends.PartitionLag, now time.Time) (float64, bool) {
	switch {
	case p.Lag == 0:
		return 0, true
	case p.NextTime.IsZero():
		return 0, false
	}
	return max(now.Sub(p.NextTime).Seconds(), 0), true
}
