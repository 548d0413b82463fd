package kafka

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/kafka/murmur2"
)

// Publish sends msgs and waits until every in-sync replica has each one (acks=all), through an
// idempotent producer, so that sarama's retries never write a record twice. Each message goes to the
// partition its target pins, else where the Java client puts its key (murmur2.Partition), else to the
// partitions in turn, a run of keylessRun at a time. Key, headers, body and timestamp are written as
// given, nil kept apart from empty. A topic that does not exist is an error naming it: Publish never
// creates topics. A message larger than its topic takes (its max.message.bytes) fails alone.
//
// Messages go out in batches, many to a produce request and every broker's requests at once, and calls
// may overlap. It returns one error per message (nil where the brokers took it). The batch error says
// that nothing can be said: the producer could not start, or ctx ended while messages were in flight,
// which may still land.
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
	wait, err := b.sendOnce(ctx, msgs)
	if err != nil {
		return nil, err
	}
	return func() ([]error, error) { return b.resendFenced(ctx, msgs, wait) }, nil
}

// fencedRetries is how many times messages refused for an old producer epoch are sent again.
const fencedRetries = 3

// resendFenced waits for a send, then sends again the messages the brokers refused only because the
// producer's epoch moved on while they were in flight: a refusal on one partition makes sarama bump its
// idempotent epoch, and the brokers then turn away every batch still carrying the old one. They wrote none
// of those, so sending them again cannot duplicate; they land after the messages sent since.
func (b *Backend) resendFenced(ctx context.Context, msgs []backends.Outgoing, wait func() ([]error, error)) ([]error, error) {
	errs, err := wait()
	for range fencedRetries {
		if err != nil {
			return nil, err
		}
		var again []int
		for i, e := range errs {
			if errors.Is(e, sarama.ErrInvalidProducerEpoch) {
				again = append(again, i)
			}
		}
		if len(again) == 0 {
			break
		}
		retry := make([]backends.Outgoing, len(again))
		for j, i := range again {
			retry[j] = msgs[i]
		}
		w, serr := b.sendOnce(ctx, retry)
		if serr != nil {
			return errs, nil // the refusals stand, each reported as it came
		}
		var rerrs []error
		if rerrs, err = w(); err == nil {
			for j, i := range again {
				errs[i] = rerrs[j]
			}
		}
	}
	return errs, err
}

