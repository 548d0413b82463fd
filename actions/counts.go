package actions

import (
	"context"
	"slices"

	"github.com/mqscope/mqscope/backends"
)

// ExactCountsPerRefresh bounds the queues one refresh counts exactly: each costs a round trip.
const ExactCountsPerRefresh = 20

// ExactCounts replaces the sampled ready and consumer counts of the named queues in dests (the first
// ExactCountsPerRefresh of them) by exact, current ones where the broker gives them cheaply (RabbitMQ: a
// passive queue.declare each), and marks those CountsExact. A queue it cannot count keeps its sample:
// counting is a bonus that never fails a listing.
func ExactCounts(ctx context.Context, b backends.Backend, dests []backends.Destination, names []string) []backends.Destination {
	c, ok := b.(backends.QueueCounter)
	if !ok || len(names) == 0 {
		return dests
	}
	dests = slices.Clone(dests)
	counted := 0
	for i := range dests {
		d := &dests[i]
		if d.Kind != backends.Queue || !slices.Contains(names, d.Name) || counted == ExactCountsPerRefresh {
			continue
		}
		counted++
		ready, consumers, err := c.QueueCount(ctx, d.Name)
		if err != nil {
			continue
		}
		d.Ready, d.Consumers, d.CountsExact = ready, consumers, true
		if backends.Known(d.Unacked) {
			d.Messages = ready + d.Unacked
		}
	}
	return dests
}

// WorthCounting names the queues a one-shot command counts now: those named, or, when none are, every
// queue of a listing small enough to count them all (ExactCountsPerRefresh or fewer).
func WorthCounting(dests []backends.Destination, named []string) []string {
	if len(named) > 0 {
		return named
	}
	var all []string
	for _, d := range dests {
		if d.Kind == backends.Queue {
			all = append(all, d.Name)
		}
	}
	if len(all) > ExactCountsPerRefresh {
		return nil
	}
	return all
}
