package e2e

// End-to-end tests of `mqscope peek` with the real opener: the demo cluster's records, checked against
// what franz-go reads from the same cluster, and a RabbitMQ queue that must hold all its messages after.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/cli"
	"github.com/mqscope/mqscope/demo"
	"github.com/mqscope/mqscope/internal/testkit/demofix"
)

// topicRecords reads every record of a seeded topic straight from the cluster with franz-go: the oracle
// peek is checked against. It returns them by partition, in offset order.
func topicRecords(t *testing.T, brokers string, seeded demo.Seeded, topic string) [][]*kgo.Record {
	t.Helper()
	st, ok := seeded.Topic(topic)
	if !ok {
		t.Fatalf("the demo seeds no topic %s", topic)
	}
	starts := map[int32]kgo.Offset{}
	for p := range st.Ends {
		starts[int32(p)] = kgo.NewOffset().AtStart()
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(brokers, ",")...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: starts}))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out := make([][]*kgo.Record, len(st.Ends))
	for left := st.Messages(); left > 0; {
		fetches := cl.PollFetches(ctx)
		if err := fetches.Err(); err != nil {
			t.Fatalf("read %s with franz-go: %v", topic, err)
		}
		fetches.EachRecord(func(r *kgo.Record) {
			out[r.Partition] = append(out[r.Partition], r)
			left--
		})
	}
	return out
}

// merged is every record in the order a peek of several partitions hands them over: each partition in
// offset order, merged by timestamp (ties by partition), the way a k-way merge of their heads does it.
func merged(parts [][]*kgo.Record) []*kgo.Record {
	heads := make([]int, len(parts))
	var out []*kgo.Record
	for {
		next := -1
		for p, i := range heads {
			if i < len(parts[p]) && (next < 0 || parts[p][i].Timestamp.Before(parts[next][heads[next]].Timestamp)) {
				next = p
			}
		}
		if next < 0 {
			return out
		}
		out = append(out, parts[next][heads[next]])
		heads[next]++
	}
}

// peekedJSON runs peek -o json and decodes every line as an export record.
func peekedJSON(t *testing.T, args ...string) []backends.Message {
	t.Helper()
	r := mqscope(t, append(append([]string{}, args...), "-o", "json")...)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("%v: exit %d, stderr %s", args, r.code, r.stderr)
	}
	return records(t, r.stdout)
}

// records decodes JSON Lines output as export records.
func records(t *testing.T, out string) []backends.Message {
	t.Helper()
	var msgs []backends.Message
	for _, line := range strings.SplitAfter(out, "\n") {
		if line == "" {
			continue
		}
		if !strings.HasSuffix(line, "\n") {
			t.Fatalf("last line unterminated: %q", line)
		}
		m, err := actions.ParseRecord([]byte(line))
		if err != nil {
			t.Fatalf("%v: %v", line, err)
		}
		msgs = append(msgs, m)
	}
	return msgs
}

// sameRecords asserts that peek handed over exactly want, in order, byte for byte.
func sameRecords(t *testing.T, what string, got []backends.Message, want []*kgo.Record) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d messages, want %d", what, len(got), len(want))
	}
	for i, r := range want {
		m := got[i]
		headers := make([]backends.Header, len(r.Headers))
		for j, h := range r.Headers {
			headers[j] = backends.Header{Key: h.Key, Value: h.Value}
		}
		if m.Destination != r.Topic || m.Partition != r.Partition || m.Offset != r.Offset ||
			!m.Timestamp.Equal(r.Timestamp) || !bytes.Equal(m.Key, r.Key) || (m.Key == nil) != (r.Key == nil) ||
			!bytes.Equal(m.Body, r.Value) || !slices.EqualFunc(m.Headers, headers, sameHeader) {
			t.Fatalf("%s: message %d is %s/%d@%d key %q, want %s/%d@%d key %q\ngot  %+v\nwant %+v", what, i,
				m.Destination, m.Partition, m.Offset, m.Key, r.Topic, r.Partition, r.Offset, r.Key, m, r)
		}
	}
}

