package actions

import (
	"context"
	"errors"
	"fmt"

	"github.com/mqscope/mqscope/backends"
)

// PurgePlan says what purging a queue would remove: its ready messages. Unacknowledged ones stay with
// the consumers that hold them (they come back if those consumers reject them or go away).
type PurgePlan struct {
	Queue   string
	Vhost   string
	Ready   int64 // what a purge removes; backends.Unknown when the broker could not say
	Unacked int64 // what it leaves; may be backends.Unknown
	// TakenWhenRead says the queue never holds a message unacknowledged (a Redis list): Unacked, 0, means
	// nothing there, and front ends leave it out.
	TakenWhenRead bool
	Exact         bool // Ready was counted just now, not taken from the listing's sample
	// Approximate says the counts are the broker's estimates (SQS), and Note what the broker's purge does
	// beyond removing ready messages; "" where nothing more needs saying.
	Approximate bool
	Note        string
}

// SQSPurgeNote is what an SQS purge does that its name does not say.
const SQSPurgeNote = "SQS deletes visible, in-flight and delayed messages alike, and takes one purge per queue " +
	"every 60 seconds (the purge itself may take up to 60 seconds, and messages sent meanwhile may go too)"

// PlanPurge looks the queue up to say what a purge would remove, counting its ready messages exactly
// where the backend can (the listing's figures are samples, and missing for a while after a broker
// restart). It changes nothing.
func PlanPurge(ctx context.Context, b backends.Backend, queue string) (PurgePlan, error) {
	if err := readingSession(b).Can(VerbPurge); errors.Is(err, backends.ErrNotSupported) {
		return PurgePlan{}, err
	}
	dests, err := ListDestinations(ctx, b, backends.ListOptions{})
	if err != nil {
		return PurgePlan{}, err
	}
	for _, d := range dests {
		if d.Name != queue || d.Kind == backends.Exchange {
			continue
		}
		// An MQTT topic holding a retained message is purged by clearing it.
		if d.Kind != backends.Queue && !d.Retained {
			return PurgePlan{}, fmt.Errorf("%s is a %s, which cannot be purged (its retention settings remove old messages): %w",
				queue, d.Kind, backends.ErrNotSupported)
		}
		plan := PurgePlan{Queue: d.Name, Vhost: d.Vhost, Ready: d.Ready, Unacked: d.Unacked, Approximate: d.Approximate,
			TakenWhenRead: d.TakenWhenRead}
		if d.Approximate { // SQS: a purge takes in-flight and delayed messages too
			plan.Ready, plan.Unacked, plan.Note = d.Messages, 0, SQSPurgeNote
		}
		if d.Retained {
			plan.Ready = d.Messages
		}
		if c, ok := b.(backends.QueueCounter); ok {
			ready, _, err := c.QueueCount(ctx, queue)
			if err != nil {
				return PurgePlan{}, fmt.Errorf("count the messages of %s: %w", queue, err)
			}
			plan.Ready, plan.Exact = ready, true
		}
		return plan, nil
	}
	return PurgePlan{}, &NotFoundError{Kind: "queue", Name: queue}
}

// Purge removes every ready message from queue and says how many went. Refused in read-only mode.
func (s *Session) Purge(ctx context.Context, queue string) (int64, error) {
	if err := s.begin(VerbPurge, "queue", queue); err != nil {
		return 0, err
	}
	n, err := s.b.(backends.Purger).Purge(ctx, queue)
	s.done(VerbPurge, err, "queue", queue, "removed", n)
	if err != nil {
		return n, fmt.Errorf("purge queue %s: %w", queue, err)
	}
	return n, nil
}

// TruncateAll, as PlanTruncate's before, removes everything a partition holds (up to its log end).
const TruncateAll int64 = -1

// TruncatePlan says what truncating a topic would delete, per partition.
type TruncatePlan struct {
	Topic      string
	Partitions []PartitionTruncate // sorted by partition
}

// PartitionTruncate is one partition's truncation: records in [Start, Before) are deleted, and Before
// becomes the log start.
type PartitionTruncate struct {
	Partition  int32
	Start, End int64
	Before     int64
	Warning    string // why Before is not what was asked for (clamped to the log end), if it is not
}

