package kafka

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/backends"
)

const (
	// peekBudget bounds, roughly, the decoded messages one peek holds at a time over all its partitions:
	// each partition's chunks in the merge and waiting for it.
	peekBudget = 32 << 20
	// chunksAhead is how many fetched chunks may wait per partition while the merge works on another.
	chunksAhead = 2
	// A chunk is what one fetch gives one partition; its decoded size aims at the partition's share of
	// the budget, within these bounds.
	minChunk = 256 << 10
	maxChunk = 16 << 20
	// A partition's share of a Fetch request in bytes on the wire, which compression makes smaller than
	// the decoded chunk by a factor each stream learns as it reads.
	minPartitionFetch = 32 << 10
	maxPartitionFetch = 8 << 20
	// maxFetchBytes caps one Fetch answer, as the Java consumer's fetch.max.bytes does.
	maxFetchBytes = 50 << 20
	// followWait is how long a broker may hold a Fetch while nothing new has arrived. It is also the
	// longest a fetcher keeps its connection after its peek ended.
	followWait = 250 * time.Millisecond
	// Decoded size of a message beyond its key, body and headers (Message and sarama's Record), and of a
	// header beyond its key and value, for sizing chunks.
	messageOverhead = 256
	headerOverhead  = 112
)

// chunkTarget is the decoded size each of n partitions' chunks aims at.
func chunkTarget(n int) int {
	return min(max(peekBudget/(chunksAhead+1)/max(n, 1), minChunk), maxChunk)
}

// partStream is one partition's read.
type partStream struct {
	tp   topicPartition
	next int64 // the next offset to fetch; only its fetcher touches it once the peek runs
	stop int64 // the log end when the peek began: the merge in timestamp order ends here
	// fetchBytes is what the next Fetch asks for this partition, sized so its records decode to about
	// target bytes; high is the log end the last Fetch reported; cut says the last Fetch ended in a
	// batch cut short by fetchBytes.
	fetchBytes int32
	target     int
	high       int64
	cut        bool
	// chunks carries the records below stop, in offset order, and is closed at stop. Its capacity,
	// chunksAhead, bounds what is read ahead of the merge.
	chunks chan []backends.Message
}

// fetcher reads the partitions one broker leads, on a connection of its own, so that large fetches and
// long polls never hold up the backend's other requests.
type fetcher struct {
	addr       string
	topic      string
	isolation  sarama.IsolationLevel
	streams    []*partStream
	wake       chan struct{} // nudged when the merge takes a chunk of one of its streams
	headerKeys map[string]string
}

func newFetcher(addr, topic string, isolation sarama.IsolationLevel) *fetcher {
	return &fetcher{addr: addr, topic: topic, isolation: isolation, wake: make(chan struct{}, 1),
		headerKeys: make(map[string]string)}
}

func newStream(tp topicPartition, start, stop int64, target int) *partStream {
	return &partStream{tp: tp, next: start, stop: stop, target: target,
		// Start small, in case the records are highly compressed; resize grows it within a few fetches.
		fetchBytes: int32(min(max(target/8, minPartitionFetch), maxPartitionFetch)),
		chunks:     make(chan []backends.Message, chunksAhead)}
}

// resize sets the next fetch size from the last: asked bytes on the wire gave chunk, which decodes to
// about decoded bytes. It doubles when a batch too large for asked blocked all progress (brokers send
// an oversized batch whole only to the first partition of an answer), shrinks when the chunk overshot
// its target, and grows (at most fourfold) when it fell short while the partition had more to give.
func (s *partStream) resize(asked int32, decoded int) {
	if decoded == 0 && s.cut {
		s.fetchBytes = int32(min(2*int64(asked), maxFetchBytes))
		return
	}
	if decoded == 0 || decoded <= s.target && s.next >= s.high {
		return
	}
	want := int64(asked) * int64(s.target) / int64(decoded)
	want = min(want, 4*int64(asked))
	s.fetchBytes = int32(min(max(want, minPartitionFetch), maxPartitionFetch))
}

