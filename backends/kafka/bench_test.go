package kafka

import (
	"fmt"
	"testing"

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
// six-partition topic on a three-broker kfake cluster, merged in timestamp order, and reports records per
// second. allocs/op divided by 200,000 is the allocations per record.
func BenchmarkPeek(b *testing.B) {
	const records, partitions = 200_000, 6
	c := newCluster(b)
	f := newFixture(b, c)
	f.createTopics(b, partitions, nil, "peek-bench")
	body := []byte(`{"order_id":"ord-000000","customer_id":"cust-0000","status":"created","items":[{"sku":"SKU-10000",` +
		`"qty":1,"price":19.99},{"sku":"SKU-10037","qty":2,"price":5.5}],"total":30.99,"currency":"EUR","created_at":"2026-01-01T00:00:00Z"}`)
	recs := make([]*kgo.Record, 0, 10_000)
	for i := range records {
		recs = append(recs, &kgo.Record{
			Topic: "peek-bench", Key: fmt.Appendf(nil, "cust-%04d", i%250), Value: body,
			Headers: []kgo.RecordHeader{{Key: "content-type", Value: []byte("application/json")}, {Key: "trace-id", Value: []byte("4bf92f3577b34da6a3ce929d0e0e4736")}},
		})
		if len(recs) == cap(recs) {
			if err := f.cl.ProduceSync(testCtx(b), recs...).FirstErr(); err != nil {
				b.Fatal(err)
			}
			recs = recs[:0]
		}
	}
	be := open(b, c)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		n := 0
		err := be.Peek(testCtx(b), backends.PeekRequest{Destination: "peek-bench", From: backends.Position{Kind: backends.Earliest}},
			func(backends.Message) error { n++; return nil })
		if err != nil || n != records {
			b.Fatalf("peeked %d records (%v), want %d", n, err, records)
		}
	}
	b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
