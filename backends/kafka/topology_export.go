package kafka

import (
	"context"
	"slices"
	"strings"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/backends"
)

var _ backends.TopologyReader = (*Backend)(nil)

// Topology is every topic but Kafka's own, with its partitions, replication factor and the configs set on
// it: one Metadata and one DescribeConfigs for all the topics.
func (b *Backend) Topology(ctx context.Context) (backends.Topology, error) {
	var topo backends.Topology
	err := b.do(ctx, "read the topology", func() error {
		t, err := b.metadata(nil)
		if err != nil {
			return err
		}
		var names []string
		byName := map[string]*sarama.TopicMetadata{}
		for _, tm := range t.md.Topics {
			if tm.Err == sarama.ErrNoError && !tm.IsInternal && !strings.HasPrefix(tm.Name, "__") {
				names = append(names, tm.Name)
				byName[tm.Name] = tm
			}
		}
		slices.Sort(names)
		configs, err := b.topicConfigs(names)
		if err != nil {
			return err
		}
		for _, name := range names {
			tm := byName[name]
			spec := backends.DestinationSpec{Name: name, Partitions: len(tm.Partitions), Configs: configs[name]}
			if len(tm.Partitions) > 0 {
				spec.ReplicationFactor = len(tm.Partitions[0].Replicas)
			}
			topo.Destinations = append(topo.Destinations, spec)
		}
		return nil
	})
	return topo, err
}

// topicConfigs are the configs set on each topic itself, in one DescribeConfigs request.
func (b *Backend) topicConfigs(names []string) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	if len(names) == 0 {
		return out, nil
	}
	req := &sarama.DescribeConfigsRequest{Version: 1}
	for _, n := range names {
		req.Resources = append(req.Resources, &sarama.ConfigResource{Type: sarama.TopicResource, Name: n})
	}
	var resp *sarama.DescribeConfigsResponse
	if err := b.onAnyBroker(nil, func(br *sarama.Broker) (err error) {
		resp, err = br.DescribeConfigs(req)
		return err
	}); err != nil {
		return nil, err
	}
	for _, r := range resp.Resources {
		if err := refused(sarama.KError(r.ErrorCode), r.ErrorMsg); err != nil {
			return nil, err
		}
		for _, c := range r.Configs {
			if sourceOf(c) == backends.SourceTopic && !c.Sensitive {
				if out[r.Name] == nil {
					out[r.Name] = map[string]string{}
				}
				out[r.Name][c.Name] = c.Value
			}
		}
	}
	return out, nil
}
