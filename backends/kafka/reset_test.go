package kafka

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/mqscope/mqscope/backends"
)

func TestPartitionBounds(t *testing.T) {
	c := newCluster(t)
	f := newFixture(t, c)
	f.createTopics(t, 3, nil, "bounded")
	f.Put(t, "bounded", 12) // 4 per partition
	if _, err := f.adm.DeleteRecords(testCtx(t), kadm.Offsets{"bounded": {1: {Topic: "bounded", Partition: 1, At: 3}}}); err != nil {
		t.Fatal(err)
	}
	b := open(t, c)
	all, err := b.PartitionBounds(testCtx(t), "bounded", nil)
	want := []backends.PartitionBounds{{Partition: 0, Start: 0, End: 4}, {Partition: 1, Start: 3, End: 4}, {Partition: 2, Start: 0, End: 4}}
	if err != nil || !slices.Equal(all, want) {
		t.Errorf("bounds = %+v (%v), want %+v", all, err, want)
	}
	some, err := b.PartitionBounds(testCtx(t), "bounded", []int32{2, 1})
	if err != nil || !slices.Equal(some, want[1:]) {
		t.Errorf("bounds of 2 and 1 = %+v (%v), want %+v", some, err, want[1:])
	}
	if _, err := b.PartitionBounds(testCtx(t), "bounded", []int32{3}); !errors.Is(err, backends.ErrNotFound) {
		t.Errorf("bounds of a missing partition: %v, want ErrNotFound", err)
	}
	if _, err := b.PartitionBounds(testCtx(t), "unbounded", nil); !errors.Is(err, backends.ErrNotFound) {
		t.Errorf("bounds of a missing topic: %v, want ErrNotFound", err)
	}
}

func TestOffsetsForTime(t *testing.T) {
	c := newCluster(t)
	newFixture(t, c).createTopics(t, 2, nil, "timed")
	base := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	var recs []*kgo.Record
	for i := range 5 { // partition 0 at base+0,10,20,30,40 s; partition 1 at base+5,15,...,45 s
		for p := range int32(2) {
			recs = append(recs, &kgo.Record{Topic: "timed", Partition: p, Value: []byte("x"),
				Timestamp: base.Add(time.Duration(10*i+5*int(p)) * time.Second)})
		}
	}
	produce(t, c, recs...)
	b := open(t, c)
	for _, tc := range []struct {
		at   time.Time
		want map[int32]int64
	}{
		{base.Add(-time.Minute), map[int32]int64{0: 0, 1: 0}},
		{base.Add(12 * time.Second), map[int32]int64{0: 2, 1: 1}},
		{base.Add(40 * time.Second), map[int32]int64{0: 4, 1: 4}},
		{base.Add(42 * time.Second), map[int32]int64{0: 5, 1: 4}}, // partition 0 has nothing that new: its end
		{base.Add(time.Hour), map[int32]int64{0: 5, 1: 5}},
	} {
		got, err := b.OffsetsForTime(testCtx(t), "timed", nil, tc.at)
		if err != nil || !maps.Equal(got, tc.want) {
			t.Errorf("offsets at base%+v = %v (%v), want %v", tc.at.Sub(base), got, err, tc.want)
		}
	}
	if got, err := b.OffsetsForTime(testCtx(t), "timed", []int32{1}, base.Add(12*time.Second)); err != nil || !maps.Equal(got, map[int32]int64{1: 1}) {
		t.Errorf("offsets of partition 1 = %v (%v), want 1:1", got, err)
	}
}

