package redis

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/backends"
)

const (
	// pageSize is how many entries one XRANGE or LRANGE asks for.
	pageSize = 1000
	// followBlock is how long one XREAD of a follow waits for news before it checks ctx again.
	followBlock = time.Second
)

// Peek reads a stream with XRANGE (then XREAD BLOCK when following) or a list with LRANGE: neither
// removes anything nor moves any group. Keys are entry ids; a stream's offsets count entries ever added
// (see PartitionBounds), a list's are indexes.
func (b *Backend) Peek(ctx context.Context, req backends.PeekRequest, emit func(backends.Message) error) error {
	typ, err := b.typeOf(ctx, req.Destination)
	if err != nil {
		return err
	}
	if typ == "list" {
		return b.peekList(ctx, req, emit)
	}
	return b.peekStream(ctx, req, emit)
}

// typeOf is "stream" or "list", or an error naming what the key is instead.
func (b *Backend) typeOf(ctx context.Context, key string) (string, error) {
	typ, err := b.client.Type(ctx, key).Result()
	if err != nil {
		return "", b.opError("look up "+key, err)
	}
	switch typ {
	case "stream", "list":
		return typ, nil
	case "none":
		return "", backends.NotFound("no stream or list %q in db %d", key, b.db)
	}
	return "", fmt.Errorf("%q is a Redis %s; mqscope reads streams and lists: %w", key, typ, backends.ErrNotSupported)
}

// reader hands entries to emit, counting positions and stopping at the limit.
type reader struct {
	req  backends.PeekRequest
	emit func(backends.Message) error
	n    int64 // messages emitted
	base int64 // the offset of the first
}

var errLimit = errors.New("limit reached")

func (r *reader) take(m backends.Message) error {
	m.Offset = r.base + r.n
	r.n++
	if err := r.emit(m); err != nil {
		return err
	}
	if r.req.Limit > 0 && r.n >= int64(r.req.Limit) {
		return errLimit
	}
	return nil
}

// room is how many more entries the read may take in one page.
func (r *reader) room() int64 {
	if r.req.Limit > 0 {
		return min(pageSize, int64(r.req.Limit)-r.n)
	}
	return pageSize
}

func (b *Backend) peekStream(ctx context.Context, req backends.PeekRequest, emit func(backends.Message) error) error {
	r := &reader{req: req, emit: emit}
	err := b.readStream(ctx, r)
	if errors.Is(err, errLimit) {
		return nil
	}
	return err
}

func (b *Backend) readStream(ctx context.Context, r *reader) error {
	key := r.req.Destination
	s, err := b.bounds(ctx, key)
	if err != nil {
		return err
	}
	last, err := b.lastID(ctx, key)
	if err != nil {
		return err
	}
	start, first := "-", s.added-s.length // the id to read from, and the offset of the entry there
	switch p := r.req.From; p.Kind {
	case backends.Latest:
		start, first = "", s.added
	case backends.AtTime:
		start = timeID(p.Time)
		after, _, err := b.countBetween(ctx, key, start, "+")
		if err != nil {
			return err
		}
		first = s.added - after
	case backends.AtOffset:
		skip := max(p.Offset-first, 0)
		if start, err = b.idAfterSkipping(ctx, key, skip); err != nil {
			return err
		}
		first += skip
	case backends.LastN:
		if start, err = b.lastNStart(ctx, key, p.N); err != nil {
			return err
		}
		first = max(s.added-int64(p.N), first)
	}
	r.n, r.base = 0, first
	if start != "" && last != "" {
		if last, err = b.rangeTo(ctx, r, key, start, last); err != nil {
			return err
		}
	}
	if !r.req.Follow {
		return nil
	}
	return b.follow(ctx, r, key, last)
}

// rangeTo emits the entries from start to end (both inclusive), page by page, and returns the last id
// emitted (end when the range held nothing).
func (b *Backend) rangeTo(ctx context.Context, r *reader, key, start, end string) (string, error) {
	seen := end
	for {
		if err := ctx.Err(); err != nil {
			return seen, err
		}
		reply, err := b.client.Do(ctx, "XRANGE", key, start, end, "COUNT", r.room()).Result()
		if err != nil {
			return seen, b.opError("read "+key, err)
		}
		page, err := parseEntries(reply)
		if err != nil {
			return seen, err
		}
		for _, e := range page {
			if err := r.take(e.message(key, 0)); err != nil {
				return e.id, err
			}
		}
		if int64(len(page)) < r.room() || len(page) == 0 {
			return seen, nil
		}
		start = "(" + page[len(page)-1].id
	}
}

