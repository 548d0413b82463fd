package demo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/redact"
)

// RedisPrefix starts the name of every key the Redis demo makes; seeding again deletes those keys first
// and touches no other.
const RedisPrefix = "mqscope-demo:"

// The Redis demo's keys.
const (
	RedisOrders      = RedisPrefix + "orders"
	RedisPayments    = RedisPrefix + "payments"
	RedisDeadLetters = RedisPrefix + "dead-letters" // letters of orders and payments, with original-stream
	RedisOrdersDLQ   = RedisOrders + ":dlq"         // letters whose origin is the stream's name
	RedisHostile     = RedisPrefix + "hostile"
	RedisJobs        = RedisPrefix + "jobs" // a list used as a work queue
	// RedisFailing is the group of payments whose consumer keeps failing: entries past 5 deliveries.
	RedisFailing = "fraud-check"
)

// RedisDemo is a Redis server seeded with the demo's streams, groups and dead letters. The demo uses the
// server it is given (the local one, normally) rather than an embedded one: mqscope's lag figures rest
// on Redis 7's entries-read and lag counters and its scripts, which only the real server is known to
// keep exactly.
type RedisDemo struct {
	url    string
	client *redis.Client
}

// SeedRedis seeds the Redis server at url with keys under RedisPrefix, replacing the ones an earlier demo
// left.
func SeedRedis(ctx context.Context, url string) (*RedisDemo, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis URL %s: %v", redact.URL(url), redact.Text(err.Error()))
	}
	opts.Protocol, opts.DisableIdentity = 2, true
	d := &RedisDemo{url: url, client: redis.NewClient(opts)}
	if err := d.seed(ctx, time.Now()); err != nil {
		d.client.Close()
		return nil, fmt.Errorf("seed the Redis demo at %s: %w", redact.URL(url), err)
	}
	return d, nil
}

// Bootstrap is the server's URL, its password hidden.
func (d *RedisDemo) Bootstrap() []string { return []string{redact.URL(d.url)} }

// Close releases the connection; the seeded keys stay for mqscope to look at.
func (d *RedisDemo) Close() { d.client.Close() }

func (d *RedisDemo) seed(ctx context.Context, now time.Time) error {
	if err := d.clear(ctx); err != nil {
		return err
	}
	for _, step := range []func(context.Context, time.Time) error{d.seedOrders, d.seedPayments, d.seedDeadLetters,
		d.seedHostile, d.seedJobs} {
		if err := step(ctx, now); err != nil {
			return err
		}
	}
	return nil
}

// clear deletes what an earlier demo left, found with SCAN MATCH on the prefix.
func (d *RedisDemo) clear(ctx context.Context) error {
	iter := d.client.Scan(ctx, 0, RedisPrefix+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return err
	}
	if len(keys) == 0 {
		return nil
	}
	return d.client.Del(ctx, keys...).Err()
}

// add appends entries with ids spread over the span before now, so that their ages are realistic.
func (d *RedisDemo) add(ctx context.Context, stream string, n int, span time.Duration, now time.Time,
	fields func(i int) []any) error {
	pipe := d.client.Pipeline()
	start := now.Add(-span).UnixMilli()
	for i := range n {
		ms := start + int64(i)*span.Milliseconds()/int64(n)
		pipe.XAdd(ctx, &redis.XAddArgs{Stream: stream, ID: strconv.FormatInt(ms, 10) + "-" + strconv.Itoa(i%1000),
			Values: fields(i)})
	}
	_, err := pipe.Exec(ctx)
	return err
}

