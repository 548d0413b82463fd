package actions_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/kafka"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/internal/testkit/kafkafix"
	"github.com/mqscope/mqscope/internal/testkit/netproxy"
)

// partitionedKafka is a one-broker cluster reached only through a proxy the test can cut off, and a
// backend on it whose requests time out after a second.
func partitionedKafka(t *testing.T, topic string) (*kafka.Backend, *netproxy.Net) {
	t.Helper()
	n := netproxy.NewNet(t)
	c := kafkafix.Start(t, kfake.NumBrokers(1), kfake.SeedTopics(2, topic), kfake.ListenFn(n.Listen))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := kafka.Open(ctx, kafka.Config{Brokers: c.ListenAddrs(), RequestTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, n
}

// waits records the progress that says the broker has gone quiet.
type waits struct {
	mu   sync.Mutex
	seen []time.Duration
	once sync.Once
	hit  chan struct{}
}

func newWaits() *waits { return &waits{hit: make(chan struct{})} }

func (w *waits) progress(p actions.SendProgress) {
	if p.Waiting == 0 {
		return
	}
	w.mu.Lock()
	w.seen = append(w.seen, p.Waiting)
	w.mu.Unlock()
	w.once.Do(func() { close(w.hit) })
}

// A publish cut off from the broker says so within the notice, and carries on once the link is back:
// every message confirmed, none twice.
func TestPublishInAPartitionSaysSoAndGoesOn(t *testing.T) {
	t.Parallel()
	b, n := partitionedKafka(t, "events")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	w := newWaits()
	n.Blackhole()
	go func() {
		select {
		case <-w.hit:
		case <-time.After(5 * time.Second): // the test fails below: no notice came
		}
		n.Heal()
	}()
	report, err := actions.NewSession(b, config.Context{}).Publish(ctx, actions.PublishOptions{
		Target: backends.Target{Destination: "events"}, Body: []byte("{{seq}}"), Count: 50,
		Patience: actions.Patience{Notice: 300 * time.Millisecond},
	}, w.progress)
	if err != nil || report.Sent != 50 || report.Failed != 0 {
		t.Fatalf("after the partition healed: report %+v, %v; want all 50 confirmed", report, err)
	}
	if len(w.seen) == 0 {
		t.Fatal("no progress said the broker had gone quiet")
	}
	if w.seen[0] > 2*time.Second {
		t.Errorf("the first notice came after %v, want soon after the 300 ms notice", w.seen[0])
	}
}

// Told to give up, a publish in a partition stops after that long, and says that nothing was confirmed.
func TestPublishInAPartitionGivesUpWhenTold(t *testing.T) {
	t.Parallel()
	b, n := partitionedKafka(t, "events")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n.Blackhole()
	began := time.Now()
	w := newWaits()
	report, err := actions.NewSession(b, config.Context{}).Publish(ctx, actions.PublishOptions{
		Target: backends.Target{Destination: "events"}, Body: []byte("{{seq}}"), Count: 50,
		Patience: actions.Patience{Notice: 300 * time.Millisecond, GiveUpAfter: 1500 * time.Millisecond},
	}, w.progress)
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("giving up after 1.5 s took %v", took)
	}
	if !errors.Is(err, actions.ErrGaveUp) || report.Sent != 0 || report.Failed != 50 {
		t.Fatalf("report %+v, %v; want ErrGaveUp with all 50 unconfirmed", report, err)
	}
	if len(w.seen) == 0 {
		t.Error("no progress said the broker had gone quiet before giving up")
	}
}
