// Package demo runs an embedded Kafka-protocol cluster (kfake) seeded with realistic data, for `mqscope
// demo`, the end-to-end tests and the benchmarks.
//
// It seeds with franz-go (kgo and kadm), the demo's own tooling, never through mqscope's adapter: what
// the adapter then reports can be checked against Seeded.
package demo

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/mqscope/mqscope/internal/testkit/srfix"
)

// Options shape the demo cluster. The zero value is the interactive demo on free ports.
type Options struct {
	// Port is the first broker's port; the others take the next ones. 0 picks free ports.
	Port int
	// Still leaves out everything that moves on its own (the trickle of new orders), so that tests see
	// exactly what Seeded says for as long as they look.
	Still bool
	// ExtraTopics adds that many empty topics named load-00000, load-00001, ... for listing benchmarks.
	ExtraTopics int
	// ExtraPartitions is the partition count of each extra topic; 0 means 4.
	ExtraPartitions int
	// BigTopic adds topic BigTopic holding that many small records, for peek benchmarks; 0 adds none.
	BigTopic int
	// SchemaRegistry also serves a schema registry (an in-process fake, see schemas.go) and the topics
	// OrdersAvro, OrdersProto and OrdersJSON of records in its schemas.
	SchemaRegistry bool
}

func (o Options) extraPartitions() int {
	if o.ExtraPartitions > 0 {
		return o.ExtraPartitions
	}
	return 4
}

// Brokers is the number of brokers a demo cluster runs.
const Brokers = 3

// Cluster is a running demo cluster.
type Cluster struct {
	fake    *kfake.Cluster
	client  *kgo.Client // seeds, then feeds the trickle
	members []*kgo.Client
	seeded  Seeded
	// registry is the schema registry Options.SchemaRegistry serves; nil when none.
	registry *srfix.Registry

	stop      context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// Start starts a three-broker cluster and seeds it; ctx bounds the seeding. Unless opts.Still, a
// producer then appends an order every second until Close.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	kopts := []kfake.Opt{kfake.NumBrokers(Brokers), kfake.ClusterID("mqscope-demo")}
	if opts.Port != 0 {
		kopts = append(kopts, kfake.Ports(opts.Port, opts.Port+1, opts.Port+2))
	}
	fake, err := kfake.NewCluster(kopts...)
	if err != nil {
		return nil, fmt.Errorf("start kfake: %w", err)
	}
	c := &Cluster{fake: fake, stop: func() {}}
	if err := c.seed(ctx, opts); err != nil {
		c.Close()
		return nil, fmt.Errorf("seed the demo cluster: %w", err)
	}
	if opts.SchemaRegistry {
		if err := c.seedSchemaTopics(ctx, time.Now()); err != nil {
			c.Close()
			return nil, fmt.Errorf("seed the schema registry's topics: %w", err)
		}
	}
	if opts.BigTopic > 0 {
		if err := c.AddBigTopic(ctx, BigTopic, opts.BigTopic); err != nil {
			c.Close()
			return nil, fmt.Errorf("add the benchmark topic: %w", err)
		}
	}
	if !opts.Still {
		c.startTrickle()
	}
	return c, nil
}

// Bootstrap lists the brokers' host:port addresses.
func (c *Cluster) Bootstrap() []string { return c.fake.ListenAddrs() }

// Seeded describes what Start put on the cluster.
func (c *Cluster) Seeded() Seeded { return c.seeded }

// Close stops the cluster. It is safe to call more than once.
func (c *Cluster) Close() {
	c.closeOnce.Do(func() {
		c.stop()
		for _, m := range c.members {
			m.Close() // ends its poll loop
		}
		c.wg.Wait()
		if c.client != nil {
			c.client.Close()
		}
		c.fake.Close()
		if c.registry != nil {
			c.registry.Close()
		}
	})
}

