package kafka

import (
	"bytes"
	"fmt"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/mqscope/mqscope/backends"
)

// BenchmarkList2000Topics lists 2,000 topics of 4 partitions each on a three-broker kfake cluster and
// reports the requests one listing sends.
func BenchmarkList2000Topics(b *testing.B) {
	const topics, partitions = 2000, 4
	c := newCluster(b)
	f := newFixture(b, c)
	names := make([]string, topics)
	recs := make([]*kgo.Record, 0, topics)
	for i := range names {
		names[i] = fmt.Sprintf("bench-%04d", i)
		recs = append(recs, &kgo.Record{Topic: names[i], Value: []byte("x")})
	}
	f.createTopics(b, partitions, nil, names...)
	if err := f.cl.ProduceSync(testCtx(b), recs...).FirstErr(); err != nil {
		b.Fatal(err)
	}
	be := open(b, c)
	list := func() {
		dests, err := be.ListDestinations(testCtx(b), backends.ListOptions{})
		if err != nil || len(dests) != topics {
			b.Fatalf("listed %d topics (%v), want %d", len(dests), err, topics)
		}
	}
	list() // connect to every broker first: connections are not the listing's cost
	rc := countRequests(c)
	var requests int
	b.ResetTimer()
	for b.Loop() {
		requests += total(rc.during(list))
	}
	b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
}

