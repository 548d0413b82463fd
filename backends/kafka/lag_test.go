package kafka

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/demo"
)

func lagSnapshot(t testing.TB, b *Backend, groups ...string) backends.LagSnapshot {
	t.Helper()
	snap, err := b.LagSnapshot(testCtx(t), groups)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func groupIn(t testing.TB, snap backends.LagSnapshot, name string) backends.GroupLag {
	t.Helper()
	i := slices.IndexFunc(snap.Groups, func(g backends.GroupLag) bool { return g.Group == name })
	if i < 0 {
		t.Fatalf("group %s missing from the snapshot %+v", name, snap.Groups)
	}
	return snap.Groups[i]
}

// Every seeded group's committed offsets, log ends and lag are exactly what the demo seeded, and
// billing-service's stuck member holds every partition it lags on.
func TestLagOfTheDemoGroups(t *testing.T) {
	b, s := openDemo(t)
	snap := lagSnapshot(t, b)
	if len(snap.Groups) != len(s.Groups) || snap.At.IsZero() || snap.Requests == 0 {
		t.Fatalf("snapshot of %d groups at %v with %d requests; seeded %d groups", len(snap.Groups), snap.At, snap.Requests, len(s.Groups))
	}
	for i, want := range s.Groups {
		got := snap.Groups[i]
		if got.Group != want.Name || got.State != want.State || len(got.Members) != want.Members {
			t.Errorf("group %+v, want %s %s with %d members", got, want.Name, want.State, want.Members)
		}
		checkSeededLag(t, s, want, got)
	}

	billing := groupIn(t, snap, demo.Billing)
	if billing.State != "Stable" || len(billing.Members) != 1 {
		t.Fatalf("billing-service = %+v, want one member, Stable", billing)
	}
	member := billing.Members[0]
	var want []backends.TopicPartition
	for _, topic := range []string{demo.Orders, demo.Payments} {
		st, _ := s.Topic(topic)
		for p := range st.Ends {
			want = append(want, backends.TopicPartition{Topic: topic, Partition: int32(p)})
		}
	}
	if member.ClientID != demo.Billing || member.ID == "" || member.Host == "" || member.Host[0] == '/' ||
		!slices.Equal(member.Assigned, want) {
		t.Errorf("billing-service member = %+v, want client id billing-service, a host and every orders and payments partition", member)
	}
	var lag int64
	for _, p := range billing.Partitions {
		if p.Member != demo.Billing {
			t.Errorf("billing-service %s/%d assigned to %q, want its member", p.Topic, p.Partition, p.Member)
		}
		if p.Topic == demo.Orders {
			lag += p.Lag
		}
	}
	if seeded, _ := s.Group(demo.Billing); lag != seeded.Lag(s, demo.Orders) || lag == 0 {
		t.Errorf("billing-service lags %d on orders, seeded %d", lag, seeded.Lag(s, demo.Orders))
	}
	if audit := groupIn(t, snap, demo.Audit); len(audit.Members) != 0 || audit.Partitions[0].Member != "" {
		t.Errorf("audit-exporter = %+v, want no members and nobody assigned", audit)
	}
}

// checkSeededLag compares one group's partitions with what the demo seeded.
func checkSeededLag(t *testing.T, s demo.Seeded, want demo.SeededGroup, got backends.GroupLag) {
	t.Helper()
	var wantParts []backends.PartitionLag
	for topic, committed := range want.Committed {
		st, _ := s.Topic(topic)
		for p, c := range committed {
			wantParts = append(wantParts, backends.PartitionLag{Topic: topic, Partition: int32(p), Committed: c,
				Start: 0, End: st.Ends[p], Lag: st.Ends[p] - c})
		}
	}
	slices.SortFunc(wantParts, func(x, y backends.PartitionLag) int {
		return comparePartitions(topicPartition{x.Topic, x.Partition}, topicPartition{y.Topic, y.Partition})
	})
	if len(got.Partitions) != len(wantParts) {
		t.Fatalf("%s: %d partitions, want %d", want.Name, len(got.Partitions), len(wantParts))
	}
	for i, w := range wantParts {
		g := got.Partitions[i]
		g.Member = "" // checked apart
		if g != w {
			t.Errorf("%s: %+v, want %+v", want.Name, g, w)
		}
	}
}

// Asking for groups by name returns those only, in order; a group nobody holds is Dead and empty.
func TestLagOfNamedGroups(t *testing.T) {
	b, s := openDemo(t)
	snap := lagSnapshot(t, b, demo.Shipping, "nobody-here", demo.Audit)
	var names []string
	for _, g := range snap.Groups {
		names = append(names, g.Group)
	}
	if !slices.Equal(names, []string{demo.Audit, "nobody-here", demo.Shipping}) {
		t.Fatalf("groups %v, want audit-exporter, nobody-here, shipping-service", names)
	}
	if ghost := snap.Groups[1]; ghost.State != "Dead" || ghost.Partitions != nil || ghost.Members != nil {
		t.Errorf("unknown group = %+v, want Dead with nothing", ghost)
	}
	audit, _ := s.Group(demo.Audit)
	checkSeededLag(t, s, audit, snap.Groups[0])
}

// A member assigned partitions it never committed on shows them with Committed -1 and the whole log as
// lag; older clusters, which take one group per OffsetFetch, give the same figures.
func TestLagOfUncommittedAssignments(t *testing.T) {
	for _, tc := range []struct {
		name          string
		opts          []kfake.Opt
		offsetFetches func(n int) bool // how many OffsetFetch requests the snapshot may send
	}{
		{"current", nil, func(n int) bool { return n >= 1 && n <= 2 }},                                       // one per coordinator
		{"Kafka 2.7", []kfake.Opt{kfake.MaxVersions(kversion.V2_7_0())}, func(n int) bool { return n == 2 }}, // one per group
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t, tc.opts...)
			f := newFixture(t, c)
			f.createTopics(t, 2, nil, "jobs", "done")
			f.Put(t, "jobs", 10) // 5 per partition
			f.Put(t, "done", 4)
			f.CommitGroup(t, "reporter", "done", 1)
			// Records before offset 2 of jobs/0 are deleted: the log starts there.
			if _, err := f.adm.DeleteRecords(testCtx(t), kadm.Offsets{"jobs": {0: {Topic: "jobs", Partition: 0, At: 2}}}); err != nil {
				t.Fatal(err)
			}
			joinStuck(t, c, "worker", "jobs")

			b := open(t, c)
			var snap backends.LagSnapshot
			cost := countRequests(c).during(func() { snap = lagSnapshot(t, b) })
			if n := cost[int16(kmsg.OffsetFetch)]; !tc.offsetFetches(n) {
				t.Errorf("%d OffsetFetch requests for two groups", n)
			}
			worker, reporter := groupIn(t, snap, "worker"), groupIn(t, snap, "reporter")
			wantWorker := []backends.PartitionLag{
				{Topic: "jobs", Partition: 0, Committed: -1, Start: 2, End: 5, Lag: 3, Member: "worker"},
				{Topic: "jobs", Partition: 1, Committed: -1, Start: 0, End: 5, Lag: 5, Member: "worker"},
			}
			if worker.State != "Stable" || !slices.Equal(worker.Partitions, wantWorker) {
				t.Errorf("worker = %+v\nwant partitions %+v", worker, wantWorker)
			}
			wantReporter := []backends.PartitionLag{
				{Topic: "done", Partition: 0, Committed: 1, Start: 0, End: 2, Lag: 1},
				{Topic: "done", Partition: 1, Committed: 1, Start: 0, End: 2, Lag: 1},
			}
			if reporter.State != "Empty" || !slices.Equal(reporter.Partitions, wantReporter) {
				t.Errorf("reporter = %+v\nwant partitions %+v", reporter, wantReporter)
			}
		})
	}
}

