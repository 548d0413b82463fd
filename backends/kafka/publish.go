package kafka

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/kafka/murmur2"
)

// Publish sends msgs and waits until every in-sync replica has each one (acks=all), through an
// idempotent producer, so that retries never write a record twice. Each message goes to the partition
// its target pins, else where the Java client puts its key (murmur2.Partition), else to the partitions
// in turn, a run of keylessRun at a time. Key, headers, body and timestamp are written as given, nil kept
// apart from empty. A topic that does not exist is an error naming it: Publish never creates topics. A
// message larger than its topic takes (its max.message.bytes) fails alone.
//
// Messages go out in batches, many to a produce request and every broker's requests at once, and calls
// may overlap. It returns one error per message (nil where the brokers took it). The batch error says
// that nothing can be said: the producer could not start, or ctx ended while messages were in flight,
// which may still land.
//
// The producer is franz-go's (kgo), not sarama's: sarama's AsyncProducer passes every message through
// four goroutines and back, and cost 3.6 times kcat's wall time for 100,000 messages; kgo's batches
// per partition with a promise per record cost about 1.2 times. Everything else the adapter does stays
// on sarama.
func (b *Backend) Publish(ctx context.Context, msgs []backends.Outgoing) ([]error, error) {
	wait, err := b.Send(ctx, msgs)
	if err != nil {
		return nil, err
	}
	return wait()
}

// Send hands msgs to the producer as Publish does, after those of earlier calls, and returns the wait
// for their confirmations. Calls may overlap; each waits only for its own messages.
func (b *Backend) Send(ctx context.Context, msgs []backends.Outgoing) (func() ([]error, error), error) {
	b.sendMu.Lock() // messages go in in the order of the calls
	defer b.sendMu.Unlock()
	if err := b.require("publishing with acks=all and idempotence", needsProducerIDs); err != nil {
		return nil, err
	}
	call := &publishCall{errs: make([]error, len(msgs)), done: make(chan struct{})}
	recs, err := b.prepare(ctx, msgs, call)
	if err != nil {
		return nil, fmt.Errorf("publish to Kafka at %s: %w (nothing of this batch was sent)", b.address, err)
	}
	if len(recs) == 0 {
		return func() ([]error, error) { return call.errs, nil }, nil
	}
	p, err := b.producer(ctx)
	if err != nil {
		return nil, fmt.Errorf("publish to Kafka at %s: %w (nothing of this batch was sent)", b.address, err)
	}
	call.left.Store(int64(len(recs))) // all of them before any is sent: done closes once
	for _, r := range recs {
		p.Produce(ctx, r, call.settle)
		if err := ctx.Err(); err != nil { // the rest fail at once with ctx's error
			return nil, fmt.Errorf("publish to Kafka at %s: %w (messages in flight may still land)", b.address, err)
		}
	}
	return func() ([]error, error) {
		select {
		case <-call.done:
			return call.errs, nil
		case <-ctx.Done():
			return nil, fmt.Errorf("publish to Kafka at %s: %w (messages in flight may still land)", b.address, ctx.Err())
		}
	}, nil
}

// prepare makes the records of msgs in call.recs and returns those that can go; it sets the errors of
// those that cannot. It fails, sending nothing, when ctx ends while the cluster does not answer.
func (b *Backend) prepare(ctx context.Context, msgs []backends.Outgoing, call *publishCall) ([]*kgo.Record, error) {
	call.recs = make([]kgo.Record, len(msgs)) // one allocation for all of them
	out := make([]*kgo.Record, 0, len(msgs))
	var targets targetCache
	now := time.Now() // the timestamp of every message that has none: the clock is slow to read
	for i, o := range msgs {
		d, err := targets.get(ctx, b, o.Target)
		if err != nil {
			return nil, err
		}
		partition, err := d.partition(b, o.Target, o.Message.Key)
		if err != nil {
			call.errs[i] = err
			continue
		}
		if call.errs[i] = tooLarge(o.Target.Destination, o.Message, d.limit); call.errs[i] != nil {
			continue
		}
		r := &call.recs[i]
		setRecord(r, o.Target.Destination, partition, o.Message)
		if r.Timestamp.IsZero() {
			r.Timestamp = now
		}
		out = append(out, r)
	}
	return out, nil
}

// setRecord makes r, a zero record, m as it goes to a partition of topic.
func setRecord(r *kgo.Record, topic string, partition int32, m backends.Message) {
	r.Topic, r.Partition, r.Timestamp = topic, partition, m.Timestamp
	r.Key, r.Value = m.Key, m.Body // nil stays nil: a null key or value, apart from an empty one
	if len(m.Headers) > 0 {
		r.Headers = make([]kgo.RecordHeader, len(m.Headers))
		for i, h := range m.Headers {
			r.Headers[i] = kgo.RecordHeader{Key: h.Key, Value: h.Value}
		}
	}
}

