package kafka

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/kafka/murmur2"
)

func publishAll(t testing.TB, b *Backend, msgs []backends.Outgoing) {
	t.Helper()
	errs, err := b.Publish(testCtx(t), msgs)
	if err == nil {
		err = errors.Join(errs...)
	}
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
}

// produceRequests records the acks and producer ids of the Produce requests the cluster receives.
type produceRequests struct {
	mu      sync.Mutex
	acks    []int16
	produce []int64 // producer ids of the batches
}

func watchProduce(c *kfake.Cluster) *produceRequests {
	w := &produceRequests{}
	c.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		pr := req.(*kmsg.ProduceRequest)
		w.mu.Lock()
		defer w.mu.Unlock()
		w.acks = append(w.acks, pr.Acks)
		for _, t := range pr.Topics {
			for _, p := range t.Partitions {
				var batch kmsg.RecordBatch
				if err := batch.ReadFrom(p.Records); err == nil {
					w.produce = append(w.produce, batch.ProducerID)
				}
			}
		}
		return nil, nil, false
	})
	return w
}

// Keys land where the Java client puts them: the partitions follow from the hashes of Kafka's own murmur2
// test vectors, not from the implementation under test. The producer asks every in-sync replica (acks
// -1) and is idempotent (its batches carry a producer id).
func TestPublishPlacesKeysAsTheJavaClientDoes(t *testing.T) {
	c := newCluster(t)
	newFixture(t, c).createTopics(t, 7, nil, "keyed")
	b := open(t, c)
	watch := watchProduce(c)
	vectors := map[string]int32{
		"21": -973932308, "foobar": -790332482, "a-little-bit-long-string": -985981536,
		"a-little-bit-longer-string": -1486304829, "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
		"abc": 479470107,
	}
	var msgs []backends.Outgoing
	for key := range vectors {
		msgs = append(msgs, backends.Outgoing{Target: backends.Target{Destination: "keyed"},
			Message: backends.Message{Key: []byte(key), Body: []byte("v")}})
	}
	publishAll(t, b, msgs)

	recs := readCommitted(t, c, "keyed")
	if len(recs) != len(vectors) {
		t.Fatalf("read %d records, want %d", len(recs), len(vectors))
	}
	for _, r := range recs {
		if want := int32(uint32(vectors[string(r.Key)])&0x7fffffff) % 7; r.Partition != want {
			t.Errorf("key %q landed in partition %d; the Java client puts it in %d", r.Key, r.Partition, want)
		}
		if r.ProducerID < 0 {
			t.Errorf("key %q was written without a producer id: the producer is not idempotent", r.Key)
		}
	}
	watch.mu.Lock()
	defer watch.mu.Unlock()
	if len(watch.acks) == 0 {
		t.Fatal("no Produce request seen")
	}
	for i, acks := range watch.acks {
		if acks != -1 {
			t.Errorf("Produce request %d asked for acks=%d, want -1 (all in-sync replicas)", i, acks)
		}
	}
	for _, id := range watch.produce {
		if id < 0 {
			t.Errorf("a batch went out with producer id %d: not idempotent", id)
		}
	}
}

