package kafka

// The transactional sarama producer a move writes with (move.go); publishing goes through kgo (publish.go).

import (
	"errors"
	"fmt"
	"time"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/backends"
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

// producerMessage is m as sarama sends it to a partition of topic (a move's transactional producer).
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
	conf.Producer.Partitioner = sarama.NewManualPartitioner // choosePartition has chosen
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