func sameHeader(a, b backends.Header) bool { return a.Key == b.Key && bytes.Equal(a.Value, b.Value) }

func TestPeekShowsTheDemoRecordsExactly(t *testing.T) {
	t.Parallel()
	cluster := demofix.Start(t)
	brokers := demofix.Brokers(cluster)
	seeded := cluster.Seeded()
	orders := topicRecords(t, brokers, seeded, demo.Orders)
	kafka := []string{"--kafka", brokers, "peek"}

	t.Run("earliest -n across partitions in time order", func(t *testing.T) {
		got := peekedJSON(t, append(kafka, demo.Orders, "--from", "earliest", "-n", "25")...)
		sameRecords(t, "orders --from earliest -n 25", got, merged(orders)[:25])
	})
	t.Run("-N is the last N of each partition", func(t *testing.T) {
		var want [][]*kgo.Record
		for _, p := range orders {
			want = append(want, p[len(p)-3:])
		}
		sameRecords(t, "orders --from -3", peekedJSON(t, append(kafka, demo.Orders, "--from", "-3")...), merged(want))
	})
	t.Run("one partition from an offset", func(t *testing.T) {
		got := peekedJSON(t, append(kafka, demo.Orders, "--partition", "2", "--from", "10", "-n", "4")...)
		sameRecords(t, "orders --partition 2 --from 10 -n 4", got, orders[2][10:14])
	})
	t.Run("two partitions, the last 2 of each", func(t *testing.T) {
		got := peekedJSON(t, append(kafka, demo.Orders, "--partition", "1,3", "--from", "-2")...)
		want := merged([][]*kgo.Record{orders[1][len(orders[1])-2:], orders[3][len(orders[3])-2:]})
		sameRecords(t, "orders --partition 1,3 --from -2", got, want)
	})
	t.Run("from a time to the end", func(t *testing.T) {
		all := merged(orders)
		at := all[len(all)-40].Timestamp
		var want []*kgo.Record
		for _, r := range all {
			if !r.Timestamp.Before(at) {
				want = append(want, r)
			}
		}
		got := peekedJSON(t, append(kafka, demo.Orders, "--from", "@"+at.UTC().Format(time.RFC3339Nano))...)
		sameRecords(t, "orders --from @time", got, want)
	})
	t.Run("latest without follow is nothing", func(t *testing.T) {
		if got := peekedJSON(t, append(kafka, demo.Orders, "--from", "latest")...); len(got) != 0 {
			t.Errorf("--from latest gave %d messages", len(got))
		}
	})
	t.Run("json reads to the end by default", func(t *testing.T) {
		st, _ := seeded.Topic(demo.Customers)
		got := peekedJSON(t, append(kafka, demo.Customers)...)
		sameRecords(t, "customers", got, merged(topicRecords(t, brokers, seeded, demo.Customers)))
		if int64(len(got)) != st.Messages() {
			t.Errorf("%d customers, the demo seeded %d", len(got), st.Messages())
		}
	})
}

// Binary records are base64 in JSON, and come back byte for byte.
func TestPeekJSONOfBinaryRecords(t *testing.T) {
	t.Parallel()
	cluster := demofix.Start(t)
	brokers := demofix.Brokers(cluster)
	want := merged(topicRecords(t, brokers, cluster.Seeded(), demo.Telemetry))
	r := mqscope(t, "--kafka", brokers, "peek", demo.Telemetry, "-o", "json")
	rows := jsonLines(t, r.stdout)
	if len(rows) != len(want) {
		t.Fatalf("%d lines, want %d", len(rows), len(want))
	}
	for _, row := range rows {
		if row["value_encoding"] != "base64" || row["key_encoding"] != "utf8" || !strings.HasPrefix(row["key"].(string), "device-") {
			t.Fatalf("binary record as %v", row)
		}
	}
	sameRecords(t, demo.Telemetry, peekedJSON(t, "--kafka", brokers, "peek", demo.Telemetry), want)
}

