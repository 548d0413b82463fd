package kafka

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/backends"
)

var _ backends.Describer = (*Backend)(nil)

// Describe is one topic with its partitions: leader, replicas, in-sync replicas and exact log start and
// end offsets. It costs one Metadata request and two ListOffsets requests per leader of its partitions.
func (b *Backend) Describe(ctx context.Context, kind backends.DestinationKind, name string) (backends.Details, error) {
	if kind != backends.Topic {
		return backends.Details{}, fmt.Errorf("a Kafka cluster has no %s: %w", kind, backends.ErrNotSupported)
	}
	d, err := await(ctx, func() (backends.Details, error) { return b.describeTopic(name) })
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		b.abandoned()
	}
	if err != nil {
		return backends.Details{}, fmt.Errorf("describe topic %s: %w", name, err)
	}
	return d, nil
}

func (b *Backend) describeTopic(name string) (backends.Details, error) {
	t, err := b.metadata(nil)
	if err != nil {
		return backends.Details{}, err
	}
	tm, ok := t.topics[name]
	if !ok || tm.Err == sarama.ErrUnknownTopicOrPartition {
		// As a peek of it says: "no such topic: not found" said it twice and not which.
		return backends.Details{}, fmt.Errorf("topic %q: %w (check the name)", name, backends.ErrNotFound)
	}
	if tm.Err != sarama.ErrNoError {
		return backends.Details{}, tm.Err
	}
	parts := make([]topicPartition, len(tm.Partitions))
	for i, p := range tm.Partitions {
		parts[i] = topicPartition{name, p.ID}
	}
	ranges, err := b.logRanges(nil, t, parts)
	if err != nil {
		return backends.Details{}, err
	}
	d := backends.Details{Destination: destination(tm, ranges), Partitions: make([]backends.PartitionInfo, len(tm.Partitions))}
	for i, p := range tm.Partitions {
		info := backends.PartitionInfo{Partition: p.ID, Leader: p.Leader, Replicas: slices.Clone(p.Replicas),
			ISR: slices.Clone(p.Isr), Offline: slices.Clone(p.OfflineReplicas), Start: backends.Unknown, End: backends.Unknown}
		if isOffline(p) {
			info.Leader = -1
		}
		if r, ok := ranges[topicPartition{name, p.ID}]; ok {
			info.Start, info.End = r.start, r.end
		}
		d.Partitions[i] = info
	}
	slices.SortFunc(d.Partitions, func(x, y backends.PartitionInfo) int { return int(x.Partition - y.Partition) })
	return d, nil
}
