package kafka

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/IBM/sarama"
	"golang.org/x/sync/errgroup"

	"github.com/mqscope/mqscope/backends"
)

// ListGroups lists the consumer groups, sorted by name.
//
// Each broker lists only the groups it coordinates, so this asks every broker, in parallel: one
// ListGroups, then one DescribeGroups and one OffsetFetch for all the groups it named (one OffsetFetch per
// group before Kafka 3.0). With the cluster description first, that is 1 + 3 × brokers requests, however
// many groups there are. The committed offsets show the topics of groups that have no members now.
func (b *Backend) ListGroups(ctx context.Context) ([]backends.ConsumerGroup, error) {
	groups, err := await(ctx, b.listGroups)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		b.abandoned()
	}
	if err != nil {
		return nil, fmt.Errorf("list Kafka consumer groups at %s: %w", b.address, err)
	}
	return groups, nil
}

func (b *Backend) listGroups() ([]backends.ConsumerGroup, error) {
	c, err := b.describeCluster()
	if err != nil {
		return nil, err
	}
	perBroker := make([][]backends.ConsumerGroup, len(c.brokers))
	var g errgroup.Group
	for i, br := range c.brokers {
		g.Go(func() (err error) {
			perBroker[i], err = b.coordinatedGroups(br.addr)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	groups := slices.Concat(perBroker...)
	slices.SortFunc(groups, func(x, y backends.ConsumerGroup) int { return strings.Compare(x.Name, y.Name) })
	return groups, nil
}

// coordinatedGroups lists and describes the groups the broker at addr coordinates.
func (b *Backend) coordinatedGroups(addr string) ([]backends.ConsumerGroup, error) {
	list, err := b.listCoordinated(nil, addr)
	if err != nil || len(list.Groups) == 0 {
		return nil, err
	}
	names := slices.Sorted(maps.Keys(list.Groups))
	var described map[string]*sarama.GroupDescription
	var committed map[string]map[topicPartition]int64
	var g errgroup.Group
	g.Go(func() (err error) {
		described, err = b.describeGroups(nil, addr, names)
		return err
	})
	g.Go(func() (err error) {
		if consumers := consumerGroups(list, names); len(consumers) > 0 {
			committed, err = b.committedOffsets(nil, addr, consumers)
		}
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	groups := make([]backends.ConsumerGroup, len(names))
	for i, name := range names {
		// ListGroups states (v4+) stand in where DescribeGroups could not describe a group.
		groups[i] = backends.ConsumerGroup{
			Name: name, ProtocolType: list.Groups[name], State: list.GroupsData[name].GroupState, Coordinator: addr,
		}
		if d, ok := described[name]; ok {
			describeInto(&groups[i], d)
		}
		addCommitted(&groups[i], committed[name])
	}
	return groups, nil
}

// consumerGroups are the named groups that keep consumer offsets (not Kafka Connect's or share groups).
func consumerGroups(list *sarama.ListGroupsResponse, names []string) []string {
	var out []string
	for _, name := range names {
		if wanted(name, list.Groups[name], nil) {
			out = append(out, name)
		}
	}
	return out
}

// addCommitted adds a group's committed offsets, and the topics they are on to its topics.
func addCommitted(g *backends.ConsumerGroup, offsets map[topicPartition]int64) {
	if len(offsets) == 0 {
		return
	}
	topics := make(map[string]bool, len(g.Topics))
	for _, t := range g.Topics {
		topics[t] = true
	}
	for _, tp := range slices.SortedFunc(maps.Keys(offsets), comparePartitions) {
		g.Committed = append(g.Committed, backends.RecordPosition{Topic: tp.topic, Partition: tp.partition, Offset: offsets[tp]})
		topics[tp.topic] = true
	}
	g.Topics = slices.Sorted(maps.Keys(topics))
}

// listCoordinated asks the broker at addr for the groups it coordinates, in one ListGroups request.
func (b *Backend) listCoordinated(m *meter, addr string) (*sarama.ListGroupsResponse, error) {
	var list *sarama.ListGroupsResponse
	err := b.request(m, addr, func(br *sarama.Broker) (err error) {
		list, err = br.ListGroups(&sarama.ListGroupsRequest{Version: 4})
		if err == nil && list.Err != sarama.ErrNoError {
			err = list.Err
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ListGroups: %w", err)
	}
	return list, nil
}

// describeGroups describes the named groups, which the broker at addr coordinates, in one DescribeGroups
// request. Groups it could not describe are left out.
func (b *Backend) describeGroups(m *meter, addr string, names []string) (map[string]*sarama.GroupDescription, error) {
	var desc *sarama.DescribeGroupsResponse
	err := b.request(m, addr, func(br *sarama.Broker) (err error) {
		desc, err = br.DescribeGroups(&sarama.DescribeGroupsRequest{Version: 5, Groups: names})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("DescribeGroups: %w", err)
	}
	described := make(map[string]*sarama.GroupDescription, len(desc.Groups))
	for _, d := range desc.Groups {
		if d.Err == sarama.ErrNoError {
			described[d.GroupId] = d
		}
	}
	return described, nil
}

func describeInto(g *backends.ConsumerGroup, d *sarama.GroupDescription) {
	g.State, g.Protocol, g.Members = d.State, d.Protocol, len(d.Members)
	if d.ProtocolType != "" {
		g.ProtocolType = d.ProtocolType
	}
	if g.ProtocolType == "consumer" { // other protocols (Connect's) encode members differently
		g.Topics = memberTopics(d.Members)
	}
}

// memberTopics are the topics a consumer group's members are assigned or subscribe to. Both ride along
// in DescribeGroups, so they cost nothing more; a group without members shows none.
func memberTopics(members map[string]*sarama.GroupMemberDescription) []string {
	set := make(map[string]bool)
	for _, m := range members {
		if a, err := m.GetMemberAssignment(); err == nil && a != nil {
			for t := range a.Topics {
				set[t] = true
			}
		}
		if md, err := m.GetMemberMetadata(); err == nil && md != nil {
			for _, t := range md.Topics {
				set[t] = true
			}
		}
	}
	if len(set) == 0 {
		return nil
	}
	return slices.Sorted(maps.Keys(set))
}
