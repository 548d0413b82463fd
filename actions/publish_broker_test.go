package actions_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/kafka"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/internal/testkit/kafkafix"
)

func kafkaBackend(t *testing.T, topics ...string) *kafka.Backend {
	t.Helper()
	c := kafkafix.Start(t, kfake.NumBrokers(1), kfake.SeedTopics(2, topics...))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := kafka.Open(ctx, kafka.Config{Brokers: c.ListenAddrs()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	if _, ok := any(b).(backends.Publisher); !ok {
		t.Fatal("the Kafka adapter cannot publish")
	}
	return b
}

// Progress comes after every confirmed batch and ends where the report does; a topic that does not
// exist fails every message with one reason, counted once.
func TestPublishProgressAndReport(t *testing.T) {
	t.Parallel()
	b := kafkaBackend(t, "events")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	var seen []actions.SendProgress
	report, err := actions.NewSession(b, config.Context{}).Publish(ctx, actions.PublishOptions{
		Target: backends.Target{Destination: "events"}, Body: []byte("{{seq}}"), Count: 1200,
	}, func(p actions.SendProgress) { seen = append(seen, p) })
	if err != nil || report.Sent != 1200 || report.Failed != 0 || !report.OK() {
		t.Fatalf("report %+v, %v", report, err)
	}
	want := []int64{500, 1000, 1200} // batches of at most 500
	if len(seen) != len(want) {
		t.Fatalf("progress %+v", seen)
	}
	for i, p := range seen {
		if p.Sent != want[i] || p.Total != 1200 || p.Failed != 0 {
			t.Errorf("progress %d: %+v", i, p)
		}
	}

	report, err = actions.NewSession(b, config.Context{}).Publish(ctx, actions.PublishOptions{
		Target: backends.Target{Destination: "no-such-topic"}, Body: []byte("x"), Count: 3,
	}, nil)
	if err != nil || report.Sent != 0 || report.Failed != 3 || len(report.Errors) != 1 || report.Errors[0].Count != 3 ||
		!strings.Contains(report.Errors[0].Error, "no-such-topic") {
		t.Errorf("to a missing topic: %+v, %v", report, err)
	}
}
