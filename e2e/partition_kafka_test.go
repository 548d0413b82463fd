package e2e

// Whole-program fault tests against a Kafka cluster reached through an in-process proxy that can cut
// the link the way a network partition does.

import (
	"context"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/internal/testkit/kafkafix"
	"github.com/mqscope/mqscope/internal/testkit/netproxy"
)

// A redrive cut off from the cluster halfway ends at once on SIGTERM, whatever the request timeouts,
// with a report of what it committed; run again once the link is back, it moves the rest, and every
// letter arrives exactly once.
func TestRedriveInAPartitionEndsOnSIGTERM(t *testing.T) {
	t.Parallel()
	const n, parts = 20_000, 2
	link := netproxy.NewNet(t)
	c := kafkafix.Start(t, kfake.NumBrokers(1), kfake.SeedTopics(parts, "home", "home-dlt"), kfake.ListenFn(link.Listen))
	brokers := kafkafix.Brokers(c)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cl := springDeadLetters(t, ctx, c.ListenAddrs(), "home", n, parts)

	cmd, stdout, stderr := mqscopeProcess(t, "--kafka", brokers, "redrive", "home-dlt", "-o", "json")
	report := make(chan string, 1)
	go func() { b, _ := io.ReadAll(stdout); report <- string(b) }()
	awaitRecords(t, ctx, cl, "home")
	link.Blackhole()
	time.Sleep(300 * time.Millisecond) // the mover is now waiting on a link that answers nothing
	cmd.Process.Signal(syscall.SIGTERM)
	var out string
	select {
	case out = <-report:
	case <-time.After(5 * time.Second):
		t.Fatalf("redrive still running 5 s after SIGTERM in a partition; stderr: %s", stderr)
	}
	cmd.Wait()
	first := jsonLines(t, out)
	if len(first) != 1 || cmd.ProcessState.ExitCode() != 1 || !strings.Contains(stderr.String(), "interrupted") {
		t.Fatalf("after SIGTERM: exit %d, stdout %q, stderr %q; want exit 1, the report and why", cmd.ProcessState.ExitCode(), out, stderr)
	}
	moved := int(first[0]["moved"].(float64))

	link.Heal()
	r := mqscope(t, "--kafka", brokers, "redrive", "home-dlt", "-o", "json")
	second := jsonLines(t, r.stdout)
	if r.code != 0 || len(second) != 1 || moved+int(second[0]["moved"].(float64)) != n {
		t.Fatalf("run again after %d moved: exit %d, %s %s", moved, r.code, r.stdout, r.stderr)
	}
	arrivedOnce(t, ctx, cl, n)
}
