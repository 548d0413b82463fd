package e2e

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kversion"

	"github.com/mqscope/mqscope/internal/testkit/kafkafix"
)

// The Kafka releases mqscope supports (README, "Kafka versions"): every command works against a cluster
// that speaks no newer request versions than each of these. 0.11 is the oldest: it brought the record
// format with headers, the idempotent producer and transactions. "newest" is the newest release kfake knows.
var kafkaReleases = []struct {
	name     string
	versions *kversion.Versions // nil: kfake's own
}{
	{"0.11", kversion.V0_11_0()},
	{"1.0", kversion.V1_0_0()},
	{"2.0", kversion.V2_0_0()},
	{"2.1", kversion.V2_1_0()},
	{"2.4", kversion.V2_4_0()},
	{"2.8", kversion.V2_8_0()},
	{"3.0", kversion.V3_0_0()},
	{"3.7", kversion.V3_7_0()},
	{"4.0", kversion.V4_0_0()},
	{"newest", nil},
}

// Every command that talks to Kafka, against every supported release, on a small cluster each.
func TestKafkaCommandsOnEveryRelease(t *testing.T) {
	t.Parallel()
	for _, rel := range kafkaReleases {
		t.Run(rel.name, func(t *testing.T) {
			t.Parallel()
			brokers := compatCluster(t, rel.versions)
			run := func(code int, args ...string) result {
				t.Helper()
				r := mqscope(t, append([]string{"--kafka", brokers}, args...)...)
				if r.code != code {
					t.Fatalf("mqscope %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, code, r.stdout, r.stderr)
				}
				return r
			}
			topics := byName(jsonLines(t, run(0, "ls", "-o", "json").stdout), "name")
			if m := topics["orders"]["messages"]; m != float64(6) {
				t.Errorf("ls: orders holds %v messages, want 6", m)
			}
			if _, ok := byName(jsonLines(t, run(0, "groups", "-o", "json").stdout), "group")["billing"]; !ok {
				t.Errorf("groups: billing is missing")
			}
			checkLag(t, run(0, "lag", "billing", "-o", "json").stdout, 4)
			if got := len(jsonLines(t, run(0, "peek", "orders", "-n", "3", "-o", "json").stdout)); got != 3 {
				t.Errorf("peek -n 3 printed %d messages", got)
			}
			run(0, "publish", "orders", "--key", "k-{{seq}}", "--count", "5", "--body", "hello {{seq}}")
			run(0, "replay", "orders", "--to", "copy")
			run(0, "redrive", "orders-dlt")
			for topic, want := range map[string]int{"orders": 6 + 5 + 2, "copy": 11} {
				if got := len(jsonLines(t, run(0, "peek", topic, "-o", "json").stdout)); got != want {
					t.Errorf("after publish, replay and redrive, %s holds %d messages, want %d", topic, got, want)
				}
			}
			run(0, "reset-offsets", "billing", "--topic", "orders", "--to", "earliest", "--execute")
			// The lag counts offsets, and the redrive's transaction markers take one in each partition.
			ends := byName(jsonLines(t, run(0, "ls", "-o", "json").stdout), "name")["orders"]["messages"].(float64)
			checkLag(t, run(0, "lag", "billing", "-o", "json").stdout, ends)
			run(0, "purge", "copy", "--yes")
			if c := byName(jsonLines(t, run(0, "ls", "-o", "json").stdout), "name")["copy"]["messages"]; c != float64(0) {
				t.Errorf("after purge, copy holds %v messages", c)
			}
		})
	}
}

// checkLag checks the total lag of `lag -o json` output.
func checkLag(t *testing.T, out string, want float64) {
	t.Helper()
	var total float64
	for _, row := range jsonLines(t, out) {
		if lag, ok := row["lag"].(float64); ok {
			total += lag
		}
	}
	if total != want {
		t.Errorf("lag %v, want %v:\n%s", total, want, out)
	}
}

// compatCluster is a one-broker cluster speaking at most versions: topic orders (2 partitions, 6 keyed
// records), an empty topic copy, a dead-letter topic orders-dlt with two Spring letters from orders, and
// group billing committed at 1 on both partitions of orders.
func compatCluster(t *testing.T, versions *kversion.Versions) string {
	t.Helper()
	opts := []kfake.Opt{kfake.NumBrokers(1)}
	if versions != nil {
		opts = append(opts, kfake.MaxVersions(versions))
	}
	c := kafkafix.Start(t, opts...)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	adm := kadm.NewClient(cl)
	for topic, partitions := range map[string]int32{"orders": 2, "copy": 2, "orders-dlt": 1} {
		if _, err := adm.CreateTopic(ctx, partitions, 1, nil, topic); err != nil {
			t.Fatalf("create %s: %v", topic, err)
		}
	}
	var recs []*kgo.Record
	for i := range 6 {
		recs = append(recs, &kgo.Record{Topic: "orders", Key: fmt.Appendf(nil, "k%d", i), Value: fmt.Appendf(nil, "order %d", i)})
	}
	for i := range 2 {
		partition := binary.BigEndian.AppendUint32(nil, uint32(i))
		recs = append(recs, &kgo.Record{Topic: "orders-dlt", Value: fmt.Appendf(nil, "letter %d", i), Headers: []kgo.RecordHeader{
			{Key: "kafka_dlt-original-topic", Value: []byte("orders")},
			{Key: "kafka_dlt-original-partition", Value: partition},
		}})
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	var offsets kadm.Offsets
	for p := range int32(2) {
		offsets.Add(kadm.Offset{Topic: "orders", Partition: p, At: 1, LeaderEpoch: -1})
	}
	if err := adm.CommitAllOffsets(ctx, "billing", offsets); err != nil {
		t.Fatal(err)
	}
	return kafkafix.Brokers(c)
}

// On a cluster older than 0.11, listing works, and what needs a newer Kafka says so. (Its topics stay
// empty: the franz-go client that seeds the other tests does not produce to a release this old.)
func TestKafkaTooOldSaysWhatNeedsANewerRelease(t *testing.T) {
	t.Parallel()
	c := kafkafix.Start(t, kfake.NumBrokers(1), kfake.MaxVersions(kversion.V0_10_2()))
	for _, topic := range []string{"orders", "orders-dlt"} {
		if err := c.CreateTopic(topic, 1, nil); err != nil {
			t.Fatal(err)
		}
	}
	brokers := kafkafix.Brokers(c)
	if r := mqscope(t, "--kafka", brokers, "ls", "-o", "json"); r.code != 0 || !strings.Contains(r.stdout, `"orders"`) {
		t.Errorf("ls on Kafka 0.10.2: exit %d, %s%s", r.code, r.stdout, r.stderr)
	}
	for _, args := range [][]string{
		{"publish", "orders", "--body", "x"},
		{"redrive", "orders-dlt", "--to", "orders"},
	} {
		r := mqscope(t, append([]string{"--kafka", brokers}, args...)...)
		if r.code != 1 || !strings.Contains(r.stderr, "needs Kafka 0.11 or newer") {
			t.Errorf("%s on Kafka 0.10.2: exit %d, stderr %q; want 1 and what it needs", args[0], r.code, r.stderr)
		}
	}
}
