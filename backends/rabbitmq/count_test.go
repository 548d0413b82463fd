package rabbitmq_test

import (
	"context"
	"errors"
	"testing"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/rabbitmq"
	"github.com/mqscope/mqscope/internal/testkit/rabbitfix"
)

// A queue object whose figures are null (the management API's answer for a while after a restart) reads
// as unknown counts, not zeros; present figures read as they are.
func TestNullFiguresAreUnknown(t *testing.T) {
	d, err := rabbitmq.DecodeQueue([]byte(`{"name":"q","vhost":"/","type":"classic","messages":null,` +
		`"messages_ready":null,"messages_unacknowledged":null,"consumers":null,"message_stats":null}`))
	if err != nil || d.Messages != backends.Unknown || d.Ready != backends.Unknown || d.Unacked != backends.Unknown ||
		d.Consumers != backends.Unknown || d.PublishRate != nil {
		t.Errorf("null figures: %+v, %v", d, err)
	}
	d, err = rabbitmq.DecodeQueue([]byte(`{"name":"q","messages_ready":3,"messages_unacknowledged":0,"consumers":0}`))
	if err != nil || d.Messages != 3 || d.Ready != 3 || d.Unacked != 0 || d.Consumers != 0 {
		t.Errorf("ready and unacked without messages: %+v, %v", d, err)
	}
	d, err = rabbitmq.DecodeQueue([]byte(`{"name":"q","messages_ready":3}`))
	if err != nil || d.Messages != backends.Unknown || d.Ready != 3 || d.Unacked != backends.Unknown {
		t.Errorf("unacked missing: %+v, %v", d, err)
	}
}

// A real queue listed without statistics (disable_stats, as after a broker restart) has unknown figures,
// and QueueCount still counts its messages exactly, at once.
func TestQueueWithoutStatisticsIsCountedExactly(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	queue := rabbitfix.Unique("count")
	f.Declare(t, queue, nil)
	f.PutJSON(t, queue, 500)
	b := open(t, rabbitmq.Config{URL: f.URL})
	ctx := context.Background()
	d, err := rabbitmq.QueueWithoutStats(ctx, b, queue)
	if err != nil || d.Name != queue || d.Messages != backends.Unknown || d.Ready != backends.Unknown ||
		d.Unacked != backends.Unknown || d.Consumers != backends.Unknown {
		t.Errorf("listed without statistics: %+v, %v", d, err)
	}
	ready, consumers, err := b.QueueCount(ctx, queue)
	if err != nil || ready != 500 || consumers != 0 {
		t.Errorf("QueueCount = %d ready, %d consumers, %v; want 500, 0", ready, consumers, err)
	}
	if _, _, err := b.QueueCount(ctx, rabbitfix.Unique("missing")); !errors.Is(err, backends.ErrNotFound) {
		t.Errorf("QueueCount of a missing queue: %v, want ErrNotFound", err)
	}
}
