package demo

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// AddBigTopic spreads its records round-robin, each a small JSON object keyed by its number.
func TestBigTopicForBenchmarks(t *testing.T) {
	c := start(t, Options{Still: true})
	const n = 1001
	if err := c.AddBigTopic(testCtx(t), "big-test", n); err != nil {
		t.Fatal(err)
	}
	cl := newClient(t, c, kgo.ConsumeTopics("big-test"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	perPartition := make([]int, BigTopicPartitions)
	for seen := 0; seen < n; {
		fetches := cl.PollFetches(testCtx(t))
		if err := fetches.Err(); err != nil {
			t.Fatal(err)
		}
		fetches.EachRecord(func(r *kgo.Record) {
			seen++
			perPartition[r.Partition]++
			var v struct{ ID int }
			if err := json.Unmarshal(r.Value, &v); err != nil || string(r.Key) != fmt.Sprintf("k-%d", v.ID) ||
				int(r.Partition) != v.ID%BigTopicPartitions {
				t.Fatalf("record %s/%d@%d: key %q value %s (%v)", r.Topic, r.Partition, r.Offset, r.Key, r.Value, err)
			}
		})
	}
	if fmt.Sprint(perPartition) != "[251 250 250 250]" {
		t.Errorf("records per partition: %v", perPartition)
	}
}
