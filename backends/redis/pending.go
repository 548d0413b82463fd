package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/backends"
)

// maxPending bounds what one Pending call returns when the request sets no limit.
const maxPending = 10_000

// Pending lists a group's pending entries with XPENDING (which counts no delivery), oldest first, with
// each entry's fields read by XRANGE.
func (b *Backend) Pending(ctx context.Context, req backends.PendingRequest) ([]backends.PendingMessage, error) {
	limit := req.Limit
	if limit <= 0 {
		limit = maxPending
	}
	var out []backends.PendingMessage
	start := "-"
	for len(out) < limit {
		page, err := b.client.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: req.Destination, Group: req.Group,
			Idle: req.MinIdle, Start: start, End: "+", Count: pageSize, Consumer: req.Consumer}).Result()
		if err != nil {
			return nil, b.pendingError(req, err)
		}
		var keep []redis.XPendingExt
		for _, p := range page {
			if p.RetryCount >= req.MinDeliveries && len(out)+len(keep) < limit {
				keep = append(keep, p)
			}
		}
		msgs, err := b.pendingEntries(ctx, req.Destination, keep)
		if err != nil {
			return nil, err
		}
		out = append(out, msgs...)
		if len(page) < pageSize {
			break
		}
		start = "(" + page[len(page)-1].ID
	}
	return out, nil
}

// pendingEntries reads the entries of pending ids, in one pipeline.
func (b *Backend) pendingEntries(ctx context.Context, stream string, ps []redis.XPendingExt) ([]backends.PendingMessage, error) {
	if len(ps) == 0 {
		return nil, nil
	}
	pipe := b.client.Pipeline()
	cmds := make([]*redis.Cmd, len(ps))
	for i, p := range ps {
		cmds[i] = pipe.Do(ctx, "XRANGE", stream, p.ID, p.ID)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, b.opError("read the pending entries of "+stream, err)
	}
	out := make([]backends.PendingMessage, len(ps))
	for i, p := range ps {
		page, _ := parseEntries(cmds[i].Val())
		pm := backends.PendingMessage{Consumer: p.Consumer, Idle: p.Idle, Gone: len(page) == 0}
		if pm.Gone {
			pm.Message = backends.Message{Destination: stream, Key: []byte(p.ID), Timestamp: idTime(p.ID)}
		} else {
			pm.Message = page[0].message(stream, 0)
		}
		pm.Message.Offset, pm.Message.DeliveryCount = int64(i), p.RetryCount
		out[i] = pm
	}
	return out, nil
}

func (b *Backend) pendingError(req backends.PendingRequest, err error) error {
	if strings.HasPrefix(err.Error(), "NOGROUP") {
		return backends.NotFound("stream %s has no group %s in db %d", req.Destination, req.Group, b.db)
	}
	return b.opError("read the pending entries of "+req.Group+" on "+req.Destination, err)
}

// settleCheck is the start of both settling scripts: the entry must still be pending for the group,
// idle long enough and delivered often enough, or nothing is done (a consumer acknowledged it since).
// KEYS[1] stream; ARGV group, id, min deliveries, min idle ms.
const settleCheck = `
local p = redis.call('XPENDING', KEYS[1], ARGV[1], 'IDLE', ARGV[4], ARGV[2], ARGV[2], 1)
if #p == 0 or p[1][4] < tonumber(ARGV[3]) then return false end
`

// deadLetterScript copies a pending entry to the dead-letter stream KEYS[2], with where it came from, and
// acknowledges it, in one step; the checks come before the first write.
var deadLetterScript = redis.NewScript(settleCheck + `
local t = redis.call('TYPE', KEYS[2])['ok']
if t ~= 'stream' and t ~= 'none' then return redis.error_reply('NOTSTREAM ' .. t) end
local fields = {}
local e = redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2])
if #e > 0 then fields = e[1][2] end
for _, v in ipairs({'original-stream', KEYS[1], 'original-id', ARGV[2], 'original-group', ARGV[1],
    'original-consumer', p[1][2], 'deliveries', tostring(p[1][4])}) do table.insert(fields, v) end
local id = redis.call('XADD', KEYS[2], '*', unpack(fields))
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
return id
`)

// claimScript gives a pending entry to consumer ARGV[5] (JUSTID: no delivery counted).
var claimScript = redis.NewScript(settleCheck + `
return redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[5], ARGV[4], ARGV[2], 'JUSTID')
`)

// DeadLetterPending moves the matching pending entries to dlq (see backends.PendingSettler).
func (b *Backend) DeadLetterPending(ctx context.Context, req backends.PendingRequest, dlq string) (int64, error) {
	if dlq == req.Destination {
		return 0, fmt.Errorf("the dead-letter stream must differ from %s", dlq)
	}
	return b.settle(ctx, req, deadLetterScript, []string{req.Destination, dlq})
}

// ClaimPending gives the matching pending entries to consumer (see backends.PendingSettler).
func (b *Backend) ClaimPending(ctx context.Context, req backends.PendingRequest, consumer string) (int64, error) {
	if consumer == "" {
		return 0, errors.New("name the consumer to give the entries to")
	}
	return b.settle(ctx, req, claimScript, []string{req.Destination}, consumer)
}

// settle runs script on each matching pending entry, a pipeline of them per page; each is atomic, so a
// settle cut short has done some entries whole and left the rest as they were.
func (b *Backend) settle(ctx context.Context, req backends.PendingRequest, script *redis.Script, keys []string,
	extra ...any) (int64, error) {
	pending, err := b.Pending(ctx, req)
	if err != nil {
		return 0, err
	}
	if err := script.Load(ctx, b.client).Err(); err != nil {
		return 0, b.opError("load a script", err)
	}
	var done int64
	for start := 0; start < len(pending); start += moveBatch {
		if err := ctx.Err(); err != nil {
			return done, err
		}
		pipe := b.client.Pipeline()
		batch := pending[start:min(start+moveBatch, len(pending))]
		cmds := make([]*redis.Cmd, len(batch))
		for i, p := range batch {
			args := []any{req.Group, string(p.Message.Key), strconv.FormatInt(req.MinDeliveries, 10),
				strconv.FormatInt(req.MinIdle.Milliseconds(), 10)}
			cmds[i] = script.EvalSha(ctx, pipe, keys, append(args, extra...)...)
		}
		_, err := pipe.Exec(ctx)
		for _, c := range cmds {
			if c.Err() == nil {
				done++
			}
		}
		if err != nil && !errors.Is(err, redis.Nil) {
			for _, c := range cmds {
				if e := c.Err(); e != nil && !errors.Is(e, redis.Nil) {
					return done, b.settleError(keys, e)
				}
			}
		}
	}
	return done, nil
}

func (b *Backend) settleError(keys []string, err error) error {
	if s, ok := strings.CutPrefix(err.Error(), "NOTSTREAM "); ok && len(keys) > 1 {
		return fmt.Errorf("%q is a Redis %s, not a stream to take dead letters: %w", keys[1], s, backends.ErrNotSupported)
	}
	return b.opError("settle pending entries of "+keys[0], err)
}

var (
	_ backends.PendingReader  = (*Backend)(nil)
	_ backends.PendingSettler = (*Backend)(nil)
)
