package demo

import (
	"context"
	"net/url"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/internal/testkit/redisfix"
)

// TestSeedRedis: the Redis demo holds what its help promises: groups that lag, entries past a delivery
// count, letters from two origins, and seeding again replaces rather than adds. It runs on database 15,
// which no other test uses, because the demo's key names are fixed.
func TestSeedRedis(t *testing.T) {
	u, err := url.Parse(redisfix.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/15"
	ctx := context.Background()
	for range 2 {
		d, err := SeedRedis(ctx, u.String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.clear(ctx); d.Close() })
		c := d.client
		if n := c.XLen(ctx, RedisOrders).Val(); n != 600 {
			t.Errorf("%s holds %d entries, want 600", RedisOrders, n)
		}
		groups := map[string]int64{}
		for _, g := range c.XInfoGroups(ctx, RedisOrders).Val() {
			groups[g.Name] = g.Lag
		}
		if groups["billing"] != 10 || groups["shipping"] != 300 || groups["audit-export"] != 560 {
			t.Errorf("lag of the groups of %s: %v", RedisOrders, groups)
		}
		pend := c.XPending(ctx, RedisPayments, RedisFailing).Val()
		if pend.Count != 12 {
			t.Errorf("%s holds %d pending entries of %s, want 12", RedisPayments, pend.Count, RedisFailing)
		}
		past := 0
		for _, p := range c.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: RedisPayments, Group: RedisFailing,
			Start: "-", End: "+", Count: 100}).Val() {
			if p.RetryCount >= 5 {
				past++
			}
		}
		if past != 5 {
			t.Errorf("%d pending entries past 5 deliveries, want 5", past)
		}
		origins := map[string]int{}
		for _, e := range c.XRange(ctx, RedisDeadLetters, "-", "+").Val() {
			origins[e.Values["original-stream"].(string)]++
		}
		if origins[RedisOrders] != 7 || origins[RedisPayments] != 7 {
			t.Errorf("letters by origin: %v", origins)
		}
	}
}
