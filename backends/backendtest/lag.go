package backendtest

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/mqscope/mqscope/backends"
)

// testLag: a snapshot's numbers are exactly what the fixture made: committed offsets, log starts and ends,
// and lag; and it names a live member.
func testLag(t *testing.T, h Harness) {
	lr := h.Open(t).(backends.LagReader)
	gf := groupFixture(t, h)
	topic, group := unique(t, "lag"), unique(t, "lag-group")
	ends := seedGroup(t, h, gf, topic, group)

	seeded := time.Now()
	g := snapshotOf(t, lr, group)
	checkNextTimes(t, g.Partitions, seeded)
	if g.State != "Empty" || len(g.Members) != 0 {
		t.Errorf("group without members: state %q, %d members; want Empty, 0", g.State, len(g.Members))
	}
	want := make([]backends.PartitionLag, 0, len(ends))
	for _, p := range slices.Sorted(maps.Keys(ends)) {
		want = append(want, backends.PartitionLag{Topic: topic, Partition: p, Committed: 1, Start: 0, End: ends[p],
			Lag: ends[p] - 1})
	}
	if !slices.Equal(g.Partitions, want) {
		t.Errorf("partitions = %+v\nwant %+v", g.Partitions, want)
	}

	gf.Join(t, group, topic)
	g = snapshotOf(t, lr, group)
	checkNextTimes(t, g.Partitions, seeded)
	if len(g.Members) != 1 || g.State == "Empty" {
		t.Errorf("group with one live member: state %q, members %+v", g.State, g.Members)
	}
	for i, p := range g.Partitions {
		if i < len(want) && (p.Committed != want[i].Committed || p.End != want[i].End || p.Lag != want[i].Lag) {
			t.Errorf("with a member, partition %d = %+v, want the numbers of %+v", p.Partition, p, want[i])
		}
	}
}

// checkNextTimes: where a snapshot tells the time of the first message a group has not consumed
// (PartitionLag.NextTime), it is the time of a message the fixture put, before the snapshot; it is then
// cleared, so that the rest of the comparison is of offsets.
func checkNextTimes(t *testing.T, parts []backends.PartitionLag, seeded time.Time) {
	t.Helper()
	for i, p := range parts {
		if p.NextTime.IsZero() {
			continue
		}
		if p.Lag == 0 || p.NextTime.After(seeded) || seeded.Sub(p.NextTime) > time.Minute {
			t.Errorf("%s/%d: NextTime %v with lag %d; want the time of the first unconsumed message, put before %v",
				p.Topic, p.Partition, p.NextTime, p.Lag, seeded)
		}
		parts[i].NextTime = time.Time{}
		checkDeliveries(t, parts[i])
		parts[i].Deliveries = nil
	}
}

// seedGroup makes topic with two partitions (one where destinations have no partitions) and 11 records,
// and group committed at offset 1 on each, and returns each partition's log end as the fixture reads it.
func seedGroup(t *testing.T, h Harness, gf GroupFixture, topic, group string) map[int32]int64 {
	t.Helper()
	parts := 1
	if h.Partitioned {
		parts = 2
	}
	h.Fixture.CreateDestination(t, topic, parts)
	h.Fixture.Put(t, topic, 11)
	ends := map[int32]int64{}
	for p := range int32(parts) {
		ends[p] = 0
	}
	total := int64(0)
	for _, m := range h.Fixture.Read(t, topic) {
		ends[m.Partition] = max(ends[m.Partition], m.Offset+1)
		total++
	}
	sum := int64(0)
	for _, e := range ends {
		sum += e
	}
	if len(ends) != parts || sum != 11 || total != 11 {
		t.Fatalf("the fixture put 11 records on %d partitions but reads ends %v", parts, ends)
	}
	gf.CommitGroup(t, group, topic, 1)
	return ends
}

func snapshotOf(t *testing.T, lr backends.LagReader, group string) backends.GroupLag {
	t.Helper()
	snap, err := lr.LagSnapshot(ctx(t), []string{group})
	if err != nil {
		t.Fatalf("LagSnapshot: %v", err)
	}
	if snap.Requests <= 0 || snap.At.IsZero() {
		t.Errorf("a snapshot says it took %d requests at %v; want the count and the time", snap.Requests, snap.At)
	}
	if len(snap.Groups) != 1 || snap.Groups[0].Group != group {
		t.Fatalf("a snapshot of %s covers %+v", group, snap.Groups)
	}
	return snap.Groups[0]
}