// publishCall is one Publish call: its records, their errors, and how many are still unconfirmed.
type publishCall struct {
	recs []kgo.Record // message i is recs[i]
	errs []error
	left atomic.Int64
	done chan struct{} // closed when none is left

	mu    sync.Mutex          // the errors' side: promises may come from several goroutines
	index map[*kgo.Record]int // where each record is in recs, made on the first error
}

// settle is the promise of every record of the call. One for all, rather than one closure per record
// that knows its index: a refused record is rare, and finding its index then is cheaper than 100,000
// closures for a publish of 100,000.
func (c *publishCall) settle(r *kgo.Record, err error) {
	if err != nil {
		c.mu.Lock()
		if c.index == nil {
			c.index = make(map[*kgo.Record]int, len(c.recs))
			for i := range c.recs {
				c.index[&c.recs[i]] = i
			}
		}
		c.errs[c.index[r]] = fmt.Errorf("topic %s partition %d: %w", r.Topic, r.Partition, err)
		c.mu.Unlock()
	}
	if c.left.Add(-1) == 0 {
		close(c.done)
	}
}

// producer is the backend's producer, started on first use.
func (b *Backend) producer(ctx context.Context) (*kgo.Client, error) {
	b.producerMu.Lock() // not b.mu: starting takes a while, and every request takes b.mu
	defer b.producerMu.Unlock()
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return nil, errors.New("kafka backend is closed")
	}
	if b.publisher != nil {
		return b.publisher.Client, nil
	}
	p, err := start(ctx, b.newProducer)
	if err != nil {
		return nil, fmt.Errorf("start a Kafka producer at %s: %w", b.address, err)
	}
	b.publisher = &p
	return p.Client, nil
}

// kgoProducer is a franz-go client that Close (closeSoon) can end.
type kgoProducer struct{ *kgo.Client }

func (p kgoProducer) Close() error {
	p.Client.Close()
	return nil
}

// newProducer starts an idempotent producer with acks=all (franz-go's defaults, set again here so that
// no default can change them) on the backend's security settings. Partitions are chosen here
// (choosePartition), so the producer takes each record's own. Its batches stay within each topic's
// max.message.bytes as the backend knows it, Kafka's default where the cluster will not say; a batch
// fills while the partition's requests are in flight and goes when the broker can take it, without
// lingering.
func (b *Backend) newProducer() (kgoProducer, error) {
	opts, err := kgoOptions(b.conf, b.pubLinks)
	if err != nil {
		return kgoProducer{}, err
	}
	opts = append(opts,
		kgo.SeedBrokers(b.seeds...),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerBatchCompression(kgo.NoCompression()), // as before, and as kcat
		kgo.ProducerBatchMaxBytesFn(b.producerBatchMaxBytes),
		kgo.BrokerMaxWriteBytes(1<<30),
		kgo.ProduceRequestTimeout(b.conf.Net.ReadTimeout),
		// kgo's default linger (10 ms) held the first batch of every publish that long before the
		// producer id was even asked for: publish --count 1 0.04 s -> 0.02 s. Batches fill anyway
		// while a partition's requests are in flight (100,000 messages: the same time).
		kgo.ProducerLinger(0),
	)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return kgoProducer{}, fmt.Errorf("producer settings: %w", err)
	}
	return kgoProducer{cl}, nil
}

// producerBatchMaxBytes is the largest batch the producer makes for topic: its max.message.bytes, as
// looked up before its first message was sent.
func (b *Backend) producerBatchMaxBytes(topic string) int32 {
	limit := brokerDefaultMaxBytes
	if topic != "" {
		if n, err := b.maxBatchBytes(topic); err == nil && n > 0 {
			limit = n
		}
	}
	return int32(min(limit, 1<<30-1<<20)) // room for the request around it within BrokerMaxWriteBytes
}

// keylessRun is how many keyless messages in a row go to one partition before the next takes over: runs
// fill batches, as the Java client's sticky partitioner does, and still spread.
const keylessRun = 1000

// choosePartition picks among n partitions the pinned one, the Java client's for the key, or for a
// message without a key the partition whose turn it is.
func (b *Backend) choosePartition(t backends.Target, key []byte, n int32) (int32, error) {
	switch {
	case t.Partition != nil && (*t.Partition < 0 || *t.Partition >= n):
		return 0, backends.NotFound("topic %q has no partition %d (it has %d, numbered from 0)",
			t.Destination, *t.Partition, n)
	case t.Partition != nil:
		return *t.Partition, nil
	case key != nil:
		return murmur2.Partition(key, n), nil
	}
	return int32(b.spread.Add(1) / keylessRun % uint64(n)), nil
}

// start starts something that connects (a producer), giving up when ctx ends; one that starts after
// that is closed.
func start[T interface{ Close() error }](ctx context.Context, fn func() (T, error)) (T, error) {
	type started struct {
		v   T
		err error
	}
	done := make(chan started, 1)
	go func() {
		v, err := fn()
		done <- started{v, err}
	}()
	select {
	case s := <-done:
		return s.v, s.err
	case <-ctx.Done():
		go func() {
			if s := <-done; s.err == nil {
				closeSoon(s.v)
			}
		}()
		var zero T
		return zero, ctx.Err()
	}
}
