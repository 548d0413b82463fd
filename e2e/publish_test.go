package e2e

// End-to-end tests of `mqscope publish` and `mqscope replay` with the real opener, on the demo cluster and
// kfake: what was sent is read back with franz-go or peek and compared byte for byte.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/kafka/murmur2"
	"github.com/mqscope/mqscope/demo"
	"github.com/mqscope/mqscope/internal/testkit/demofix"
	"github.com/mqscope/mqscope/internal/testkit/kafkafix"
)

// createTopics makes empty topics of n partitions.
func createTopics(t *testing.T, brokers string, partitions int32, names ...string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(brokers, ",")...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := kadm.NewClient(cl).CreateTopics(ctx, partitions, 1, nil, names...)
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		t.Fatalf("create %v: %v", names, err)
	}
}

// sendReport runs a publish or replay with -o json and returns its one report line.
func sendReport(t *testing.T, args ...string) map[string]any {
	t.Helper()
	r := mqscope(t, append(args, "-o", "json")...)
	lines := jsonLines(t, r.stdout)
	if r.code != 0 || len(lines) != 1 || r.stderr != "" {
		t.Fatalf("%v: exit %d, stdout %s, stderr %s", args, r.code, r.stdout, r.stderr)
	}
	return lines[0]
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// Fifty messages from templates: each with its own number, UUID and time, keyed where the Java client
// would put the key, all confirmed.
func TestPublishTemplatesOnKafka(t *testing.T) {
	t.Parallel()
	c := kafkafix.Start(t, kfake.NumBrokers(1), kfake.SeedTopics(3, "events"))
	brokers := strings.Join(c.ListenAddrs(), ",")
	needsPublisher(t, kafkaContext(brokers))
	before := time.Now().UTC().Truncate(time.Millisecond)

	report := sendReport(t, "--kafka", brokers, "publish", "events", "--key", "k-{{seq}}", "-H", "id={{uuid}}",
		"-H", "fixed=v", "--body", `{"seq":{{seq}},"at":"{{now}}"}`, "--json", "--count", "50")
	if report["sent"] != 50.0 || report["failed"] != 0.0 || report["target"] != "events" {
		t.Fatalf("report %v", report)
	}
	got := peekedJSON(t, "--kafka", brokers, "peek", "events")
	if len(got) != 50 {
		t.Fatalf("%d messages on events, want 50", len(got))
	}
	ids := map[string]bool{}
	seqs := map[int]bool{}
	for _, m := range got {
		var body struct {
			Seq int    `json:"seq"`
			At  string `json:"at"`
		}
		if err := json.Unmarshal(m.Body, &body); err != nil {
			t.Fatalf("body %q: %v", m.Body, err)
		}
		at, err := time.Parse(time.RFC3339Nano, body.At)
		if string(m.Key) != fmt.Sprintf("k-%d", body.Seq) || err != nil || at.Before(before) || at.After(time.Now()) {
			t.Errorf("key %q, body %s", m.Key, m.Body)
		}
		seqs[body.Seq] = true
		if len(m.Headers) != 2 || m.Headers[0].Key != "id" || !uuidV4.Match(m.Headers[0].Value) ||
			m.Headers[1].Key != "fixed" || string(m.Headers[1].Value) != "v" {
			t.Errorf("headers %q", m.Headers)
		}
		ids[string(m.Headers[0].Value)] = true
		if want := murmur2.Partition(m.Key, 3); m.Partition != want {
			t.Errorf("key %s in partition %d; the Java client puts it in %d", m.Key, m.Partition, want)
		}
	}
	if len(ids) != 50 || len(seqs) != 50 || !seqs[1] || !seqs[50] {
		t.Errorf("%d distinct ids, %d distinct seqs (1..50)", len(ids), len(seqs))
	}

	// --partition pins the partition; no --key sends none.
	sendReport(t, "--kafka", brokers, "publish", "events", "--partition", "2", "--body", "pinned", "--count", "3")
	pinned := 0
	for _, m := range peekedJSON(t, "--kafka", brokers, "peek", "events", "--partition", "2") {
		if string(m.Body) == "pinned" {
			pinned++
			if m.Key != nil {
				t.Errorf("no --key, but the key is %q", m.Key)
			}
		}
	}
	if pinned != 3 {
		t.Errorf("%d pinned messages in partition 2, want 3", pinned)
	}
}

// essence is what a publish from a file must keep of a message: key (nil or not), headers and body.
func essence(m backends.Message) string {
	var b strings.Builder
	fmt.Fprintf(&b, "key %v %q |", m.Key == nil, m.Key)
	for _, h := range m.Headers {
		fmt.Fprintf(&b, " %q=%q", h.Key, h.Value)
	}
	fmt.Fprintf(&b, " | body %v %q", m.Body == nil, m.Body)
	return b.String()
}

func essences(msgs []backends.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = essence(m)
	}
	slices.Sort(out)
	return out
}