// testReset: what a dry run asks (bounds, offsets for a time) is exact and commits nothing; a commit
// moves the group exactly where it was told; and the broker refuses it while the group has a member.
func testReset(t *testing.T, h Harness) {
	r := h.Open(t).(backends.OffsetResetter)
	gf := groupFixture(t, h)
	topic, group := unique(t, "reset"), unique(t, "reset-group")
	ends := seedGroup(t, h, gf, topic, group)

	parts := slices.Sorted(maps.Keys(ends))
	last := parts[len(parts)-1]
	var wantBounds []backends.PartitionBounds
	starts, committed := map[int32]int64{}, map[int32]int64{}
	for _, p := range parts {
		wantBounds = append(wantBounds, backends.PartitionBounds{Partition: p, End: ends[p]})
		starts[p], committed[p] = 0, 1
	}
	bounds, err := r.PartitionBounds(ctx(t), topic, nil)
	if err != nil || !slices.Equal(bounds, wantBounds) {
		t.Errorf("PartitionBounds = %+v, %v; want %+v", bounds, err, wantBounds)
	}
	if one, err := r.PartitionBounds(ctx(t), topic, []int32{last}); err != nil || !slices.Equal(one, wantBounds[len(parts)-1:]) {
		t.Errorf("PartitionBounds of partition %d = %+v, %v; want %+v", last, one, err, wantBounds[len(parts)-1:])
	}
	for at, want := range map[time.Time]map[int32]int64{
		time.Now().Add(-time.Hour): starts,
		time.Now().Add(time.Hour):  ends,
	} {
		if got, err := r.OffsetsForTime(ctx(t), topic, nil, at); err != nil || !maps.Equal(got, want) {
			t.Errorf("OffsetsForTime(%s) = %v, %v; want %v", at.Format(time.TimeOnly), got, err, want)
		}
	}
	checkCommitted(t, gf, group, topic, committed, "after the lookups of a dry run")

	moved := map[int32]int64{parts[0]: 0}
	if len(parts) > 1 {
		moved[last] = ends[last]
	}
	if err := r.CommitOffsets(ctx(t), group, offsetsOn(topic, moved)); err != nil {
		t.Fatalf("CommitOffsets: %v", err)
	}
	checkCommitted(t, gf, group, topic, moved, "after a commit")

	leave := gf.Join(t, group, topic)
	if err := r.CommitOffsets(ctx(t), group, offsetsOn(topic, map[int32]int64{parts[0]: ends[parts[0]]})); err == nil {
		t.Error("CommitOffsets succeeded while the group had a member; the broker must refuse")
	}
	leave()
	checkCommitted(t, gf, group, topic, moved, "after a refused commit")
}

func offsetsOn(topic string, at map[int32]int64) map[backends.TopicPartition]int64 {
	out := make(map[backends.TopicPartition]int64, len(at))
	for p, o := range at {
		out[backends.TopicPartition{Topic: topic, Partition: p}] = o
	}
	return out
}

func checkCommitted(t *testing.T, gf GroupFixture, group, topic string, want map[int32]int64, when string) {
	t.Helper()
	if got := gf.Committed(t, group, topic); !maps.Equal(got, want) {
		t.Errorf("%s committed %v %s, want %v", group, got, when, want)
	}
}

// checkDeliveries: where a snapshot breaks the lag down (PartitionLag.Deliveries), the parts add up to it.
func checkDeliveries(t *testing.T, p backends.PartitionLag) {
	t.Helper()
	d := p.Deliveries
	if d == nil {
		return
	}
	if d.Pending+d.Unacked != p.Lag || d.Redelivered > d.Unacked || d.Delivered < p.Committed || d.Delivered > p.End {
		t.Errorf("%s/%d: deliveries %+v do not add up to lag %d between committed %d and end %d", p.Topic, p.Partition,
			*d, p.Lag, p.Committed, p.End)
	}
}
