package e2e

// Whole-program fault tests against a Kafka cluster reached through an in-process proxy that can cut
// the link the way a network partition does.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

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

// A redrive whose commit is cut off by a lost connection, with nobody pressing Ctrl-C, reports what
// moved for certain and what is in doubt as an interrupted one does, and exits 1; run again once the
// link is back, it finds that commit applied and moves the rest: every letter arrives exactly once.
func TestRedriveWhoseCommitIsCutOff(t *testing.T) {
	t.Parallel()
	const n, parts = 1_200, 2
	link := netproxy.NewNet(t)
	c := kafkafix.Start(t, kfake.NumBrokers(1), kfake.SeedTopics(parts, "home", "home-dlt"), kfake.ListenFn(link.Listen))
	brokers := kafkafix.Brokers(c)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cl := springDeadLetters(t, ctx, c.ListenAddrs(), "home", n, parts)

	var commits atomic.Int32
	var released atomic.Bool
	c.ControlKey(int16(kmsg.EndTxn), func(req kmsg.Request) (kmsg.Response, error, bool) {
		if released.Load() {
			c.DropControl()
			return nil, nil, false
		}
		c.KeepControl()
		switch {
		case !req.(*kmsg.EndTxnRequest).Commit:
			return nil, nil, false
		case commits.Add(1) == 1:
			link.Cut() // the first commit is applied; its answer is lost
			return nil, nil, false
		}
		return nil, errors.New("the link is down"), true // the producer's retries: the connection closes
	})
	r := mqscope(t, "--kafka", brokers, "redrive", "home-dlt", "-o", "json")
	first := jsonLines(t, r.stdout)
	if len(first) != 1 || r.code != 1 {
		t.Fatalf("a redrive whose commit was cut off: exit %d, stdout %q, stderr %q; want exit 1 and the report", r.code, r.stdout, r.stderr)
	}
	moved, inDoubt := int(first[0]["moved"].(float64)), int(first[0]["in_doubt"].(float64))
	want := fmt.Sprintf("mqscope: stopped: %d moved for certain, %d in doubt (a commit was under way when the redrive stopped; "+
		"run redrive again — it moves each letter exactly once); ", moved, inDoubt)
	if inDoubt == 0 || first[0]["commit_in_doubt"] != true || !strings.Contains(r.stderr, want) ||
		!strings.Contains(r.stderr, "the commit was cut off") {
		t.Fatalf("a redrive whose commit was cut off: %s stderr %q; want its letters in doubt, and why", r.stdout, r.stderr)
	}

	released.Store(true)
	r = mqscope(t, "--kafka", brokers, "redrive", "home-dlt", "-o", "json")
	second := jsonLines(t, r.stdout)
	if r.code != 0 || len(second) != 1 || int(second[0]["moved"].(float64)) != n-moved-inDoubt {
		t.Fatalf("run again after %d moved and %d in doubt (applied): exit %d, %s %s", moved, inDoubt, r.code, r.stdout, r.stderr)
	}
	arrivedOnce(t, ctx, cl, n)
}
