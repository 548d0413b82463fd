package kafka

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/IBM/sarama"
	"golang.org/x/sync/errgroup"

	"github.com/mqscope/mqscope/backends"
)

// ListDestinations lists the topics, sorted by name, with their partition health and message counts.
//
// It costs one Metadata request for the whole cluster, then two ListOffsets requests per broker that
// leads any partition (log start offsets, then log end offsets), sent to the brokers in parallel: a
// handful of requests however many topics there are.
func (b *Backend) ListDestinations(ctx context.Context, opts backends.ListOptions) ([]backends.Destination, error) {
	dests, err := await(ctx, func() ([]backends.Destination, error) { return b.listTopics(opts) })
	if err != nil {
		return nil, fmt.Errorf("list Kafka topics at %s: %w", b.address, err)
	}
	return dests, nil
}

func (b *Backend) listTopics(opts backends.ListOptions) ([]backends.Destination, error) {
	md, err := b.metadata()
	if err != nil {
		return nil, err
	}
	topics := visibleTopics(md.Topics, opts.IncludeInternal)
	ranges, err := b.logRanges(clusterOf(md), topics)
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

// destination sums up one topic's partitions.
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
		d.Messages += ranges[topicPartition{t.Name, p.ID}].count()
	}
	return d
}

// isOffline reports a partition without a leader: nobody can read or write it.
func isOffline(p *sarama.PartitionMetadata) bool {
	return p.Leader < 0 || p.Err == sarama.ErrLeaderNotAvailable
}

type topicPartition struct {
	topic     string
	partition int32
}

// logRange is a partition's log start offset and log end offset (high watermark).
type logRange struct{ start, end int64 }

func (r logRange) count() int64 { return max(r.end-r.start, 0) }

// logRanges asks each partition's leader for its log start and end offsets: per leader, one ListOffsets
// request carrying all its partitions for the earliest offsets and one for the latest, leaders in
// parallel. Offline partitions have no leader to ask and no range. A partition the leader fails to answer
// for (it lost leadership a moment ago) has no range either and counts no messages this time.
func (b *Backend) logRanges(c cluster, topics []*sarama.TopicMetadata) (map[topicPartition]logRange, error) {
	byLeader := make(map[int32][]topicPartition)
	for _, t := range topics {
		for _, p := range t.Partitions {
			if !isOffline(p) {
				byLeader[p.Leader] = append(byLeader[p.Leader], topicPartition{t.Name, p.ID})
			}
		}
	}
	type job struct {
		addr  string
		parts []topicPartition
	}
	jobs := make([]job, 0, len(byLeader))
	for leader, parts := range byLeader {
		addr, ok := c.addr(leader)
		if !ok {
			return nil, fmt.Errorf("partition %s/%d: leader %d is not among the brokers", parts[0].topic, parts[0].partition, leader)
		}
		jobs = append(jobs, job{addr, parts})
	}
	results := make([]map[topicPartition]logRange, len(jobs))
	var g errgroup.Group
	for i, j := range jobs {
		g.Go(func() (err error) {
			results[i], err = b.leaderRanges(j.addr, j.parts)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	ranges := make(map[topicPartition]logRange)
	for _, r := range results {
		for tp, lr := range r {
			ranges[tp] = lr
		}
	}
	return ranges, nil
}

func (b *Backend) leaderRanges(addr string, parts []topicPartition) (map[topicPartition]logRange, error) {
	br, err := b.broker(addr)
	if err != nil {
		return nil, err
	}
	starts, err := listOffsets(br, parts, sarama.OffsetOldest)
	if err != nil {
		return nil, fmt.Errorf("log start offsets from %s: %w", addr, err)
	}
	ends, err := listOffsets(br, parts, sarama.OffsetNewest)
	if err != nil {
		return nil, fmt.Errorf("log end offsets from %s: %w", addr, err)
	}
	ranges := make(map[topicPartition]logRange, len(parts))
	for tp, start := range starts {
		if end, ok := ends[tp]; ok {
			ranges[tp] = logRange{start, end}
		}
	}
	return ranges, nil
}

// listOffsets sends one ListOffsets request for all parts at when (sarama.OffsetOldest or OffsetNewest)
// and returns the offsets of the partitions the broker answered for without error.
func listOffsets(br *sarama.Broker, parts []topicPartition, when int64) (map[topicPartition]int64, error) {
	req := sarama.NewOffsetRequest(protocolCeiling)
	for _, tp := range parts {
		req.AddBlock(tp.topic, tp.partition, when, 1)
	}
	resp, err := br.GetAvailableOffsets(req)
	if err != nil {
		return nil, err
	}
	offsets := make(map[topicPartition]int64, len(parts))
	for _, tp := range parts {
		block := resp.GetBlock(tp.topic, tp.partition)
		// sarama puts the offset first in Offsets for every version (v0 answered with a list).
		if block != nil && block.Err == sarama.ErrNoError && len(block.Offsets) > 0 {
			offsets[tp] = block.Offsets[0]
		}
	}
	return offsets, nil
}
