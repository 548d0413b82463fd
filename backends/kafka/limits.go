package kafka

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/backends"
)

const (
	// brokerDefaultMaxBytes is Kafka's default message.max.bytes, the limit of a topic that sets none,
	// for clusters that cannot be asked (before 0.11).
	brokerDefaultMaxBytes = 1048588
	// recordBatchOverhead is the v2 record batch header, which a broker counts against the limit.
	recordBatchOverhead = 61
	// apiKeyDescribeConfigs is the request that reads topic configs (Kafka 0.11+).
	apiKeyDescribeConfigs = 32
)

// unlimited is the producer limit where the topics' own are kept here or by the brokers: sarama
// refuses a message above its producer's MaxMessageBytes before any broker sees it.
var unlimited = int(sarama.MaxRequestSize) - 1

// limits keeps the largest record batch each topic takes, as long as topologyMaxAge.
type limits struct {
	mu    sync.Mutex
	bytes map[string]sizeLimit
}

type sizeLimit struct {
	bytes int // 0: unknown, the brokers decide
	at    time.Time
}

// maxBatchBytes says how large a record batch topic takes: its max.message.bytes, which the broker
// reports with its own message.max.bytes filled in where the topic sets none. It is 0 when the cluster
// will not say (no permission to describe configs): then the brokers decide alone. The error says that
// no broker answered.
func (b *Backend) maxBatchBytes(topic string) (int, error) {
	b.limits.mu.Lock()
	l, ok := b.limits.bytes[topic]
	b.limits.mu.Unlock()
	if ok && time.Since(l.at) < topologyMaxAge {
		return l.bytes, nil
	}
	n, err := b.describeMaxBytes(topic)
	if err != nil {
		return 0, err
	}
	b.limits.mu.Lock()
	if b.limits.bytes == nil {
		b.limits.bytes = make(map[string]sizeLimit)
	}
	b.limits.bytes[topic] = sizeLimit{bytes: n, at: time.Now()}
	b.limits.mu.Unlock()
	return n, nil
}

func (b *Backend) describeMaxBytes(topic string) (int, error) {
	if !b.speaks(apiKeyDescribeConfigs, 0) {
		return brokerDefaultMaxBytes, nil
	}
	var resp *sarama.DescribeConfigsResponse
	err := b.onAnyBroker(nil, func(br *sarama.Broker) (err error) {
		resp, err = br.DescribeConfigs(&sarama.DescribeConfigsRequest{Version: 1, Resources: []*sarama.ConfigResource{
			{Type: sarama.TopicResource, Name: topic, ConfigNames: []string{"max.message.bytes"}},
		}})
		return err
	})
	if err != nil {
		return 0, err
	}
	if len(resp.Resources) != 1 || resp.Resources[0].ErrorCode != 0 {
		return 0, nil
	}
	for _, entry := range resp.Resources[0].Configs {
		if n, err := strconv.Atoi(entry.Value); err == nil && entry.Name == "max.message.bytes" && n > 0 {
			return n, nil
		}
	}
	return 0, nil
}

// tooLarge says why m cannot go to topic even alone, or nothing when it fits in a batch of its own.
func tooLarge(topic string, m backends.Message, limit int) error {
	size := recordBatchOverhead + recordSize(m)
	if limit <= 0 || size <= limit {
		return nil
	}
	return fmt.Errorf("%w: the message takes up to %d bytes and topic %s takes %d (its max.message.bytes); raise that, or send a smaller one",
		sarama.ErrMessageSizeTooLarge, size, topic, limit)
}

// recordSize is the most m takes in a v2 record batch, counted as sarama's ProducerMessage.ByteSize(2)
// does: every varint at its widest, so that a message that passes tooLarge is never refused by a
// producer for its size.
func recordSize(m backends.Message) int {
	size := 5*binary.MaxVarintLen32 + binary.MaxVarintLen64 + 1 + len(m.Key) + len(m.Body)
	for _, h := range m.Headers {
		size += len(h.Key) + len(h.Value) + 2*binary.MaxVarintLen32
	}
	return size
}
