package kafka

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/kafka/murmur2"
)

// Publish sends msgs and waits until every in-sync replica has each one (acks=all), through an
// idempotent producer, so that sarama's retries never write a record twice. Each message goes to the
// partition its target pins, else where the Java client puts its key (murmur2.Partition), else round-robin.
// Key, headers, body and timestamp are written as given, nil kept apart from empty. A topic that does
// not exist is an error naming it: Publish never creates topics.
//
// It returns one error per message (nil where the brokers took it). The batch error says that nothing
// can be said: the producer could not start, or ctx ended while messages were in flight, which may still
// land.
func (b *Backend) Publish(ctx context.Context, msgs []backends.Outgoing) ([]error, error) {
	if err := b.require("publishing with acks=all and idempotence", needsProducerIDs); err != nil {
		return nil, err
	}
	errs := make([]error, len(msgs))
	batch := make([]*sarama.ProducerMessage, 0, len(msgs))
	for i, out := range msgs {
		partition, err := b.partitionFor(out.Target, out.Message.Key)
		if err != nil {
			errs[i] = err
			continue
		}
		pm := producerMessage(out.Target.Destination, partition, out.Message)
		pm.Metadata = i
		batch = append(batch, pm)
	}
	if len(batch) == 0 {
		return errs, nil
	}
	p, err := b.publisher(ctx)
	if err != nil {
		return nil, err
	}
	refused, err := await(ctx, func() (sarama.ProducerErrors, error) { return sent(p.SendMessages(batch)) })
	if err != nil {
		return nil, fmt.Errorf("publish to Kafka at %s: %w (messages in flight may still land)", b.address, err)
	}
	for _, pe := range refused {
		errs[pe.Msg.Metadata.(int)] = fmt.Errorf("topic %s partition %d: %w", pe.Msg.Topic, pe.Msg.Partition, pe.Err)
	}
	return errs, nil
}

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
	pm := &sarama.ProducerMessage{Topic: topic, Partition: partition, Timestamp: m.Timestamp}
	if m.Key != nil { // a nil Encoder writes a null key; an empty one an empty key
		pm.Key = sarama.ByteEncoder(m.Key)
	}
	if m.Body != nil {
		pm.Value = sarama.ByteEncoder(m.Body)
	}
	if len(m.Headers) > 0 {
		pm.Headers = make([]sarama.RecordHeader, len(m.Headers))
		for i, h := range m.Headers {
			pm.Headers[i] = sarama.RecordHeader{Key: []byte(h.Key), Value: h.Value}
		}
	}
	return pm
}

// partitionFor says which partition of t's topic a message with key goes to.
func (b *Backend) partitionFor(t backends.Target, key []byte) (int32, error) {
	n, err := b.partitionCount(t)
	if err != nil {
		return 0, err
	}
	return b.choosePartition(t, key, n)
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
	if err != nil {
		return 0, fmt.Errorf("topic %q: %w", t.Destination, err)
	}
	return int32(len(tm.Partitions)), nil
}

// choosePartition picks among n partitions the pinned one, the Java client's for the key, or the next
// in turn for a message without a key.
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
	return int32(b.spread.Add(1) % uint64(n)), nil
}

// publisher returns the backend's idempotent producer, starting it on first use.
func (b *Backend) publisher(ctx context.Context) (sarama.SyncProducer, error) {
	b.producerMu.Lock() // not b.mu: starting takes a while, and every request takes b.mu
	defer b.producerMu.Unlock()
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return nil, errors.New("kafka backend is closed")
	}
	if b.producer != nil {
		return b.producer, nil
	}
	p, err := b.startProducer(ctx, "", b.links)
	if err != nil {
		return nil, fmt.Errorf("start a Kafka producer at %s: %w", b.address, err)
	}
	b.producer = p
	return p, nil
}

// startProducer starts a producer (see newProducer) whose connections go through l, giving up when ctx
// ends; one that starts after that is closed.
func (b *Backend) startProducer(ctx context.Context, txnID string, l *links) (sarama.SyncProducer, error) {
	type started struct {
		p   sarama.SyncProducer
		err error
	}
	done := make(chan started, 1)
	go func() {
		p, err := b.newProducer(txnID, l)
		done <- started{p, err}
	}()
	select {
	case s := <-done:
		return s.p, s.err
	case <-ctx.Done():
		go func() {
			if s := <-done; s.p != nil {
				closeSoon(s.p)
			}
		}()
		return nil, ctx.Err()
	}
}

// newProducer starts a producer with acks=all and idempotence, transactional when txnID is set, on a
// client of its own: sarama's producers keep their own connections and metadata.
func (b *Backend) newProducer(txnID string, l *links) (sarama.SyncProducer, error) {
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
	if err := conf.Validate(); err != nil {
		return nil, fmt.Errorf("producer settings: %w", err)
	}
	client, err := sarama.NewClient(b.seeds, &conf)
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
