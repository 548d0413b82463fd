package rabbitmq_test

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/rabbitmq"
	"github.com/mqscope/mqscope/internal/testkit/rabbitfix"
)

// BenchmarkRedriveVsShovel redrives 100,000 dead letters that the broker itself made (they expired in a
// queue with a message TTL of 0 and went through a dead-letter exchange) back to their origin with the
// adapter's Mover, and side by side moves the same letters with the broker's own move: a dynamic shovel
// as the management UI's "Move messages" creates it (ack-mode on-confirm, src-delete-after queue-length,
// src-prefetch-count 1000). The dead-letter exchange is a fanout to two queues, so both movers get the
// same 100,000 letters. Each mover's time runs until the target holds every letter and the source none.
// A third DLQ gets the same letters for mqscope's server-side move (ServerMove: the same shovel in parts).
// MQSCOPE_BENCH_LETTERS sets another count; MQSCOPE_BENCH_ORDER (default "mover server shovel") the order;
// MQSCOPE_BENCH_ORIGINS=N spreads the letters over N origin queues (the shovel still moves them to one).
//
// Measured on RabbitMQ 3.10.8, 2 cores shared by broker and client, 100,000 persistent letters: mover
// 3,430-3,520 msg/s, shovel 6,680-6,960 msg/s, ratio 0.51 in either order (two origins: 0.55). The limit
// is the broker's, not the client's (client CPU 30-60% of one core, mostly waiting on confirms): a
// message published over AMQP with its x-death table costs the target classic queue's process far more
// than one the shovel hands over inside the broker. Even publishing alone, without reading or
// acknowledging anything, tops out at about 6,400 msg/s for these messages into one queue (10,700 without
// the x-death headers), on one channel or four; eprof shows that queue process busy about 96% of the
// time at that rate.
//
// Run it alone, once:
//
//	MQSCOPE_TEST_RABBITMQ=amqp://guest:guest@127.0.0.1:5672/ go test -run '^$' -bench RedriveVsShovel -benchtime 1x -timeout 30m ./backends/rabbitmq/
func BenchmarkRedriveVsShovel(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("MQSCOPE_BENCH_LETTERS")); err == nil && v > 0 {
		n = v // a smaller run, e.g. for a profile
	}
	origins := 1
	if v, err := strconv.Atoi(os.Getenv("MQSCOPE_BENCH_ORIGINS")); err == nil && v > 0 {
		origins = v // letters from several queues, interleaved; the shovel still moves them to one
	}
	f := newFixture(b)
	vhost, vhostURL := f.Name, f.URL
	ch := f.Channel(b)
	defer ch.Close()
	const dlx = "dlx"
	if err := ch.ExchangeDeclare(dlx, "fanout", true, false, false, false, nil); err != nil {
		b.Fatal(err)
	}
	for _, q := range []string{"dlq-mover", "dlq-shovel", "orders-shovel", "dlq-server", "orders-server"} {
		f.Declare(b, q, nil)
	}
	targets := make([]string, origins)
	for i := range targets {
		targets[i] = fmt.Sprintf("orders-%d", i)
		f.Declare(b, targets[i], nil)
		f.Declare(b, targets[i]+"-ttl", amqp.Table{"x-message-ttl": 0, "x-dead-letter-exchange": dlx})
	}
	for _, q := range []string{"dlq-mover", "dlq-shovel", "dlq-server"} {
		if err := ch.QueueBind(q, "", dlx, false, nil); err != nil {
			b.Fatal(err)
		}
	}

	start := time.Now()
	pubCh := f.Channel(b)
	for o, target := range targets {
		count := n / origins
		if o < n%origins {
			count++
		}
		rabbitfix.Publish(b, pubCh, "", target+"-ttl", count, func(i int) amqp.Publishing {
			return amqp.Publishing{DeliveryMode: amqp.Persistent, ContentType: "application/json",
				MessageId: fmt.Sprintf("order-%d-%d", o, i), Body: fmt.Appendf(nil, `{"order":%d,"total":"19.90"}`, i)}
		})
		pubCh = f.Channel(b) // publishWith puts a channel in confirm mode once
	}
	waitCount(b, f, "dlq-mover", n)
	waitCount(b, f, "dlq-shovel", n)
	waitCount(b, f, "dlq-server", n)
	b.Logf("%d dead letters in each DLQ after %v", n, time.Since(start).Round(time.Millisecond))

	// The Mover: each letter back to its origin as its x-death names it (orders-N-ttl, whose letters go to
	// orders-N: the TTL queue would only expire them again).
	backend := open(b, rabbitmq.Config{URL: vhostURL, Timeout: time.Minute})
	toOrigin := func(m backends.Message) (backends.Target, error) {
		if m.Origin == nil {
			return backends.Target{}, fmt.Errorf("no origin")
		}
		return backends.Target{Destination: strings.TrimSuffix(m.Origin.Destination, "-ttl")}, nil
	}
	b.ResetTimer()
	runMover := func() time.Duration {
		start := time.Now()
		report, err := backend.Move(context.Background(), backends.MoveRequest{Source: "dlq-mover"}, toOrigin, nil)
		if err != nil || report.Moved != int64(n) {
			b.Fatalf("Move: %+v, %v", report.Moved, err)
		}
		for o, target := range targets {
			waitCount(b, f, target, int(report.PerTarget[target]))
			if want := n/origins + map[bool]int{true: 1}[o < n%origins]; report.PerTarget[target] != int64(want) {
				b.Fatalf("%s got %d letters, want %d", target, report.PerTarget[target], want)
			}
		}
		waitCount(b, f, "dlq-mover", 0)
		return time.Since(start)
	}
	runShovel := func() time.Duration {
		start := time.Now()
		shovel(b, f, vhost, "dlq-shovel", "orders-shovel")
		waitCount(b, f, "orders-shovel", n)
		waitCount(b, f, "dlq-shovel", 0)
		return time.Since(start)
	}
	// mqscope's server-side move: the same shovel, in parts, followed from the queues' counts.
	runServer := func() time.Duration {
		start := time.Now()
		report, err := backend.ServerMove(context.Background(), backends.MoveRequest{Source: "dlq-server"}, "orders-server", nil)
		if err != nil || report.Moved != int64(n) {
			b.Fatalf("ServerMove: %+v, %v", report.Moved, err)
		}
		waitCount(b, f, "orders-server", n)
		waitCount(b, f, "dlq-server", 0)
		return time.Since(start)
	}
	times := map[string]time.Duration{}
	runs := map[string]func() time.Duration{"mover": runMover, "server": runServer, "shovel": runShovel}
	order := strings.Fields(cmp.Or(os.Getenv("MQSCOPE_BENCH_ORDER"), "mover server shovel"))
	for _, name := range order {
		times[name] = runs[name]()
	}
	b.StopTimer()

	rate := func(name string) float64 { return float64(n) / times[name].Seconds() }
	b.ReportMetric(rate("mover"), "mover_msg/s")
	b.ReportMetric(rate("server"), "server_msg/s")
	b.ReportMetric(rate("shovel"), "shovel_msg/s")
	b.ReportMetric(rate("mover")/rate("shovel"), "mover/shovel")
	b.ReportMetric(rate("server")/rate("shovel"), "server/shovel")
	b.Logf("%d letters, order %v: mover %v (%.0f msg/s), server-side %v (%.0f msg/s), shovel %v (%.0f msg/s): "+
		"mover/shovel = %.2f, server-side/shovel = %.2f", n, order,
		times["mover"].Round(time.Millisecond), rate("mover"), times["server"].Round(time.Millisecond), rate("server"),
		times["shovel"].Round(time.Millisecond), rate("shovel"), rate("mover")/rate("shovel"), rate("server")/rate("shovel"))
}

