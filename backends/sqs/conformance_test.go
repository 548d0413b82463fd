package sqs_test

import (
	"context"
	"testing"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/backendtest"
	sqsb "github.com/mqscope/mqscope/backends/sqs"
	"github.com/mqscope/mqscope/internal/testkit/sqsfix"
)

// TestConformance holds the adapter to the whole contract against the goaws emulator (no real SQS runs
// here). The harness seeds and checks it with the plain SDK client and the emulator's store, never with
// the adapter.
func TestConformance(t *testing.T) {
	s := sqsfix.New(t)
	credentials(t)
	backendtest.Run(t, backendtest.Harness{
		Kind: backends.SQS,
		Open: func(t *testing.T) backends.Backend { return open(t, s) },
		OpenUnreachable: backendtest.Unreachable(func(ctx context.Context, addr string) (*sqsb.Backend, error) {
			return sqsb.Open(ctx, sqsb.Config{Endpoint: "http://" + addr, Region: sqsfix.Region})
		}),
		Fixture:         harness{s},
		DestinationKind: backends.Queue,
		NotSupported: map[backendtest.Case]string{
			backendtest.Groups: "SQS has no consumer groups: a queue's consumers share it",
			backendtest.Lag: "SQS has no consumer positions; its backlog is the queue's approximate counts, " +
				"which the listing gives",
			backendtest.Reset:    "SQS has no offsets to reset",
			backendtest.Truncate: "SQS has no log to truncate; PurgeQueue empties a queue (the Purge case)",
			backendtest.Unroutable: "SQS does not route: a message names its queue, and one for a queue that does " +
				"not exist is an error (the Publish case checks that)",
			backendtest.GroupDelete:    "SQS has no consumer groups",
			backendtest.InternalHidden: "SQS has no queues of its own: every queue is the user's",
		},
	})
}

// credentials gives the SDK's credential chain something to sign with: the emulator takes any.
func credentials(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// harness is the suite's Fixture and DeadLetterFixture: standard queues, read from the emulator's store
// (reading through SQS would raise receive counts).
type harness struct{ s *sqsfix.Server }

func (h harness) CreateDestination(t *testing.T, name string, _ int) { h.s.Queue(t, name, nil) }

func (h harness) Put(t *testing.T, name string, n int) {
	url := h.s.URLOf(t, name)
	for _, body := range backendtest.Bodies(n) {
		h.s.Send(t, url, body, "", "", nil)
	}
}

func (h harness) Read(t *testing.T, name string) []backends.Message {
	var out []backends.Message
	for i, m := range h.s.Messages(t, name) {
		bm := backends.Message{Destination: name, Offset: int64(i), Body: []byte(m.Body)}
		for k, v := range m.Attributes {
			bm.Headers = append(bm.Headers, backends.Header{Key: k, Value: []byte(v)})
		}
		out = append(out, bm)
	}
	return out
}

// PutDeadLetters makes origin with a redrive policy to dlq (maxReceiveCount 1) and has a failing
// consumer send each body there, as SQS itself dead-letters.
func (h harness) PutDeadLetters(t *testing.T, dlq, origin string, bodies ...string) {
	h.s.Queue(t, dlq, nil)
	url := h.s.WithDLQ(t, origin, dlq, 1)
	for _, b := range bodies {
		h.s.Send(t, url, b, "", "", map[string]string{"error": "handler failed"})
	}
	h.s.Fail(t, url)
}
