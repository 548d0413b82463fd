package e2e

// End-to-end tests of `mqscope redrive` with the real opener: the demo's Spring dead letters go back to
// orders, checked with franz-go; RabbitMQ dead letters the broker itself produced go back to their queues.

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/demo"
	"github.com/mqscope/mqscope/internal/testkit/demofix"
	"github.com/mqscope/mqscope/internal/testkit/kafkafix"
	"github.com/mqscope/mqscope/opener"
)

// needsMover skips a redrive test while the broker's adapter cannot move messages yet.
func needsMover(t *testing.T, c config.Context) {
	t.Helper()
	needs[backends.Mover](t, c, "move messages")
}

// needsPublisher skips a publish test while the broker's adapter cannot publish yet.
func needsPublisher(t *testing.T, c config.Context) {
	t.Helper()
	needs[backends.Publisher](t, c, "publish")
}

// needs fails a test whose broker adapter lacks capability T.
func needs[T any](t *testing.T, c config.Context, what string) {
	t.Helper()
	if !has[T](t, c) {
		t.Fatalf("the %s adapter cannot %s", c.Kind(), what)
	}
}

// has reports whether the adapter of c's broker has capability T.
func has[T any](t *testing.T, c config.Context) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := opener.Open(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	_, ok := b.(T)
	return ok
}

func kafkaContext(brokers string) config.Context {
	return config.Context{Name: "test", Kafka: &config.KafkaConfig{Brokers: strings.Split(brokers, ",")}}
}

// lettersByPartition reads orders-dlt with franz-go and groups its letters by the original partition
// their kafka_dlt-original-partition header names.
func lettersByPartition(t *testing.T, brokers string, seeded demo.Seeded) map[int32][]*kgo.Record {
	t.Helper()
	out := map[int32][]*kgo.Record{}
	for _, part := range topicRecords(t, brokers, seeded, demo.OrdersDLT) {
		for _, l := range part {
			for _, h := range l.Headers {
				if h.Key == "kafka_dlt-original-partition" {
					p := int32(binary.BigEndian.Uint32(h.Value))
					out[p] = append(out[p], l)
				}
			}
		}
	}
	return out
}

// appended reads what was written to each partition of topic after the seeded end: it writes a marker
// record to every partition, then reads up to the markers (committed records only), so that the read
// ends exactly where the redrive's writes end.
func appended(t *testing.T, brokers string, seeded demo.Seeded, topic string) map[int32][]*kgo.Record {
	t.Helper()
	st, _ := seeded.Topic(topic)
	seeds := strings.Split(brokers, ",")
	producer, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer producer.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	starts := map[int32]kgo.Offset{}
	for p, end := range st.Ends {
		starts[int32(p)] = kgo.NewOffset().At(end)
		marker := &kgo.Record{Topic: topic, Partition: int32(p), Value: []byte("end-of-test-marker")}
		if err := producer.ProduceSync(ctx, marker).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	consumer, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: starts}))
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	out := map[int32][]*kgo.Record{}
	for done := 0; done < len(st.Ends); {
		fetches := consumer.PollFetches(ctx)
		if err := fetches.Err(); err != nil {
			t.Fatalf("read %s: %v", topic, err)
		}
		fetches.EachRecord(func(r *kgo.Record) {
			if string(r.Value) == "end-of-test-marker" {
				done++
			} else {
				out[r.Partition] = append(out[r.Partition], r)
			}
		})
	}
	return out
}

