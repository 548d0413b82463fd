package nats_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/backendtest"
	natsb "github.com/mqscope/mqscope/backends/nats"
	"github.com/mqscope/mqscope/internal/testkit/natsfix"
)

// TestConformance holds the adapter to the whole contract against the real server. The harness seeds and
// checks it with the plain nats.go client, never with the adapter.
func TestConformance(t *testing.T) {
	conformance(t, natsfix.New(t))
}

// TestConformanceEmbedded runs the suite again on an embedded server of the version this module builds
// with (2.15 at the time of writing), whose consumer reset and ack floors differ from the machine's 2.9.
func TestConformanceEmbedded(t *testing.T) {
	conformance(t, natsfix.Embedded(t))
}

func conformance(t *testing.T, s *natsfix.Server) {
	bucket(t, s) // a key-value bucket: a stream of NATS's own, for the internal-destinations case
	backendtest.Run(t, backendtest.Harness{
		Kind: backends.NATS,
		Open: func(t *testing.T) backends.Backend { return open(t, s.URL) },
		OpenUnreachable: backendtest.Unreachable(func(ctx context.Context, addr string) (*natsb.Backend, error) {
			return natsb.Open(ctx, natsb.Config{URL: "nats://" + addr})
		}),
		Fixture:         harness{s},
		DestinationKind: backends.Stream,
		NotSupported: map[backendtest.Case]string{
			backendtest.Unroutable: "JetStream does not route: a subject no stream takes is refused at publish " +
				"(the Publish case checks that)",
			backendtest.PeekAdvice: "a peek reads through an ephemeral consumer that acknowledges nothing: no " +
				"consumer moves and nothing is redelivered, so there is no effect to advise of",
			backendtest.CreateDelete: "mqscope does not create or delete JetStream streams yet",
			backendtest.GroupDelete:  "mqscope does not delete JetStream consumers yet",
		},
	})
}

func bucket(t *testing.T, s *natsfix.Server) {
	name := "mqscope_test_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.JS.CreateKeyValue(c, jetstream.KeyValueConfig{Bucket: name, Storage: jetstream.MemoryStorage}); err != nil {
		t.Fatalf("make a key-value bucket: %v", err)
	}
	t.Cleanup(func() { s.JS.DeleteKeyValue(context.Background(), name) })
}

func open(t *testing.T, url string) *natsb.Backend {
	t.Helper()
	return backendtest.Open(t, url, func(ctx context.Context) (*natsb.Backend, error) {
		return natsb.Open(ctx, natsb.Config{URL: url})
	})
}

// harness is the suite's Fixture, DeadLetterFixture and GroupFixture: streams that take their own name as
// their one subject, durable pull consumers.
type harness struct{ s *natsfix.Server }

func (h harness) CreateDestination(t *testing.T, name string, _ int) { h.s.Stream(t, name) }

func (h harness) Put(t *testing.T, name string, n int) {
	for _, body := range backendtest.Bodies(n) {
		h.s.Publish(t, name, []byte(body), nil)
	}
}

func (h harness) Read(t *testing.T, name string) []backends.Message {
	var out []backends.Message
	for _, m := range h.s.Messages(t, name) {
		bm := backends.Message{Destination: name, Offset: int64(m.Sequence) - 1, Body: m.Data, Key: []byte(m.Subject)}
		for k, vs := range m.Header {
			for _, v := range vs {
				bm.Headers = append(bm.Headers, backends.Header{Key: k, Value: []byte(v)})
			}
		}
		out = append(out, bm)
	}
	return out
}

// PutDeadLetters writes letters the way applications republish failures: the body, with Nats-Stream,
// Nats-Subject and Nats-Sequence naming where it was.
func (h harness) PutDeadLetters(t *testing.T, dlq, origin string, bodies ...string) {
	h.s.Stream(t, origin)
	h.s.Stream(t, dlq)
	for i, b := range bodies {
		h.s.Publish(t, dlq, []byte(b), nats.Header{"Nats-Stream": {origin}, "Nats-Subject": {origin},
			"Nats-Sequence": {strconv.Itoa(i + 1)}, "Error": {"handler failed"}})
	}
}

func (h harness) CommitGroup(t *testing.T, group, topic string, committed int64) {
	h.s.Consumer(t, topic, group, uint64(committed)+1)
}

// Committed is where the consumer stands: its delivered sequence while nothing waits for an
// acknowledgement (the ack floor of a consumer that acknowledged nothing reads 0 before NATS 2.10).
func (h harness) Committed(t *testing.T, group, topic string) map[int32]int64 {
	ci := h.s.Info(t, topic, group)
	if ci.NumAckPending == 0 {
		return map[int32]int64{0: int64(ci.Delivered.Stream)}
	}
	return map[int32]int64{0: int64(ci.AckFloor.Stream)}
}

func (h harness) Join(t *testing.T, group, topic string) (leave func()) {
	return h.s.Join(t, topic, group)
}
