package rabbitmq_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/rabbitmq"
	"github.com/mqscope/mqscope/internal/testkit/rabbitfix"
)

// BenchmarkList5000Queues measures one ListDestinations of a vhost holding 5,000 queues, at several page
// sizes (-1: unpaged), and counts its management API requests. The baseline is the queue listing as one
// unpaged GET made without the adapter. Run it with
//
//	MQSCOPE_TEST_RABBITMQ=amqp://guest:guest@127.0.0.1:5672/ go test -run '^$' -bench List5000 -benchtime 10x ./backends/rabbitmq/
func BenchmarkList5000Queues(b *testing.B) {
	const n = 5000
	// In a vhost of its own, which takes the queues with it when the benchmark ends, so that other
	// tests listing meanwhile do not page through them.
	f := newFixture(b)
	vhost, vhostURL := f.Name, f.URL
	start := time.Now()
	prefix := rabbitfix.Unique("bench")
	names := f.DeclareMany(b, prefix, n)
	b.Logf("declared %d queues in %v", n, time.Since(start).Round(time.Millisecond))

	endpoint := f.API + "/queues/" + url.PathEscape(vhost) + "?columns=name,vhost,type,state,arguments,policy," +
		"operator_policy,effective_policy_definition,messages,messages_ready,messages_unacknowledged," +
		"consumers,message_stats.publish_details.rate,message_stats.deliver_get_details.rate"
	// Right after 5,000 queues appear the broker is busy taking in their first statistics, and every
	// listing is several times slower. Measure the steady state.
	start = time.Now()
	for _, settled := queueCount(b, endpoint+"&use_regex=true&name=^"+prefix, "messages"); settled < n; {
		if time.Since(start) > 2*time.Minute {
			b.Fatal("the statistics of the new queues did not show up within 2 minutes")
		}
		time.Sleep(time.Second)
		_, settled = queueCount(b, endpoint+"&use_regex=true&name=^"+prefix, "messages")
	}
	b.Logf("statistics settled after %v", time.Since(start).Round(time.Second))

	b.Run("baseline=unpaged_GET", func(b *testing.B) {
		for b.Loop() {
			if got, _ := queueCount(b, endpoint, "name"); got < n {
				b.Fatalf("listed %d queues, want at least %d", got, n)
			}
		}
	})
	for _, size := range []int{-1, 500, 250, 100} {
		b.Run(fmt.Sprintf("page_size=%d", size), func(b *testing.B) {
			// Generous timeouts: on a busy 2-core machine a listing at 100 a page takes tens of seconds.
			backend := open(b, rabbitmq.Config{URL: vhostURL, PageSize: size, Timeout: time.Minute})
			var requests atomic.Int64
			rabbitmq.WrapTransport(backend, counting(&requests))
			for b.Loop() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
				dests, err := backend.ListDestinations(ctx, backends.ListOptions{})
				cancel()
				if err != nil {
					b.Fatal(err)
				}
				listed := map[string]bool{}
				for _, d := range dests {
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
}

// queueCount makes one unpaged GET of a queue listing and says how many queues it listed, and how many
// of them carry field.
func queueCount(b *testing.B, endpoint, field string) (listed, with int) {
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
	var items []map[string]json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&items); err != nil {
		b.Fatal(err)
	}
	for _, item := range items {
		if _, ok := item[field]; ok {
			with++
		}
	}
	return len(items), with
}