// The demo's 27 Spring dead letters: the dry run plans each back to its original partition of orders and
// changes nothing; the redrive puts each there once; a second redrive moves nothing more.
func TestRedriveDemoDeadLettersToTheirPartitions(t *testing.T) {
	t.Parallel()
	cluster := demofix.Start(t)
	brokers := demofix.Brokers(cluster)
	needsMover(t, kafkaContext(brokers))
	seeded := cluster.Seeded()
	letters := lettersByPartition(t, brokers, seeded)
	total := 0
	for _, ls := range letters {
		total += len(ls)
	}
	if total != 27 {
		t.Fatalf("the demo has %d dead letters, want 27", total)
	}
	kafkaArgs := []string{"--kafka", brokers}

	r := mqscope(t, append(kafkaArgs, "redrive", demo.OrdersDLT, "--dry-run", "-o", "json")...)
	planned := map[int32]int{}
	for _, line := range jsonLines(t, r.stdout) {
		if line["target"] != demo.Orders || line["moves"] != true || line["via"] != "spring kafka_dlt" || line["partition"] == nil {
			t.Errorf("plan line %v", line)
			continue
		}
		planned[int32(line["partition"].(float64))] += int(line["letters"].(float64))
	}
	if r.code != 0 || len(planned) != len(letters) {
		t.Fatalf("dry run: exit %d, planned %v, stderr %s", r.code, planned, r.stderr)
	}
	for p, ls := range letters {
		if planned[p] != len(ls) {
			t.Errorf("partition %d: planned %d letters, the DLT holds %d for it", p, planned[p], len(ls))
		}
	}
	if want := "mqscope: dry run: of 27 letters in orders-dlt, 27 would move and 0 would stay; nothing changed\n"; r.stderr != want {
		t.Errorf("dry run stderr %q, want %q", r.stderr, want)
	}
	st, _ := seeded.Topic(demo.Orders)
	if n := messagesOf(t, brokers, demo.Orders); n != st.Messages() {
		t.Fatalf("the dry run changed orders: %d messages, seeded %d", n, st.Messages())
	}

	r = mqscope(t, append(kafkaArgs, "redrive", demo.OrdersDLT, "-o", "json")...)
	lines := jsonLines(t, r.stdout)
	if r.code != 0 || len(lines) != 1 {
		t.Fatalf("redrive: exit %d, %s %s", r.code, r.stdout, r.stderr)
	}
	if rep := lines[0]; rep["moved"] != 27.0 || rep["kept"] != 0.0 || rep["failed"] != 0.0 ||
		fmt.Sprint(rep["per_target"]) != "map[orders:27]" {
		t.Errorf("report %v", rep)
	}
	redriven := appended(t, brokers, seeded, demo.Orders)
	if !slices.Equal(slices.Sorted(maps.Keys(redriven)), slices.Sorted(maps.Keys(letters))) {
		t.Errorf("letters went to partitions %v, their headers name %v", slices.Sorted(maps.Keys(redriven)), slices.Sorted(maps.Keys(letters)))
	}
	for p, ls := range letters {
		got, want := keyValues(redriven[p]), keyValues(ls)
		if !slices.Equal(got, want) {
			t.Errorf("partition %d got\n%q\nwant\n%q", p, got, want)
		}
	}

	r = mqscope(t, append(kafkaArgs, "redrive", demo.OrdersDLT, "-o", "json")...)
	lines = jsonLines(t, r.stdout)
	if r.code != 0 || len(lines) != 1 || lines[0]["moved"] != 0.0 {
		t.Errorf("second redrive: exit %d, %s %s", r.code, r.stdout, r.stderr)
	}
	if !has[backends.MoveResumer](t, kafkaContext(brokers)) {
		t.Log("the Kafka adapter does not say where the next move starts: a dry run reads the DLT from its start")
		return
	}
	r = mqscope(t, append(kafkaArgs, "redrive", demo.OrdersDLT, "--dry-run", "-o", "json")...)
	if want := "mqscope: dry run: of 0 letters in orders-dlt, 0 would move and 0 would stay; nothing changed\n"; r.code != 0 ||
		r.stdout != "" || r.stderr != want {
		t.Errorf("dry run after the redrive: exit %d, %s%s", r.code, r.stdout, r.stderr)
	}
}

// keyValues is each record's key and value, sorted.
func keyValues(rs []*kgo.Record) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = fmt.Sprintf("%q=%q", r.Key, r.Value)
	}
	slices.Sort(out)
	return out
}

