package demo

import (
	"context"
	"slices"
	"time"
)

// trickleEvery is how often the trickle appends an order while the demo runs.
const trickleEvery = time.Second

// startTrickle appends a new order (and its payment) every second until Close, so that live views
// move: shipping-service keeps up, billing-service falls further behind.
func (c *Cluster) startTrickle() {
	ctx, stop := context.WithCancel(context.Background())
	c.stop = stop
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		p := newPlanner(time.Now())
		for _, t := range c.seeded.Topics {
			// Dead letters name their original's offset: count on from the seed.
			p.ends[t.Name] = slices.Clone(t.Ends)
		}
		tick := time.NewTicker(trickleEvery)
		defer tick.Stop()
		for i := numOrders; ; i++ {
			select {
			case <-ctx.Done():
				return
			case now := <-tick.C:
				p.now, p.records = now, p.records[:0]
				p.orderWithPayment(i, now)
				// A failed produce (the cluster closing) only costs this tick's order.
				c.client.ProduceSync(ctx, p.records...)
			}
		}
	}()
}
