package kafka

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/demo"
	"github.com/mqscope/mqscope/internal/testkit/demofix"
)

func TestMain(m *testing.M) {
	if brokers := os.Getenv("MQSCOPE_MOVE_CHILD"); brokers != "" {
		os.Exit(moveChild(brokers))
	}
	os.Exit(m.Run())
}

// stillDemo is one still demo cluster for the tests that only read it.
func stillDemo(t testing.TB) *demo.Cluster { return demofix.Shared(t) }

func openDemo(t testing.TB) (*Backend, demo.Seeded) {
	t.Helper()
	c := stillDemo(t)
	b, err := Open(testCtx(t), Config{Brokers: c.Bootstrap()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, c.Seeded()
}

// produce writes records to the partitions they name.
func produce(t testing.TB, c *kfake.Cluster, recs ...*kgo.Record) {
	t.Helper()
	if err := produceTo(testCtx(t), c, recs...); err != nil {
		t.Fatal(err)
	}
}

func produceTo(ctx context.Context, c *kfake.Cluster, recs ...*kgo.Record) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerBatchMaxBytes(16<<20))
	if err != nil {
		return err
	}
	defer cl.Close()
	return cl.ProduceSync(ctx, recs...).FirstErr()
}

func peekAll(t testing.TB, b *Backend, req backends.PeekRequest) []backends.Message {
	t.Helper()
	var got []backends.Message
	if err := b.Peek(testCtx(t), req, func(m backends.Message) error { got = append(got, m); return nil }); err != nil {
		t.Fatalf("Peek(%+v): %v", req, err)
	}
	return got
}

// placed is a record as the test put it: where, when, what.
type placed struct {
	partition int32
	offset    int64
	ts        time.Time
}

func (p placed) String() string {
	return fmt.Sprintf("%d@%d(%s)", p.partition, p.offset, p.ts.Format("05.000"))
}

func placedOf(ms []backends.Message) []placed {
	ps := make([]placed, len(ms))
	for i, m := range ms {
		ps[i] = placed{m.Partition, m.Offset, m.Timestamp}
	}
	return ps
}

func timeOrder(x, y placed) int {
	return cmp.Or(x.ts.Compare(y.ts), cmp.Compare(x.partition, y.partition), cmp.Compare(x.offset, y.offset))
}