// The hostile customer record: escaped in the table, exact in JSON, raw nowhere.
func TestPeekHostileRecord(t *testing.T) {
	t.Parallel()
	brokers := demofix.Brokers(demofix.Start(t))
	const key = "cust-\x1b[31m9999\x1b[0m"

	r := mqscope(t, "--kafka", brokers, "peek", demo.Customers, "--from", "-1")
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if r.code != 0 || len(lines) != 4 || strings.Join(strings.Fields(lines[0]), " ") != "PARTITION OFFSET TIME KEY SIZE BODY" {
		t.Fatalf("exit %d, table:\n%s%s", r.code, r.stdout, r.stderr)
	}
	hostile := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, `  cust-\e[31m9999\e[0m  `) })
	if hostile < 0 || !strings.Contains(lines[hostile], `{"country":"US","customer_id":"cust-9999"`) {
		t.Errorf("the hostile record is not shown escaped:\n%s", r.stdout)
	}
	if bad := rawControl(r.stdout + r.stderr); bad != "" {
		t.Errorf("raw %q reached the table", bad)
	}

	r = mqscope(t, "--kafka", brokers, "peek", demo.Customers, "-o", "json")
	if bad := rawControl(r.stdout); bad != "" {
		t.Errorf("raw %q reached the JSON", bad)
	}
	msgs := peekedJSON(t, "--kafka", brokers, "peek", demo.Customers)
	i := slices.IndexFunc(msgs, func(m backends.Message) bool { return string(m.Key) == key })
	if i < 0 {
		t.Fatalf("no record with key %q in JSON", key)
	}
	h, _ := msgs[i].HeaderValue("x-display-name")
	if string(h.Value) != "\x1b]0;pwned\x07\x1b[2J\u202egnp.exe" || !strings.Contains(string(msgs[i].Body), "Mallory \u202eredro\u202c") {
		t.Errorf("hostile record not exact in JSON: header %q, body %q", h.Value, msgs[i].Body)
	}
}

// rawControl returns the first character a terminal would act on, other than the newlines that end lines.
func rawControl(s string) string {
	for _, r := range s {
		if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) ||
			(r >= 0x2066 && r <= 0x2069) {
			return string(r)
		}
	}
	return ""
}

// Spring's dead letters carry where they came from: death names the very order they were made from.
func TestPeekDeadLetterOrigin(t *testing.T) {
	t.Parallel()
	cluster := demofix.Start(t)
	brokers := demofix.Brokers(cluster)
	orders := topicRecords(t, brokers, cluster.Seeded(), demo.Orders)
	letters := peekedJSON(t, "--kafka", brokers, "peek", demo.OrdersDLT)
	st, _ := cluster.Seeded().Topic(demo.OrdersDLT)
	if int64(len(letters)) != st.Messages() || len(letters) == 0 {
		t.Fatalf("%d dead letters, the demo seeded %d", len(letters), st.Messages())
	}
	for _, m := range letters {
		o := m.Origin
		if o == nil || o.Convention != backends.SpringKafka || o.Destination != demo.Orders || o.Partition == nil ||
			o.Offset == nil || o.Group != demo.Billing || !strings.Contains(o.Exception, "Unsupported currency") {
			t.Fatalf("death of %d@%d = %+v", m.Partition, m.Offset, o)
		}
		orig := orders[*o.Partition][*o.Offset]
		if !bytes.Equal(orig.Value, m.Body) || !o.Timestamp.Equal(orig.Timestamp) || *o.Partition != m.Partition {
			t.Errorf("dead letter %d@%d points at %d@%d, which holds %s", m.Partition, m.Offset, *o.Partition, *o.Offset, orig.Value)
		}
	}
}

