package e2e

// Whole-program fault tests against a Kafka cluster reached through an in-process proxy that can cut
// the link the way a network partition does.

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

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
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.ConsumeTopics("home"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	letters := make([]*kgo.Record, n)
	for i := range letters {
		p := int32(i % parts)
		letters[i] = &kgo.Record{Topic: "home-dlt", Partition: p, Value: fmt.Appendf(nil, "letter-%d", i),
			Headers: []kgo.RecordHeader{{Key: "kafka_dlt-original-topic", Value: []byte("home")},
				{Key: "kafka_dlt-original-partition", Value: binary.BigEndian.AppendUint32(nil, uint32(p))}}}
	}
	if err := cl.ProduceSync(ctx, letters...).FirstErr(); err != nil {
		t.Fatal(err)
	}

	cmd, stdout, stderr := mqscopeProcess(t, "--kafka", brokers, "redrive", "home-dlt", "-o", "json")
	report := make(chan string, 1)
	go func() { b, _ := io.ReadAll(stdout); report <- string(b) }()
	adm := kadm.NewClient(cl)
	for moving := false; !moving; time.Sleep(5 * time.Millisecond) {
		ends, err := adm.ListEndOffsets(ctx, "home")
		if err != nil {
			t.Fatal(err)
		}
		ends.Each(func(o kadm.ListedOffset) { moving = moving || o.Offset > 0 })
	}
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
	seen := make(map[string]int, n)
	for got := 0; got < n; {
		fetches := cl.PollFetches(ctx)
		if err := fetches.Err(); err != nil {
			t.Fatal(err)
		}
		fetches.EachRecord(func(rec *kgo.Record) { seen[string(rec.Value)]++; got++ })
	}
	for i := range n {
		if k := fmt.Sprintf("letter-%d", i); seen[k] != 1 {
			t.Fatalf("%s arrived %d times", k, seen[k])
		}
	}
}