// joinStuck starts a member of group on topics that never fetches nor commits, as a consumer hung on a
// poison message does, and waits until the group is Stable.
func joinStuck(t testing.TB, c *kfake.Cluster, group string, topics ...string) *kgo.Client {
	t.Helper()
	m, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumerGroup(group), kgo.ConsumeTopics(topics...),
		kgo.ClientID(group), kgo.DisableAutoCommit(), kgo.Balancers(kgo.RangeBalancer()))
	if err != nil {
		t.Fatal(err)
	}
	m.PauseFetchTopics(topics...)
	done := make(chan struct{})
	go func() { // polling is what keeps a franz-go member in its group
		defer close(done)
		for !m.PollFetches(testCtx(t)).IsClientClosed() {
		}
	}()
	t.Cleanup(func() { m.Close(); <-done })
	if _, err := c.WaitGroupStable(testCtx(t), group, 1); err != nil {
		t.Fatal(err)
	}
	return m
}

// A snapshot costs the same requests for 40 partitions per group as for 440, and LagSnapshot.Requests counts
// exactly what the cluster received.
func TestLagRequestsDoNotGrowWithPartitions(t *testing.T) {
	c := newCluster(t)
	f := newFixture(t, c)
	rc := countRequests(c)
	groups := []string{"g-a", "g-b", "g-c", "g-d", "g-e", "g-f", "g-g", "g-h"} // more groups than brokers
	var costs []map[int16]int
	committedTopics := 0
	// Ten topics of four partitions: every broker leads some (kfake places leaders at random).
	for _, topics := range []int{10, 100} {
		committedTopics += topics
		names := make([]string, topics)
		for i := range names {
			names[i] = fmt.Sprintf("lagcost-%d-%03d", topics, i)
		}
		f.createTopics(t, 4, nil, names...)
		for _, g := range groups {
			commitAll(t, f.adm, g, names, 4, 0)
		}
		b := open(t, c) // a fresh backend: the snapshot asks for metadata and connects to every broker
		var snap backends.LagSnapshot
		cost := rc.during(func() { snap = lagSnapshot(t, b) })
		delete(cost, int16(kmsg.ApiVersions)) // connecting, not reading
		if snap.Requests != total(cost) {
			t.Errorf("%d topics: snapshot counted %d requests, the cluster saw %v", topics, snap.Requests, cost)
		}
		parts := 0
		for _, g := range snap.Groups {
			parts += len(g.Partitions)
		}
		if want := len(groups) * committedTopics * 4; parts != want {
			t.Errorf("%d topics: the snapshot holds %d partitions, want %d", committedTopics, parts, want)
		}
		costs = append(costs, cost)
	}
	if !maps.Equal(costs[0], costs[1]) {
		t.Errorf("requests by key for 40 partitions per group %v, for 440 %v: want the same", costs[0], costs[1])
	}
	if costs[1][int16(kmsg.OffsetFetch)] > 3 || costs[1][int16(kmsg.DescribeGroups)] > 3 || costs[1][int16(kmsg.ListOffsets)] != 6 || costs[1][int16(kmsg.Metadata)] != 1 {
		t.Errorf("requests by key %v: want at most one OffsetFetch and DescribeGroups per broker, two ListOffsets per broker, one Metadata", costs[1])
	}
}

// commitAll commits offset at on every partition of the topics for group, in one request.
func commitAll(t testing.TB, adm *kadm.Client, group string, topics []string, partitions int32, at int64) {
	t.Helper()
	var offsets kadm.Offsets
	for _, topic := range topics {
		for p := range partitions {
			offsets.Add(kadm.Offset{Topic: topic, Partition: p, At: at, LeaderEpoch: -1})
		}
	}
	if err := adm.CommitAllOffsets(testCtx(t), group, offsets); err != nil {
		t.Fatalf("commit %s: %v", group, err)
	}
}
