package demo

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/kafka"
)

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func start(t testing.TB, opts Options) *Cluster {
	t.Helper()
	c, err := Start(testCtx(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// still is one Still demo shared by the tests that only look at it: none of them writes, commits or
// joins a group, so they cannot disturb each other.
var still struct {
	once    sync.Once
	cluster *Cluster
	err     error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if still.cluster != nil {
		still.cluster.Close()
	}
	os.Exit(code)
}

func stillDemo(t testing.TB) *Cluster {
	t.Helper()
	still.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		still.cluster, still.err = Start(ctx, Options{Still: true})
	})
	if still.err != nil {
		t.Fatal(still.err)
	}
	return still.cluster
}

func openAdapter(t testing.TB, c *Cluster) *kafka.Backend {
	t.Helper()
	b, err := kafka.Open(testCtx(t), kafka.Config{Brokers: c.Bootstrap()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// The adapter reports exactly what the demo says it seeded.
func TestSeededTopicsAndGroupsAsTheAdapterSeesThem(t *testing.T) {
	c := stillDemo(t)
	s := c.Seeded()
	if !reflect.DeepEqual(s, Expected(Options{})) {
		t.Error("Seeded differs from Expected: seeding is not deterministic")
	}
	b := openAdapter(t, c)

	id, err := b.Identity(testCtx(t))
	if err != nil || id.Cluster != "mqscope-demo" || len(id.Nodes) != Brokers {
		t.Errorf("Identity = %+v, %v; want cluster mqscope-demo with %d nodes", id, err, Brokers)
	}

	dests, err := b.ListDestinations(testCtx(t), backends.ListOptions{IncludeInternal: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(dests) != len(s.Topics) {
		t.Errorf("listed %d topics, seeded %d", len(dests), len(s.Topics))
	}
	for _, d := range dests {
		want, ok := s.Topic(d.Name)
		if !ok {
			t.Errorf("unexpected topic %s", d.Name)
			continue
		}
		if d.Messages != want.Messages() || d.Partitions != len(want.Ends) || d.Internal != want.Internal ||
			d.ReplicationFactor != Brokers || d.Offline != 0 || d.UnderReplicated != 0 {
			t.Errorf("%s listed as %+v; seeded %d messages in %d partitions, internal %v",
				d.Name, d, want.Messages(), len(want.Ends), want.Internal)
		}
	}

	groups, err := b.ListGroups(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != len(s.Groups) {
		t.Fatalf("groups = %+v, seeded %+v", groups, s.Groups)
	}
	for i, g := range groups {
		want := s.Groups[i]
		if g.Name != want.Name || g.State != want.State || g.Members != want.Members {
			t.Errorf("group %+v, want %s %s with %d members", g, want.Name, want.State, want.Members)
		}
	}
	if billing := groups[slices.IndexFunc(groups, func(g backends.ConsumerGroup) bool { return g.Name == Billing })]; strings.Join(billing.Topics, ",") != "orders,payments" || billing.Protocol != "range" {
		t.Errorf("billing-service = %+v, want range-assigned orders and payments", billing)
	}
}

// The committed offsets on the cluster are the seeded ones, and billing-service lags on some partitions
// and not on others.
func TestBillingServiceLagsOnSomePartitions(t *testing.T) {
	c := stillDemo(t)
	s := c.Seeded()
	adm := kadm.NewClient(newClient(t, c))
	for _, g := range s.Groups {
		got, err := adm.FetchOffsets(testCtx(t), g.Name)
		if err != nil {
			t.Fatal(err)
		}
		for topic, committed := range g.Committed {
			for p, want := range committed {
				if o, ok := got.Lookup(topic, int32(p)); !ok || o.At != want {
					t.Errorf("%s %s/%d committed %d, want %d", g.Name, topic, p, o.At, want)
				}
			}
		}
	}
	billing, _ := s.Group(Billing)
	orders, _ := s.Topic(Orders)
	var behind, caughtUp int
	for p, committed := range billing.Committed[Orders] {
		if committed < orders.Ends[p] {
			behind++
		} else {
			caughtUp++
		}
	}
	if behind == 0 || caughtUp == 0 || billing.Lag(s, Orders) != 162 {
		t.Errorf("billing-service on orders: %d partitions behind, %d caught up, lag %d; want both kinds and lag 162",
			behind, caughtUp, billing.Lag(s, Orders))
	}
	if shipping, _ := s.Group(Shipping); shipping.Lag(s, Orders) != 0 {
		t.Errorf("shipping-service lags %d, want caught up", shipping.Lag(s, Orders))
	}
}

func newClient(t testing.TB, c *Cluster, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(c.Bootstrap()...)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// readAll reads every record of a seeded topic.
func readAll(t testing.TB, c *Cluster, topic string) []*kgo.Record {
	t.Helper()
	want, _ := c.Seeded().Topic(topic)
	cl := newClient(t, c, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	var recs []*kgo.Record
	for int64(len(recs)) < want.Messages() {
		fetches := cl.PollFetches(testCtx(t))
		if err := fetches.Err(); err != nil {
			t.Fatalf("read %s: %v", topic, err)
		}
		recs = append(recs, fetches.Records()...)
	}
	return recs
}

func headerValue(r *kgo.Record, key string) []byte {
	for _, h := range r.Headers {
		if h.Key == key {
			return h.Value
		}
	}
	return nil
}

// Every dead letter carries Spring's headers, encoded as Spring encodes them, pointing at the very
// record of orders it came from.
func TestDeadLettersPointAtTheirOriginals(t *testing.T) {
	c := stillDemo(t)
	type at struct {
		partition int32
		offset    int64
	}
	orders := make(map[at]*kgo.Record)
	for _, r := range readAll(t, c, Orders) {
		orders[at{r.Partition, r.Offset}] = r
	}
	letters := readAll(t, c, OrdersDLT)
	if len(letters) < 20 {
		t.Fatalf("%d dead letters, want a realistic handful", len(letters))
	}
	for _, l := range letters {
		part, off, ts := headerValue(l, "kafka_dlt-original-partition"), headerValue(l, "kafka_dlt-original-offset"),
			headerValue(l, "kafka_dlt-original-timestamp")
		if string(headerValue(l, "kafka_dlt-original-topic")) != Orders || len(part) != 4 || len(off) != 8 || len(ts) != 8 {
			t.Fatalf("dead letter %d/%d has malformed origin headers: %v", l.Partition, l.Offset, l.Headers)
		}
		orig, ok := orders[at{int32(binary.BigEndian.Uint32(part)), int64(binary.BigEndian.Uint64(off))}]
		if !ok {
			t.Fatalf("dead letter %d/%d points at no record of orders", l.Partition, l.Offset)
		}
		if string(orig.Key) != string(l.Key) || string(orig.Value) != string(l.Value) ||
			orig.Timestamp.UnixMilli() != int64(binary.BigEndian.Uint64(ts)) || orig.Partition != l.Partition {
			t.Errorf("dead letter %d/%d does not match its original %d/%d", l.Partition, l.Offset, orig.Partition, orig.Offset)
		}
		if !strings.Contains(string(orig.Value), `"currency":"XXX"`) {
			t.Errorf("original %d/%d is not one billing-service would reject: %s", orig.Partition, orig.Offset, orig.Value)
		}
		for _, h := range []string{"kafka_dlt-exception-fqcn", "kafka_dlt-exception-message",
			"kafka_dlt-exception-stacktrace", "kafka_dlt-original-consumer-group"} {
			if len(headerValue(l, h)) == 0 {
				t.Errorf("dead letter %d/%d lacks %s", l.Partition, l.Offset, h)
			}
		}
	}
}

// The demo carries what a viewer must cope with: bodies that are not text, and text that attacks the
// terminal.
func TestBinaryAndHostileRecords(t *testing.T) {
	c := stillDemo(t)
	for _, r := range readAll(t, c, Telemetry) {
		if utf8.Valid(r.Value) {
			t.Fatalf("telemetry record %d/%d is valid UTF-8: %q", r.Partition, r.Offset, r.Value)
		}
	}
	var hostile int
	for _, r := range readAll(t, c, Customers) {
		if strings.Contains(string(r.Key), "\x1b[") && strings.Contains(string(headerValue(r, "x-display-name")), "\u202e") {
			hostile++
		}
	}
	if hostile != 1 {
		t.Errorf("%d hostile customer records, want 1", hostile)
	}
}

func TestExtraTopicsForBenchmarks(t *testing.T) {
	opts := Options{Still: true, ExtraTopics: 50, ExtraPartitions: 2}
	c := start(t, opts)
	dests, err := openAdapter(t, c).ListDestinations(testCtx(t), backends.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var load int
	for _, d := range dests {
		if strings.HasPrefix(d.Name, "load-") {
			load++
			if d.Partitions != 2 || d.Messages != 0 {
				t.Errorf("%s = %+v, want 2 empty partitions", d.Name, d)
			}
		}
	}
	if load != 50 {
		t.Errorf("%d load- topics, want 50", load)
	}
}

func TestPortOption(t *testing.T) {
	for attempt := 0; ; attempt++ {
		port := freePort(t)
		c, err := Start(testCtx(t), Options{Port: port, Still: true})
		if err != nil && attempt < 5 { // port+1 or port+2 was taken meanwhile
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		want := []string{fmt.Sprintf("127.0.0.1:%d", port), fmt.Sprintf("127.0.0.1:%d", port+1), fmt.Sprintf("127.0.0.1:%d", port+2)}
		if got := c.Bootstrap(); !reflect.DeepEqual(got, want) {
			t.Errorf("Bootstrap = %v, want %v", got, want)
		}
		return
	}
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Without Still, orders keep arriving, so live views move.
func TestTrickleMovesTheDemo(t *testing.T) {
	c := start(t, Options{})
	b := openAdapter(t, c)
	seeded, _ := c.Seeded().Topic(Orders)
	for ctx := testCtx(t); ; {
		dests, err := b.ListDestinations(ctx, backends.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if i := slices.IndexFunc(dests, func(d backends.Destination) bool { return d.Name == Orders }); dests[i].Messages > seeded.Messages() {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatal("no new orders arrived")
		case <-time.After(200 * time.Millisecond):
		}
	}
}