// follow emits what arrives after id until ctx ends, with blocking XREADs.
func (b *Backend) follow(ctx context.Context, r *reader, key, after string) error {
	if after == "" {
		after = "0-0"
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		reply, err := b.client.Do(ctx, "XREAD", "COUNT", r.room(), "BLOCK", followBlock.Milliseconds(),
			"STREAMS", key, after).Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return b.opError("follow "+key, err)
		}
		streams, _ := reply.([]any)
		for _, s := range streams {
			kv, _ := s.([]any)
			if len(kv) != 2 {
				continue
			}
			page, err := parseEntries(kv[1])
			if err != nil {
				return err
			}
			for _, e := range page {
				after = e.id
				if err := r.take(e.message(key, 0)); err != nil {
					return err
				}
			}
		}
	}
}

// lastID is the id of the stream's newest entry, "" when it is empty.
func (b *Backend) lastID(ctx context.Context, key string) (string, error) {
	reply, err := b.client.Do(ctx, "XREVRANGE", key, "+", "-", "COUNT", 1).Result()
	if err != nil {
		return "", b.opError("read "+key, err)
	}
	page, err := parseEntries(reply)
	if err != nil || len(page) == 0 {
		return "", err
	}
	return page[0].id, nil
}

// lastNStart is the id of the n-th newest entry ("-" when the stream holds fewer).
func (b *Backend) lastNStart(ctx context.Context, key string, n int) (string, error) {
	ids, err := b.ids(ctx, "XREVRANGE", key, "+", "-", int64(n))
	if err != nil || len(ids) < n {
		return "-", err
	}
	return ids[n-1], nil
}

// idAfterSkipping is the id of the entry after the first skip entries ("+" past the end, which reads
// nothing).
func (b *Backend) idAfterSkipping(ctx context.Context, key string, skip int64) (string, error) {
	start := "-"
	for skip > 0 {
		count := min(skip, pageSize)
		ids, err := b.ids(ctx, "XRANGE", key, start, "+", count)
		if err != nil {
			return "", err
		}
		if int64(len(ids)) < count {
			return "+", nil
		}
		start, skip = "("+ids[len(ids)-1], skip-count
	}
	return start, nil
}

// ids runs XRANGE or XREVRANGE and keeps only the ids.
func (b *Backend) ids(ctx context.Context, cmd, key, from, to string, count int64) ([]string, error) {
	reply, err := b.client.Do(ctx, cmd, key, from, to, "COUNT", count).Result()
	if err != nil {
		return nil, b.opError("read "+key, err)
	}
	page, err := parseEntries(reply)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(page))
	for i, e := range page {
		ids[i] = e.id
	}
	return ids, nil
}

// peekList reads a list from its head (index 0) with LRANGE, which removes nothing. A list has no ids or
// times; the offset is the index.
func (b *Backend) peekList(ctx context.Context, req backends.PeekRequest, emit func(backends.Message) error) error {
	key := req.Destination
	n, err := b.client.LLen(ctx, key).Result()
	if err != nil {
		return b.opError("read "+key, err)
	}
	from := int64(0)
	switch p := req.From; p.Kind {
	case backends.Latest:
		return nil
	case backends.AtOffset:
		from = p.Offset
	case backends.LastN:
		from = max(n-int64(p.N), 0)
	case backends.AtTime:
		return fmt.Errorf("the list %q holds no times; peek it from earliest, an index or -N: %w", key,
			backends.ErrNotSupported)
	}
	end := n
	if req.Limit > 0 {
		end = min(end, from+int64(req.Limit))
	}
	for i := from; i < end; i += pageSize {
		if err := ctx.Err(); err != nil {
			return err
		}
		vals, err := b.client.LRange(ctx, key, i, min(i+pageSize, end)-1).Result()
		if err != nil {
			return b.opError("read "+key, err)
		}
		for j, v := range vals {
			if err := emit(backends.Message{Destination: key, Offset: i + int64(j), Body: []byte(v)}); err != nil {
				return err
			}
		}
		if len(vals) == 0 {
			return nil
		}
	}
	return nil
}
