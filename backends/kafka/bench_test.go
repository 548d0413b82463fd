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
