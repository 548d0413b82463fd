package kafka

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/backends"
)

// apiKeyDescribeCluster is the request (Kafka 2.8+) that describes the cluster without listing topics.
const apiKeyDescribeCluster = 60

// cluster is what a cluster says about itself.
type cluster struct {
	id         string
	controller int32
	brokers    []brokerInfo // sorted by id
}

type brokerInfo struct {
	id   int32
	addr string
}

func (c cluster) addr(id int32) (string, bool) {
	for _, b := range c.brokers {
		if b.id == id {
			return b.addr, true
		}
	}
	return "", false
}

// Identity describes the cluster: its id, its brokers with the controller marked, and the release its
// protocol versions reveal.
func (b *Backend) Identity(ctx context.Context) (backends.Identity, error) {
	c, err := await(ctx, b.describeCluster)
	if err != nil {
		return backends.Identity{}, fmt.Errorf("describe Kafka cluster at %s: %w", b.address, err)
	}
	id := backends.Identity{Kind: backends.Kafka, Version: b.version, Cluster: c.id}
	for _, n := range c.brokers {
		node := backends.Node{ID: strconv.Itoa(int(n.id)), Address: n.addr}
		if n.id == c.controller {
			node.Role = "controller"
		}
		id.Nodes = append(id.Nodes, node)
	}
	return id, nil
}

// describeCluster asks with DescribeCluster where the cluster has it; older clusters only tell their
// brokers in a Metadata answer, which also lists every topic.
func (b *Backend) describeCluster() (cluster, error) {
	if _, ok := b.apiKeys[apiKeyDescribeCluster]; !ok {
		t, err := b.metadata(nil)
		if err != nil {
			return cluster{}, err
		}
		return t.cluster, nil
	}
	var resp *sarama.DescribeClusterResponse
	err := b.onAnyBroker(nil, func(br *sarama.Broker) (err error) {
		resp, err = br.DescribeCluster(sarama.NewDescribeClusterRequest(protocolCeiling))
		return err
	})
	if err != nil {
		return cluster{}, err
	}
	if resp.Err != sarama.ErrNoError {
		return cluster{}, fmt.Errorf("DescribeCluster: %w", resp.Err)
	}
	c := cluster{id: resp.ClusterID, controller: resp.ControllerID}
	for _, br := range resp.Brokers {
		c.brokers = append(c.brokers, brokerInfo{br.BrokerID, net.JoinHostPort(br.Host, strconv.Itoa(int(br.Port)))})
	}
	c = c.sorted()
	b.learn(c)
	return c, nil
}

func clusterOf(md *sarama.MetadataResponse) cluster {
	c := cluster{controller: md.ControllerID}
	if md.ClusterID != nil {
		c.id = *md.ClusterID
	}
	for _, br := range md.Brokers {
		c.brokers = append(c.brokers, brokerInfo{br.ID(), br.Addr()})
	}
	return c.sorted()
}

func (c cluster) sorted() cluster {
	slices.SortFunc(c.brokers, func(x, y brokerInfo) int { return int(x.id - y.id) })
	return c
}

// learn remembers the cluster's brokers, so that later requests reach the cluster even when the
// bootstrap broker has gone.
func (b *Backend) learn(c cluster) {
	addrs := make([]string, len(c.brokers))
	for i, br := range c.brokers {
		addrs[i] = br.addr
	}
	b.mu.Lock()
	b.known = addrs
	b.mu.Unlock()
}
