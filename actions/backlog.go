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
	// CountsExact says Ready and Consumers were counted now, not sampled by the management API (up to
	// 5 s old); see ExactCounts.
	CountsExact bool
	// Approximate says the counts are the broker's estimates (SQS: Ready visible, Unacked in flight,
	// Delayed not yet visible), with neither consumers nor rates to go with them.
	Approximate bool
	Delayed     int64
	// Rates in messages per second; nil where the broker reported none (idle queues carry no stats).
	PublishRate *float64
	DeliverRate *float64
	AckRate     *float64
	// DrainSeconds is how long the ready backlog takes to go at the current rates: 0 when nothing is
	// ready; nil when the rates are unknown, or when it will not drain (see Drain).
	DrainSeconds *float64
	// Drain says why a queue has no time to drain, or that it is idle; Draining when DrainSeconds tells.
	Drain DrainState
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
			CountsExact: d.CountsExact, Approximate: d.Approximate, Delayed: d.Delayed,
			PublishRate: d.PublishRate, DeliverRate: d.DeliverRate, AckRate: d.AckRate,
		}
		q.DrainSeconds, q.Drain = Drain(d.Ready, d.Consumers, d.PublishRate, d.DeliverRate, d.AckRate)
		out = append(out, q)
	}
	return out
}

// DrainState is where a queue's backlog is going, where a time to drain cannot say it.
type DrainState string

const (
	Draining     DrainState = ""        // it shrinks, or nothing is ready: DrainSeconds says when it is gone
	DrainGrowing DrainState = "growing" // measurably more arrives than leaves
	DrainSteady  DrainState = "steady"  // as much leaves as arrives: it stays as it is
	DrainStalled DrainState = "stalled" // messages wait and none leave (no consumers, or stuck ones)
	DrainIdle    DrainState = "idle"    // nothing waits and nothing moves
)

// measurable is the smallest rate that counts as movement: the management API reports rates to about a
// tenth of a message a second, and "0.0/s" in and out is no evidence of growth.
const measurable = 0.05

// Drain estimates how long ready messages take to go: ready / (outflow − inflow), where outflow is the
// ack rate (the deliver rate when acks are not reported, as with auto-ack consumers) and inflow the
// publish rate. Only ready messages count: unacknowledged ones are already with consumers, and a queue
// that keeps up always holds some. A queue without consumers has no outflow, whatever rates linger in
// the broker's samples. A rate the broker did not report counts as 0 when the other one is known; with
// neither known the time is unknown (nil), unless nobody consumes (stalled).
func Drain(ready int64, consumers int, publish, deliver, ack *float64) (seconds *float64, state DrainState) {
	if !backends.Known(ready) {
		return nil, Draining
	}
	out := ack
	if out == nil {
		out = deliver
	}
	if consumers == 0 {
		out = new(float64)
	}
	in, outflow := orZero(publish), orZero(out)
	if ready == 0 {
		zero := 0.0
		if in < measurable && outflow < measurable {
			return &zero, DrainIdle
		}
		return &zero, Draining
	}
	switch net := outflow - in; {
	case out == nil && publish == nil:
		return nil, Draining
	case net <= -measurable:
		return nil, DrainGrowing
	case net >= measurable:
		secs := float64(ready) / net
		return &secs, Draining
	case outflow < measurable:
		return nil, DrainStalled
	}
	return nil, DrainSteady
}

func orZero(r *float64) float64 {
	if r == nil {
		return 0
	}
	return *r
}