// A table shows 20 messages unless told otherwise, and says so; json does not stop.
func TestPeekTableLimitAndErrors(t *testing.T) {
	t.Parallel()
	brokers := demofix.Brokers(demofix.Start(t))
	r := mqscope(t, "--kafka", brokers, "peek", demo.Orders)
	if lines := strings.Count(r.stdout, "\n"); r.code != 0 || lines != 21 ||
		r.stderr != "mqscope: note: showed the first 20 messages; -n N shows more, -n 0 all\n" {
		t.Errorf("table: exit %d, %d lines, stderr %q", r.code, lines, r.stderr)
	}
	r = mqscope(t, "--kafka", brokers, "peek", demo.Orders, "-n", "0", "--partition", "0")
	if r.code != 0 || int64(strings.Count(r.stdout, "\n")) != 1+mustTopic(t, demo.Orders).Ends[0] || r.stderr != "" {
		t.Errorf("-n 0: exit %d, %d lines, stderr %q", r.code, strings.Count(r.stdout, "\n"), r.stderr)
	}

	r = mqscope(t, "--kafka", brokers, "peek", demo.Orders, "--from", "latest")
	if r.code != 0 || r.stdout != "" || r.stderr != "mqscope: note: no messages from --from latest\n" {
		t.Errorf("nothing to show: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}

	msg := oneLine(t, mqscope(t, "--kafka", brokers, "peek", "no-such-topic"), cli.ExitError)
	if !strings.Contains(msg, `"no-such-topic"`) || !strings.Contains(msg, "not found") {
		t.Errorf("unknown topic: %s", msg)
	}
	// The message says what is missing once; no ": not found" tacked on after it.
	n := len(mustTopic(t, demo.Orders).Ends)
	msg = oneLine(t, mqscope(t, "--kafka", brokers, "peek", demo.Orders, "--partition", "9"), cli.ExitError)
	if want := fmt.Sprintf(`mqscope: read %s: topic %q has no partition 9 (it has %d, numbered from 0)`,
		demo.Orders, demo.Orders, n); msg != want {
		t.Errorf("a partition the topic lacks:\n got %s\nwant %s", msg, want)
	}
	msg = oneLine(t, mqscope(t, "--kafka", brokers, "peek", demo.Orders, "--from", "yesterday"), cli.ExitUsage)
	if !strings.Contains(msg, `--from: position "yesterday"`) {
		t.Errorf("bad --from: %s", msg)
	}
	oneLine(t, mqscope(t, "--kafka", brokers, "peek"), cli.ExitUsage)
	oneLine(t, mqscope(t, "--kafka", brokers, "peek", demo.Orders, "-n", "-1"), cli.ExitUsage)
}

func mustTopic(t *testing.T, name string) demo.SeededTopic {
	st, ok := demo.Expected(demo.Options{Still: true}).Topic(name)
	if !ok {
		t.Fatalf("no topic %s", name)
	}
	return st
}

// `mqscope peek ... | head -1`: when the reader goes, peek ends quietly with exit 0.
func TestPeekIntoAClosedPipeEndsQuietly(t *testing.T) {
	t.Parallel()
	brokers := demofix.Brokers(demofix.Start(t))
	cmd, pipe, stderr := mqscopeProcess(t, "--kafka", brokers, "peek", demo.Orders, "-o", "json")
	if line, err := bufio.NewReader(pipe).ReadString('\n'); err != nil || !strings.HasPrefix(line, `{"destination":"orders"`) {
		t.Fatalf("first line %q, %v; stderr %s", line, err, stderr)
	}
	pipe.Close()
	if err := cmd.Wait(); err != nil || stderr.Len() != 0 {
		t.Errorf("after the reader left: %v, stderr %q", err, stderr)
	}
}

// --follow shows what arrives as it arrives, and Ctrl-C ends it with exit 0.
func TestPeekFollowUntilInterrupted(t *testing.T) {
	t.Parallel()
	brokers := demofix.Brokers(demofix.Start(t))
	cmd, pipe, stderr := mqscopeProcess(t, "--kafka", brokers, "peek", demo.Payments, "--from", "latest", "--follow", "-o", "json")
	stdout := bufio.NewReader(pipe)

	producer, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(brokers, ",")...))
	if err != nil {
		t.Fatal(err)
	}
	defer producer.Close()
	lines := make(chan string)
	go func() {
		defer close(lines)
		for {
			line, err := stdout.ReadString('\n')
			if err != nil {
				return
			}
			lines <- line
		}
	}()
	// The peek starts at the end as it finds it: produce until it shows one of ours.
	deadline := time.After(30 * time.Second)
	var line string
	for i := 0; line == ""; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := producer.ProduceSync(ctx, &kgo.Record{Topic: demo.Payments, Value: fmt.Appendf(nil, "followed-%d", i)}).FirstErr()
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		select {
		case line = <-lines:
		case <-time.After(300 * time.Millisecond):
		case <-deadline:
			t.Fatalf("nothing followed; stderr %s", stderr)
		}
	}
	m, err := actions.ParseRecord([]byte(line))
	if err != nil || !strings.HasPrefix(string(m.Body), "followed-") || m.Destination != demo.Payments {
		t.Fatalf("followed %q: %v", line, err)
	}
	cmd.Process.Signal(os.Interrupt)
	if err := cmd.Wait(); err != nil || stderr.Len() != 0 {
		t.Errorf("after Ctrl-C: %v, stderr %q", err, stderr)
	}
}

