package actions

import "github.com/mqscope/mqscope/backends"

// QueueBacklog is one queue's backlog: what waits, who consumes, how fast it moves and when it will be
// gone. It is the RabbitMQ answer to "who is behind".
type QueueBacklog struct {
	Queue     string
	Vhost     string
	Ready     int64 // Ready, Unacked and Consumers may be backends.Unknown
	Unacked   int64
	Consumers int
	// Rates in messages per second; nil where the broker reported none (idle queues carry no stats).
	PublishRate *float64
	DeliverRate *float64
	AckRate     *float64
	// DrainSeconds is how long the ready backlog takes to go at the current rates: 0 when nothing is
	// ready; nil when the rates are unknown, or when it will not drain (Growing).
	DrainSeconds *float64
	// Growing is true when there is a backlog and as much or more arrives than leaves: at these rates it
	// never drains.
	Growing bool
}

// Backlog judges the queues of a listing (other destinations are left out). Streams are left out too:
// reading a stream removes nothing, so its backlog is per consumer, which the listing does not carry.
func Backlog(dests []backends.Destination) []QueueBacklog {
	var out []QueueBacklog
	for _, d := range dests {
		if d.Kind != backends.Queue {
			continue
		}
		q := QueueBacklog{
			Queue: d.Name, Vhost: d.Vhost, Ready: d.Ready, Unacked: d.Unacked, Consumers: d.Consumers,
			PublishRate: d.PublishRate, DeliverRate: d.DeliverRate, AckRate: d.AckRate,
		}
		q.DrainSeconds, q.Growing = Drain(d.Ready, d.PublishRate, d.DeliverRate, d.AckRate)
		out = append(out, q)
	}
	return out
}

// Drain estimates how long ready messages take to go: ready / (outflow − inflow), where outflow is the
// ack rate (the deliver rate when acks are not reported, as with auto-ack consumers) and inflow the
// publish rate. Only ready messages count: unacknowledged ones are already with consumers, and a queue
// that keeps up always holds some. A rate the broker did not report counts as 0 when the other one is
// known; with neither known the time is unknown (nil).
func Drain(ready int64, publish, deliver, ack *float64) (seconds *float64, growing bool) {
	if !backends.Known(ready) {
		return nil, false
	}
	if ready == 0 {
		zero := 0.0
		return &zero, false
	}
	out := ack
	if out == nil {
		out = deliver
	}
	if out == nil && publish == nil {
		return nil, false
	}
	net := orZero(out) - orZero(publish)
	if net <= 0 {
		return nil, true
	}
	secs := float64(ready) / net
	return &secs, false
}

func orZero(r *float64) float64 {
	if r == nil {
		return 0
	}
	return *r
}
