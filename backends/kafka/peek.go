package kafka

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/backends"
)

// Peek reads a topic without consuming it: it joins no group and commits nothing, so no consumer of the
// topic can tell it happened.
//
// It asks each partition's leader for the log start and end (and, for a time, the offset at that time),
// then reads on a connection of its own per leader, every partition of a leader in one Fetch request.
// Several partitions are merged in timestamp order (ties broken by partition, then offset) up to the log
// ends captured at the start; with req.Follow it then hands over what arrives, as it arrives. Memory
// stays bounded however much is read: a fetcher asks only for partitions with room for another chunk
// (chunksAhead wait per partition), and sizes each so that it decodes to the partition's share of
// peekBudget.
//
// Messages share the fetched buffers: their bytes stay valid after emit returns, and are never reused.
func (b *Backend) Peek(ctx context.Context, req backends.PeekRequest, emit func(backends.Message) error) error {
	plan, err := await(ctx, func() (*peekPlan, error) { return b.planPeek(req) })
	if err != nil {
		b.forgetMetadata()
		return err
	}
	return b.read(ctx, plan, req.Limit, req.Follow, emit)
}

// read carries out a plan: up to limit messages (0: no limit) to emit, merged in timestamp order, up to
// the planned ends and then, when following, as they arrive.
func (b *Backend) read(ctx context.Context, plan *peekPlan, limit int, follow bool, emit func(backends.Message) error) error {
	if !follow && plan.nothingToRead() {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the fetchers, which close their connections
	r := newPeekRun(plan, limit, follow)
	for _, f := range plan.fetchers {
		go func() {
			if err := f.run(ctx, b, r.caughtUp, r.live); err != nil && ctx.Err() == nil {
				r.errs <- err // buffered for every fetcher: never blocks
			}
		}()
	}
	err := r.merge(ctx, emit)
	if err == nil && follow {
		err = r.tail(ctx, emit)
	}
	if errors.Is(err, errLimitReached) {
		return nil
	}
	return err
}

// peekPlan is where each partition's read starts and where its catch-up ends, and who fetches it.
type peekPlan struct {
	streams  []*partStream // sorted by partition
	fetchers []*fetcher    // one per leader
}

func (p *peekPlan) nothingToRead() bool {
	for _, s := range p.streams {
		if s.next < s.stop {
			return false
		}
	}
	return true
}

func (b *Backend) planPeek(req backends.PeekRequest) (*peekPlan, error) {
	t, tm, err := b.topicMetadata(nil, req.Destination)
	if err != nil {
		return nil, err
	}
	parts, err := partitionsOf(tm, req.Partitions)
	if err != nil {
		return nil, err
	}
	ranges, err := b.logRanges(nil, t, parts)
	if err == nil {
		err = missing(parts, ranges)
	}
	if err != nil {
		return nil, err
	}
	starts, err := b.startOffsets(t, parts, ranges, req.From)
	if err != nil {
		return nil, err
	}
	ends := make(map[topicPartition]int64, len(ranges))
	for tp, r := range ranges {
		ends[tp] = r.end
	}
	return planRead(t, req.Destination, parts, starts, ends, sarama.ReadUncommitted)
}

// planRead plans reading parts of topic from starts to ends, one fetcher per leader, at the given
// isolation level.
func planRead(t *topology, topic string, parts []topicPartition, starts, ends map[topicPartition]int64,
	isolation sarama.IsolationLevel) (*peekPlan, error) {
	byLeader, err := t.byLeader(parts)
	if err != nil {
		return nil, err
	}
	target := chunkTarget(len(parts))
	plan := &peekPlan{}
	streamOf := make(map[topicPartition]*partStream, len(parts))
	for _, tp := range parts {
		s := newStream(tp, starts[tp], ends[tp], target)
		plan.streams = append(plan.streams, s)
		streamOf[tp] = s
	}
	for addr, led := range byLeader {
		f := newFetcher(addr, topic, isolation)
		for _, tp := range led {
			f.streams = append(f.streams, streamOf[tp])
		}
		plan.fetchers = append(plan.fetchers, f)
	}
	return plan, nil
}

// startOffsets says where each partition's read starts, within [log start, log end].
func (b *Backend) startOffsets(t *topology, parts []topicPartition, ranges map[topicPartition]logRange,
	from backends.Position) (map[topicPartition]int64, error) {
	var atTime map[topicPartition]int64
	switch from.Kind {
	case backends.AtTime:
		var err error
		if atTime, err = b.offsetsAt(nil, t, parts, max(from.Time.UnixMilli(), 0)); err != nil {
			return nil, err
		}
		if err := missing(parts, atTime); err != nil {
			return nil, err
		}
	case backends.LastN:
		if from.N < 1 {
			return nil, fmt.Errorf("the last %d messages: want at least 1", from.N)
		}
	case backends.Earliest, backends.Latest, backends.AtOffset:
	default:
		return nil, fmt.Errorf("unknown start position %d", from.Kind)
	}
	starts := make(map[topicPartition]int64, len(parts))
	for _, tp := range parts {
		r := ranges[tp]
		var at int64
		switch from.Kind {
		case backends.Earliest:
			at = r.start
		case backends.Latest:
			at = r.end
		case backends.AtOffset:
			at = from.Offset
		case backends.LastN:
			at = r.end - int64(from.N)
		case backends.AtTime:
			at = atTime[tp]
			if at < 0 { // no record that new
				at = r.end
			}
		}
		starts[tp] = min(max(at, r.start), r.end)
	}
	return starts, nil
}

// errLimitReached ends a peek that handed over req.Limit messages.
var errLimitReached = errors.New("limit reached")

// peekRun is the reading side of one peek: it merges the partitions' chunks and hands messages to emit.
type peekRun struct {
	streams  []*partStream
	wakes    map[*partStream]chan struct{} // the fetcher to nudge when a stream's chunk is taken
	limit    int
	emitted  int
	errs     chan error              // fetchers' failures
	caughtUp chan struct{}           // closed once every partition reached its captured end
	live     chan []backends.Message // what fetchers read after catching up, in arrival order; nil unless following
}

func newPeekRun(plan *peekPlan, limit int, follow bool) *peekRun {
	r := &peekRun{
		streams: plan.streams, wakes: make(map[*partStream]chan struct{}, len(plan.streams)),
		limit: limit, errs: make(chan error, len(plan.fetchers)),
		caughtUp: make(chan struct{}),
	}
	if follow {
		r.live = make(chan []backends.Message)
	}
	for _, f := range plan.fetchers {
		for _, s := range f.streams {
			r.wakes[s] = f.wake
		}
	}
	return r
}

func (r *peekRun) emit(emit func(backends.Message) error, m backends.Message) error {
	if err := emit(m); err != nil {
		return err
	}
	r.emitted++
	if r.limit > 0 && r.emitted >= r.limit {
		return errLimitReached
	}
	return nil
}

// merge hands over every partition's records up to its captured end, in timestamp order: a k-way merge
// over the partitions' current chunks, holding one chunk per partition plus what fetchers read ahead.
func (r *peekRun) merge(ctx context.Context, emit func(backends.Message) error) error {
	h := make(cursorHeap, 0, len(r.streams))
	for _, s := range r.streams {
		c := &cursor{stream: s}
		more, err := r.refill(ctx, c)
		if err != nil {
			return err
		}
		if more {
			h = append(h, c)
		}
	}
	heap.Init(&h)
	for len(h) > 0 {
		c := h[0]
		if len(h) == 1 { // the last partition standing needs no comparing
			if err := r.drain(ctx, c, emit); err != nil {
				return err
			}
			break
		}
		if err := r.emit(emit, c.chunk[c.i]); err != nil {
			return err
		}
		c.i++
		if c.i < len(c.chunk) {
			heap.Fix(&h, 0)
			continue
		}
		more, err := r.refill(ctx, c)
		if err != nil {
			return err
		}
		if more {
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
	}
	close(r.caughtUp)
	return nil
}

// drain hands over the rest of one partition.
func (r *peekRun) drain(ctx context.Context, c *cursor, emit func(backends.Message) error) error {
	for {
		for ; c.i < len(c.chunk); c.i++ {
			if err := r.emit(emit, c.chunk[c.i]); err != nil {
				return err
			}
		}
		more, err := r.refill(ctx, c)
		if !more || err != nil {
			return err
		}
	}
}

// refill moves c to its partition's next chunk, and reports false when the partition has no more
// below its captured end.
func (r *peekRun) refill(ctx context.Context, c *cursor) (bool, error) {
	select {
	case chunk, ok := <-c.stream.chunks:
		if !ok {
			return false, nil
		}
		c.chunk, c.i = chunk, 0
		nudge(r.wakes[c.stream]) // there is room for another chunk now
		return true, nil
	case err := <-r.errs:
		return false, err
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// tail hands over what the fetchers read after catching up, as it arrives, until ctx ends.
func (r *peekRun) tail(ctx context.Context, emit func(backends.Message) error) error {
	for {
		select {
		case chunk := <-r.live:
			for _, m := range chunk {
				if err := r.emit(emit, m); err != nil {
					return err
				}
			}
		case err := <-r.errs:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// cursor is the merge's place in one partition: its current chunk and the next message in it.
type cursor struct {
	stream *partStream
	chunk  []backends.Message
	i      int
}

// cursorHeap orders cursors by their next message: timestamp, then partition, then offset.
type cursorHeap []*cursor

func (h cursorHeap) Len() int { return len(h) }
func (h cursorHeap) Less(i, j int) bool {
	a, b := &h[i].chunk[h[i].i], &h[j].chunk[h[j].i]
	if c := a.Timestamp.Compare(b.Timestamp); c != 0 {
		return c < 0
	}
	if a.Partition != b.Partition {
		return a.Partition < b.Partition
	}
	return a.Offset < b.Offset
}
func (h cursorHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *cursorHeap) Push(x any)   { *h = append(*h, x.(*cursor)) }
func (h *cursorHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}

// nudge wakes whoever waits on ch, without waiting if nobody does.
func nudge(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
