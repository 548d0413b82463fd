package backends

import (
	"context"
	"time"
)

// LagReader reads where consumer groups stand against the log end, in one batched snapshot: its cost grows
// with brokers and groups, never with partitions.
type LagReader interface {
	// LagSnapshot covers the named groups, or every group when groups is empty.
	LagSnapshot(ctx context.Context, groups []string) (LagSnapshot, error)
}

// LagSnapshot is every asked group's position at one moment.
type LagSnapshot struct {
	At       time.Time
	Groups   []GroupLag // sorted by group name
	Requests int        // broker requests the snapshot took, for benchmarks and the lag view
}

// GroupLag is one group's committed offsets against the log ends of the partitions it committed on or
// is assigned.
type GroupLag struct {
	Group      string
	State      string
	Members    []GroupMember
	Partitions []PartitionLag // sorted by topic, then partition
}

// GroupMember is one consumer in a group and what it was assigned.
type GroupMember struct {
	ID       string
	ClientID string
	Host     string
	Assigned []TopicPartition
}

// TopicPartition names one partition of a topic.
type TopicPartition struct {
	Topic     string
	Partition int32
}

// PartitionLag is one partition's position for a group.
type PartitionLag struct {
	Topic     string
	Partition int32
	Committed int64  // -1 when the group has committed nothing here
	Start     int64  // log start offset
	End       int64  // log end offset (high watermark)
	Lag       int64  // End − Committed, never negative; End − Start when nothing is committed
	Member    string // client id of the member assigned to it; empty when unassigned
	// NextTime is when the first message the group has not consumed was written, where the broker tells
	// it with the position (Redis entry ids carry their time): lag in seconds is then exact, now − NextTime.
	// Zero where unknown, and when nothing is left to consume.
	NextTime time.Time
	// Deliveries is where a consumer that delivers messages and waits for their acknowledgement stands
	// (NATS JetStream); nil for brokers that have no such thing.
	Deliveries *Deliveries
}

// Deliveries breaks a consumer's lag down: what it has not delivered yet, and what it delivered and waits
// to see acknowledged (Pending + Unacked is the lag).
type Deliveries struct {
	Pending     int64 // not delivered yet
	Unacked     int64 // delivered, not acknowledged yet
	Redelivered int64 // of those, delivered more than once
	Delivered   int64 // the offset after the last message delivered
}

// RecordDater tells when records were written, several partitions in one go, so that lag in seconds can be
// the true age of the first record a group has not consumed rather than an estimate.
type RecordDater interface {
	// RecordTimes returns the write time of the record at each position (or of the first one after it,
	// where that one was compacted away), in about one request per partition leader. Positions it could
	// not date (nothing there, an oversized batch, a leader that did not answer) are missing.
	RecordTimes(ctx context.Context, at []RecordPosition) (map[RecordPosition]time.Time, error)
}

// RecordPosition is one offset in one partition.
type RecordPosition struct {
	Topic     string
	Partition int32
	Offset    int64
}

// OffsetResetter moves an inactive group's committed offsets (Kafka). Planning, clamping and the
// "only Empty or Dead groups" rule live in actions; the adapter looks up offsets and commits.
type OffsetResetter interface {
	// PartitionBounds returns the log start and end of the topic's partitions (all of them when parts is
	// empty), sorted by partition.
	PartitionBounds(ctx context.Context, topic string, parts []int32) ([]PartitionBounds, error)
	// OffsetsForTime returns, per partition, the first offset whose timestamp is at or after t, or the log
	// end where no record is that new.
	OffsetsForTime(ctx context.Context, topic string, parts []int32, t time.Time) (map[int32]int64, error)
	// CommitOffsets commits offsets for group. The broker itself refuses while the group has members.
	CommitOffsets(ctx context.Context, group string, offsets map[TopicPartition]int64) error
}

// PartitionBounds is the range of offsets a partition holds.
type PartitionBounds struct {
	Partition int32
	Start     int64
	End       int64
}

// Purger removes every ready message from a queue (RabbitMQ) and says how many it removed.
type Purger interface {
	Purge(ctx context.Context, queue string) (int64, error)
}

// PurgeFilter narrows a purge of a stream (NATS JetStream).
type PurgeFilter struct {
	Subject string // only messages on subjects this filter matches (wildcards allowed); "" is every one
	Keep    int64  // keep the newest Keep of those; 0 removes them all
}

// FilteredPurger purges part of a stream: the messages on some subjects, all but the newest few.
type FilteredPurger interface {
	// CountPurge says how many messages PurgeFiltered would remove now. It changes nothing.
	CountPurge(ctx context.Context, stream string, f PurgeFilter) (int64, error)
	PurgeFiltered(ctx context.Context, stream string, f PurgeFilter) (int64, error)
}

// Truncator deletes a topic's records before the given offset of each partition (Kafka DeleteRecords).
type Truncator interface {
	Truncate(ctx context.Context, topic string, before map[int32]int64) error
}
