package kafka

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/internal/testkit/kafkafix"
)

// newCluster starts a three-broker kfake cluster for one test.
func newCluster(t testing.TB, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	c := kafkafix.Start(t, append([]kfake.Opt{kfake.NumBrokers(3), kfake.ClusterID("mqscope-test")}, opts...)...)
	// A real cluster keeps group offsets in the internal topic __consumer_offsets; kfake keeps them
	// elsewhere, so make the topic for listings to hide.
	if err := c.CreateTopic("__consumer_offsets", 3, map[string]string{"kfake.is_internal": "true"}); err != nil {
		t.Fatal(err)
	}
	return c
}

func open(t testing.TB, c *kfake.Cluster) *Backend {
	t.Helper()
	b, err := Open(testCtx(t), Config{Brokers: c.ListenAddrs()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// fixture puts data on the cluster with franz-go, not with the adapter under test.
type fixture struct {
	c   *kfake.Cluster
	cl  *kgo.Client
	adm *kadm.Client
}

func newFixture(t testing.TB, c *kfake.Cluster) *fixture {
	// Without client metrics (KIP-714): franz-go asks for a subscription in the background, and tests that
	// count the adapter's requests would count that too (CI: "peeking sent 1 GetTelemetrySubscriptions").
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.RecordPartitioner(kgo.RoundRobinPartitioner()),
		kgo.DisableClientMetrics())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return &fixture{c: c, cl: cl, adm: kadm.NewClient(cl)}
}

func (f *fixture) CreateDestination(t *testing.T, name string, partitions int) {
	t.Helper()
	f.createTopics(t, partitions, nil, name)
}

func (f *fixture) createTopics(t testing.TB, partitions int, configs map[string]*string, names ...string) {
	t.Helper()
	resps, err := f.adm.CreateTopics(testCtx(t), int32(partitions), -1, configs, names...)
	if err == nil {
		err = resps.Error()
	}
	if err != nil {
		t.Fatalf("create topics %v: %v", names, err)
	}
}

func (f *fixture) Put(t *testing.T, name string, n int) {
	t.Helper()
	recs := make([]*kgo.Record, n)
	for i := range recs {
		recs[i] = &kgo.Record{Topic: name, Value: fmt.Appendf(nil, "message %d", i)}
	}
	if err := f.cl.ProduceSync(testCtx(t), recs...).FirstErr(); err != nil {
		t.Fatalf("produce to %s: %v", name, err)
	}
}

func (f *fixture) CommitGroup(t *testing.T, group, topic string, committed int64) {
	t.Helper()
	ends, err := f.adm.ListEndOffsets(testCtx(t), topic)
	if err != nil {
		t.Fatal(err)
	}
	var offsets kadm.Offsets
	ends.Each(func(o kadm.ListedOffset) {
		offsets.Add(kadm.Offset{Topic: topic, Partition: o.Partition, At: committed, LeaderEpoch: -1})
	})
	if err := f.adm.CommitAllOffsets(testCtx(t), group, offsets); err != nil {
		t.Fatalf("commit %s: %v", group, err)
	}
}

func listTopics(t testing.TB, b *Backend, opts backends.ListOptions) map[string]backends.Destination {
	t.Helper()
	dests, err := b.ListDestinations(testCtx(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	m := make(map[string]backends.Destination, len(dests))
	for _, d := range dests {
		m[d.Name] = d
	}
	return m
}

func TestIdentityNamesClusterControllerAndRelease(t *testing.T) {
	c := newCluster(t)
	id, err := open(t, c).Identity(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if id.Cluster != "mqscope-test" {
		t.Errorf("Cluster = %q, want mqscope-test", id.Cluster)
	}
	if len(id.Nodes) != 3 {
		t.Fatalf("Nodes = %+v, want 3", id.Nodes)
	}
	addrs := strings.Join(c.ListenAddrs(), ",")
	controllers := 0
	for _, n := range id.Nodes {
		if !strings.Contains(addrs, n.Address) {
			t.Errorf("node %+v is not one of %s", n, addrs)
		}
		if n.Role == "controller" {
			controllers++
		}
	}
	if controllers != 1 {
		t.Errorf("%d controllers among %+v, want 1", controllers, id.Nodes)
	}
	if !strings.HasPrefix(id.Version, "4.") || !strings.HasSuffix(id.Version, "+") {
		t.Errorf("Version = %q, want a 4.x release lower bound for a current kfake", id.Version)
	}
}

// An older cluster has no DescribeCluster: Identity falls back to Metadata, and the release guess follows
// the versions the cluster advertises.
func TestIdentityOfAnOlderCluster(t *testing.T) {
	c := newCluster(t, kfake.MaxVersions(kversion.V2_7_0()))
	b := open(t, c)
	id, err := b.Identity(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if id.Version != "2.7+" || id.Cluster != "mqscope-test" || len(id.Nodes) != 3 {
		t.Errorf("Identity = %+v, want version 2.7+, cluster mqscope-test, 3 nodes", id)
	}
	f := newFixture(t, c)
	f.createTopics(t, 2, nil, "old-cluster")
	f.Put(t, "old-cluster", 5)
	if d := listTopics(t, b, backends.ListOptions{})["old-cluster"]; d.Messages != 5 || d.Partitions != 2 {
		t.Errorf("old-cluster listed as %+v, want 2 partitions and 5 messages", d)
	}
}

func TestInternalTopicsHiddenUnlessAsked(t *testing.T) {
	c := newCluster(t)
	f := newFixture(t, c)
	f.createTopics(t, 1, nil, "orders", "__mqscope-offsets")
	// A topic the broker flags internal though its name does not say so.
	f.createTopics(t, 1, map[string]*string{"kfake.is_internal": kadm.StringPtr("true")}, "flagged")
	b := open(t, c)

	shown := listTopics(t, b, backends.ListOptions{})
	if len(shown) != 1 || shown["orders"].Internal {
		t.Errorf("default listing = %v, want only orders, not internal", shown)
	}
	all := listTopics(t, b, backends.ListOptions{IncludeInternal: true})
	for _, name := range []string{"__consumer_offsets", "__mqscope-offsets", "flagged"} {
		if d, ok := all[name]; !ok || !d.Internal {
			t.Errorf("%s with IncludeInternal: listed %v, internal %v; want listed and internal", name, ok, d.Internal)
		}
	}
	if all["orders"].Internal {
		t.Error("orders marked internal")
	}
}

func TestOfflinePartitionsCounted(t *testing.T) {
	c := newCluster(t)
	f := newFixture(t, c)
	f.createTopics(t, 3, nil, "payments")
	f.Put(t, "payments", 9) // round robin: 3 per partition
	// The cluster says partition 1 has no leader, as a real one does while every replica is down.
	c.Fault(kfake.Fault{
		Keys: []kmsg.Key{kmsg.Metadata}, Topic: "payments", Partitions: []int32{1},
		Err: kerr.LeaderNotAvailable, Count: -1,
	})
	d := listTopics(t, open(t, c), backends.ListOptions{})["payments"]
	if d.Partitions != 3 || d.Offline != 1 {
		t.Errorf("payments = %+v, want 3 partitions, 1 offline", d)
	}
	if d.Messages != backends.Unknown {
		t.Errorf("payments Messages = %d, want unknown: the offline partition has no leader to count it, and "+
			"the other two's 6 is not the topic's count", d.Messages)
	}
}

// kfake always reports every replica in sync, so under-replication is checked on the metadata a broker
// would send.
func TestDestinationCountsPartitionHealth(t *testing.T) {
	topic := &sarama.TopicMetadata{Name: "t", Partitions: []*sarama.PartitionMetadata{
		{ID: 0, Leader: 1, Replicas: []int32{1, 2, 3}, Isr: []int32{1, 2, 3}},
		{ID: 1, Leader: 2, Replicas: []int32{2, 3, 1}, Isr: []int32{2}},
		{ID: 2, Leader: -1, Replicas: []int32{3, 1, 2}, Isr: []int32{}, Err: sarama.ErrLeaderNotAvailable},
		{ID: 3, Leader: 1, Replicas: []int32{1, 2}, Isr: []int32{1, 2}},
	}}
	ranges := map[topicPartition]logRange{
		{"t", 0}: {start: 10, end: 25}, {"t", 1}: {start: 0, end: 7}, {"t", 3}: {start: 5, end: 5},
	}
	d := destination(topic, ranges)
	want := backends.Destination{
		Name: "t", Kind: backends.Topic, Partitions: 4, ReplicationFactor: 3,
		UnderReplicated: 2, Offline: 1, Messages: backends.Unknown, // partition 2's records cannot be counted
	}
	if d.Name != want.Name || d.Kind != want.Kind || d.Partitions != want.Partitions ||
		d.ReplicationFactor != want.ReplicationFactor || d.UnderReplicated != want.UnderReplicated ||
		d.Offline != want.Offline || d.Messages != want.Messages || d.Internal {
		t.Errorf("destination = %+v\nwant %+v", d, want)
	}
}

// requestCounter counts the requests a kfake cluster receives, by key.
type requestCounter struct {
	mu sync.Mutex
	n  map[int16]int
}

func countRequests(c *kfake.Cluster) *requestCounter {
	rc := &requestCounter{n: make(map[int16]int)}
	c.Control(func(req kmsg.Request) (kmsg.Response, error, bool) {
		rc.mu.Lock()
		rc.n[req.Key()]++
		rc.mu.Unlock()
		return nil, nil, false // only watch: the cluster answers as usual
	})
	return rc
}

// during counts the requests of each key that fn causes.
func (rc *requestCounter) during(fn func()) map[int16]int {
	rc.mu.Lock()
	clear(rc.n)
	rc.mu.Unlock()
	fn()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return maps.Clone(rc.n)
}

func TestListingCostsRequestsPerBrokerNotPerTopic(t *testing.T) {
	c := newCluster(t)
	f := newFixture(t, c)
	b := open(t, c)
	rc := countRequests(c)
	var costs []map[int16]int
	for _, n := range []int{10, 200} {
		names := make([]string, n)
		for i := range names {
			names[i] = fmt.Sprintf("cost-%d-%03d", n, i)
		}
		f.createTopics(t, 4, nil, names...)
		costs = append(costs, rc.during(func() {
			if got := len(listTopics(t, b, backends.ListOptions{})); got < n {
				t.Fatalf("listed %d topics, want at least %d", got, n)
			}
		}))
	}
	for i, cost := range costs {
		// One Metadata for the cluster; per leader (3 brokers), one ListOffsets for start offsets
		// and one for end offsets. The first listing also opens connections, each with an ApiVersions.
		if cost[int16(kmsg.Metadata)] != 1 || cost[int16(kmsg.ListOffsets)] != 6 ||
			cost[int16(kmsg.ApiVersions)] > 3 || total(cost)-cost[int16(kmsg.ApiVersions)] != 7 {
			t.Errorf("listing %d: requests by key %v, want 1 Metadata and 6 ListOffsets only", i, cost)
		}
	}

	f.CommitGroup(t, "cost-group-a", "cost-10-000", 0)
	f.CommitGroup(t, "cost-group-b", "cost-10-001", 0)
	cost := rc.during(func() {
		if _, err := b.ListGroups(testCtx(t)); err != nil {
			t.Fatal(err)
		}
	})
	if cost[int16(kmsg.DescribeCluster)] != 1 || cost[int16(kmsg.ListGroups)] != 3 || cost[int16(kmsg.DescribeGroups)] > 3 ||
		cost[int16(kmsg.OffsetFetch)] > 3 {
		t.Errorf("ListGroups: requests by key %v, want 1 DescribeCluster, 3 ListGroups, at most 3 DescribeGroups and 3 OffsetFetch", cost)
	}
}

func total(m map[int16]int) (n int) {
	for _, v := range m {
		n += v
	}
	return n
}

func TestGroupsWithMembersShowTopicsAndProtocol(t *testing.T) {
	c := newCluster(t)
	f := newFixture(t, c)
	f.createTopics(t, 2, nil, "invoices")
	f.Put(t, "invoices", 4)
	consumer, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumerGroup("billing"),
		kgo.ConsumeTopics("invoices"), kgo.Balancers(kgo.RangeBalancer()))
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	go func() { // polling joins the group
		for ctx := testCtx(t); ctx.Err() == nil; {
			if consumer.PollFetches(ctx).IsClientClosed() {
				return
			}
		}
	}()
	if _, err := c.WaitGroupStable(testCtx(t), "billing", 1); err != nil {
		t.Fatal(err)
	}
	f.CommitGroup(t, "idle", "invoices", 2)

	groups, err := open(t, c).ListGroups(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 2 || groups[0].Name != "billing" || groups[1].Name != "idle" {
		t.Fatalf("groups = %+v, want billing then idle", groups)
	}
	billing, idle := groups[0], groups[1]
	if billing.State != "Stable" || billing.Members != 1 || billing.ProtocolType != "consumer" ||
		billing.Protocol != "range" || strings.Join(billing.Topics, ",") != "invoices" || billing.Coordinator == "" {
		t.Errorf("billing = %+v, want Stable, 1 member, consumer/range on invoices, with a coordinator", billing)
	}
	// No members, but committed offsets: the topics they are on, and the offsets per partition.
	if idle.State != "Empty" || idle.Members != 0 || strings.Join(idle.Topics, ",") != "invoices" ||
		fmt.Sprint(idle.Committed) != "[{invoices 0 2} {invoices 1 2}]" {
		t.Errorf("idle = %+v, want Empty, no members, on invoices with offset 2 on both partitions", idle)
	}
}

func TestWrongPasswordIsAnAuthError(t *testing.T) {
	c := newCluster(t, kfake.EnableSASL(), kfake.Superuser("PLAIN", "admin", "s3cret"))
	// Kafka answers a wrong password with SASL_AUTHENTICATION_FAILED before closing the connection;
	// kfake only closes it. Answer as Kafka does.
	c.ControlKey(int16(kmsg.SASLAuthenticate), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		if strings.HasSuffix(string(req.(*kmsg.SASLAuthenticateRequest).SASLAuthBytes), "\x00s3cret") {
			return nil, nil, false
		}
		resp := req.ResponseKind().(*kmsg.SASLAuthenticateResponse)
		resp.ErrorCode = kerr.SaslAuthenticationFailed.Code
		resp.ErrorMessage = kmsg.StringPtr("Authentication failed: Invalid username or password")
		return resp, nil, true
	})
	ctx := testCtx(t)
	_, err := Open(ctx, Config{Brokers: c.ListenAddrs(), SASL: &SASL{Username: "admin", Password: "wrong-pw"}})
	if !errors.Is(err, backends.ErrAuth) {
		t.Fatalf("Open with a wrong password: %v, want an auth error", err)
	}
	if msg := err.Error(); strings.Contains(msg, "wrong-pw") || strings.Contains(msg, "\n") {
		t.Errorf("error %q shows the password or spans lines", msg)
	}
	b, err := Open(ctx, Config{Brokers: c.ListenAddrs(), SASL: &SASL{Username: "admin", Password: "s3cret"}})
	if err != nil {
		t.Fatalf("Open with the right password: %v", err)
	}
	defer b.Close()
	if _, err := b.ListDestinations(ctx, backends.ListOptions{}); err != nil {
		t.Errorf("listing after authenticating: %v", err)
	}
}

func TestUnreachableNamesEveryAddress(t *testing.T) {
	_, err := Open(testCtx(t), Config{Brokers: []string{"127.0.0.1:1", "127.0.0.1:2"}})
	if !errors.Is(err, backends.ErrUnreachable) {
		t.Fatalf("err = %v, want unreachable", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "127.0.0.1:1,127.0.0.1:2") || !strings.Contains(msg, "refused") ||
		strings.Contains(msg, "run out of available brokers") {
		t.Errorf("error %q should name both addresses and say why", msg)
	}
}

func TestCancelledContextStopsAListing(t *testing.T) {
	c := newCluster(t)
	b := open(t, c)
	ctx, cancel := context.WithCancel(context.Background())
	release := make(chan struct{})
	defer close(release)
	// The caller gives up while the broker still holds the Metadata request.
	c.ControlKey(int16(kmsg.Metadata), func(kmsg.Request) (kmsg.Response, error, bool) {
		cancel()
		c.SleepControl(func() { <-release })
		return nil, nil, false
	})
	if _, err := b.ListDestinations(ctx, backends.ListOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}