func (c *Cluster) seed(ctx context.Context, opts Options) error {
	client, err := kgo.NewClient(
		kgo.SeedBrokers(c.fake.ListenAddrs()...),
		kgo.RecordPartitioner(kgo.ManualPartitioner()), // the plan placed every record already
		kgo.MaxBufferedRecords(20_000),
	)
	if err != nil {
		return err
	}
	c.client = client
	adm := kadm.NewClient(client)
	seeded, records := plan(opts, time.Now())

	if err := createTopics(ctx, adm, append(demoTopics(), extraTopics(opts)...)); err != nil {
		return err
	}
	if err := client.ProduceSync(ctx, records...).FirstErr(); err != nil {
		return fmt.Errorf("produce: %w", err)
	}
	for _, g := range seeded.Groups {
		if err := commit(ctx, adm, g); err != nil {
			return err
		}
	}
	if err := c.joinMembers(ctx); err != nil {
		return err
	}
	c.seeded = seeded
	return nil
}

// createTopics creates the topics, batching those that share a partition count and configs into one
// request.
func createTopics(ctx context.Context, adm *kadm.Client, specs []topicSpec) error {
	type batchKey struct {
		partitions int
		configs    string
	}
	batches := make(map[batchKey][]topicSpec)
	var order []batchKey
	for _, s := range specs {
		k := batchKey{s.partitions, fmt.Sprint(s.configs)} // fmt prints maps sorted by key
		if _, ok := batches[k]; !ok {
			order = append(order, k)
		}
		batches[k] = append(batches[k], s)
	}
	for _, k := range order {
		batch := batches[k]
		names := make([]string, len(batch))
		for i, s := range batch {
			names[i] = s.name
		}
		configs := make(map[string]*string, len(batch[0].configs))
		for name, v := range batch[0].configs {
			configs[name] = kadm.StringPtr(v)
		}
		resps, err := adm.CreateTopics(ctx, int32(k.partitions), -1, configs, names...)
		if err == nil {
			err = resps.Error()
		}
		if err != nil {
			return fmt.Errorf("create topics: %w", err)
		}
	}
	return nil
}

func commit(ctx context.Context, adm *kadm.Client, g SeededGroup) error {
	var offsets kadm.Offsets
	for topic, committed := range g.Committed {
		for p, at := range committed {
			offsets.Add(kadm.Offset{Topic: topic, Partition: int32(p), At: at, LeaderEpoch: -1})
		}
	}
	if err := adm.CommitAllOffsets(ctx, g.Name, offsets); err != nil {
		return fmt.Errorf("commit offsets of %s: %w", g.Name, err)
	}
	return nil
}

// joinMembers starts the groups' live members and waits until each group is Stable.
func (c *Cluster) joinMembers(ctx context.Context) error {
	for _, g := range demoGroups() {
		if g.live == nil {
			continue
		}
		opts := []kgo.Opt{
			kgo.SeedBrokers(c.fake.ListenAddrs()...), kgo.ConsumerGroup(g.name),
			kgo.ConsumeTopics(g.live.topics...), kgo.Balancers(g.live.balancer),
			kgo.ClientID(g.name),
		}
		if g.live.stuck {
			opts = append(opts, kgo.DisableAutoCommit())
		} else {
			opts = append(opts, kgo.AutoCommitInterval(time.Second))
		}
		m, err := kgo.NewClient(opts...)
		if err != nil {
			return fmt.Errorf("start a member of %s: %w", g.name, err)
		}
		c.members = append(c.members, m)
		if g.live.stuck {
			m.PauseFetchTopics(g.live.topics...)
		}
		c.consume(m)
	}
	for _, g := range demoGroups() {
		if g.live == nil {
			continue
		}
		if _, err := c.fake.WaitGroupStable(ctx, g.name, 1); err != nil {
			return fmt.Errorf("wait for %s to settle: %w", g.name, err)
		}
	}
	return nil
}

// consume polls for a member until the cluster closes: polling is what keeps a franz-go member
// processing (and, unless paused, committing what it read).
func (c *Cluster) consume(m *kgo.Client) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		for {
			fetches := m.PollFetches(context.Background())
			if fetches.IsClientClosed() || errors.Is(fetches.Err0(), context.Canceled) {
				return
			}
		}
	}()
}