// decodedSize estimates the memory a chunk holds.
func decodedSize(chunk []backends.Message) int {
	n := 0
	for i := range chunk {
		m := &chunk[i]
		n += messageOverhead + len(m.Key) + len(m.Body)
		for _, h := range m.Headers {
			n += headerOverhead + len(h.Key) + len(h.Value)
		}
	}
	return n
}

// run reads every stream to its captured end; then, when following (live is not nil), reads on and
// hands everything to live once the whole peek has caught up.
func (f *fetcher) run(ctx context.Context, b *Backend, caughtUp <-chan struct{}, live chan<- []backends.Message) error {
	for _, s := range f.streams {
		if s.next >= s.stop {
			close(s.chunks)
		}
	}
	br, err := b.dial(f.addr)
	if err != nil {
		return err
	}
	defer br.Close()
	if err := f.catchUp(ctx, br); err != nil || live == nil {
		return err
	}
	select {
	case <-caughtUp:
		return f.follow(ctx, br, live)
	case <-ctx.Done():
		return nil
	}
}

// catchUp fetches, for the streams below their end that have room for a chunk, until every stream
// reached its end.
func (f *fetcher) catchUp(ctx context.Context, br *sarama.Broker) error {
	for {
		hungry, pending := f.hungry()
		if !pending {
			return nil
		}
		if len(hungry) == 0 {
			select {
			case <-f.wake:
				continue
			case <-ctx.Done():
				return nil
			}
		}
		resp, err := f.fetch(br, hungry, 0)
		if err != nil {
			return err
		}
		for _, s := range hungry {
			moved, err := f.deliver(resp, s)
			if err == nil && !moved && len(hungry) > 1 {
				// The partitions before it may have used up the answer's bytes: ask for it alone.
				moved, err = f.fetchAlone(br, s)
			}
			if err != nil {
				return err
			}
			if !moved && !s.cut { // nothing below stop can be read: compacted away, or empty batches
				s.next = s.stop
			}
			if s.next >= s.stop {
				close(s.chunks)
			}
		}
	}
}

// deliver hands what resp holds for s, up to its end, to the merge, and says whether s moved on.
func (f *fetcher) deliver(resp *sarama.FetchResponse, s *partStream) (moved bool, err error) {
	from, asked := s.next, s.fetchBytes
	chunk, err := f.take(resp, s, s.stop, nil)
	if err != nil {
		return false, err
	}
	s.resize(asked, decodedSize(chunk))
	if len(chunk) > 0 {
		s.chunks <- chunk // never blocks: the stream had room
	}
	return s.next != from, nil
}

func (f *fetcher) fetchAlone(br *sarama.Broker, s *partStream) (moved bool, err error) {
	resp, err := f.fetch(br, []*partStream{s}, 0)
	if err != nil {
		return false, err
	}
	return f.deliver(resp, s)
}

// hungry lists the streams that are below their end and have room for a chunk; pending says whether any
// stream is below its end at all.
func (f *fetcher) hungry() (hungry []*partStream, pending bool) {
	for _, s := range f.streams {
		if s.next < s.stop {
			pending = true
			// Only this fetcher sends on s.chunks, so room seen here is room when it sends.
			if len(s.chunks) < cap(s.chunks) {
				hungry = append(hungry, s)
			}
		}
	}
	return hungry, pending
}

// follow fetches everything new, with long polls, and hands it to live in the order it arrives.
func (f *fetcher) follow(ctx context.Context, br *sarama.Broker, live chan<- []backends.Message) error {
	for ctx.Err() == nil {
		began := time.Now()
		resp, err := f.fetch(br, f.streams, followWait)
		if err != nil {
			return err
		}
		var chunk []backends.Message
		for _, s := range f.streams {
			had, asked := len(chunk), s.fetchBytes
			if chunk, err = f.take(resp, s, math.MaxInt64, chunk); err != nil {
				return err
			}
			s.resize(asked, decodedSize(chunk[had:]))
		}
		if len(chunk) == 0 {
			// A broker holds a Fetch until data arrives or followWait passes; one that answers at once
			// with nothing must not make this spin.
			sleep(ctx, followWait-time.Since(began))
			continue
		}
		select {
		case live <- chunk:
		case <-ctx.Done():
		}
	}
	return nil
}