// Everything a message carries arrives as it was: binary keys and bodies, nil apart from empty, headers
// in order with repeats, the timestamp; a pinned partition wins over the key.
func TestPublishIsByteExact(t *testing.T) {
	c := newCluster(t)
	newFixture(t, c).createTopics(t, 4, nil, "exact")
	b := open(t, c)
	everyByte := make([]byte, 256)
	for i := range everyByte {
		everyByte[i] = byte(i)
	}
	noise := make([]byte, 100_000)
	rand.NewChaCha8([32]byte{7}).Read(noise)
	at := time.Date(2021, 3, 4, 5, 6, 7, 89_000_000, time.UTC)
	pin := func(p int32) *int32 { return &p }
	msgs := []backends.Outgoing{
		{Target: backends.Target{Destination: "exact", Partition: pin(3)},
			Message: backends.Message{Key: everyByte, Body: noise, Timestamp: at}},
		{Target: backends.Target{Destination: "exact", Partition: pin(0)}, Message: backends.Message{Timestamp: at}}, // nil key and body
		{Target: backends.Target{Destination: "exact", Partition: pin(1)},
			Message: backends.Message{Key: []byte{}, Body: []byte{}, Timestamp: at.Add(time.Millisecond)}},
		{Target: backends.Target{Destination: "exact", Partition: pin(2)}, Message: backends.Message{
			Key: []byte("\x1b[31mk"), Body: []byte{0xc3, 0x28, 0}, Timestamp: at, Headers: []backends.Header{
				{Key: "dup", Value: []byte("first")}, {Key: "bin", Value: []byte{0, 1, 0xfe}},
				{Key: "dup", Value: []byte("second")}, {Key: "empty", Value: []byte{}}, {Key: "null", Value: nil},
			}}},
	}
	publishAll(t, b, msgs)

	recs := readCommitted(t, c, "exact")
	if len(recs) != len(msgs) {
		t.Fatalf("read %d records, want %d", len(recs), len(msgs))
	}
	for _, r := range recs {
		want := msgs[0]
		for _, m := range msgs {
			if *m.Target.Partition == r.Partition {
				want = m
			}
		}
		m := want.Message
		if !sameBytes(r.Key, m.Key) || !sameBytes(r.Value, m.Body) || !r.Timestamp.Equal(m.Timestamp) {
			t.Errorf("partition %d: key %q, %d body bytes at %s; want key %q, %d bytes at %s (nil apart from empty)",
				r.Partition, r.Key, len(r.Value), r.Timestamp, m.Key, len(m.Body), m.Timestamp)
		}
		if len(r.Headers) != len(m.Headers) {
			t.Fatalf("partition %d: %d headers, want %d", r.Partition, len(r.Headers), len(m.Headers))
		}
		for i, h := range m.Headers {
			if r.Headers[i].Key != h.Key || !sameBytes(r.Headers[i].Value, h.Value) {
				t.Errorf("partition %d header %d = %q:%q, want %q:%q", r.Partition, i, r.Headers[i].Key, r.Headers[i].Value, h.Key, h.Value)
			}
		}
	}
}

// Keyless messages take the partitions in turn, a run of keylessRun at a time.
func TestPublishSpreadsKeylessMessages(t *testing.T) {
	c := newCluster(t)
	newFixture(t, c).createTopics(t, 3, nil, "spread")
	b := open(t, c)
	msgs := make([]backends.Outgoing, 3*keylessRun)
	for i := range msgs {
		msgs[i] = backends.Outgoing{Target: backends.Target{Destination: "spread"}, Message: backends.Message{Body: []byte("x")}}
	}
	publishAll(t, b, msgs)
	per := map[int32]int{}
	for _, r := range readCommitted(t, c, "spread") {
		per[r.Partition]++
	}
	if per[0] != keylessRun || per[1] != keylessRun || per[2] != keylessRun {
		t.Errorf("keyless messages per partition = %v, want %d each", per, keylessRun)
	}
}

