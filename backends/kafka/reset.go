package kafka

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/IBM/sarama"
	"golang.org/x/sync/errgroup"

	"github.com/mqscope/mqscope/backends"
)

// PartitionBounds returns the log start and end of the topic's partitions (all of them when parts is
// empty), sorted by partition: one ListOffsets request per leader for the starts and one for the ends.
func (b *Backend) PartitionBounds(ctx context.Context, topic string, parts []int32) ([]backends.PartitionBounds, error) {
	bounds, err := await(ctx, func() ([]backends.PartitionBounds, error) {
		t, tps, err := b.topicPartitions(topic, parts)
		if err != nil {
			return nil, err
		}
		ranges, err := b.logRanges(nil, t, tps)
		if err == nil {
			err = missing(tps, ranges)
		}
		if err != nil {
			return nil, err
		}
		bounds := make([]backends.PartitionBounds, len(tps))
		for i, tp := range tps {
			bounds[i] = backends.PartitionBounds{Partition: tp.partition, Start: ranges[tp].start, End: ranges[tp].end}
		}
		return bounds, nil
	})
	return bounds, b.failed("read the log offsets of topic "+topic, err)
}

// OffsetsForTime returns, per partition, the first offset whose timestamp is at or after t, or the log
// end where no record is that new: one ListOffsets request per leader, and one more per leader for the
// log ends when some partition has no record that new.
func (b *Backend) OffsetsForTime(ctx context.Context, topic string, parts []int32, t time.Time) (map[int32]int64, error) {
	offsets, err := await(ctx, func() (map[int32]int64, error) {
		topo, tps, err := b.topicPartitions(topic, parts)
		if err != nil {
			return nil, err
		}
		at, err := b.offsetsAt(nil, topo, tps, max(t.UnixMilli(), 0))
		if err == nil {
			err = missing(tps, at)
		}
		if err != nil {
			return nil, err
		}
		var none []topicPartition // partitions with no record that new
		for _, tp := range tps {
			if at[tp] < 0 {
				none = append(none, tp)
			}
		}
		if len(none) > 0 {
			ends, err := b.offsetsAt(nil, topo, none, sarama.OffsetNewest)
			if err == nil {
				err = missing(none, ends)
			}
			if err != nil {
				return nil, err
			}
			maps.Copy(at, ends)
		}
		offsets := make(map[int32]int64, len(at))
		for tp, o := range at {
			offsets[tp.partition] = o
		}
		return offsets, nil
	})
	return offsets, b.failed(fmt.Sprintf("look up offsets of topic %s at %s", topic, t.Format(time.RFC3339)), err)
}

// CommitOffsets commits offsets for group in one OffsetCommit request to its coordinator, as a client
// outside the group: generation -1 and no member id. The broker accepts that only while the group has no
// members; its refusal comes back wrapping backends.ErrGroupActive.
func (b *Backend) CommitOffsets(ctx context.Context, group string, offsets map[backends.TopicPartition]int64) error {
	if len(offsets) == 0 {
		return nil
	}
	_, err := await(ctx, func() (struct{}, error) { return struct{}{}, b.commitOffsets(group, offsets) })
	return b.failed(fmt.Sprintf("commit offsets of group %q", group), err)
}

func (b *Backend) commitOffsets(group string, offsets map[backends.TopicPartition]int64) error {
	addr, err := b.coordinator(group)
	if err != nil {
		return err
	}
	req := sarama.NewOffsetCommitRequest(b.conf, group) // generation -1, no member: a simple commit
	for tp, offset := range offsets {
		// Leader epoch -1: unknown, as kafka-consumer-groups commits resets, so that consumers do not
		// take the new offset for a sign of log truncation.
		req.AddBlockWithLeaderEpoch(tp.Topic, tp.Partition, offset, -1, 0, "")
	}
	var resp *sarama.OffsetCommitResponse
	err = b.request(nil, addr, func(br *sarama.Broker) (err error) {
		resp, err = br.CommitOffset(req)
		return err
	})
	if err != nil {
		return fmt.Errorf("OffsetCommit: %w", err)
	}
	return commitError(resp)
}

// commitError sums up the partitions the coordinator refused, or says nothing when it took them all.
func commitError(resp *sarama.OffsetCommitResponse) error {
	var refused []string
	var first sarama.KError
	for _, topic := range slices.Sorted(maps.Keys(resp.Errors)) {
		for _, p := range slices.Sorted(maps.Keys(resp.Errors[topic])) {
			if kerr := resp.Errors[topic][p]; kerr != sarama.ErrNoError {
				refused = append(refused, fmt.Sprintf("%s/%d", topic, p))
				if first == sarama.ErrNoError {
					first = kerr
				}
			}
		}
	}
	switch first {
	case sarama.ErrNoError:
		return nil
	case sarama.ErrUnknownMemberId, sarama.ErrIllegalGeneration, sarama.ErrRebalanceInProgress,
		sarama.ErrFencedInstancedId:
		return fmt.Errorf("%w: the broker refuses to move offsets while the group has members (%v); stop its consumers, then try again",
			backends.ErrGroupActive, first)
	}
	return fmt.Errorf("the broker refused %s: %w", strings.Join(refused, ", "), first)
}

