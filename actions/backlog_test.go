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
		consumers             int
		publish, deliver, ack *float64
		want                  *float64
		state                 DrainState
	}{
		{"empty", 0, 1, rateOf(50), rateOf(50), rateOf(50), rateOf(0), Draining},
		{"empty and still", 0, 0, nil, nil, nil, rateOf(0), DrainIdle},
		{"empty, 0.0/s both ways", 0, 1, rateOf(0), rateOf(0), rateOf(0), rateOf(0), DrainIdle},
		{"acks outrun publishes", 1200, 2, rateOf(10), rateOf(40), rateOf(40), rateOf(40), Draining}, // 1200 / 30
		{"acks, not deliveries, drain", 900, 1, rateOf(10), rateOf(100), rateOf(19), rateOf(100), Draining},
		{"auto-ack: deliveries drain", 500, 1, rateOf(0), rateOf(25), nil, rateOf(20), Draining},
		{"no publishes reported", 300, 1, nil, nil, rateOf(3), rateOf(100), Draining},
		{"as much in as out", 100, 1, rateOf(20), rateOf(20), rateOf(20), nil, DrainSteady},
		{"more in than out", 100, 1, rateOf(30), rateOf(20), rateOf(20), nil, DrainGrowing},
		{"nobody consumes, nothing arrives", 20, 0, rateOf(0), nil, nil, nil, DrainStalled},
		{"nobody consumes, rates unreported", 20, 0, nil, nil, nil, nil, DrainStalled},
		{"nobody consumes any more, stale outflow", 20, 0, rateOf(0), rateOf(9), rateOf(9), nil, DrainStalled},
		{"nobody consumes, messages arrive", 20, 0, rateOf(2), nil, nil, nil, DrainGrowing},
		{"consumers stuck, 0.0/s both ways", 20, 3, rateOf(0), rateOf(0), rateOf(0), nil, DrainStalled},
		{"a trickle in, below measuring", 20, 3, rateOf(0.01), rateOf(0), rateOf(0), nil, DrainStalled},
		{"rates unknown", 100, 1, nil, nil, nil, nil, Draining},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, state := Drain(tc.ready, tc.consumers, tc.publish, tc.deliver, tc.ack)
			if state != tc.state || (got == nil) != (tc.want == nil) || (got != nil && *got != *tc.want) {
				t.Errorf("Drain = %s, %q; want %s, %q", show(got), state, show(tc.want), tc.state)
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
		*q.DrainSeconds != 100 || q.Drain != Draining {
		t.Errorf("backlog %+v, drain %s; want 600 ready draining in 100 s", q, show(q.DrainSeconds))
	}
}