// A message that cannot go where it is sent fails alone, with an error that names the place; the others
// of the call are delivered, and no topic is created.
func TestPublishErrorsPerMessage(t *testing.T) {
	c := newCluster(t)
	f := newFixture(t, c)
	f.createTopics(t, 2, nil, "real")
	b := open(t, c)
	x, nine := "orders-exchange", int32(9)
	ok := backends.Message{Key: []byte("k"), Body: []byte("delivered")}
	errs, err := b.Publish(testCtx(t), []backends.Outgoing{
		{Target: backends.Target{Destination: "real"}, Message: ok},
		{Target: backends.Target{Destination: "no-such-topic"}, Message: ok},
		{Target: backends.Target{Destination: "real", Partition: &nine}, Message: ok},
		{Target: backends.Target{Exchange: &x, RoutingKey: "rk"}, Message: ok},
		{Target: backends.Target{Destination: "real"}, Message: ok},
	})
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	for i, want := range []string{"", `topic "no-such-topic" does not exist`, `topic "real" has no partition 9`, "exchanges are RabbitMQ's"} {
		if want == "" {
			if errs[i] != nil {
				t.Errorf("message %d: %v, want delivered", i, errs[i])
			}
			continue
		}
		if errs[i] == nil || !strings.Contains(errs[i].Error(), want) {
			t.Errorf("message %d: %v, want %q", i, errs[i], want)
		}
	}
	if !errors.Is(errs[1], backends.ErrNotFound) || errs[4] != nil {
		t.Errorf("errs = %v: want ErrNotFound for the missing topic and the last message delivered", errs)
	}
	if n := len(readCommitted(t, c, "real")); n != 2 {
		t.Errorf("topic real holds %d records, want 2", n)
	}
	topics, err := f.adm.ListTopics(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if topics.Has("no-such-topic") {
		t.Error("publishing created the missing topic")
	}
}

// When the broker refuses some of a publish (here: every batch of partition 1, whose leader is not
// partition 0's), and a message is larger than its topic takes, the count is exact: every message of
// partition 1 fails with the broker's reason, the large one with the topic's limit, every other one is
// confirmed and there once, and no failed message is in the topic.
func TestPublishCountsEachMessageWhenSomeOfABatchIsRefused(t *testing.T) {
	c := newCluster(t)
	newFixture(t, c).createTopics(t, 2, map[string]*string{"max.message.bytes": kadm.StringPtr("100000")}, "picky")
	if leader := c.LeaderFor("picky", 0); c.LeaderFor("picky", 1) == leader {
		if err := c.MoveTopicPartition("picky", 1, (leader+1)%3); err != nil {
			t.Fatal(err)
		}
	}
	b := open(t, c)
	var mu sync.Mutex
	refused := make(map[string]bool) // bodies the broker refused
	c.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		pr := req.(*kmsg.ProduceRequest)
		if !carriesPartition(pr, 1) {
			return nil, nil, false
		}
		mu.Lock()
		defer mu.Unlock()
		resp := pr.ResponseKind().(*kmsg.ProduceResponse)
		for _, topic := range pr.Topics {
			rt := kmsg.NewProduceResponseTopic()
			rt.Topic, rt.TopicID = topic.Topic, topic.TopicID // v13 names topics by id
			for _, p := range topic.Partitions {
				rp := kmsg.NewProduceResponseTopicPartition()
				rp.Partition = p.Partition
				rp.ErrorCode = kerr.InvalidRecord.Code
				var batch kmsg.RecordBatch
				if err := batch.ReadFrom(p.Records); err != nil {
					t.Errorf("read a produced batch: %v", err)
				}
				for _, r := range recordsOf(t, batch) {
					refused[string(r.Value)] = true
				}
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return resp, nil, true
	})
	const n, large = 3000, 1234
	msgs := make([]backends.Outgoing, n)
	for i := range msgs {
		body := fmt.Appendf(nil, "m-%04d", i)
		if i == large {
			body = bytes.Repeat([]byte("x"), 200_000)
		}
		msgs[i] = backends.Outgoing{Target: backends.Target{Destination: "picky"},
			Message: backends.Message{Key: fmt.Appendf(nil, "k%d", i), Body: body}}
	}
	errs, err := b.Publish(testCtx(t), msgs)
	if err != nil {
		t.Fatal(err)
	}
	landed := make(map[string]int)
	for _, r := range readCommitted(t, c, "picky") {
		landed[string(r.Value)]++
	}
	mu.Lock()
	defer mu.Unlock()
	confirmed := 0
	for i, err := range errs {
		body := string(msgs[i].Message.Body)
		partition := murmur2.Partition(msgs[i].Message.Key, 2)
		switch {
		case i == large:
			if err == nil || !strings.Contains(err.Error(), "max.message.bytes") {
				t.Errorf("the 200 kB message: %v, want refused for the topic's max.message.bytes", err)
			}
		case partition == 1:
			if err == nil || !strings.Contains(err.Error(), "topic picky partition 1: INVALID_RECORD") {
				t.Errorf("message %d, of partition 1: %v, want refused", i, err)
			}
		case refused[body]:
			t.Errorf("message %d, of partition 0, was in a refused request", i)
		case err != nil:
			t.Errorf("message %d: %v, want confirmed", i, err)
		case landed[body] != 1:
			t.Errorf("message %d was confirmed and is in the topic %d times", i, landed[body])
		}
		if err == nil {
			confirmed++
		} else if landed[body] != 0 {
			t.Errorf("message %d failed (%v) but is in the topic", i, err)
		}
	}
	t.Logf("%d confirmed, %d refused by the broker", confirmed, len(refused))
	if len(refused) == 0 || confirmed == 0 || len(landed) != confirmed {
		t.Errorf("%d confirmed, %d in the topic, %d refused by the broker, of %d", confirmed, len(landed), len(refused), n)
	}
}

// carriesPartition says whether a produce request carries a batch for partition p.
func carriesPartition(pr *kmsg.ProduceRequest, p int32) bool {
	for _, topic := range pr.Topics {
		for _, tp := range topic.Partitions {
			if tp.Partition == p {
				return true
			}
		}
	}
	return false
}

func recordsOf(t *testing.T, batch kmsg.RecordBatch) []kmsg.Record {
	t.Helper()
	raw := batch.Records
	var recs []kmsg.Record
	for range batch.NumRecords {
		var r kmsg.Record
		length, n := binary.Varint(raw)
		if n <= 0 || int(length)+n > len(raw) {
			t.Fatalf("a produced batch does not decode")
		}
		if err := r.ReadFrom(raw[:n+int(length)]); err != nil {
			t.Fatal(err)
		}
		raw = raw[n+int(length):]
		recs = append(recs, r)
	}
	return recs
}

// A message larger than the producer's default (1 MB) goes where its topic takes it (16 MB).
func TestPublishTakesWhatTheTopicAllows(t *testing.T) {
	c := newCluster(t)
	newFixture(t, c).createTopics(t, 1, map[string]*string{"max.message.bytes": kadm.StringPtr(fmt.Sprint(16 << 20))}, "roomy")
	b := open(t, c)
	body := bytes.Repeat([]byte("x"), 2<<20)
	publishAll(t, b, []backends.Outgoing{{Target: backends.Target{Destination: "roomy"}, Message: backends.Message{Body: body}}})
	if recs := readCommitted(t, c, "roomy"); len(recs) != 1 || len(recs[0].Value) != len(body) {
		t.Fatalf("roomy holds %d records, want the one of 2 MB", len(recs))
	}
}

// Publishing needs an idempotent producer. A cluster older than 0.11 has no InitProducerId: the publish
// is refused in one line that says what it needs, and nothing is sent (franz-go would carry on without
// producer ids there, so the adapter checks first). On 0.11, the oldest release that has it, every batch
// carries a producer id and asks for acks=all.
func TestPublishNeedsIdempotence(t *testing.T) {
	msgs := []backends.Outgoing{{Target: backends.Target{Destination: "old"}, Message: backends.Message{Body: []byte("x")}}}
	t.Run("0.10.2", func(t *testing.T) {
		c := newCluster(t, kfake.MaxVersions(kversion.V0_10_2()))
		if err := c.CreateTopic("old", 1, nil); err != nil {
			t.Fatal(err)
		}
		watch := watchProduce(c)
		_, err := open(t, c).Publish(testCtx(t), msgs)
		if !errors.Is(err, backends.ErrNotSupported) || !strings.Contains(err.Error(), "needs Kafka 0.11 or newer (the InitProducerId request)") {
			t.Errorf("Publish on Kafka 0.10.2: %v, want refused for lack of idempotence", err)
		}
		watch.mu.Lock()
		defer watch.mu.Unlock()
		if len(watch.acks) > 0 {
			t.Errorf("%d produce requests sent to a cluster that cannot keep them idempotent", len(watch.acks))
		}
	})
	t.Run("0.11", func(t *testing.T) {
		c := newCluster(t, kfake.MaxVersions(kversion.V0_11_0()))
		if err := c.CreateTopic("old", 1, nil); err != nil {
			t.Fatal(err)
		}
		watch := watchProduce(c)
		publishAll(t, open(t, c), slices.Repeat(msgs, 100))
		watch.mu.Lock()
		defer watch.mu.Unlock()
		if len(watch.produce) == 0 || slices.Min(watch.produce) < 0 || slices.Min(watch.acks) != -1 || slices.Max(watch.acks) != -1 {
			t.Errorf("on Kafka 0.11: producer ids %v, acks %v; want ids and acks=all (-1) on every batch", watch.produce, watch.acks)
		}
	})
}