func (b *Backend) dial(addr string) (*sarama.Broker, error) {
	br := sarama.NewBroker(addr)
	if err := br.Open(b.conf); err != nil {
		return nil, atAddr(addr, err)
	}
	if _, err := br.Connected(); err != nil {
		br.Close()
		return nil, atAddr(addr, err)
	}
	return br, nil
}

// fetch sends one Fetch request for streams, each from its next offset.
func (f *fetcher) fetch(br *sarama.Broker, streams []*partStream, wait time.Duration) (*sarama.FetchResponse, error) {
	total := 0
	for _, s := range streams {
		total += int(s.fetchBytes)
	}
	req := &sarama.FetchRequest{
		Version:     12, // sarama lowers it to what the broker speaks
		MaxWaitTime: int32(wait / time.Millisecond),
		MinBytes:    1,
		MaxBytes:    int32(min(total, maxFetchBytes)),
		// Peeks read what is in the log, as the Java consumer does by default; moves read committed.
		Isolation: f.isolation,
		// Epoch -1 asks for a plain fetch: the broker keeps no fetch session for us.
		SessionEpoch: -1,
	}
	for _, s := range streams {
		req.AddBlock(f.topic, s.tp.partition, s.next, s.fetchBytes, -1)
	}
	resp, err := br.Fetch(req)
	if err != nil {
		return nil, fmt.Errorf("fetch from %s: %w", f.addr, err)
	}
	return resp, nil
}

// errOldFormat refuses logs written in the message format before Kafka 0.11, which this adapter does
// not decode.
var errOldFormat = errors.New("the partition holds messages in the format before Kafka 0.11, which mqscope does not read")

// take appends to chunk the records resp holds for s, from s.next up to (not including) limit, and
// moves s.next past what it read.
func (f *fetcher) take(resp *sarama.FetchResponse, s *partStream, limit int64, chunk []backends.Message) ([]backends.Message, error) {
	s.cut = false
	block := resp.GetBlock(f.topic, s.tp.partition)
	if block == nil {
		return chunk, nil
	}
	if err := fetchError(s, block.Err); err != nil {
		return chunk, err
	}
	s.high, s.cut = block.HighWaterMarkOffset, block.Partial
	records, headers := 0, 0
	for _, set := range block.RecordsSet {
		if set.RecordBatch == nil {
			if set.MsgSet != nil {
				return chunk, fmt.Errorf("partition %s: %w", s.tp, errOldFormat)
			}
			continue
		}
		records += len(set.RecordBatch.Records)
		for _, r := range set.RecordBatch.Records {
			headers += len(r.Headers)
		}
	}
	if chunk == nil {
		chunk = make([]backends.Message, 0, records)
	}
	// One allocation holds every header of the fetch; each message gets its own capped slice of it.
	hs := make([]backends.Header, headers)
	aborted := f.abortedIn(block)
	for _, set := range block.RecordsSet {
		batch := set.RecordBatch
		if batch == nil {
			continue
		}
		if batch.PartialTrailingRecord {
			s.cut = true // the rest comes with the next fetch
			break
		}
		last := batch.FirstOffset + int64(batch.LastOffsetDelta)
		// Transaction markers are not messages; nor, read committed, are aborted transactions' records.
		if skip := aborted.skips(batch); !batch.Control && !skip {
			for _, r := range batch.Records {
				offset := batch.FirstOffset + r.OffsetDelta
				if offset < s.next {
					continue // a batch starts before the offset asked for
				}
				if offset >= limit {
					s.next = limit
					return chunk, nil
				}
				chunk = append(chunk, backends.Message{})
				hs = f.fill(&chunk[len(chunk)-1], batch, r, offset, s.tp.partition, hs)
			}
		}
		s.next = max(s.next, last+1)
	}
	return chunk, nil
}

