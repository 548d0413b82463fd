package kafka

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/backends"
)

// ListDestinations lists the topics, sorted by name, with their partition health and message counts.
//
// It costs one Metadata request for the whole cluster, then two ListOffsets requests per broker that
// leads any partition (log start offsets and log end offsets), all sent at once: a handful of requests
// however many topics there are.
func (b *Backend) ListDestinations(ctx context.Context, opts backends.ListOptions) ([]backends.Destination, error) {
	dests, err := await(ctx, func() ([]backends.Destination, error) { return b.listTopics(opts) })
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		b.abandoned()
	}
	if err != nil {
		return nil, fmt.Errorf("list Kafka topics at %s: %w", b.address, err)
	}
	return dests, nil
}

func (b *Backend) listTopics(opts backends.ListOptions) ([]backends.Destination, error) {
	t, err := b.metadata(nil)
	if err != nil {
		return nil, err
	}
	topics := visibleTopics(t.md.Topics, opts.IncludeInternal)
	var parts []topicPartition
	for _, tm := range topics {
		for _, p := range tm.Partitions {
			parts = append(parts, topicPartition{tm.Name, p.ID})
		}
	}
	ranges, err := b.logRanges(nil, t, parts)
	if err != nil {
		return nil, err
	}
	dests := make([]backends.Destination, len(topics))
	for i, t := range topics {
		dests[i] = destination(t, ranges)
	}
	return dests, nil
}

// isInternal tells the broker's own topics (__consumer_offsets, __transaction_state, and the "__"
// topics of Connect, Streams and Schema Registry conventions) from the users'.
func isInternal(t *sarama.TopicMetadata) bool {
	return t.IsInternal || strings.HasPrefix(t.Name, "__")
}

// visibleTopics keeps the topics a listing shows, sorted by name. Topics the broker will not describe
// to us (not authorized, deleted meanwhile) are left out: there is nothing true to say about them.
func visibleTopics(all []*sarama.TopicMetadata, includeInternal bool) []*sarama.TopicMetadata {
	topics := make([]*sarama.TopicMetadata, 0, len(all))
	for _, t := range all {
		switch {
		case t.Err == sarama.ErrTopicAuthorizationFailed, t.Err == sarama.ErrUnknownTopicOrPartition:
		case isInternal(t) && !includeInternal:
		default:
			topics = append(topics, t)
		}
	}
	slices.SortFunc(topics, func(x, y *sarama.TopicMetadata) int { return strings.Compare(x.Name, y.Name) })
	return topics
}

// destination sums up one topic's partitions. Messages is backends.Unknown when a partition's log range
// is (an offline partition holds records nobody can count now).
func destination(t *sarama.TopicMetadata, ranges map[topicPartition]logRange) backends.Destination {
	d := backends.Destination{
		Name: t.Name, Kind: backends.Topic, Internal: isInternal(t), Partitions: len(t.Partitions),
	}
	for _, p := range t.Partitions {
		d.ReplicationFactor = max(d.ReplicationFactor, len(p.Replicas))
		if isOffline(p) {
			d.Offline++
		}
		if len(p.Isr) < len(p.Replicas) {
			d.UnderReplicated++
		}
		r, ok := ranges[topicPartition{t.Name, p.ID}]
		switch {
		case !ok: // offline, or its leader did not answer: the total is not known, and is not the rest's sum
			d.Messages = backends.Unknown
		case backends.Known(d.Messages):
			d.Messages += r.count()
		}
	}
	return d
}

// isOffline reports a partition without a leader: nobody can read or write it.
func isOffline(p *sarama.PartitionMetadata) bool {
	return p.Leader < 0 || p.Err == sarama.ErrLeaderNotAvailable
}