// peek -o json, then publish --from-file, gives the same keys, headers and bodies, byte for byte:
// binary bodies, binary header values (Spring's), a null key and an empty body.
func TestPublishFromFileRoundTrip(t *testing.T) {
	t.Parallel()
	brokers := demofix.Brokers(demofix.Start(t))
	needsPublisher(t, kafkaContext(brokers))
	createTopics(t, brokers, 2, "odd-source", "odd-copy", "telemetry-copy", "dlt-copy")
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(brokers, ",")...), kgo.DefaultProduceTopic("odd-source"))
	if err != nil {
		t.Fatal(err)
	}
	odd := []*kgo.Record{
		{Key: nil, Value: []byte{}},
		{Key: []byte{}, Value: nil, Headers: []kgo.RecordHeader{{Key: "empty", Value: []byte{}}, {Key: "dup", Value: []byte("1")}, {Key: "dup", Value: []byte("2")}}},
		{Key: []byte{0xff, 0x00}, Value: []byte("\xc3\x28 invalid utf-8"), Headers: []kgo.RecordHeader{{Key: "bin", Value: []byte{0, 1, 0xfe}}}},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, odd...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	cl.Close()

	for source, copy := range map[string]string{demo.Telemetry: "telemetry-copy", demo.OrdersDLT: "dlt-copy", "odd-source": "odd-copy"} {
		r := mqscope(t, "--kafka", brokers, "peek", source, "-o", "json")
		file := filepath.Join(t.TempDir(), source+".jsonl")
		if err := os.WriteFile(file, []byte(r.stdout), 0o600); err != nil {
			t.Fatal(err)
		}
		want := records(t, r.stdout)
		report := sendReport(t, "--kafka", brokers, "publish", copy, "--from-file", file)
		if report["sent"] != float64(len(want)) || report["failed"] != 0.0 {
			t.Fatalf("%s: report %v, want %d sent", source, report, len(want))
		}
		got := peekedJSON(t, "--kafka", brokers, "peek", copy)
		if !slices.Equal(essences(got), essences(want)) {
			t.Errorf("%s → %s differ:\n%q\n%q", source, copy, essences(got), essences(want))
		}
	}
}

// replay copies a range, exactly those messages, and leaves the source as it was.
func TestReplayRangeOnKafka(t *testing.T) {
	t.Parallel()
	cluster := demofix.Start(t)
	brokers := demofix.Brokers(cluster)
	needsPublisher(t, kafkaContext(brokers))
	createTopics(t, brokers, 6, "orders-replay", "orders-replay-time")
	orders := topicRecords(t, brokers, cluster.Seeded(), demo.Orders)
	kafkaArgs := []string{"--kafka", brokers}

	report := sendReport(t, append(kafkaArgs, "replay", demo.Orders, "--to", "orders-replay", "--partition", "3",
		"--from", "5", "--until", "12")...)
	if report["sent"] != 7.0 {
		t.Fatalf("replay offsets 5..11: report %v", report)
	}
	var want []backends.Message
	for _, r := range orders[3][5:12] {
		want = append(want, recordMessage(r))
	}
	got := peekedJSON(t, append(kafkaArgs, "peek", "orders-replay")...)
	if !slices.Equal(essences(got), essences(want)) {
		t.Errorf("replayed:\n%q\nwant:\n%q", essences(got), essences(want))
	}

	// A time range over every partition: [from, until) by each message's own timestamp.
	all := merged(orders)
	from, until := all[100].Timestamp, all[160].Timestamp
	want = nil
	for _, r := range all {
		if !r.Timestamp.Before(from) && r.Timestamp.Before(until) {
			want = append(want, recordMessage(r))
		}
	}
	report = sendReport(t, append(kafkaArgs, "replay", demo.Orders, "--to", "orders-replay-time",
		"--from", "@"+from.Format(time.RFC3339Nano), "--until", "@"+until.Format(time.RFC3339Nano))...)
	got = peekedJSON(t, append(kafkaArgs, "peek", "orders-replay-time")...)
	if report["sent"] != float64(len(want)) || !slices.Equal(essences(got), essences(want)) {
		t.Errorf("time range: sent %v, want %d", report["sent"], len(want))
	}

	// -n bounds the copy; the source is unchanged.
	createTopics(t, brokers, 1, "orders-last")
	report = sendReport(t, append(kafkaArgs, "replay", demo.Orders, "--to", "orders-last", "--from", "-2", "-n", "5")...)
	if report["sent"] != 5.0 {
		t.Errorf("-n 5: report %v", report)
	}
	for p, end := range mustTopic(t, demo.Orders).Ends {
		if got := peekedJSON(t, append(kafkaArgs, "peek", demo.Orders, "--partition", fmt.Sprint(p))...); int64(len(got)) != end {
			t.Errorf("orders partition %d holds %d after the replays, seeded %d", p, len(got), end)
		}
	}
}

// recordMessage is a franz-go record as a message, for comparing what is sent.
func recordMessage(r *kgo.Record) backends.Message {
	m := backends.Message{Key: r.Key, Body: r.Value}
	for _, h := range r.Headers {
		m.Headers = append(m.Headers, backends.Header{Key: h.Key, Value: h.Value})
	}
	return m
}

// Read-only refuses every change with exit 1 and one line, and the demo holds what it held.
func TestPublishReplayRedriveRefusedReadOnly(t *testing.T) {
	t.Parallel()
	shared := demofix.Shared(t)
	seeded, brokers := shared.Seeded(), demofix.Brokers(shared)
	for _, args := range [][]string{
		{"publish", demo.Orders, "--body", "x"},
		{"replay", demo.Orders, "--to", demo.Payments},
		{"redrive", demo.OrdersDLT},
	} {
		r := mqscope(t, append([]string{"--kafka", brokers, "--read-only"}, args...)...)
		if line := oneLine(t, r, 1); !strings.HasPrefix(line, "mqscope: "+args[0]+" refused: context ") || !strings.Contains(line, " is read-only") {
			t.Errorf("%v: %s", args, line)
		}
	}
	for _, topic := range []string{demo.Orders, demo.Payments} {
		st, _ := seeded.Topic(topic)
		if n := messagesOf(t, brokers, topic); n != st.Messages() {
			t.Errorf("%s holds %d messages, seeded %d", topic, n, st.Messages())
		}
	}
}