// abortFilter tells, in one partition's Fetch answer read committed, the batches of aborted
// transactions, as the Java consumer does: a producer's batches are skipped from the first offset of an
// aborted transaction of its until that transaction's abort marker.
type abortFilter struct {
	pending []*sarama.AbortedTransaction // by first offset, not yet reached
	active  map[int64]bool               // producers inside an aborted transaction
}

// abortedIn returns the filter for block, or nil when nothing needs filtering.
func (f *fetcher) abortedIn(block *sarama.FetchResponseBlock) *abortFilter {
	if f.isolation != sarama.ReadCommitted || len(block.AbortedTransactions) == 0 {
		return nil
	}
	pending := slices.SortedFunc(slices.Values(block.AbortedTransactions), func(x, y *sarama.AbortedTransaction) int {
		return cmp.Compare(x.FirstOffset, y.FirstOffset)
	})
	return &abortFilter{pending: pending, active: make(map[int64]bool)}
}

// skips says whether batch belongs to an aborted transaction; it must see every batch in offset order.
func (a *abortFilter) skips(batch *sarama.RecordBatch) bool {
	if a == nil {
		return false
	}
	last := batch.FirstOffset + int64(batch.LastOffsetDelta)
	for len(a.pending) > 0 && a.pending[0].FirstOffset <= last {
		a.active[a.pending[0].ProducerID] = true
		a.pending = a.pending[1:]
	}
	if batch.Control {
		if isAbortMarker(batch) {
			delete(a.active, batch.ProducerID)
		}
		return false
	}
	return batch.IsTransactional && a.active[batch.ProducerID]
}

// isAbortMarker reads a control batch's record key: a version, then the type, 0 for abort.
func isAbortMarker(batch *sarama.RecordBatch) bool {
	if len(batch.Records) == 0 || len(batch.Records[0].Key) < 4 {
		return false
	}
	return binary.BigEndian.Uint16(batch.Records[0].Key[2:4]) == 0
}

// fill makes m the message of one record, its headers taken from the front of hs; it returns the rest.
func (f *fetcher) fill(m *backends.Message, batch *sarama.RecordBatch, r *sarama.Record, offset int64, partition int32,
	hs []backends.Header) []backends.Header {
	m.Destination, m.Partition, m.Offset, m.Key, m.Body = f.topic, partition, offset, r.Key, r.Value
	switch {
	case batch.LogAppendTime:
		m.Timestamp = batch.MaxTimestamp
	case !batch.FirstTimestamp.IsZero(): // zero: the producer set none
		m.Timestamp = batch.FirstTimestamp.Add(r.TimestampDelta)
	}
	if n := len(r.Headers); n > 0 {
		m.Headers = hs[:n:n]
		for i, h := range r.Headers {
			m.Headers[i] = backends.Header{Key: f.headerKey(h.Key), Value: h.Value}
		}
		m.Origin = backends.ParseOrigin(m.Headers)
		hs = hs[n:]
	}
	return hs
}

// headerKey returns key as a string, shared with every earlier header of the same name: topics repeat a
// handful of header names millions of times.
func (f *fetcher) headerKey(key []byte) string {
	if k, ok := f.headerKeys[string(key)]; ok { // this lookup does not allocate
		return k
	}
	k := string(key)
	if len(f.headerKeys) < 1024 {
		f.headerKeys[k] = k
	}
	return k
}

// fetchError says what a partition error in a Fetch answer means for a peek.
func fetchError(s *partStream, kerr sarama.KError) error {
	switch kerr {
	case sarama.ErrNoError:
		return nil
	case sarama.ErrOffsetOutOfRange:
		return fmt.Errorf("partition %s: offset %d is no longer held (records were deleted while reading); peek again",
			s.tp, s.next)
	case sarama.ErrNotLeaderForPartition, sarama.ErrLeaderNotAvailable, sarama.ErrUnknownTopicOrPartition,
		sarama.ErrFencedLeaderEpoch, sarama.ErrUnknownLeaderEpoch:
		return fmt.Errorf("partition %s: its leader moved while reading (%w); peek again", s.tp, kerr)
	default:
		return fmt.Errorf("partition %s: %w", s.tp, kerr)
	}
}
