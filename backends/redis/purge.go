package redis

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/backends"
)

// Purge empties a stream (XTRIM MAXLEN 0, which keeps the stream and its groups) or a list (LLEN and DEL
// in one MULTI, so the count is what was removed), and says how many entries it removed.
func (b *Backend) Purge(ctx context.Context, key string) (int64, error) {
	typ, err := b.typeOf(ctx, key)
	if err != nil {
		return 0, err
	}
	if typ == "stream" {
		n, err := b.client.XTrimMaxLen(ctx, key, 0).Result()
		if err != nil {
			return 0, b.opError("purge "+key, err)
		}
		return n, nil
	}
	var n *redis.IntCmd
	_, err = b.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		n = p.LLen(ctx, key)
		p.Del(ctx, key)
		return nil
	})
	if err != nil {
		return 0, b.opError("purge "+key, err)
	}
	return n.Val(), nil
}

// Truncate deletes the entries of a stream before offset before[0] (XTRIM MINID): see PartitionBounds for
// what offsets count.
func (b *Backend) Truncate(ctx context.Context, stream string, before map[int32]int64) error {
	o, ok := before[0]
	if !ok {
		return nil
	}
	s, err := b.bounds(ctx, stream)
	if err != nil {
		return err
	}
	start := s.added - s.length
	if o <= start {
		return nil
	}
	if o >= s.added {
		return b.trim(ctx, stream, b.client.XTrimMaxLen(ctx, stream, 0).Err())
	}
	first, err := b.idAfterSkipping(ctx, stream, o-start)
	if err != nil {
		return err
	}
	ids, err := b.ids(ctx, "XRANGE", stream, first, "+", 1)
	if err != nil || len(ids) == 0 {
		return fmt.Errorf("stream %s changed while looking up offset %d: %w", stream, o, err)
	}
	return b.trim(ctx, stream, b.client.XTrimMinID(ctx, stream, ids[0]).Err())
}

func (b *Backend) trim(_ context.Context, stream string, err error) error {
	if err != nil {
		return b.opError("trim "+stream, err)
	}
	return nil
}

var _ backends.Truncator = (*Backend)(nil)
