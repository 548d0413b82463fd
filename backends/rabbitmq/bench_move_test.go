package rabbitmq_test

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/rabbitmq"
	"github.com/mqscope/mqscope/internal/testkit/rabbitfix"
)

// BenchmarkRedriveVsShovel redrives N (100,000) dead letters that the broker itself made (they expired in
// a queue with a message TTL of 0 and went through a dead-letter exchange, so they carry x-death) back to
// their origin three ways, in one run:
//   - mover: the adapter's Mover, each letter to the origin its x-death names;
//   - server: the adapter's ServerMove (what `redrive --server-side` uses: the shovel plugin, in parts);
//   - shovel: a dynamic shovel exactly as the management UI's "Move messages" creates it (ack-mode
//     on-confirm, src-delete-after queue-length, src-prefetch-count 1000).
//
// Each way works in a vhost of its own, on letters of its own. (Letters fanned out to three queues of one
// vhost share their bodies in its message store, and whichever way removes the last reference pays for
// deleting them: the way that ran last was up to twice as slow.) Each time runs until the target holds
// every letter and the source none. MQSCOPE_BENCH_LETTERS sets another count; MQSCOPE_BENCH_ORDER (default
// "mover server shovel") the order; MQSCOPE_BENCH_ORIGINS=N spreads the letters over N origin queues (the
// shovels still move them to one).
//
// Measured earlier on RabbitMQ 3.10.8, 2 cores shared by broker and client (one vhost for all): mover
// 3,430-3,520 msg/s, shovel 6,680-6,960 msg/s. Publishing these letters with their x-death tables over
// AMQP into one queue tops out at about 6,400 msg/s (10,700 without the headers); eprof shows that
// queue's process busy about 96% of the time at that rate.
//
// bench/redrive-vs-shovel.sh runs it and prints the ratios; or, alone, once:
//
//	MQSCOPE_TEST_RABBITMQ=amqp://guest:guest@127.0.0.1:5672/ go test -run '^$' -bench RedriveVsShovel -benchtime 1x -timeout 30m ./backends/rabbitmq/
func BenchmarkRedriveVsShovel(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("MQSCOPE_BENCH_LETTERS")); err == nil && v > 0 {
		n = v // a smaller run, e.g. for a profile
	}
	origins := 1
	if v, err := strconv.Atoi(os.Getenv("MQSCOPE_BENCH_ORIGINS")); err == nil && v > 0 {
		origins = v // letters from several queues, interleaved; the shovels still move them to one
	}
	order := strings.Fields(cmp.Or(os.Getenv("MQSCOPE_BENCH_ORDER"), "mover server shovel"))
	start := time.Now()
	places := map[string]*deadLetterVhost{}
	for _, name := range order {
		places[name] = newDeadLetterVhost(b, n, origins)
	}
	b.Logf("%d dead letters in each of %d vhosts after %v", n, len(order), time.Since(start).Round(time.Millisecond))

	runs := map[string]func(*deadLetterVhost) time.Duration{
		"mover": func(v *deadLetterVhost) time.Duration {
			start := time.Now()
			report, err := v.backend.Move(context.Background(), backends.MoveRequest{Source: "dlq"}, toOriginOfTTL, nil)
			if err != nil || report.Moved != int64(n) {
				b.Fatalf("Move: %+v, %v", report.Moved, err)
			}
			for o, target := range v.targets {
				if want := n/origins + map[bool]int{true: 1}[o < n%origins]; report.PerTarget[target] != int64(want) {
					b.Fatalf("%s got %d letters, want %d", target, report.PerTarget[target], want)
				}
				waitCount(b, v.f, target, int(report.PerTarget[target]))
			}
			waitCount(b, v.f, "dlq", 0)
			return time.Since(start)
		},
		// mqscope's server-side move: the same shovel, in parts, followed from the queues' counts.
		"server": func(v *deadLetterVhost) time.Duration {
			start := time.Now()
			report, err := v.backend.ServerMove(context.Background(), backends.MoveRequest{Source: "dlq"}, "moved", nil)
			if err != nil || report.Moved != int64(n) {
				b.Fatalf("ServerMove: %+v, %v", report.Moved, err)
			}
			waitCount(b, v.f, "moved", n)
			waitCount(b, v.f, "dlq", 0)
			return time.Since(start)
		},
		"shovel": func(v *deadLetterVhost) time.Duration {
			start := time.Now()
			shovel(b, v.f, v.f.Name, "dlq", "moved")
			waitCount(b, v.f, "moved", n)
			waitCount(b, v.f, "dlq", 0)
			return time.Since(start)
		},
	}
	b.ResetTimer()
	times := map[string]time.Duration{}
	brokerPID, _ := strconv.Atoi(os.Getenv("MQSCOPE_BENCH_BROKER_PID"))
	for _, name := range order {
		awaitIdleBroker(b, brokerPID)
		broker, client := cpuTimes(brokerPID), cpuTimes(os.Getpid())
		stop, peak := profile(b, name), peakHeap()
		times[name] = runs[name](places[name])
		stop()
		b.Logf("%s: peak live heap %.1f MiB (sampled every 10 ms)", name, float64(peak())/(1<<20))
		if brokerPID > 0 {
			b.Logf("%s: broker CPU %s, this process %s", name, cpuTimes(brokerPID).since(broker), cpuTimes(os.Getpid()).since(client))
		}
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

// profile writes a CPU profile of one way's run to $MQSCOPE_BENCH_CPUPROFILE-NAME.pprof when that is set
// (go test's -cpuprofile would include making the letters).
func profile(b *testing.B, name string) (stop func()) {
	prefix := os.Getenv("MQSCOPE_BENCH_CPUPROFILE")
	if prefix == "" {
		return func() {}
	}
	f, err := os.Create(prefix + "-" + name + ".pprof")
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() { pprof.StopCPUProfile(); _ = f.Close() }
}

// peakHeap samples the bytes held by live and not yet swept heap objects until the returned function is
// called, which reports the highest sample.
func peakHeap() (stop func() uint64) {
	done, result := make(chan struct{}), make(chan uint64)
	go func() {
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var peak uint64
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-done:
				result <- peak
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	return func() uint64 { close(done); return <-result }
}

// deadLetterVhost is a vhost of its own holding n broker-made dead letters in "dlq", from origins
// orders-0 … (whose letters expired in orders-N-ttl), and an empty queue "moved" for the shovels.
type deadLetterVhost struct {
	f       *fixture
	backend *rabbitmq.Backend
	targets []string
}

func newDeadLetterVhost(b *testing.B, n, origins int) *deadLetterVhost {
	f := newFixture(b)
	ch := f.Channel(b)
	defer ch.Close()
	const dlx = "dlx"
	if err := ch.ExchangeDeclare(dlx, "fanout", true, false, false, false, nil); err != nil {
		b.Fatal(err)
	}
	f.Declare(b, "dlq", nil)
	f.Declare(b, "moved", nil)
	if err := ch.QueueBind("dlq", "", dlx, false, nil); err != nil {
		b.Fatal(err)
	}
	v := &deadLetterVhost{f: f, targets: make([]string, origins)}
	for o := range v.targets {
		v.targets[o] = fmt.Sprintf("orders-%d", o)
		f.Declare(b, v.targets[o], nil)
		f.Declare(b, v.targets[o]+"-ttl", amqp.Table{"x-message-ttl": 0, "x-dead-letter-exchange": dlx})
		count := n / origins
		if o < n%origins {
			count++
		}
		for from := 0; from < count; from += 10_000 { // in batches that each confirm within the fixture's 30 s
			ch := f.Channel(b)
			rabbitfix.Publish(b, ch, "", v.targets[o]+"-ttl", min(10_000, count-from), func(i int) amqp.Publishing {
				i += from
				return amqp.Publishing{DeliveryMode: amqp.Persistent, ContentType: "application/json",
					MessageId: fmt.Sprintf("order-%d-%d", o, i), Body: fmt.Appendf(nil, `{"order":%d,"total":"19.90"}`, i)}
			})
			ch.Close()
		}
	}
	waitCount(b, f, "dlq", n)
	v.backend = open(b, rabbitmq.Config{URL: f.URL, Timeout: time.Minute})
	return v
}

// toOriginOfTTL routes a letter to the origin its x-death names: orders-N for a letter that died in
// orders-N-ttl (the TTL queue would only expire it again).
func toOriginOfTTL(m backends.Message) (backends.Target, error) {
	if m.Origin == nil {
		return backends.Target{}, fmt.Errorf("no origin")
	}
	return backends.Target{Destination: strings.TrimSuffix(m.Origin.Destination, "-ttl")}, nil
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

// cpuTime is the CPU time a process has used, in seconds, in user and in system (kernel) mode: a way
// that talks to the broker over TCP costs it system time a shovel (inside the broker) does not.
type cpuTime struct{ user, sys float64 }

// awaitIdleBroker waits, before each way, until the broker has finished what the last one or the making
// of the letters left it (queue indexes written to disk, dead letters' originals deleted): until it spends
// under 5 % of a core over half a second, at most 30 s, so that no way pays for work left by another.
// Without MQSCOPE_BENCH_BROKER_PID it waits 3 s.
func awaitIdleBroker(b *testing.B, pid int) {
	if pid <= 0 {
		time.Sleep(3 * time.Second)
		return
	}
	start := time.Now()
	for time.Since(start) < 30*time.Second {
		before := cpuTimes(pid)
		time.Sleep(500 * time.Millisecond)
		after := cpuTimes(pid)
		if after.user+after.sys-before.user-before.sys < 0.025 {
			b.Logf("broker idle after %v", time.Since(start).Round(100*time.Millisecond))
			return
		}
	}
	b.Logf("the broker was still busy after 30 s: these figures are not from an idle broker")
}

// cpuTimes reads process pid's CPU time from /proc; zero if unknown. Set MQSCOPE_BENCH_BROKER_PID to the
// broker's beam.smp to see where each way spends its time; on a machine shared with other work its
// figures are more stable than the wall times (though other clients of the same broker count too).
func cpuTimes(pid int) cpuTime {
	if pid <= 0 {
		return cpuTime{}
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return cpuTime{}
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return cpuTime{user: utime / 100, sys: stime / 100} // USER_HZ
}

// since is the CPU time used after start, as "12.34 s (user 10.00, sys 2.34)".
func (t cpuTime) since(start cpuTime) string {
	u, s := t.user-start.user, t.sys-start.sys
	return fmt.Sprintf("%.2f s (user %.2f, sys %.2f)", u+s, u, s)
}
