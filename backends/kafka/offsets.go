package kafka

import (
	"fmt"
	"strings"

	"github.com/IBM/sarama"
	"golang.org/x/sync/errgroup"
)

type topicPartition struct {
	topic     string
	partition int32
}

func (tp topicPartition) String() string { return fmt.Sprintf("%s/%d", tp.topic, tp.partition) }

// logRange is a partition's log start offset and log end offset (high watermark).
type logRange struct{ start, end int64 }

func (r logRange) count() int64 { return max(r.end-r.start, 0) }

// logRanges asks the leaders of parts for their log start and end offsets: per leader, one ListOffsets
// request for the start offsets of all its partitions and one for the end offsets, every request at
// once. Offline partitions have no leader to ask and no range; nor has a partition its leader failed to
// answer for (it lost leadership a moment ago).
func (b *Backend) logRanges(m *meter, t *topology, parts []topicPartition) (map[topicPartition]logRange, error) {
	var starts, ends map[topicPartition]int64
	var g errgroup.Group
	g.Go(func() (err error) {
		starts, err = b.offsetsAt(m, t, parts, sarama.OffsetOldest)
		return err
	})
	g.Go(func() (err error) {
		ends, err = b.offsetsAt(m, t, parts, sarama.OffsetNewest)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	ranges := make(map[topicPartition]logRange, len(ends))
	for tp, start := range starts {
		if end, ok := ends[tp]; ok {
			ranges[tp] = logRange{start, end}
		}
	}
	return ranges, nil
}

// offsetsAt asks the leaders of parts, one ListOffsets request per leader and all leaders at once, for
// the offset at `at`: sarama.OffsetOldest (the log start), sarama.OffsetNewest (the log end) or a time in
// Unix milliseconds (the first offset whose timestamp is at or after it, or -1 where there is none).
// Partitions that have no leader, or that their leader failed to answer for, are missing from the result.
func (b *Backend) offsetsAt(m *meter, t *topology, parts []topicPartition, at int64) (map[topicPartition]int64, error) {
	return b.offsetsAtLevel(m, t, parts, at, sarama.ReadUncommitted)
}

// stableEnds returns the last stable offsets of parts: the end a read_committed consumer reads up to,
// before the first record of a transaction still open.
func (b *Backend) stableEnds(t *topology, parts []topicPartition) (map[topicPartition]int64, error) {
	return b.offsetsAtLevel(nil, t, parts, sarama.OffsetNewest, sarama.ReadCommitted)
}

// offsetsAtLevel is offsetsAt at an isolation level, which only changes the answer for the log end.
func (b *Backend) offsetsAtLevel(m *meter, t *topology, parts []topicPartition, at int64,
	isolation sarama.IsolationLevel) (map[topicPartition]int64, error) {
	byLeader, err := t.byLeader(parts)
	if err != nil {
		return nil, err
	}
	type job struct {
		addr  string
		parts []topicPartition
	}
	jobs := make([]job, 0, len(byLeader))
	for addr, parts := range byLeader {
		jobs = append(jobs, job{addr, parts})
	}
	results := make([]map[topicPartition]int64, len(jobs))
	var g errgroup.Group
	for i, j := range jobs {
		g.Go(func() (err error) {
			results[i], err = b.listOffsets(m, j.addr, j.parts, at, isolation)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	offsets := make(map[topicPartition]int64, len(parts))
	for _, r := range results {
		for tp, o := range r {
			offsets[tp] = o
		}
	}
	return offsets, nil
}

// listOffsets sends one ListOffsets request for all parts at `at` to their leader at addr and returns
// the offsets of the partitions it answered for without error.
func (b *Backend) listOffsets(m *meter, addr string, parts []topicPartition, at int64,
	isolation sarama.IsolationLevel) (map[topicPartition]int64, error) {
	req := sarama.NewOffsetRequest(protocolCeiling)
	req.IsolationLevel = isolation
	for _, tp := range parts {
		req.AddBlock(tp.topic, tp.partition, at, 1)
	}
	var resp *sarama.OffsetResponse
	err := b.request(m, addr, func(br *sarama.Broker) (err error) {
		resp, err = br.GetAvailableOffsets(req)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ListOffsets: %w", err)
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

// missing names the partitions of parts that have no entry in got, or says nothing when none is missing.
func missing[V any](parts []topicPartition, got map[topicPartition]V) error {
	var names []string
	for _, tp := range parts {
		if _, ok := got[tp]; !ok {
			names = append(names, tp.String())
		}
	}
	if len(names) == 0 {
		return nil
	}
	if len(names) > 5 {
		names = append(names[:5], fmt.Sprintf("and %d more", len(names)-5))
	}
	return fmt.Errorf("no leader answered for partition %s (leadership may be moving; try again)", strings.Join(names, ", "))
}
