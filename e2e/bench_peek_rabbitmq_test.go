package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/cli"
	"github.com/mqscope/mqscope/internal/testkit/rabbitfix"
)

// BenchmarkPeekVsRabbitmqadmin is issue #12's peek line: `mqscope peek Q -n 10000 -o json` of a classic
// queue, timed until the queue holds all 10,000 ready again, against `rabbitmqadmin get queue=Q
// count=10000 ackmode=ack_requeue_true` timed the same way, the two alternated in one run. It reports
// each one's seconds per run and their ratio (goal: at most 1.0). Run it with
//
//	MQSCOPE_TEST_RABBITMQ=amqp://guest:guest@127.0.0.1:5672/ go test -run '^$' -bench PeekVsRabbitmqadmin -benchtime 5x ./e2e/
func BenchmarkPeekVsRabbitmqadmin(b *testing.B) {
	const n = 10_000
	rabbit := rabbitfix.New(b)
	queue := "bench.peek"
	rabbit.Declare(b, queue, nil)
	ch := rabbit.Channel(b)
	rabbitfix.Publish(b, ch, "", queue, n, func(i int) amqp.Publishing {
		return amqp.Publishing{ContentType: "application/json", Body: fmt.Appendf(nil, `{"order":%d,"total":"12.50"}`, i)}
	})
	whole := func() { awaitWhole(b, ch, queue, n) }
	whole()
	config := filepath.Join(b.TempDir(), "config.yaml")
	if err := os.WriteFile(config, nil, 0o600); err != nil {
		b.Fatal(err)
	}
	admin := rabbitmqadmin(b, rabbit, queue, n)

	var ours, theirs time.Duration
	for b.Loop() {
		start := time.Now()
		var out, errs lineCounter
		code := cli.Execute(context.Background(), []string{"--config", config, "--rabbitmq", rabbit.URL,
			"peek", queue, "-n", fmt.Sprint(n), "-o", "json"}, deps(&out, &errs))
		if code != 0 || out.lines != n {
			b.Fatalf("peek: exit %d, %d records, %s", code, out.lines, errs.text.String())
		}
		whole()
		ours += time.Since(start)

		start = time.Now()
		if msg, err := admin().CombinedOutput(); err != nil {
			b.Fatalf("rabbitmqadmin: %v: %.300s", err, msg)
		}
		whole()
		theirs += time.Since(start)
	}
	runs := float64(b.N)
	b.ReportMetric(ours.Seconds()/runs, "mqscope-s/run")
	b.ReportMetric(theirs.Seconds()/runs, "rabbitmqadmin-s/run")
	b.ReportMetric(ours.Seconds()/theirs.Seconds(), "ratio")
}

// rabbitmqadmin is the command that gets n messages of queue and gives them back, its output discarded.
func rabbitmqadmin(b *testing.B, rabbit *rabbitfix.Vhost, queue string, n int) func() *exec.Cmd {
	path, err := exec.LookPath("rabbitmqadmin")
	if err != nil {
		b.Fatalf("rabbitmqadmin is needed for the baseline: %v", err)
	}
	api, err := url.Parse(rabbit.API)
	if err != nil {
		b.Fatal(err)
	}
	password, _ := api.User.Password()
	return func() *exec.Cmd {
		return exec.Command(path, "-H", api.Hostname(), "-P", api.Port(), "-u", api.User.Username(), "-p", password,
			"-V", rabbit.Name, "-f", "raw_json", "get", "queue="+queue, fmt.Sprintf("count=%d", n), "ackmode=ack_requeue_true")
	}
}

// awaitWhole waits until queue holds n messages ready, polling the exact count (queue.declare-ok).
func awaitWhole(b *testing.B, ch *amqp.Channel, queue string, n int) {
	b.Helper()
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(2 * time.Millisecond) {
		q, err := ch.QueueDeclarePassive(queue, false, false, false, false, nil)
		if err != nil {
			b.Fatal(err)
		}
		if q.Messages >= n {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s holds %d ready after 2 minutes, want %d", queue, q.Messages, n)
		}
	}
}

// lineCounter counts the lines written to it and keeps the text of the first few.
type lineCounter struct {
	lines int
	text  bytes.Buffer
}

func (c *lineCounter) Write(p []byte) (int, error) {
	c.lines += bytes.Count(p, []byte{'\n'})
	if c.text.Len() < 1000 {
		c.text.Write(p)
	}
	return len(p), nil
}