// A commit on an Empty group, or on one the broker has never seen, moves exactly the partitions named.
func TestCommitOffsetsOnAnInactiveGroup(t *testing.T) {
	c := newCluster(t)
	f := newFixture(t, c)
	f.createTopics(t, 3, nil, "ledger")
	f.Put(t, "ledger", 30)
	f.CommitGroup(t, "idle", "ledger", 2)
	b := open(t, c)
	moves := map[backends.TopicPartition]int64{{Topic: "ledger", Partition: 0}: 7, {Topic: "ledger", Partition: 2}: 10}
	for _, group := range []string{"idle", "brand-new"} {
		if err := b.CommitOffsets(testCtx(t), group, moves); err != nil {
			t.Fatalf("commit for %s: %v", group, err)
		}
	}
	snap := lagSnapshot(t, b, "idle", "brand-new")
	committed := func(g backends.GroupLag) []int64 {
		var offs []int64
		for _, p := range g.Partitions {
			offs = append(offs, p.Committed)
		}
		return offs
	}
	if idle := groupIn(t, snap, "idle"); idle.State != "Empty" || !slices.Equal(committed(idle), []int64{7, 2, 10}) {
		t.Errorf("idle = %+v, want Empty with offsets 7, 2 (untouched), 10", idle)
	}
	if fresh := groupIn(t, snap, "brand-new"); !slices.Equal(committed(fresh), []int64{7, 10}) {
		t.Errorf("brand-new = %+v, want offsets 7 and 10 on partitions 0 and 2", fresh)
	}
}

// The broker refuses to move a group with a live member, and the adapter says so in one line.
func TestCommitOffsetsRefusedForAnActiveGroup(t *testing.T) {
	c := newCluster(t)
	f := newFixture(t, c)
	f.createTopics(t, 2, nil, "busy-topic")
	f.Put(t, "busy-topic", 10)
	joinStuck(t, c, "busy", "busy-topic")
	b := open(t, c)
	err := b.CommitOffsets(testCtx(t), "busy", map[backends.TopicPartition]int64{{Topic: "busy-topic", Partition: 0}: 3})
	if !errors.Is(err, backends.ErrGroupActive) {
		t.Fatalf("commit on an active group: %v, want ErrGroupActive", err)
	}
	if msg := err.Error(); !strings.Contains(msg, `"busy"`) || !strings.Contains(msg, "stop its consumers") || strings.Contains(msg, "\n") {
		t.Errorf("error %q should name the group and what to do, on one line", msg)
	}
	for _, p := range groupIn(t, lagSnapshot(t, b, "busy"), "busy").Partitions {
		if p.Committed != -1 {
			t.Errorf("busy-topic/%d committed %d after a refused commit, want nothing", p.Partition, p.Committed)
		}
	}
}

func TestTruncateMovesTheLogStart(t *testing.T) {
	c := newCluster(t)
	f := newFixture(t, c)
	f.createTopics(t, 3, nil, "trimmed")
	f.Put(t, "trimmed", 15) // 5 per partition
	b := open(t, c)
	if err := b.Truncate(testCtx(t), "trimmed", map[int32]int64{0: 3, 1: -1}); err != nil {
		t.Fatal(err)
	}
	bounds, err := b.PartitionBounds(testCtx(t), "trimmed", nil)
	want := []backends.PartitionBounds{{Partition: 0, Start: 3, End: 5}, {Partition: 1, Start: 5, End: 5}, {Partition: 2, Start: 0, End: 5}}
	if err != nil || !slices.Equal(bounds, want) {
		t.Errorf("after truncating, bounds = %+v (%v), want %+v", bounds, err, want)
	}
	if got := peekAll(t, b, backends.PeekRequest{Destination: "trimmed", Partitions: []int32{0}}); len(got) != 2 || got[0].Offset != 3 {
		t.Errorf("peek of partition 0 after truncating read %d messages from %d, want 2 from offset 3", len(got), got[0].Offset)
	}
	err = b.Truncate(testCtx(t), "trimmed", map[int32]int64{2: 9})
	if err == nil || !strings.Contains(err.Error(), "trimmed/2: offset 9") {
		t.Errorf("truncating past the end: %v, want an error naming partition 2 and offset 9", err)
	}
	if err := b.Truncate(testCtx(t), "trimmed", map[int32]int64{7: 1}); !errors.Is(err, backends.ErrNotFound) {
		t.Errorf("truncating a missing partition: %v, want ErrNotFound", err)
	}
}
