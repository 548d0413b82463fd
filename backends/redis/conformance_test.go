package redis_test

import (
	"context"
	"testing"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/backendtest"
	"github.com/mqscope/mqscope/backends/redis"
	"github.com/mqscope/mqscope/internal/testkit/redisfix"
)

// TestConformance holds the adapter to the whole contract against the real server. The harness seeds and
// checks it with plain go-redis, never with the adapter.
func TestConformance(t *testing.T) {
	s := redisfix.New(t)
	backendtest.Run(t, backendtest.Harness{
		Kind: backends.Redis,
		Open: func(t *testing.T) backends.Backend { return open(t, s.URL) },
		OpenUnreachable: backendtest.Unreachable(func(ctx context.Context, addr string) (*redis.Backend, error) {
			return redis.Open(ctx, redis.Config{URL: "redis://" + addr + "/0"})
		}),
		Fixture:         harness{s},
		DestinationKind: backends.Stream,
		NotSupported: map[backendtest.Case]string{
			backendtest.InternalHidden: "Redis has no keys of its own in a database: every stream and list is the user's",
			backendtest.Unroutable: "Redis does not route: an entry names its stream, and one for a stream that does " +
				"not exist is an error (the Publish case checks that)",
			backendtest.PeekAdvice:   "XRANGE and LRANGE move no group and remove nothing: a peek has no effect to advise of",
			backendtest.CreateDelete: "a Redis stream is made by its first entry and goes with DEL: mqscope administers it no further yet",
			backendtest.GroupDelete:  "mqscope does not delete Redis stream groups yet (XGROUP DESTROY)",
		},
	})
}

func open(t *testing.T, url string) *redis.Backend {
	t.Helper()
	return backendtest.Open(t, url, func(ctx context.Context) (*redis.Backend, error) {
		return redis.Open(ctx, redis.Config{URL: url})
	})
}

// harness is the suite's Fixture, DeadLetterFixture and GroupFixture: streams with a "body" field, groups
// made and read with XGROUP and XINFO.
type harness struct{ s *redisfix.Server }

func (h harness) CreateDestination(t *testing.T, name string, _ int) { h.s.EmptyStream(t, name) }

func (h harness) Put(t *testing.T, name string, n int) {
	for _, body := range backendtest.Bodies(n) {
		h.s.Add(t, name, "body", body)
	}
}

func (h harness) Read(t *testing.T, name string) []backends.Message {
	var out []backends.Message
	for i, e := range h.s.Entries(t, name) {
		m := backends.Message{Destination: name, Offset: int64(i)}
		for j := 0; j+1 < len(e.Fields); j += 2 {
			if e.Fields[j] == "body" {
				m.Body = []byte(e.Fields[j+1])
				continue
			}
			m.Headers = append(m.Headers, backends.Header{Key: e.Fields[j], Value: []byte(e.Fields[j+1])})
		}
		out = append(out, m)
	}
	return out
}

// PutDeadLetters writes letters the way applications do: the body, the stream it failed in and why.
func (h harness) PutDeadLetters(t *testing.T, dlq, origin string, bodies ...string) {
	h.s.EmptyStream(t, origin)
	h.s.EmptyStream(t, dlq)
	for _, b := range bodies {
		h.s.Add(t, dlq, "body", b, "original-stream", origin, "error", "handler failed")
	}
}

func (h harness) CommitGroup(t *testing.T, group, topic string, committed int64) {
	h.s.CreateGroup(t, topic, group, committed)
}

func (h harness) Committed(t *testing.T, group, topic string) map[int32]int64 {
	return map[int32]int64{0: h.s.GroupNamed(t, topic, group).EntriesRead}
}

func (h harness) Join(t *testing.T, group, topic string) (leave func()) {
	consumer := redisfix.Unique("consumer")
	if err := h.s.Client.XGroupCreateConsumer(context.Background(), topic, group, consumer).Err(); err != nil {
		t.Fatalf("join %s: %v", group, err)
	}
	return func() { h.s.Client.XGroupDelConsumer(context.Background(), topic, group, consumer) }
}
