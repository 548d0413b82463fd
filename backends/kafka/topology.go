package kafka

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/backends"
)

// topologyMaxAge is how long a Metadata answer is reused by reads that need leaders but not the newest
// topic list (peeks, lag snapshots, offset lookups). Any of them failing forgets it sooner.
const topologyMaxAge = 10 * time.Second

// topology is one Metadata answer: the brokers, and every topic with its partitions' leaders.
type topology struct {
	cluster
	md     *sarama.MetadataResponse
	topics map[string]*sarama.TopicMetadata
	at     time.Time
}

func topologyOf(md *sarama.MetadataResponse, at time.Time) *topology {
	t := &topology{cluster: clusterOf(md), md: md, topics: make(map[string]*sarama.TopicMetadata, len(md.Topics)), at: at}
	for _, tm := range md.Topics {
		t.topics[tm.Name] = tm
	}
	return t
}

// metadata asks for the metadata of every topic in one request, and keeps the answer for later reads.
func (b *Backend) metadata(m *meter) (*topology, error) {
	var md *sarama.MetadataResponse
	err := b.onAnyBroker(m, func(br *sarama.Broker) (err error) {
		md, err = br.GetMetadata(sarama.NewMetadataRequest(protocolCeiling, nil)) // nil: all topics
		return err
	})
	if err != nil {
		return nil, err
	}
	t := topologyOf(md, time.Now())
	b.learn(t.cluster)
	b.topoMu.Lock()
	b.topo = t
	b.topoMu.Unlock()
	return t, nil
}

// cachedMetadata returns the last Metadata answer while it is younger than topologyMaxAge, and asks
// again otherwise.
func (b *Backend) cachedMetadata(m *meter) (*topology, error) {
	b.topoMu.Lock()
	t := b.topo
	b.topoMu.Unlock()
	if t != nil && time.Since(t.at) < topologyMaxAge {
		return t, nil
	}
	return b.metadata(m)
}

// forgetMetadata drops the kept Metadata answer, after a read failed in a way a newer one may mend (a
// leader moved, a topic appeared).
func (b *Backend) forgetMetadata() {
	b.topoMu.Lock()
	b.topo = nil
	b.topoMu.Unlock()
}

// topicMetadata returns the metadata of one topic, asking again when the kept answer does not know it
// (the topic may be newer than the answer).
func (b *Backend) topicMetadata(m *meter, topic string) (*topology, *sarama.TopicMetadata, error) {
	t, err := b.cachedMetadata(m)
	if err != nil {
		return nil, nil, err
	}
	if tm, ok := t.topic(topic); ok {
		return t, tm, nil
	}
	if t, err = b.metadata(m); err != nil {
		return nil, nil, err
	}
	tm, ok := t.topic(topic)
	if !ok {
		return nil, nil, fmt.Errorf("topic %q: %w (check the name)", topic, backends.ErrNotFound)
	}
	return t, tm, nil
}

func (t *topology) topic(name string) (*sarama.TopicMetadata, bool) {
	tm, ok := t.topics[name]
	if !ok || tm.Err == sarama.ErrUnknownTopicOrPartition {
		return nil, false
	}
	return tm, true
}

// partitionsOf returns the topic's partitions named in parts, or all of them when parts is empty, sorted.
// It fails on a partition the topic does not have.
func partitionsOf(tm *sarama.TopicMetadata, parts []int32) ([]topicPartition, error) {
	all := make([]topicPartition, 0, len(tm.Partitions))
	for _, p := range tm.Partitions {
		all = append(all, topicPartition{tm.Name, p.ID})
	}
	slices.SortFunc(all, comparePartitions)
	if len(parts) == 0 {
		return all, nil
	}
	chosen := make([]topicPartition, 0, len(parts))
	for _, p := range parts {
		tp := topicPartition{tm.Name, p}
		if _, found := slices.BinarySearchFunc(all, tp, comparePartitions); !found {
			return nil, backends.NotFound("topic %q has no partition %d (it has %d, numbered from 0)",
				tm.Name, p, len(all))
		}
		if !slices.Contains(chosen, tp) {
			chosen = append(chosen, tp)
		}
	}
	slices.SortFunc(chosen, comparePartitions)
	return chosen, nil
}

func comparePartitions(x, y topicPartition) int {
	return cmp.Or(strings.Compare(x.topic, y.topic), cmp.Compare(x.partition, y.partition))
}

// byLeader groups partitions by the address of their leader. Partitions without a leader, or of topics
// the metadata does not know, are left out: nobody can answer for them.
func (t *topology) byLeader(parts []topicPartition) (map[string][]topicPartition, error) {
	leaders := make(map[string][]topicPartition)
	for _, tp := range parts {
		tm, ok := t.topics[tp.topic]
		if !ok {
			continue
		}
		p := partitionMetadata(tm, tp.partition)
		if p == nil || isOffline(p) {
			continue
		}
		leader := p.Leader
		addr, ok := t.addr(leader)
		if !ok {
			return nil, fmt.Errorf("partition %s/%d: leader %d is not among the brokers", tp.topic, tp.partition, leader)
		}
		leaders[addr] = append(leaders[addr], tp)
	}
	return leaders, nil
}

// partitionMetadata finds a partition of tm. Brokers list partitions in id order, so look there first.
func partitionMetadata(tm *sarama.TopicMetadata, id int32) *sarama.PartitionMetadata {
	if int(id) < len(tm.Partitions) && tm.Partitions[id].ID == id {
		return tm.Partitions[id]
	}
	i := slices.IndexFunc(tm.Partitions, func(p *sarama.PartitionMetadata) bool { return p.ID == id })
	if i < 0 {
		return nil
	}
	return tm.Partitions[i]
}