// sendOnce is Send without the second chance for fenced messages.
func (b *Backend) sendOnce(ctx context.Context, msgs []backends.Outgoing) (func() ([]error, error), error) {
	b.sendMu.Lock() // messages go in in the order of the calls
	defer b.sendMu.Unlock()
	if err := b.require("publishing with acks=all and idempotence", needsProducerIDs); err != nil {
		return nil, err
	}
	call := &publishCall{errs: make([]error, len(msgs)), done: make(chan struct{})}
	batches, err := b.prepare(ctx, msgs, call)
	if err != nil {
		return nil, fmt.Errorf("publish to Kafka at %s: %w (nothing of this batch was sent)", b.address, err)
	}
	total := 0
	for _, batch := range batches {
		total += len(batch.msgs)
	}
	if total == 0 {
		return func() ([]error, error) { return call.errs, nil }, nil
	}
	call.left.Store(int64(total)) // all of them before any is sent: done closes once
	for _, batch := range batches {
		if err := b.send(ctx, batch.limit, batch.msgs); err != nil {
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

// limitBatch is what goes to the pipeline of one size limit.
type limitBatch struct {
	limit int
	msgs  []*sarama.ProducerMessage
}

// prepare makes the producer messages of msgs, grouped by their topics' size limit, each carrying its
// ticket of call; it sets the errors of those that cannot go. It fails, sending nothing, when ctx ends
// while the cluster does not answer.
func (b *Backend) prepare(ctx context.Context, msgs []backends.Outgoing, call *publishCall) ([]limitBatch, error) {
	tickets := make([]ticket, len(msgs))
	// One allocation each for the messages and their key and value encoders, rather than three per
	// message: at 100,000 messages the allocations were a sixth of publish's CPU.
	pms := make([]sarama.ProducerMessage, len(msgs))
	encs := make([]sarama.ByteEncoder, 2*len(msgs))
	var batches []limitBatch
	var targets targetCache
	now := time.Now() // the timestamp of every message that has none: the clock is slow to read
	for i, out := range msgs {
		d, err := targets.get(ctx, b, out.Target)
		if err != nil {
			return nil, err
		}
		partition, err := d.partition(b, out.Target, out.Message.Key)
		if err != nil {
			call.errs[i] = err
			continue
		}
		pm := &pms[i]
		setProducerMessage(pm, encs[2*i:2*i+2:2*i+2], out.Target.Destination, partition, out.Message)
		if pm.Timestamp.IsZero() {
			pm.Timestamp = now
		}
		if call.errs[i] = tooLarge(pm, d.limit); call.errs[i] != nil {
			continue
		}
		tickets[i] = ticket{call, i}
		pm.Metadata = &tickets[i]
		batches = addTo(batches, d.limit, pm)
	}
	return batches, nil
}

// addTo adds pm to the batch of limit; a call nearly always has one.
func addTo(batches []limitBatch, limit int, pm *sarama.ProducerMessage) []limitBatch {
	for i := range batches {
		if batches[i].limit == limit {
			batches[i].msgs = append(batches[i].msgs, pm)
			return batches
		}
	}
	return append(batches, limitBatch{limit, []*sarama.ProducerMessage{pm}})
}

// targetCache keeps what one call looked up of its targets; a call nearly always has one.
type targetCache struct {
	last     *sendTarget
	lastName string
	lastX    *string
	all      map[backends.Target]*sendTarget
}

func (c *targetCache) get(ctx context.Context, b *Backend, t backends.Target) (*sendTarget, error) {
	if c.last != nil && c.lastName == t.Destination && c.lastX == t.Exchange {
		return c.last, nil
	}
	key := backends.Target{Destination: t.Destination, Exchange: t.Exchange}
	d, ok := c.all[key]
	if !ok {
		found, err := b.lookUp(ctx, t)
		if err != nil {
			return nil, err
		}
		if c.all == nil {
			c.all = make(map[backends.Target]*sendTarget)
		}
		d = &found
		c.all[key] = d
	}
	c.last, c.lastName, c.lastX = d, t.Destination, t.Exchange
	return d, nil
}

// send hands batch to the pipeline for limit.
func (b *Backend) send(ctx context.Context, limit int, batch []*sarama.ProducerMessage) error {
	pl, err := b.pipeline(ctx, limit)
	if err != nil {
		return err
	}
	in := pl.p.Input()
	for _, pm := range batch {
		select {
		case in <- pm: // while the producer has room, which is cheaper than waiting on ctx too
			continue
		default:
		}
		select {
		case in <- pm:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// publishCall is one Publish call: its messages' errors, and how many are still unconfirmed.
type publishCall struct {
	errs []error
	left atomic.Int64
	done chan struct{} // closed when none is left
}

// ticket is what a message carries through the producer to find its call again.
type ticket struct {
	call *publishCall
	i    int
}

// pipeline is an idempotent asynchronous producer for topics that take batches up to one size, and the
// collector that hands each confirmation back to the call that sent the message.
type pipeline struct {
	p         sarama.AsyncProducer
	client    sarama.Client
	collected chan struct{} // closed once the producer's results are all handed back
}

func (pl *pipeline) collect() {
	defer close(pl.collected)
	var failures sync.WaitGroup
	failures.Go(func() {
		for pe := range pl.p.Errors() {
			settle(pe.Msg, fmt.Errorf("topic %s partition %d: %w", pe.Msg.Topic, pe.Msg.Partition, pe.Err))
		}
	})
	for pm := range pl.p.Successes() {
		settle(pm, nil)
	}
	failures.Wait()
}

func settle(pm *sarama.ProducerMessage, err error) {
	t := pm.Metadata.(*ticket)
	t.call.errs[t.i] = err
	if t.call.left.Add(-1) == 0 {
		close(t.call.done)
	}
}

// Close ends the producer, after what is in flight, and its client.
func (pl *pipeline) Close() error {
	err := pl.p.Close()
	<-pl.collected
	if cerr := pl.client.Close(); err == nil && !errors.Is(cerr, sarama.ErrClosedClient) {
		err = cerr
	}
	return err
}

// pipeline returns the backend's pipeline for topics that take batches up to limit bytes (0: unknown),
// starting it on first use.
func (b *Backend) pipeline(ctx context.Context, limit int) (*pipeline, error) {
	b.producerMu.Lock() // not b.mu: starting takes a while, and every request takes b.mu
	defer b.producerMu.Unlock()
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return nil, errors.New("kafka backend is closed")
	}
	if pl, ok := b.pipelines[limit]; ok {
		return pl, nil
	}
	pl, err := start(ctx, func() (*pipeline, error) { return b.newPipeline(limit) })
	if err != nil {
		return nil, fmt.Errorf("start a Kafka producer at %s: %w", b.address, err)
	}
	if b.pipelines == nil {
		b.pipelines = make(map[int]*pipeline)
	}
	b.pipelines[limit] = pl
	return pl, nil
}

// newPipeline starts an idempotent producer whose batches stay within limit bytes (the topics' limit is
// the brokers' to keep when it is unknown). Batches fill while a broker's one request in flight (which
// idempotence allows) is out, and wait up to a few milliseconds for more, as the Java client's linger.
func (b *Backend) newPipeline(limit int) (*pipeline, error) {
	conf := b.producerConfig("", b.pubLinks)
	conf.Producer.MaxMessageBytes = cmp.Or(limit, unlimited)
	conf.Producer.Flush.Frequency = publishLinger
	conf.Producer.Flush.Bytes = min(conf.Producer.MaxMessageBytes, 1<<20)
	conf.ChannelBufferSize = 4096
	if err := conf.Validate(); err != nil {
		return nil, fmt.Errorf("producer settings: %w", err)
	}
	client, err := sarama.NewClient(b.seeds, conf)
	if err != nil {
		return nil, err
	}
	p, err := sarama.NewAsyncProducerFromClient(client)
	if err != nil {
		client.Close()
		return nil, err
	}
	pl := &pipeline{p: p, client: client, collected: make(chan struct{})}
	go pl.collect()
	return pl, nil
}

const (
	// publishLinger is how long a batch waits for more messages (librdkafka waits 5 ms).
	publishLinger = 5 * time.Millisecond
	// keylessRun is how many keyless messages in a row go to one partition before the next takes
	// over: runs fill batches, as the Java client's sticky partitioner does, and still spread.
	keylessRun = 1000
)

// sent splits what SendMessages returns into the messages the brokers refused and a failure of the
// whole call.
func sent(err error) (sarama.ProducerErrors, error) {
	var refused sarama.ProducerErrors
	if err == nil || errors.As(err, &refused) {
		return refused, nil
	}
	return nil, err
}

// producerMessage is m as sarama sends it to a partition of topic.
func producerMessage(topic string, partition int32, m backends.Message) *sarama.ProducerMessage {
	pm := new(sarama.ProducerMessage)
	setProducerMessage(pm, make([]sarama.ByteEncoder, 2), topic, partition, m)
	return pm
}

// setProducerMessage makes pm, a zero message, m as sarama sends it to a partition of topic, with its
// key and value in enc[0] and enc[1] (pointed to: an Encoder made of the slice itself is an allocation).
func setProducerMessage(pm *sarama.ProducerMessage, enc []sarama.ByteEncoder, topic string, partition int32, m backends.Message) {
	pm.Topic, pm.Partition, pm.Timestamp = topic, partition, m.Timestamp
	if m.Key != nil { // a nil Encoder writes a null key; an empty one an empty key
		enc[0] = m.Key
		pm.Key = &enc[0]
	}
	if m.Body != nil {
		enc[1] = m.Body
		pm.Value = &enc[1]
	}
	if len(m.Headers) > 0 {
		pm.Headers = make([]sarama.RecordHeader, len(m.Headers))
		for i, h := range m.Headers {
			pm.Headers[i] = sarama.RecordHeader{Key: []byte(h.Key), Value: h.Value}
		}
	}
}

// sendTarget is what a Send needs to know of a target, looked up once per call.
type sendTarget struct {
	partitions int32
	limit      int   // the largest batch the topic takes; 0: unknown
	err        error // why nothing can go there: the topic does not exist, or it is not a topic
}

func (d *sendTarget) partition(b *Backend, t backends.Target, key []byte) (int32, error) {
	if d.err != nil {
		return 0, d.err
	}
	return b.choosePartition(t, key, d.partitions)
}

// lookUp finds t's partitions and size limit. While the cluster does not answer (a partition, a broker
// restarting) it asks again until ctx ends: no message is failed for a link that may come back, and the
// caller says how long it waits.
func (b *Backend) lookUp(ctx context.Context, t backends.Target) (sendTarget, error) {
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 2*time.Second) {
		d, err := await(ctx, func() (sendTarget, error) {
			n, err := b.partitionCount(t)
			if errors.Is(err, backends.ErrNotFound) || errors.Is(err, sarama.ErrTopicAuthorizationFailed) { // asking again will not help
				return sendTarget{err: err}, nil
			}
			if err != nil {
				return sendTarget{}, err
			}
			limit, err := b.maxBatchBytes(t.Destination)
			return sendTarget{partitions: n, limit: limit}, err
		})
		if err == nil || ctx.Err() != nil {
			return d, err
		}
		b.forgetMetadata()
		sleep(ctx, wait)
	}
}

// partitionCount says how many partitions t's topic has. Its error wraps backends.ErrNotFound when the
// topic does not exist or t is not a topic at all: asking again would not help.
func (b *Backend) partitionCount(t backends.Target) (int32, error) {
	if t.Exchange != nil {
		return 0, fmt.Errorf("%s: exchanges are RabbitMQ's; a Kafka target is a topic: %w", t.Label(), backends.ErrNotFound)
	}
	_, tm, err := b.topicMetadata(nil, t.Destination)
	if errors.Is(err, backends.ErrNotFound) {
		return 0, fmt.Errorf("topic %q does not exist (mqscope creates no topics): %w", t.Destination, backends.ErrNotFound)
	}
	if err == nil && tm.Err != sarama.ErrNoError {
		err = tm.Err // not authorized to see it, its leaders being elected, ...
	}
	if err == nil && len(tm.Partitions) == 0 {
		err = errors.New("the cluster lists no partitions for it")
	}
	if err != nil {
		return 0, fmt.Errorf("topic %q: %w", t.Destination, err)
	}
	return int32(len(tm.Partitions)), nil
}

// choosePartition picks among n partitions the pinned one, the Java client's for the key, or for a
// message without a key the partition whose turn it is.
func (b *Backend) choosePartition(t backends.Target, key []byte, n int32) (int32, error) {
	switch {
	case t.Partition != nil && (*t.Partition < 0 || *t.Partition >= n):
		return 0, fmt.Errorf("topic %q has no partition %d (it has %d, numbered from 0): %w",
			t.Destination, *t.Partition, n, backends.ErrNotFound)
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

// producerConfig is the configuration of a producer with acks=all and idempotence, transactional when
// txnID is set, whose connections go through l.
func (b *Backend) producerConfig(txnID string, l *links) *sarama.Config {
	conf := *b.conf
	l.use(&conf)
	conf.Producer.RequiredAcks = sarama.WaitForAll
	conf.Producer.Idempotent = true
	conf.Net.MaxOpenRequests = 1 // idempotence keeps order only with one request in flight
	conf.Producer.Retry.Max = 10
	conf.Producer.Return.Successes, conf.Producer.Return.Errors = true, true
	conf.Producer.Partitioner = sarama.NewManualPartitioner // partitionFor has chosen
	conf.Producer.Transaction.ID = txnID
	conf.Producer.Transaction.Timeout = time.Minute
	conf.Metadata.Full = false // only the topics it writes to
	conf.Metadata.AllowAutoTopicCreation = false
	return &conf
}

// newTxnProducer starts a transactional producer on a client of its own (sarama's producers keep their
// own connections and metadata). Its batches may be as large as any topic takes: a move keeps each
// topic's limit itself (move.chunks).
func (b *Backend) newTxnProducer(txnID string, l *links) (sarama.SyncProducer, error) {
	conf := b.producerConfig(txnID, l)
	conf.Producer.MaxMessageBytes = unlimited
	if err := conf.Validate(); err != nil {
		return nil, fmt.Errorf("producer settings: %w", err)
	}
	client, err := sarama.NewClient(b.seeds, conf)
	if err != nil {
		return nil, err
	}
	p, err := sarama.NewSyncProducerFromClient(client)
	if err != nil {
		client.Close()
		return nil, err
	}
	return &ownedClientProducer{p, client}, nil
}

// ownedClientProducer closes the client it was made from when it closes, as producers made from a
// client do not.
type ownedClientProducer struct {
	sarama.SyncProducer
	client sarama.Client
}

func (p *ownedClientProducer) Close() error {
	err := p.SyncProducer.Close()
	if cerr := p.client.Close(); err == nil && !errors.Is(cerr, sarama.ErrClosedClient) {
		err = cerr
	}
	return err
}
