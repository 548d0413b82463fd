package rabbitmq_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/rabbitmq"
)

// BenchmarkList5000Queues measures one ListDestinations of a vhost holding 5,000 queues, at several page
// sizes, and counts its management API requests. The baseline is the same listing as one unpaged GET,
// made without the adapter. Run it with
//
//	MQSCOPE_TEST_RABBITMQ=amqp://guest:guest@127.0.0.1:5672/ go test -run '^$' -bench List5000 -benchtime 10x ./backends/rabbitmq/
func BenchmarkList5000Queues(b *testing.B) {
	u := testURL(b)
	const n = 5000
	f := newFixture(b, u)
	start := time.Now()
	names := f.declareMany(b, unique("bench"), n) // deleted when the benchmark ends
	b.Logf("declared %d queues in %v", n, time.Since(start).Round(time.Millisecond))

	for _, size := range []int{100, 250, 500} {
		b.Run(fmt.Sprintf("page_size=%d", size), func(b *testing.B) {
			backend := open(b, rabbitmq.Config{URL: u, PageSize: size})
			var requests atomic.Int64
			rabbitmq.WrapTransport(backend, counting(&requests))
			for b.Loop() {
				listed := map[string]bool{}
				for _, d := range list(b, backend, backends.ListOptions{}) {
					listed[d.Name] = true
				}
				for _, name := range names {
					if !listed[name] {
						b.Fatalf("%s not listed among %d", name, len(listed))
					}
				}
			}
			b.ReportMetric(float64(requests.Load())/float64(b.N), "requests/op")
		})
	}
	b.Run("baseline=unpaged_GET", func(b *testing.B) {
		endpoint := f.api + "/api/queues/%2F?columns=name,vhost,type,state,arguments,policy," +
			"operator_policy,effective_policy_definition,messages,messages_ready,messages_unacknowledged," +
			"consumers,message_stats.publish_details.rate,message_stats.deliver_get_details.rate"
		for b.Loop() {
			if got := unpagedCount(b, endpoint); got < len(names) {
				b.Fatalf("listed %d queues, want at least %d", got, len(names))
			}
		}
	})
}

func unpagedCount(b *testing.B, endpoint string) int {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		b.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var items []json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&items); err != nil {
		b.Fatal(err)
	}
	return len(items)
}
