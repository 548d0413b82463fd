package actions_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

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

// A publish at a limited rate counts its messages as the broker confirms them, not all at the end,
// although far fewer than the publisher may hold are out: the first progress comes while more than half
// of the messages have yet to reach the broker (ten batches of ten a second, for two seconds).
func TestPublishAtARateCountsAsItGoes(t *testing.T) {
	t.Parallel()
	c := kafkafix.Start(t, kfake.NumBrokers(1), kfake.SeedTopics(2, "paced"))
	var received atomic.Int64 // records the broker has been sent
	c.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		for _, topic := range req.(*kmsg.ProduceRequest).Topics {
			for _, p := range topic.Partitions {
				var batch kmsg.RecordBatch
				if batch.ReadFrom(p.Records) == nil {
					received.Add(int64(batch.NumRecords))
				}
			}
		}
		return nil, nil, false
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := kafka.Open(ctx, kafka.Config{Brokers: c.ListenAddrs()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	const n = 200
	first := int64(-1) // what the broker had received at the first progress
	report, err := actions.NewSession(b, config.Context{}).Publish(ctx, actions.PublishOptions{
		Target: backends.Target{Destination: "paced"}, Body: []byte("{{seq}}"), Count: n, Rate: 100,
	}, func(p actions.SendProgress) {
		if first < 0 && p.Sent > 0 {
			first = received.Load()
		}
	})
	if err != nil || report.Sent != n || report.Failed != 0 {
		t.Fatalf("report %+v, %v", report, err)
	}
	if first < 0 || first > n/2 {
		t.Errorf("the first progress came when the broker had received %d of %d messages: counted at the end", first, n)
	}
}
