package kafka

import (
	"context"
	"fmt"
	"time"

	"github.com/IBM/sarama"
	"golang.org/x/sync/errgroup"

	"github.com/mqscope/mqscope/backends"
)

// datingFetchBytes is what one position may bring back: a record batch or two, enough to reach the record
// at the offset in all but batches of large records (those stay undated, and their lag an estimate).
const datingFetchBytes = 32 << 10

// RecordTimes dates the records at the given positions: per partition leader, all at once, one Fetch
// request that asks each position for a few kilobytes and waits for nothing.
func (b *Backend) RecordTimes(ctx context.Context, at []backends.RecordPosition) (map[backends.RecordPosition]time.Time, error) {
	times, err := await(ctx, func() (map[backends.RecordPosition]time.Time, error) { return b.recordTimes(at) })
	if err != nil {
		return nil, fmt.Errorf("date records at %s: %w", b.address, err)
	}
	return times, nil
}

func (b *Backend) recordTimes(at []backends.RecordPosition) (map[backends.RecordPosition]time.Time, error) {
	t, err := b.cachedMetadata(nil)
	if err != nil {
		return nil, err
	}
	offsets := make(map[topicPartition]int64, len(at))
	parts := make([]topicPartition, 0, len(at))
	for _, p := range at {
		tp := topicPartition{p.Topic, p.Partition}
		if _, dup := offsets[tp]; !dup {
			parts = append(parts, tp)
		}
		offsets[tp] = p.Offset // one position per partition: a partition appears once in a Fetch
	}
	byLeader, err := t.byLeader(parts)
	if err != nil {
		return nil, err
	}
	answers := make([]map[backends.RecordPosition]time.Time, 0, len(byLeader))
	var g errgroup.Group
	for addr, parts := range byLeader {
		answers = append(answers, nil)
		slot := &answers[len(answers)-1]
		g.Go(func() (err error) {
			*slot, err = b.dateAt(addr, parts, offsets)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	times := make(map[backends.RecordPosition]time.Time, len(at))
	for _, a := range answers {
		for p, ts := range a {
			times[p] = ts
		}
	}
	return times, nil
}

// datingRetries bounds the positions per leader and call that the first Fetch did not reach (their batch
// was larger than the room asked for, or the answer filled up before them) and are asked again alone.
const datingRetries = 8

// dateAt sends one Fetch to the leader at addr for parts, each from its offset, and dates the first record
// at or after it; positions inside a batch larger than datingFetchBytes are asked again one by one.
func (b *Backend) dateAt(addr string, parts []topicPartition, offsets map[topicPartition]int64) (map[backends.RecordPosition]time.Time, error) {
	times := make(map[backends.RecordPosition]time.Time, len(parts))
	cut, err := b.dateFetch(addr, parts, offsets, datingFetchBytes, times)
	if err != nil {
		return nil, err
	}
	for _, tp := range cut[:min(len(cut), datingRetries)] {
		// Alone in its Fetch, the first batch comes back whole however large it is (KIP-74).
		if _, err := b.dateFetch(addr, []topicPartition{tp}, offsets, maxPartitionFetch, times); err != nil {
			return nil, err
		}
	}
	return times, nil
}

// dateFetch sends one Fetch for parts and adds what it dates to times; cut lists the partitions whose
// answer held no record at or after the position, or nothing at all (a broker stops filling an answer at
// its size, and sends a first large batch whole).
func (b *Backend) dateFetch(addr string, parts []topicPartition, offsets map[topicPartition]int64, each int32,
	times map[backends.RecordPosition]time.Time) (cut []topicPartition, err error) {
	req := &sarama.FetchRequest{
		Version:      12, // sarama lowers it to what the broker speaks
		MaxBytes:     int32(min(len(parts)*int(each), maxFetchBytes)),
		SessionEpoch: -1, // no fetch session: a plain, immediate answer
	}
	for _, tp := range parts {
		req.AddBlock(tp.topic, tp.partition, offsets[tp], each, -1)
	}
	var resp *sarama.FetchResponse
	err = b.request(nil, addr, func(br *sarama.Broker) (err error) {
		resp, err = br.Fetch(req)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("Fetch: %w", err)
	}
	for _, tp := range parts {
		block := resp.GetBlock(tp.topic, tp.partition)
		switch {
		case block == nil: // the answer was full before it came to this partition
			cut = append(cut, tp)
			continue
		case block.Err != sarama.ErrNoError:
			continue
		}
		switch ts, found := firstRecordTime(block, offsets[tp]); {
		case found && !ts.IsZero():
			times[backends.RecordPosition{Topic: tp.topic, Partition: tp.partition, Offset: offsets[tp]}] = ts
		case !found:
			cut = append(cut, tp)
		}
	}
	return cut, nil
}

// firstRecordTime is the timestamp of the first record at or after offset that block holds, skipping
// transaction markers, which are not records anyone consumes; found is false when block holds none (the
// time is zero when the producer set none).
func firstRecordTime(block *sarama.FetchResponseBlock, offset int64) (ts time.Time, found bool) {
	for _, set := range block.RecordsSet {
		batch := set.RecordBatch
		if batch == nil || batch.Control || batch.PartialTrailingRecord {
			continue
		}
		for _, r := range batch.Records {
			if batch.FirstOffset+r.OffsetDelta < offset {
				continue
			}
			switch {
			case batch.LogAppendTime:
				return batch.MaxTimestamp, true
			case !batch.FirstTimestamp.IsZero():
				return batch.FirstTimestamp.Add(r.TimestampDelta), true
			}
			return time.Time{}, true
		}
	}
	return time.Time{}, false
}
