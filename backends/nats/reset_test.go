package nats_test

import (
	"context"
	"errors"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/internal/testkit/natsfix"
)

// TestResetEveryWay: a consumer moves back and forward on the machine's server (made again) and on an
// embedded one new enough for the consumer reset API (moved in place, keeping its creation time); a
// consumer that starts later than where it is sent is made again there too; on an interest stream a
// forward move is refused and nothing changes.
func TestResetEveryWay(t *testing.T) {
	for name, s := range map[string]*natsfix.Server{"local": natsfix.New(t), "embedded": natsfix.Embedded(t)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := open(t, s.URL)
			stream, consumer := natsfix.Unique("reset"), natsfix.Unique("worker")
			s.Stream(t, stream)
			for range 10 {
				s.Publish(t, stream, []byte("m"), nil)
			}
			s.Consumer(t, stream, consumer, 0, func(c *jetstream.ConsumerConfig) {
				c.DeliverPolicy, c.OptStartSeq = jetstream.DeliverAllPolicy, 0
			})
			created := s.Info(t, stream, consumer).Created
			for _, to := range []int64{4, 1, 8, 10, 0} {
				if err := b.CommitOffsets(context.Background(), consumer, at(stream, to)); err != nil {
					t.Fatalf("reset to %d: %v", to, err)
				}
				ci := s.Info(t, stream, consumer)
				if ci.Delivered.Stream != uint64(to) || ci.NumPending != uint64(10-to) || ci.NumAckPending != 0 {
					t.Errorf("after a reset to %d: delivered %+v, pending %d, ack pending %d", to, ci.Delivered,
						ci.NumPending, ci.NumAckPending)
				}
				if inPlace := ci.Created.Equal(created); inPlace != (name == "embedded") {
					t.Errorf("reset to %d on the %s server: kept the consumer = %v", to, name, inPlace)
				}
			}

			late := natsfix.Unique("late")
			s.Consumer(t, stream, late, 6)
			if err := b.CommitOffsets(context.Background(), late, at(stream, 2)); err != nil {
				t.Fatalf("reset of a consumer that starts at 6 to offset 2: %v", err)
			}
			if ci := s.Info(t, stream, late); ci.Delivered.Stream != 2 || ci.NumPending != 8 {
				t.Errorf("a consumer that started at 6, reset to 2: delivered %+v, pending %d", ci.Delivered, ci.NumPending)
			}

			interest := natsfix.Unique("interest")
			s.StreamWith(t, jetstream.StreamConfig{Name: interest, Retention: jetstream.InterestPolicy,
				Storage: jetstream.MemoryStorage})
			s.Consumer(t, interest, consumer, 1)
			for range 3 {
				s.Publish(t, interest, []byte("m"), nil)
			}
			err := b.CommitOffsets(context.Background(), consumer, at(interest, 2))
			if !errors.Is(err, backends.ErrNotSupported) {
				t.Errorf("moving forward on an interest stream: %v, want a refusal", err)
			}
			if n := len(s.Messages(t, interest)); n != 3 || s.Info(t, interest, consumer).NumPending != 3 {
				t.Errorf("after a refused reset the interest stream holds %d messages", n)
			}
		})
	}
}

func at(stream string, offset int64) map[backends.TopicPartition]int64 {
	return map[backends.TopicPartition]int64{{Topic: stream}: offset}
}
