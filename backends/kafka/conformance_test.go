package kafka

import (
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/backendtest"
)

// TestConformance holds the adapter to the whole contract. The fixture seeds and checks the cluster with
// franz-go, never with the adapter.
func TestConformance(t *testing.T) {
	c := newCluster(t)
	backendtest.Run(t, backendtest.Harness{
		Kind: backends.Kafka,
		Open: func(t *testing.T) backends.Backend { return open(t, c) },
		OpenUnreachable: backendtest.Unreachable(func(ctx context.Context, addr string) (*Backend, error) {
			return Open(ctx, Config{Brokers: []string{addr}})
		}),
		Fixture:         newFixture(t, c),
		DestinationKind: backends.Topic,
		Partitioned:     true,
		NotSupported: map[backendtest.Case]string{
			backendtest.Unroutable: "Kafka does not route: a record names its topic, and one for a topic that " +
				"does not exist is an error (the Publish case checks that)",
			backendtest.Purge: "a topic is a log with no ready messages to purge: Truncate is its counterpart",
			backendtest.PeekAdvice: "reading a topic commits nothing and marks nothing: a peek has no effect " +
				"to advise of",
		},
	})
}

// Read is what a read_committed consumer sees of topic name.
func (f *fixture) Read(t *testing.T, name string) []backends.Message {
	t.Helper()
	recs := readCommitted(t, f.c, name)
	msgs := make([]backends.Message, len(recs))
	for i, r := range recs {
		msgs[i] = backends.Message{Destination: r.Topic, Partition: r.Partition, Offset: r.Offset, Body: r.Value}
		for _, h := range r.Headers {
			msgs[i].Headers = append(msgs[i].Headers, backends.Header{Key: h.Key, Value: h.Value})
		}
	}
	return msgs
}

// PutDeadLetters writes the letters to a two-partition dlq the way Spring Kafka's dead-letter publishing
// recoverer does, naming origin (made with two partitions) as the topic they died in.
func (f *fixture) PutDeadLetters(t *testing.T, dlq, origin string, bodies ...string) {
	t.Helper()
	f.createTopics(t, 2, nil, dlq, origin)
	recs := make([]*kgo.Record, len(bodies))
	for i, body := range bodies {
		recs[i] = springLetter(dlq, origin, int32(i%2), int64(i/2), body)
	}
	if err := f.cl.ProduceSync(testCtx(t), recs...).FirstErr(); err != nil {
		t.Fatalf("produce dead letters to %s: %v", dlq, err)
	}
}

func (f *fixture) Committed(t *testing.T, group, topic string) map[int32]int64 {
	t.Helper()
	offsets, err := f.adm.FetchOffsets(testCtx(t), group)
	if err == nil {
		err = offsets.Error()
	}
	if err != nil {
		t.Fatalf("fetch the offsets of %s: %v", group, err)
	}
	out := map[int32]int64{}
	for p, o := range offsets[topic] {
		out[p] = o.At
	}
	return out
}

func (f *fixture) Join(t *testing.T, group, topic string) (leave func()) {
	m := joinStuck(t, f.c, group, topic)
	return func() {
		m.Close()
		if _, err := f.c.WaitGroupInfo(testCtx(t), group, func(g *kfake.GroupInfo) bool {
			return g != nil && len(g.Members) == 0
		}); err != nil {
			t.Fatalf("%s after its member left: %v", group, err)
		}
	}
}