// Removes is how many records the truncation deletes from the partition.
func (p PartitionTruncate) Removes() int64 { return max(p.Before-p.Start, 0) }

// Removes is how many records the truncation deletes in all.
func (p TruncatePlan) Removes() int64 {
	var n int64
	for _, pt := range p.Partitions {
		n += pt.Removes()
	}
	return n
}

// Offsets are the per-partition offsets to pass to Truncate: only partitions that lose something.
func (p TruncatePlan) Offsets() map[int32]int64 {
	out := map[int32]int64{}
	for _, pt := range p.Partitions {
		if pt.Removes() > 0 {
			out[pt.Partition] = pt.Before
		}
	}
	return out
}

// PlanTruncate works out what deleting the records of topicSpec ("TOPIC" or "TOPIC:0,2") before offset
// before of each partition would remove (TruncateAll: everything, up to each log end). An offset past a
// log end is clamped to it with a warning. It changes nothing.
func PlanTruncate(ctx context.Context, b backends.Backend, topicSpec string, before int64) (TruncatePlan, error) {
	if err := readingSession(b).Can(VerbTruncate); err != nil {
		return TruncatePlan{}, err
	}
	r := b.(backends.OffsetResetter) // for the partitions' log ranges
	topic, parts, err := ParseTopicPartitions(topicSpec)
	if err != nil {
		return TruncatePlan{}, err
	}
	bounds, err := partitionBounds(ctx, r, topic, parts)
	if err != nil {
		return TruncatePlan{}, err
	}
	plan := TruncatePlan{Topic: topic}
	for _, pb := range bounds {
		pt := PartitionTruncate{Partition: pb.Partition, Start: pb.Start, End: pb.End, Before: pb.End}
		if before != TruncateAll {
			pt.Before = before
			if before > pb.End {
				pt.Before, pt.Warning = pb.End, fmt.Sprintf("%d is past the log end; up to %d", before, pb.End)
			}
		}
		plan.Partitions = append(plan.Partitions, pt)
	}
	return plan, nil
}

// Truncate deletes topic's records before the given offset of each partition named in before (a plan's
// Offsets). Refused in read-only mode. An empty before deletes nothing.
func (s *Session) Truncate(ctx context.Context, topic string, before map[int32]int64) error {
	if err := s.begin(VerbTruncate, "topic", topic, "before", before); err != nil {
		return err
	}
	if len(before) == 0 {
		return nil
	}
	err := s.b.(backends.Truncator).Truncate(ctx, topic, before)
	s.done(VerbTruncate, err, "topic", topic, "before", before)
	if err != nil {
		return fmt.Errorf("truncate topic %s: %w", topic, err)
	}
	return nil
}

// CountPurgeFiltered says how many messages a purge of part of stream would remove. It changes nothing.
func CountPurgeFiltered(ctx context.Context, b backends.Backend, stream string, f backends.PurgeFilter) (int64, error) {
	if err := readingSession(b).Can(VerbPurgeFiltered); errors.Is(err, backends.ErrNotSupported) {
		return 0, err
	}
	if f.Keep < 0 {
		return 0, fmt.Errorf("keep %d: want 0 or more", f.Keep)
	}
	return b.(backends.FilteredPurger).CountPurge(ctx, stream, f)
}

// PurgeFiltered removes the messages of stream on f.Subject, all but the newest f.Keep, and says how many
// went. Refused in read-only mode.
func (s *Session) PurgeFiltered(ctx context.Context, stream string, f backends.PurgeFilter) (int64, error) {
	if err := s.begin(VerbPurgeFiltered, "stream", stream, "subject", f.Subject, "keep", f.Keep); err != nil {
		return 0, err
	}
	n, err := s.b.(backends.FilteredPurger).PurgeFiltered(ctx, stream, f)
	s.done(VerbPurgeFiltered, err, "stream", stream, "removed", n)
	if err != nil {
		return n, fmt.Errorf("purge stream %s: %w", stream, err)
	}
	return n, nil
}