// TestPeekPositions puts ten records in each of three partitions at interleaved times, with ties across
// partitions, and checks every start position against the records it should return, in the order the
// merge promises.
func TestPeekPositions(t *testing.T) {
	c := newCluster(t)
	newFixture(t, c).createTopics(t, 3, nil, "positions")
	base := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	var all []placed
	var recs []*kgo.Record
	for i := range 10 {
		for p := range int32(3) {
			// Partitions 0 and 1 tie at every step; partition 2 runs 5 s ahead of them.
			ts := base.Add(time.Duration(i)*10*time.Second + time.Duration(p/2)*5*time.Second)
			all = append(all, placed{p, int64(i), ts})
			recs = append(recs, &kgo.Record{Topic: "positions", Partition: p, Timestamp: ts, Value: fmt.Appendf(nil, "%d-%d", p, i)})
		}
	}
	produce(t, c, recs...)
	b := open(t, c)

	want := func(keep func(placed) bool, limit int) []placed {
		var w []placed
		for _, p := range all {
			if keep(p) {
				w = append(w, p)
			}
		}
		slices.SortFunc(w, timeOrder)
		if limit > 0 && len(w) > limit {
			w = w[:limit]
		}
		return w
	}
	in := func(parts ...int32) func(placed) bool {
		return func(p placed) bool { return slices.Contains(parts, p.partition) }
	}
	atTime := base.Add(62 * time.Second)
	for _, tc := range []struct {
		name  string
		req   backends.PeekRequest
		want  []placed
		order func(x, y placed) int // nil: the merge's time order
	}{
		{name: "earliest, all partitions merged by time",
			req:  backends.PeekRequest{From: backends.Position{Kind: backends.Earliest}},
			want: want(func(placed) bool { return true }, 0)},
		{name: "earliest, one partition",
			req:  backends.PeekRequest{From: backends.Position{Kind: backends.Earliest}, Partitions: []int32{1}},
			want: want(in(1), 0)},
		{name: "earliest, two partitions, limit",
			req:  backends.PeekRequest{From: backends.Position{Kind: backends.Earliest}, Partitions: []int32{2, 0}, Limit: 7},
			want: want(in(0, 2), 7)},
		{name: "latest without follow",
			req: backends.PeekRequest{From: backends.Position{Kind: backends.Latest}}},
		{name: "offset 7 of each partition",
			req:  backends.PeekRequest{From: backends.Position{Kind: backends.AtOffset, Offset: 7}},
			want: want(func(p placed) bool { return p.offset >= 7 }, 0)},
		{name: "offset past the end",
			req: backends.PeekRequest{From: backends.Position{Kind: backends.AtOffset, Offset: 1000}}},
		{name: "last 2 of each partition",
			req:  backends.PeekRequest{From: backends.Position{Kind: backends.LastN, N: 2}},
			want: want(func(p placed) bool { return p.offset >= 8 }, 0)},
		{name: "last 50 is everything",
			req:  backends.PeekRequest{From: backends.Position{Kind: backends.LastN, N: 50}, Partitions: []int32{0}},
			want: want(in(0), 0)},
		{name: "at a time, per partition",
			req:  backends.PeekRequest{From: backends.Position{Kind: backends.AtTime, Time: atTime}},
			want: want(func(p placed) bool { return !p.ts.Before(atTime) }, 0)},
		{name: "at a time after everything",
			req: backends.PeekRequest{From: backends.Position{Kind: backends.AtTime, Time: base.Add(time.Hour)}}},
		{name: "at a time before everything",
			req:  backends.PeekRequest{From: backends.Position{Kind: backends.AtTime, Time: time.Unix(0, 0)}, Partitions: []int32{2}},
			want: want(in(2), 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.Destination = "positions"
			got := placedOf(peekAll(t, b, tc.req))
			if !slices.Equal(got, tc.want) {
				t.Errorf("got  %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestPeekRefusesWhatIsNotThere(t *testing.T) {
	c := newCluster(t)
	newFixture(t, c).createTopics(t, 2, nil, "two")
	b := open(t, c)
	err := b.Peek(testCtx(t), backends.PeekRequest{Destination: "nope"}, func(backends.Message) error { return nil })
	if !errors.Is(err, backends.ErrNotFound) {
		t.Errorf("peek of a missing topic: %v, want ErrNotFound", err)
	}
	err = b.Peek(testCtx(t), backends.PeekRequest{Destination: "two", Partitions: []int32{2}}, func(backends.Message) error { return nil })
	if !errors.Is(err, backends.ErrNotFound) {
		t.Errorf("peek of a missing partition: %v, want ErrNotFound", err)
	}
}

// Keys, headers and bodies come back byte for byte: binary, empty, absent, repeated, large.
func TestPeekIsByteExact(t *testing.T) {
	c := newCluster(t)
	newFixture(t, c).createTopics(t, 1, map[string]*string{"max.message.bytes": kadm.StringPtr("3000000")}, "exact")
	big := make([]byte, 2<<20)             // larger than the first fetch asks for
	rand.NewChaCha8([32]byte{1}).Read(big) // incompressible
	recs := []*kgo.Record{
		{Key: []byte{0, 0xff, 0x1b, '[', '2', 'J'}, Value: []byte{0xc3, 0x28, 0, 0x80}},
		{Key: nil, Value: nil}, // a tombstone without a key
		{Key: []byte{}, Value: []byte{}},
		{Key: []byte("k"), Value: big},
		{Key: []byte("h"), Value: []byte("with headers"), Headers: []kgo.RecordHeader{
			{Key: "dup", Value: []byte("first")}, {Key: "bin", Value: []byte{0, 1, 0xfe}},
			{Key: "dup", Value: []byte("second")}, {Key: "empty", Value: []byte{}}, {Key: "null", Value: nil},
		}},
	}
	for _, r := range recs {
		r.Topic = "exact"
	}
	produce(t, c, recs...)
	got := peekAll(t, open(t, c), backends.PeekRequest{Destination: "exact"})
	if len(got) != len(recs) {
		t.Fatalf("peeked %d messages, want %d", len(got), len(recs))
	}
	for i, r := range recs {
		m := got[i]
		if m.Offset != int64(i) || m.Destination != "exact" || m.Partition != 0 {
			t.Errorf("message %d at %s/%d@%d", i, m.Destination, m.Partition, m.Offset)
		}
		if !sameBytes(m.Key, r.Key) || !sameBytes(m.Body, r.Value) {
			t.Errorf("message %d: key %q body of %d bytes; want key %q body of %d bytes (nil kept apart from empty)",
				i, m.Key, len(m.Body), r.Key, len(r.Value))
		}
		if len(m.Headers) != len(r.Headers) {
			t.Fatalf("message %d: %d headers, want %d", i, len(m.Headers), len(r.Headers))
		}
		for j, h := range r.Headers {
			if mh := m.Headers[j]; mh.Key != h.Key || !sameBytes(mh.Value, h.Value) || mh.Typed != nil {
				t.Errorf("message %d header %d = %q:%q (typed %v), want %q:%q", i, j, mh.Key, mh.Value, mh.Typed, h.Key, h.Value)
			}
		}
		if m.Origin != nil || m.Properties != nil {
			t.Errorf("message %d: origin %+v, properties %+v; want none", i, m.Origin, m.Properties)
		}
	}
}

// sameBytes is bytes.Equal that also tells nil from empty.
func sameBytes(x, y []byte) bool { return bytes.Equal(x, y) && (x == nil) == (y == nil) }

// Dead letters in the demo carry Spring's kafka_dlt headers: their Origin points at the original record,
// and peeking there finds the same key and body.
func TestPeekReadsDeadLetterOrigins(t *testing.T) {
	b, s := openDemo(t)
	dlt, _ := s.Topic(demo.OrdersDLT)
	letters := peekAll(t, b, backends.PeekRequest{Destination: demo.OrdersDLT})
	if int64(len(letters)) != dlt.Messages() || len(letters) == 0 {
		t.Fatalf("peeked %d dead letters, seeded %d", len(letters), dlt.Messages())
	}
	for _, l := range letters[:3] {
		o := l.Origin
		if o == nil || o.Convention != backends.SpringKafka || o.Destination != demo.Orders || o.Partition == nil ||
			*o.Partition != l.Partition || o.Offset == nil || o.Group != demo.Billing || o.Timestamp.IsZero() {
			t.Fatalf("dead letter %d@%d has origin %+v, want orders, same partition, an offset, billing-service", l.Partition, l.Offset, o)
		}
		orig := peekAll(t, b, backends.PeekRequest{Destination: demo.Orders, Partitions: []int32{*o.Partition}, Limit: 1,
			From: backends.Position{Kind: backends.AtOffset, Offset: *o.Offset}})
		if len(orig) != 1 || !bytes.Equal(orig[0].Key, l.Key) || !bytes.Equal(orig[0].Body, l.Body) || !orig[0].Timestamp.Equal(o.Timestamp) {
			t.Errorf("the original at %d@%d is not the dead letter's record", *o.Partition, *o.Offset)
		}
	}
}

// Peeking neither joins a group nor commits: the cluster sees only metadata, offset lookups and fetches,
// and the groups' committed offsets stay as they were.
func TestPeekChangesNoGroup(t *testing.T) {
	c := newCluster(t)
	f := newFixture(t, c)
	f.createTopics(t, 3, nil, "watched")
	f.Put(t, "watched", 30)
	f.CommitGroup(t, "watchers", "watched", 4)
	b := open(t, c)
	before := groupOffsets(t, f.adm)

	rc := countRequests(c)
	seen := rc.during(func() {
		for _, from := range []backends.Position{{Kind: backends.Earliest}, {Kind: backends.LastN, N: 3},
			{Kind: backends.AtOffset, Offset: 2}, {Kind: backends.AtTime, Time: time.Now().Add(-time.Minute)}} {
			if got := peekAll(t, b, backends.PeekRequest{Destination: "watched", From: from}); len(got) == 0 {
				t.Fatalf("peek from %+v read nothing", from)
			}
		}
	})
	for key := range seen {
		switch kmsg.Key(key) {
		case kmsg.Metadata, kmsg.ListOffsets, kmsg.Fetch, kmsg.ApiVersions:
		default:
			t.Errorf("peeking sent %d %s requests", seen[key], kmsg.NameForKey(key))
		}
	}
	if after := groupOffsets(t, f.adm); !maps.Equal(before, after) {
		t.Errorf("group offsets changed from %v to %v", before, after)
	}
}

// groupOffsets lists every group's committed offsets as group/topic/partition=offset.
func groupOffsets(t testing.TB, adm *kadm.Client) map[string]int64 {
	t.Helper()
	listed, err := adm.ListGroups(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	all := make(map[string]int64)
	for _, g := range listed.Groups() {
		offs, err := adm.FetchOffsets(testCtx(t), g)
		if err != nil {
			t.Fatal(err)
		}
		offs.Each(func(o kadm.OffsetResponse) {
			all[fmt.Sprintf("%s/%s/%d", g, o.Topic, o.Partition)] = o.At
		})
	}
	return all
}

// A follower from the latest offset gets what is produced after it started, then stops when its context
// ends.
func TestPeekFollowFromLatest(t *testing.T) {
	c := newCluster(t)
	newFixture(t, c).createTopics(t, 2, nil, "live")
	produce(t, c, &kgo.Record{Topic: "live", Partition: 0, Value: []byte("old")})
	b := open(t, c)
	// The first Fetch comes after the peek captured the log ends: anything produced from then on is new.
	fetching := make(chan struct{})
	var once sync.Once
	c.ControlKey(int16(kmsg.Fetch), func(kmsg.Request) (kmsg.Response, error, bool) {
		once.Do(func() { close(fetching) })
		return nil, nil, false
	})
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	got := make(chan backends.Message, 10)
	done := make(chan error, 1)
	go func() {
		done <- b.Peek(ctx, backends.PeekRequest{Destination: "live", Follow: true, From: backends.Position{Kind: backends.Latest}},
			func(m backends.Message) error { got <- m; return nil })
	}()
	select {
	case <-fetching:
	case err := <-done:
		t.Fatalf("Peek ended before following: %v", err)
	}
	produce(t, c, &kgo.Record{Topic: "live", Partition: 1, Value: []byte("new")})
	if m := <-got; string(m.Body) != "new" || m.Partition != 1 || m.Offset != 0 {
		t.Errorf("followed %q at %d@%d, want the new record at 1@0", m.Body, m.Partition, m.Offset)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Peek after cancel: %v, want context.Canceled", err)
	}
	if len(got) != 0 {
		t.Errorf("followed %d more messages than were produced", len(got))
	}
}

// Following from the earliest hands over what is there in time order first, then what arrives, and a
// limit ends it.
func TestPeekFollowCatchesUpThenTails(t *testing.T) {
	c := newCluster(t)
	newFixture(t, c).createTopics(t, 2, nil, "tail")
	base := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	produce(t, c,
		&kgo.Record{Topic: "tail", Partition: 1, Timestamp: base, Value: []byte("a")},
		&kgo.Record{Topic: "tail", Partition: 0, Timestamp: base.Add(time.Second), Value: []byte("b")},
		&kgo.Record{Topic: "tail", Partition: 1, Timestamp: base.Add(2 * time.Second), Value: []byte("c")})
	b := open(t, c)
	var bodies []string
	produced := make(chan error, 1)
	err := b.Peek(testCtx(t), backends.PeekRequest{Destination: "tail", Follow: true, Limit: 4},
		func(m backends.Message) error {
			bodies = append(bodies, string(m.Body))
			if len(bodies) == 3 { // caught up: what comes now is new
				go func() {
					produced <- produceTo(testCtx(t), c, &kgo.Record{Topic: "tail", Partition: 0, Value: []byte("d")})
				}()
			}
			return nil
		})
	if perr := <-produced; perr != nil {
		t.Fatal(perr)
	}
	if err != nil || !slices.Equal(bodies, []string{"a", "b", "c", "d"}) {
		t.Errorf("followed %q (%v), want a b c in time order, then d, then the limit", bodies, err)
	}
}

// emit's error ends a peek over several partitions at once and comes back as it was.
func TestPeekStopsOnEmitError(t *testing.T) {
	c := newCluster(t)
	f := newFixture(t, c)
	f.createTopics(t, 4, nil, "stop")
	f.Put(t, "stop", 100)
	stop := errors.New("seen enough")
	calls := 0
	err := open(t, c).Peek(testCtx(t), backends.PeekRequest{Destination: "stop"}, func(backends.Message) error {
		if calls++; calls == 3 {
			return fmt.Errorf("third: %w", stop)
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 3 {
		t.Errorf("Peek returned %v after %d calls, want the emit error after 3", err, calls)
	}
}

// Batches larger than a partition's share of a Fetch come back whole only for the first partition of an
// answer; the others get nothing that time. Each partition still reads all of its records.
func TestPeekReadsBatchesLargerThanItsShare(t *testing.T) {
	c := newCluster(t, kfake.NumBrokers(1)) // one leader: both partitions share every Fetch
	newFixture(t, c).createTopics(t, 2, map[string]*string{"max.message.bytes": kadm.StringPtr("4000000")}, "bulky")
	rng := rand.NewChaCha8([32]byte{2})
	var recs []*kgo.Record
	for i := range 6 {
		body := make([]byte, 900_000) // more than the first Fetch asks for, and incompressible
		rng.Read(body)
		recs = append(recs, &kgo.Record{Topic: "bulky", Partition: int32(i % 2), Value: body})
	}
	produce(t, c, recs...)
	got := peekAll(t, open(t, c), backends.PeekRequest{Destination: "bulky"})
	if len(got) != len(recs) {
		t.Fatalf("peeked %d records, want %d", len(got), len(recs))
	}
	for _, m := range got {
		if want := recs[2*m.Offset+int64(m.Partition)].Value; !bytes.Equal(m.Body, want) {
			t.Errorf("record %d@%d differs from what was produced", m.Partition, m.Offset)
		}
	}
}