// group makes a group that has read the first `read` entries, with consumers holding `pending` of them.
func (d *RedisDemo) group(ctx context.Context, stream, name string, read int64, consumers []string, pending int64) error {
	ids, err := d.client.XRangeN(ctx, stream, "-", "+", read).Result()
	if err != nil {
		return err
	}
	at := "0-0"
	if read-pending > 0 {
		at = ids[read-pending-1].ID
	}
	if err := d.client.Do(ctx, "XGROUP", "CREATE", stream, name, at, "ENTRIESREAD", read-pending).Err(); err != nil {
		return err
	}
	for i, c := range consumers {
		if err := d.client.XGroupCreateConsumer(ctx, stream, name, c).Err(); err != nil {
			return err
		}
		if i == 0 && pending > 0 {
			err := d.client.XReadGroup(ctx, &redis.XReadGroupArgs{Group: name, Consumer: c,
				Streams: []string{stream, ">"}, Count: pending}).Err()
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func (d *RedisDemo) seedOrders(ctx context.Context, now time.Time) error {
	err := d.add(ctx, RedisOrders, 600, 2*time.Hour, now, func(i int) []any {
		return []any{"body", fmt.Sprintf(`{"order_id":"ord-%05d","customer":"%s","sku":"%s","quantity":%d}`,
			i, customerID(i%97), sku(i%40), 1+i%4), "trace-id", fmt.Sprintf("%016x", i*7919), "kind", "order.created"}
	})
	if err != nil {
		return err
	}
	if err := d.group(ctx, RedisOrders, "billing", 590, []string{"billing-1", "billing-2"}, 3); err != nil {
		return err
	}
	if err := d.group(ctx, RedisOrders, "shipping", 300, []string{"shipping-1"}, 0); err != nil {
		return err
	}
	return d.group(ctx, RedisOrders, "audit-export", 40, nil, 0) // no consumers: stopped, far behind
}

func (d *RedisDemo) seedPayments(ctx context.Context, now time.Time) error {
	err := d.add(ctx, RedisPayments, 300, 90*time.Minute, now, func(i int) []any {
		return []any{"body", fmt.Sprintf(`{"payment_id":"pay-%05d","order_id":"ord-%05d","amount":%d.%02d,"currency":"EUR"}`,
			i, i*2, 10+i%90, i%100)}
	})
	if err != nil {
		return err
	}
	if err := d.group(ctx, RedisPayments, "ledger", 300, []string{"ledger-1"}, 0); err != nil {
		return err
	}
	if err := d.group(ctx, RedisPayments, RedisFailing, 280, []string{"fraud-1", "fraud-2"}, 12); err != nil {
		return err
	}
	// fraud-1 keeps failing on the first five it holds: each claimed back five more times.
	pend, err := d.client.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: RedisPayments, Group: RedisFailing,
		Start: "-", End: "+", Count: 5}).Result()
	if err != nil {
		return err
	}
	ids := make([]string, len(pend))
	for i, p := range pend {
		ids[i] = p.ID
	}
	for range 5 {
		err := d.client.XClaim(ctx, &redis.XClaimArgs{Stream: RedisPayments, Group: RedisFailing, Consumer: "fraud-1",
			Messages: ids}).Err()
		if err != nil {
			return err
		}
	}
	return nil
}

func (d *RedisDemo) seedDeadLetters(ctx context.Context, now time.Time) error {
	err := d.add(ctx, RedisDeadLetters, 14, 30*time.Minute, now, func(i int) []any {
		origin, body := RedisOrders, fmt.Sprintf(`{"order_id":"ord-%05d","quantity":-1}`, 9000+i)
		if i%2 == 1 {
			origin, body = RedisPayments, fmt.Sprintf(`{"payment_id":"pay-%05d","amount":"NaN"}`, 9000+i)
		}
		return []any{"body", body, "original-stream", origin, "error", "ValidationError: bad value", "deliveries", "6"}
	})
	if err != nil {
		return err
	}
	return d.add(ctx, RedisOrdersDLQ, 5, 20*time.Minute, now, func(i int) []any {
		return []any{"body", fmt.Sprintf(`{"order_id":"ord-%05d","sku":null}`, 9500+i), "error", "NullPointerException"}
	})
}

// seedHostile writes what a terminal must never get raw: escape sequences, bidi overrides, binary.
func (d *RedisDemo) seedHostile(ctx context.Context, now time.Time) error {
	bin := make([]byte, 256)
	for i := range bin {
		bin[i] = byte(i)
	}
	hostile := [][]any{
		{"body", "\x1b]0;pwned\x07\x1b[2J\x1b[31mRED ALERT\x1b[0m", "x-display-name", "\u202egnp.exe"},
		{"body", bin, "content-type", "application/octet-stream"},
		{"\x1b[5mfield\x1b[0m", "value\r\nwith\ttabs", "note", "an entry with no body field"},
		{"body", "\xff\xfe not UTF-8 \xc3\x28"},
	}
	return d.add(ctx, RedisHostile, len(hostile), 10*time.Minute, now, func(i int) []any { return hostile[i] })
}

func (d *RedisDemo) seedJobs(ctx context.Context, _ time.Time) error {
	jobs := make([]any, 25)
	for i := range jobs {
		jobs[i] = fmt.Sprintf(`{"task":"send_invoice","args":["ord-%05d"],"retries":%d}`, i, i%3)
	}
	return d.client.RPush(ctx, RedisJobs, jobs...).Err()
}