// Text output: the plan per partition, and the report per target.
func TestRedriveDemoTables(t *testing.T) {
	t.Parallel()
	cluster := demofix.Start(t)
	brokers := demofix.Brokers(cluster)
	needsMover(t, kafkaContext(brokers))
	letters := lettersByPartition(t, brokers, cluster.Seeded())
	r := mqscope(t, "--kafka", brokers, "redrive", demo.OrdersDLT, "--dry-run")
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	rows := lines[1:]
	if r.code != 0 || squeeze(lines[0]) != "TARGET PARTITION VIA LETTERS OUTCOME\n" || len(rows) != len(letters) {
		t.Fatalf("exit %d, %d rows\n%s%s", r.code, len(rows), r.stdout, r.stderr)
	}
	for _, line := range rows {
		row := strings.Fields(line)
		var p int32
		fmt.Sscan(row[1], &p)
		if row[0] != "orders" || row[2]+" "+row[3] != "spring kafka_dlt" || row[4] != fmt.Sprint(len(letters[p])) || row[5] != "moves" {
			t.Errorf("row %q", row)
		}
	}
	t.Log("\n" + r.stdout + r.stderr)

	r = mqscope(t, "--kafka", brokers, "redrive", demo.OrdersDLT)
	if r.code != 0 || squeeze(r.stdout) != "TARGET MOVED\norders 27\n" ||
		!strings.HasPrefix(r.stderr, "mqscope: moved 27 letters of orders-dlt in ") || !strings.HasSuffix(r.stderr, "; 0 kept, 0 failed\n") {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// A redrive in steps (--max) carries on where the last one stopped: together the steps move every letter
// exactly once, and a plan between them counts what is left.
func TestRedriveInSteps(t *testing.T) {
	t.Parallel()
	cluster := demofix.Start(t)
	brokers := demofix.Brokers(cluster)
	needsMover(t, kafkaContext(brokers))
	seeded := cluster.Seeded()
	letters := lettersByPartition(t, brokers, seeded)
	kafkaArgs := []string{"--kafka", brokers, "redrive", demo.OrdersDLT}
	resumes := has[backends.MoveResumer](t, kafkaContext(brokers))

	moved := 0
	for _, step := range []string{"5", "10", "0"} {
		if resumes {
			r := mqscope(t, append(kafkaArgs, "--dry-run", "--max", step, "-o", "json")...)
			planned := 0
			for _, line := range jsonLines(t, r.stdout) {
				planned += int(line["letters"].(float64))
			}
			if want := map[string]int{"5": 5, "10": 10, "0": 27 - moved}[step]; r.code != 0 || planned != want {
				t.Errorf("dry run --max %s after %d moved: exit %d, %d planned, want %d", step, moved, r.code, planned, want)
			}
		}
		r := mqscope(t, append(kafkaArgs, "--max", step, "-o", "json")...)
		lines := jsonLines(t, r.stdout)
		if r.code != 0 || len(lines) != 1 {
			t.Fatalf("redrive --max %s: exit %d, %s %s", step, r.code, r.stdout, r.stderr)
		}
		n := int(lines[0]["moved"].(float64))
		if want := map[string]int{"5": 5, "10": 10, "0": 12}[step]; n != want {
			t.Errorf("redrive --max %s moved %d, want %d", step, n, want)
		}
		moved += n
	}
	redriven := appended(t, brokers, seeded, demo.Orders)
	for p, ls := range letters {
		if got, want := keyValues(redriven[p]), keyValues(ls); !slices.Equal(got, want) {
			t.Errorf("partition %d got\n%q\nwant\n%q", p, got, want)
		}
	}
}

// moveBatch is how many letters the Kafka mover commits in one transaction (backends/kafka's moveBatch).
const moveBatch = 500

// Ctrl-C in the middle of a large redrive: the process reports what it moved (and what is in doubt) and exits 1; run again, it
// moves the rest; together every letter arrives exactly once.
func TestRedriveInterruptedAndRunAgain(t *testing.T) {
	t.Parallel()
	const n, parts = 6_000, 4 // 12 transactions of the mover's moveBatch: Ctrl-C comes during the first few
	c := kafkafix.Start(t, kfake.NumBrokers(1), kfake.SeedTopics(parts, "big", "big-dlt"))
	brokers := strings.Join(c.ListenAddrs(), ",")
	needsMover(t, kafkaContext(brokers))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cl := springDeadLetters(t, ctx, c.ListenAddrs(), "big", n, parts)

	cmd, stdout, stderr := mqscopeProcess(t, "--kafka", brokers, "redrive", "big-dlt", "-o", "json")
	report := make(chan string, 1)
	go func() { b, _ := io.ReadAll(stdout); report <- string(b) }()
	awaitRecords(t, ctx, cl, "big")
	cmd.Process.Signal(os.Interrupt)
	out := <-report
	err := cmd.Wait()
	first := jsonLines(t, out)
	if len(first) != 1 {
		t.Fatalf("interrupted redrive printed %q; stderr %s", out, stderr)
	}
	moved, inDoubt := int(first[0]["moved"].(float64)), int(first[0]["in_doubt"].(float64))
	want := fmt.Sprintf("mqscope: interrupted after moving %d letter%s; run it again to move the rest\n", moved,
		map[bool]string{true: "s"}[moved != 1])
	if inDoubt > 0 {
		want = fmt.Sprintf("mqscope: interrupted: %d moved for certain, %d in doubt (a commit was under way when "+
			"the redrive stopped; run redrive again — it moves each letter exactly once)\n", moved, inDoubt)
	}
	if moved == n {
		t.Logf("the redrive finished before Ctrl-C (exit %v)", err)
	} else if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.HasSuffix(stderr.String(), want) ||
		first[0]["commit_in_doubt"] != (inDoubt > 0) || inDoubt > moveBatch {
		t.Errorf("after Ctrl-C: exit %d, %s stderr %q", code, out, stderr)
	}

	// Ctrl-C may cut off the answer to a commit the broker had already taken: the first run reports the
	// letters of that transaction (at most the mover's 500) in doubt, and the second finds it committed or
	// not and moves the rest. What the first run committed is what the second did not move.
	r := mqscope(t, "--kafka", brokers, "redrive", "big-dlt", "-o", "json")
	second := jsonLines(t, r.stdout)
	if r.code != 0 || len(second) != 1 {
		t.Fatalf("run again after %d moved: exit %d, %s %s", moved, r.code, r.stdout, r.stderr)
	}
	committed := n - int(second[0]["moved"].(float64))
	t.Logf("the first run committed %d: reported %d moved, %d in doubt", committed, moved, inDoubt)
	if committed < moved || committed > moved+inDoubt {
		t.Errorf("the first run committed %d letters (the second moved %s) but reported %d moved and %d in doubt",
			committed, r.stdout, moved, inDoubt)
	}
	arrivedOnce(t, ctx, cl, n)
}

// springDeadLetters makes a client of the cluster at addrs that reads origin (committed records only) and puts
// n dead letters in origin-dlt through it: letter-0 … letter-(n-1), spread over parts partitions, each
// naming origin and its partition as where it came from, as Spring Kafka does.
func springDeadLetters(t *testing.T, ctx context.Context, addrs []string, origin string, n, parts int) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.ConsumeTopics(origin))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	letters := make([]*kgo.Record, n)
	for i := range letters {
		p := int32(i % parts)
		letters[i] = &kgo.Record{Topic: origin + "-dlt", Partition: p, Value: fmt.Appendf(nil, "letter-%d", i),
			Headers: []kgo.RecordHeader{{Key: "kafka_dlt-original-topic", Value: []byte(origin)},
				{Key: "kafka_dlt-original-partition", Value: binary.BigEndian.AppendUint32(nil, uint32(p))}}}
	}
	if err := cl.ProduceSync(ctx, letters...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	return cl
}

// awaitRecords returns once topic holds a record, committed or not: a redrive into it is under way.
func awaitRecords(t *testing.T, ctx context.Context, cl *kgo.Client, topic string) {
	t.Helper()
	adm := kadm.NewClient(cl)
	for moving := false; !moving; time.Sleep(5 * time.Millisecond) {
		ends, err := adm.ListEndOffsets(ctx, topic)
		if err != nil {
			t.Fatal(err)
		}
		ends.Each(func(o kadm.ListedOffset) { moving = moving || o.Offset > 0 })
	}
}

// arrivedOnce reads n records with cl and fails unless they are letter-0 … letter-(n-1), each once.
func arrivedOnce(t *testing.T, ctx context.Context, cl *kgo.Client, n int) {
	t.Helper()
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
