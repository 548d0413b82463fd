package actions

import (
	"fmt"
	"testing"

	"github.com/mqscope/mqscope/backends"
)

func rateOf(f float64) *float64 { return &f }

func TestDrainFigures(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		ready                 int64
		publish, deliver, ack *float64
		want                  *float64
		growing               bool
	}{
		{"empty", 0, rateOf(50), rateOf(50), rateOf(50), rateOf(0), false},
		{"empty without rates", 0, nil, nil, nil, rateOf(0), false},
		{"acks outrun publishes", 1200, rateOf(10), rateOf(40), rateOf(40), rateOf(40), false}, // 1200 / 30
		{"acks, not deliveries, drain", 900, rateOf(10), rateOf(100), rateOf(19), rateOf(100), false},
		{"auto-ack: deliveries drain", 500, rateOf(0), rateOf(25), nil, rateOf(20), false},
		{"no publishes reported", 300, nil, nil, rateOf(3), rateOf(100), false},
		{"as much in as out", 100, rateOf(20), rateOf(20), rateOf(20), nil, true},
		{"more in than out", 100, rateOf(30), rateOf(20), rateOf(20), nil, true},
		{"nobody consumes", 100, rateOf(0), nil, nil, nil, true},
		{"rates unknown", 100, nil, nil, nil, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, growing := Drain(tc.ready, tc.publish, tc.deliver, tc.ack)
			if growing != tc.growing || (got == nil) != (tc.want == nil) || (got != nil && *got != *tc.want) {
				t.Errorf("Drain = %s, growing %v; want %s, growing %v", show(got), growing, show(tc.want), tc.growing)
			}
		})
	}
}

func show(f *float64) string {
	if f == nil {
		return "nil"
	}
	return fmt.Sprint(*f)
}

func TestBacklogKeepsQueuesOnly(t *testing.T) {
	dests := []backends.Destination{
		{Name: "orders", Kind: backends.Queue, Vhost: "/", Ready: 600, Unacked: 7, Consumers: 2,
			PublishRate: rateOf(5), DeliverRate: rateOf(11), AckRate: rateOf(11)},
		{Name: "events", Kind: backends.Stream, Vhost: "/", Ready: 5000},
		{Name: "amq.direct", Kind: backends.Exchange, Vhost: "/"},
	}
	got := Backlog(dests)
	if len(got) != 1 {
		t.Fatalf("backlog of %d destinations, want the one queue: %+v", len(got), got)
	}
	q := got[0]
	if q.Queue != "orders" || q.Vhost != "/" || q.Ready != 600 || q.Unacked != 7 || q.Consumers != 2 ||
		*q.PublishRate != 5 || *q.DeliverRate != 11 || *q.AckRate != 11 || q.DrainSeconds == nil ||
		*q.DrainSeconds != 100 || q.Growing {
		t.Errorf("backlog %+v, drain %s; want 600 ready draining in 100 s", q, show(q.DrainSeconds))
	}
}