// shovel starts a dynamic shovel from src to dst in vhost, as the management UI's "Move messages" does.
// It deletes itself once it has moved what src held when it started.
func shovel(b *testing.B, f *fixture, vhost, src, dst string) {
	uri := "amqp:///" + url.PathEscape(vhost)
	name := rabbitfix.Unique("move")
	f.Do(b, http.MethodPut, "/parameters/shovel/"+url.PathEscape(vhost)+"/"+url.PathEscape(name), map[string]any{
		"value": map[string]any{
			"src-protocol": "amqp091", "src-uri": uri, "src-queue": src,
			"dest-protocol": "amqp091", "dest-uri": uri, "dest-queue": dst,
			"ack-mode": "on-confirm", "src-delete-after": "queue-length", "src-prefetch-count": 1000,
			"dest-add-forward-headers": false,
		},
	})
}

// waitCount waits until queue holds exactly n ready messages, polling its count over AMQP every 10 ms.
func waitCount(b *testing.B, f *fixture, queue string, n int) {
	b.Helper()
	ch := f.Channel(b)
	defer ch.Close()
	deadline := time.Now().Add(10 * time.Minute)
	for {
		q, err := ch.QueueDeclarePassive(queue, false, false, false, false, nil)
		if err != nil {
			b.Fatalf("count %s: %v", queue, err)
		}
		if q.Messages == n {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s holds %d, want %d", queue, q.Messages, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