// BenchmarkPeek reads 200,000 records of about 300 bytes (a key, two headers, a JSON body) from a
// six-partition topic on a three-broker kfake cluster, from the earliest offset to the end, and reports
// records per second. "mqscope" is Peek, merging the partitions in timestamp order into an emit that
// does nothing; allocs/op ÷ 200,000 is its allocations per record, and peak-live-heap-MB the most the
// live heap grew during one more, untimed, peek (sampled every 20,000 records). "kcat" is `kcat -C -e -J -o beginning` on the same topic to /dev/null, when kcat
// is installed: librdkafka reading and printing each record as JSON.
func BenchmarkPeek(b *testing.B) {
	const records, partitions, topic = 200_000, 6, "peek-bench"
	c := newCluster(b)
	f := newFixture(b, c)
	f.createTopics(b, partitions, nil, topic)
	body := []byte(`{"order_id":"ord-000000","customer_id":"cust-0000","status":"created","items":[{"sku":"SKU-10000",` +
		`"qty":1,"price":19.99},{"sku":"SKU-10037","qty":2,"price":5.5}],"total":30.99,"currency":"EUR","created_at":"2026-01-01T00:00:00Z"}`)
	recs := make([]*kgo.Record, 0, 10_000)
	for i := range records {
		recs = append(recs, &kgo.Record{
			Topic: topic, Key: fmt.Appendf(nil, "cust-%04d", i%250), Value: body,
			Headers: []kgo.RecordHeader{{Key: "content-type", Value: []byte("application/json")}, {Key: "trace-id", Value: []byte("4bf92f3577b34da6a3ce929d0e0e4736")}},
		})
		if len(recs) == cap(recs) {
			if err := f.cl.ProduceSync(testCtx(b), recs...).FirstErr(); err != nil {
				b.Fatal(err)
			}
			recs = recs[:0]
		}
	}

	b.Run("mqscope", func(b *testing.B) {
		be := open(b, c)
		peek := func(emit func()) {
			n := 0
			err := be.Peek(testCtx(b), backends.PeekRequest{Destination: topic, From: backends.Position{Kind: backends.Earliest}},
				func(backends.Message) error { n++; emit(); return nil })
			if err != nil || n != records {
				b.Fatalf("peeked %d records (%v), want %d", n, err, records)
			}
		}
		b.ReportAllocs()
		for b.Loop() {
			peek(func() {})
		}
		b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		b.StopTimer()
		b.ReportMetric(peakLiveHeap(func(sample func()) {
			n := 0
			peek(func() {
				if n++; n%20_000 == 0 {
					sample()
				}
			})
		})/(1<<20), "peak-live-heap-MB")
	})
	b.Run("kcat", func(b *testing.B) {
		kcat, err := exec.LookPath("kcat")
		if err != nil {
			b.Skip("kcat is not installed (Debian package kcat)")
		}
		for b.Loop() {
			cmd := exec.Command(kcat, "-C", "-b", strings.Join(c.ListenAddrs(), ","), "-t", topic, "-o", "beginning", "-e", "-J", "-q")
			var out countingWriter
			cmd.Stdout = &out
			if err := cmd.Run(); err != nil || out.lines != records {
				b.Fatalf("kcat printed %d records (%v), want %d", out.lines, err, records)
			}
		}
		b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
}

// peakLiveHeap runs fn, which calls sample now and then, and returns the most the live heap (what a
// collection keeps) grew above where it stood before fn, in bytes.
func peakLiveHeap(fn func(sample func())) float64 {
	live := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	base, peak := live(), uint64(0)
	fn(func() {
		if h := live(); h > base {
			peak = max(peak, h-base)
		}
	})
	return float64(peak)
}

// countingWriter counts the lines written to it and keeps none.
type countingWriter struct{ lines int }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.lines += bytes.Count(p, []byte{'\n'})
	return len(p), nil
}

// BenchmarkLagSnapshot takes one lag snapshot of 200 groups over 2,000 topics of 4 partitions on a
// three-broker kfake cluster. Each group commits on 10 topics of its own (40 partitions; 8,000 in all),
// as services that each consume a handful of topics do. "batched" is LagSnapshot; "naive" reads the same
// offsets the way per-partition tools do, one OffsetFetch and one ListOffsets per partition through
// sarama's client. Both report the requests the cluster received per snapshot.
func BenchmarkLagSnapshot(b *testing.B) {
	const topics, partitions, groups, topicsPerGroup = 2000, 4, 200, 10
	c := newCluster(b)
	f := newFixture(b, c)
	names := make([]string, topics)
	recs := make([]*kgo.Record, 0, 3*topics)
	for i := range names {
		names[i] = fmt.Sprintf("lag-%04d", i)
		for range 3 {
			recs = append(recs, &kgo.Record{Topic: names[i], Value: []byte("x")})
		}
	}
	f.createTopics(b, partitions, nil, names...)
	if err := f.cl.ProduceSync(testCtx(b), recs...).FirstErr(); err != nil {
		b.Fatal(err)
	}
	groupNames := make([]string, groups)
	for g := range groupNames {
		groupNames[g] = fmt.Sprintf("service-%03d", g)
		commitAll(b, f.adm, groupNames[g], names[g*topicsPerGroup:(g+1)*topicsPerGroup], partitions, 0)
	}
	be := open(b, c)
	first := lagSnapshot(b, be) // connect to every broker: connections are not a snapshot's cost
	if len(first.Groups) != groups {
		b.Fatalf("snapshot of %d groups, want %d", len(first.Groups), groups)
	}
	rc := countRequests(c)

	b.Run("batched", func(b *testing.B) {
		requests := 0
		for b.Loop() {
			requests += total(rc.during(func() { lagSnapshot(b, be) }))
		}
		b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
	})
	b.Run("naive", func(b *testing.B) {
		client, err := sarama.NewClient(c.ListenAddrs(), be.conf)
		if err != nil {
			b.Fatal(err)
		}
		defer client.Close()
		requests := 0
		for b.Loop() {
			requests += total(rc.during(func() { naiveLag(b, client, first) }))
		}
		b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
	})
}

// naiveLag reads every committed partition's offset and log end one request each, as tools built on
// sarama's client.GetOffset and single-partition offset fetches do, and checks it got the same lag.
func naiveLag(b *testing.B, client sarama.Client, like backends.LagSnapshot) {
	for _, g := range like.Groups {
		coordinator, err := client.Coordinator(g.Group)
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range g.Partitions {
			resp, err := coordinator.FetchOffset(sarama.NewOffsetFetchRequest(protocolCeiling, g.Group,
				map[string][]int32{p.Topic: {p.Partition}}))
			if err != nil {
				b.Fatal(err)
			}
			end, err := client.GetOffset(p.Topic, p.Partition, sarama.OffsetNewest)
			if err != nil {
				b.Fatal(err)
			}
			if block := resp.GetBlock(p.Topic, p.Partition); block == nil || end-block.Offset != p.Lag {
				b.Fatalf("%s %s/%d: naive lag differs from the snapshot's %d", g.Group, p.Topic, p.Partition, p.Lag)
			}
		}
	}
}

// BenchmarkMove redrives 20,000 Spring dead letters of about 200 bytes from a three-partition
// dead-letter topic back to their origin's partitions, on a three-broker kfake cluster, and reports
// letters per second. Each iteration moves a fresh dead-letter topic; the producing is not timed.
func BenchmarkMove(b *testing.B) {
	const letters = 20_000
	c := newCluster(b)
	f := newFixture(b, c)
	f.createTopics(b, 3, nil, "bench-home")
	be := open(b, c)
	var moved int64
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		dlt := fmt.Sprintf("bench-dlt-%d", i)
		f.createTopics(b, 3, nil, dlt)
		recs := make([]*kgo.Record, letters)
		for j := range recs {
			recs[j] = springLetter(dlt, "bench-home", int32(j%3), int64(j), fmt.Sprintf(`{"order":%d,"status":"failed","why":"currency"}`, j))
		}
		produce(b, c, spread(recs, 3)...)
		b.StartTimer()
		report, err := be.Move(testCtx(b), backends.MoveRequest{Source: dlt}, byOrigin, nil)
		if err != nil || report.Moved != letters {
			b.Fatalf("moved %d letters (%v), want %d", report.Moved, err, letters)
		}
		moved += report.Moved
	}
	b.ReportMetric(float64(moved)/b.Elapsed().Seconds(), "letters/s")
}

// BenchmarkPublish publishes batches of 1,000 keyed messages of about 100 bytes with acks=all through
// the idempotent producer, on a three-broker kfake cluster, and reports messages per second.
func BenchmarkPublish(b *testing.B) {
	const batch = 1000
	c := newCluster(b)
	newFixture(b, c).createTopics(b, 6, nil, "bench-publish")
	be := open(b, c)
	msgs := make([]backends.Outgoing, batch)
	for i := range msgs {
		msgs[i] = backends.Outgoing{Target: backends.Target{Destination: "bench-publish"}, Message: backends.Message{
			Key: fmt.Appendf(nil, "cust-%04d", i), Body: bytes.Repeat([]byte("x"), 100)}}
	}
	for b.Loop() {
		publishAll(b, be, msgs)
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "msgs/s")
}
