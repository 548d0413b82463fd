package demo

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// BigTopic is the topic AddBigTopic makes for whole-program benchmarks (bench/peek-vs-kcat.sh).
const BigTopic = "bench-1m"

// BigTopicPartitions is its partition count: several, as real topics have, so that a reader merges.
const BigTopicPartitions = 4

// AddBigTopic creates topic name with BigTopicPartitions partitions holding n small keyed JSON records,
// round-robin over the partitions, produced as fast as the cluster takes them. Seeded does not count it.
func (c *Cluster) AddBigTopic(ctx context.Context, name string, n int) error {
	if err := createTopics(ctx, kadm.NewClient(c.client), []topicSpec{{name: name, partitions: BigTopicPartitions}}); err != nil {
		return err
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for i := range n {
		id := strconv.Itoa(i)
		r := &kgo.Record{
			Topic: name, Partition: int32(i % BigTopicPartitions), Key: []byte("k-" + id),
			Value: []byte(`{"id":` + id + `,"name":"record-` + id + `","status":"ok","amount":` + strconv.Itoa(i%1000) + `}`),
		}
		wg.Add(1)
		c.client.Produce(ctx, r, func(_ *kgo.Record, err error) {
			defer wg.Done()
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return fmt.Errorf("produce %s: %w", name, firstErr)
	}
	return nil
}