// An export stopped by SIGINT or SIGTERM says on stderr how far it got, and exits 1: a file of 7,311 of
// 34,555 records must not pass for a whole export.
func TestPeekExportInterruptedSaysSoAndFails(t *testing.T) {
	t.Parallel()
	brokers := demofix.Brokers(demofix.Start(t))
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		// Nobody reads stdout until the signal is sent, so the export is blocked well before its end.
		cmd, pipe, stderr := mqscopeProcess(t, "--kafka", brokers, "peek", demo.Orders, "-o", "json")
		out := bufio.NewReader(pipe)
		if _, err := out.ReadString('\n'); err != nil {
			t.Fatalf("first line: %v; stderr %s", err, stderr)
		}
		cmd.Process.Signal(sig)
		n := 1
		for ; ; n++ {
			if _, err := out.ReadString('\n'); err != nil {
				break
			}
		}
		err := cmd.Wait()
		want := fmt.Sprintf("mqscope: interrupted: stopped after %s messages from %s; the output is incomplete\n",
			thousandsOf(n), demo.Orders)
		if cmd.ProcessState.ExitCode() != cli.ExitError || stderr.String() != want {
			t.Errorf("%v: %v, stderr %q, want %q", sig, err, stderr, want)
		}
		if total := mustTopic(t, demo.Orders).Messages(); n >= int(total) {
			t.Errorf("%v: read all %d of %d: the signal came too late to test anything", sig, n, total)
		}
	}
}

// A peek whose context ends (the caller gave up) says how far it got and fails, with the cause.
func TestPeekExportCancelledSaysSoAndFails(t *testing.T) {
	t.Parallel()
	brokers := demofix.Brokers(demofix.Start(t))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout := &cancelOnWrite{cancel: cancel}
	var stderr bytes.Buffer
	code := cli.Execute(ctx, []string{"--config", emptyConfig(t), "--kafka", brokers, "peek", demo.Orders, "-o", "json"},
		deps(stdout, &stderr))
	n := strings.Count(stdout.String(), "\n")
	want := fmt.Sprintf("mqscope: read orders: context canceled (stopped after %s messages from %s; the output is incomplete)\n",
		thousandsOf(n), demo.Orders)
	if code != cli.ExitError || stderr.String() != want {
		t.Errorf("exit %d, stderr %q, want %q", code, stderr.String(), want)
	}
}

// cancelOnWrite is a stdout that cancels the run at its first write.
type cancelOnWrite struct {
	bytes.Buffer
	cancel func()
}

func (w *cancelOnWrite) Write(p []byte) (int, error) {
	w.cancel()
	return w.Buffer.Write(p)
}

func thousandsOf(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
