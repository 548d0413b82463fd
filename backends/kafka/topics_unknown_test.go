package kafka

import (
	"testing"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/backends"
)

// A topic with a partition whose log range nobody could read (offline, or its leader did not answer)
// holds an unknown number of messages, not the sum of the others.
func TestTopicWithAnUnreadPartitionHoldsUnknownMessages(t *testing.T) {
	md := &sarama.TopicMetadata{Name: "orders", Partitions: []*sarama.PartitionMetadata{
		{ID: 0, Leader: 1, Replicas: []int32{1}, Isr: []int32{1}},
		{ID: 1, Leader: -1, Replicas: []int32{2}, Isr: []int32{}},
	}}
	ranges := map[topicPartition]logRange{{"orders", 0}: {start: 0, end: 300}}
	if d := destination(md, ranges); d.Messages != backends.Unknown || d.Offline != 1 {
		t.Errorf("one partition unread: messages %d, offline %d; want unknown, 1", d.Messages, d.Offline)
	}
	ranges[topicPartition{"orders", 1}] = logRange{start: 10, end: 210}
	if d := destination(md, ranges); d.Messages != 500 {
		t.Errorf("both read: messages %d, want 500", d.Messages)
	}
}