// coordinator finds the broker that coordinates group, with one FindCoordinator request.
func (b *Backend) coordinator(group string) (string, error) {
	var resp *sarama.FindCoordinatorResponse
	err := b.onAnyBroker(nil, func(br *sarama.Broker) (err error) {
		resp, err = br.FindCoordinator(&sarama.FindCoordinatorRequest{
			Version: 2, CoordinatorKey: group, CoordinatorType: sarama.CoordinatorGroup,
		})
		if err == nil && resp.Err != sarama.ErrNoError {
			err = resp.Err
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("find the coordinator of group %q: %w", group, err)
	}
	return resp.Coordinator.Addr(), nil
}

// Truncate deletes the topic's records before the given offset of each partition (DeleteRecords, one
// request per partition leader, all at once). An offset of -1 deletes up to the log end.
func (b *Backend) Truncate(ctx context.Context, topic string, before map[int32]int64) error {
	if len(before) == 0 {
		return nil
	}
	if err := b.require("deleting records", needsDeleteRecords); err != nil {
		return err
	}
	_, err := await(ctx, func() (struct{}, error) { return struct{}{}, b.truncate(topic, before) })
	return b.failed("delete records of topic "+topic, err)
}

func (b *Backend) truncate(topic string, before map[int32]int64) error {
	t, tps, err := b.topicPartitions(topic, slices.Collect(maps.Keys(before)))
	if err != nil {
		return err
	}
	byLeader, err := t.byLeader(tps)
	if err != nil {
		return err
	}
	var led []topicPartition
	for _, parts := range byLeader {
		led = append(led, parts...)
	}
	if err := missing(tps, asSet(led)); err != nil {
		return err
	}
	var g errgroup.Group
	for addr, parts := range byLeader {
		g.Go(func() error { return b.deleteRecords(addr, topic, parts, before) })
	}
	return g.Wait()
}

func asSet(parts []topicPartition) map[topicPartition]bool {
	set := make(map[topicPartition]bool, len(parts))
	for _, tp := range parts {
		set[tp] = true
	}
	return set
}

// deleteRecords sends one DeleteRecords request for the partitions the broker at addr leads.
func (b *Backend) deleteRecords(addr, topic string, parts []topicPartition, before map[int32]int64) error {
	offsets := make(map[int32]int64, len(parts))
	for _, tp := range parts {
		offsets[tp.partition] = before[tp.partition]
	}
	req := &sarama.DeleteRecordsRequest{
		Version: 1, Timeout: b.conf.Net.ReadTimeout / 2, // answered before the connection gives up
		Topics: map[string]*sarama.DeleteRecordsRequestTopic{topic: {PartitionOffsets: offsets}},
	}
	var resp *sarama.DeleteRecordsResponse
	err := b.request(nil, addr, func(br *sarama.Broker) (err error) {
		resp, err = br.DeleteRecords(req)
		return err
	})
	if err != nil {
		return fmt.Errorf("DeleteRecords: %w", err)
	}
	var errs []error
	for _, tp := range parts {
		var kerr error = errors.New("no answer")
		if rt := resp.Topics[topic]; rt != nil && rt.Partitions[tp.partition] != nil {
			kerr = rt.Partitions[tp.partition].Err
		}
		switch {
		case kerr == sarama.ErrNoError:
		case errors.Is(kerr, sarama.ErrOffsetOutOfRange):
			errs = append(errs, fmt.Errorf("partition %s: offset %d is outside its log (past the end?)", tp, before[tp.partition]))
		default:
			errs = append(errs, fmt.Errorf("partition %s: %w", tp, kerr))
		}
	}
	return errors.Join(errs...)
}

// topicPartitions returns the metadata to reach topic's partitions parts (all when parts is empty).
func (b *Backend) topicPartitions(topic string, parts []int32) (*topology, []topicPartition, error) {
	t, tm, err := b.topicMetadata(nil, topic)
	if err != nil {
		return nil, nil, err
	}
	tps, err := partitionsOf(tm, parts)
	return t, tps, err
}

// failed wraps what went wrong doing what, and forgets the kept metadata, which may be what is stale.
func (b *Backend) failed(what string, err error) error {
	if err == nil {
		return nil
	}
	b.forgetMetadata()
	if errors.Is(err, context.DeadlineExceeded) {
		b.abandoned()
	}
	return fmt.Errorf("%s at %s: %w", what, b.address, err)
}
