package redis

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/backends"
)

// Offsets of a stream count entries ever added, as the server's entries-read and lag do: the log end is
// entries-added, the log start is that minus the length, and the entry at offset o is the (o − start + 1)th
// held. They are exact while no entry was deleted from the middle of the stream (XDEL); the partition of
// every stream is 0.

// PartitionBounds is the stream's one partition: from the first entry held to entries-added.
func (b *Backend) PartitionBounds(ctx context.Context, stream string, parts []int32) ([]backends.PartitionBounds, error) {
	s, err := b.bounds(ctx, stream)
	if err != nil {
		return nil, err
	}
	if len(parts) > 0 && !slices.Contains(parts, 0) {
		return nil, nil
	}
	return []backends.PartitionBounds{{Partition: 0, Start: s.added - s.length, End: s.added}}, nil
}

func (b *Backend) bounds(ctx context.Context, stream string) (streamBounds, error) {
	info, err := b.client.XInfoStream(ctx, stream).Result()
	if err != nil {
		if isKeyGone(err) {
			return streamBounds{}, backends.NotFound("no stream %q in db %d", stream, b.db)
		}
		return streamBounds{}, b.opError("read "+stream, err)
	}
	added := info.EntriesAdded
	if added == 0 {
		added = info.Length
	}
	return streamBounds{length: info.Length, added: added}, nil
}

// OffsetsForTime is the offset of the first entry added at or after t (entry ids carry their time), or
// the log end where none is that new.
func (b *Backend) OffsetsForTime(ctx context.Context, stream string, parts []int32, t time.Time) (map[int32]int64, error) {
	s, err := b.bounds(ctx, stream)
	if err != nil {
		return nil, err
	}
	if len(parts) > 0 && !slices.Contains(parts, 0) {
		return map[int32]int64{}, nil
	}
	ids, err := b.ids(ctx, "XRANGE", stream, timeID(t), "+", 1)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return map[int32]int64{0: s.added}, nil
	}
	before, _, err := b.countBetween(ctx, stream, "-", "("+ids[0])
	if err != nil {
		return nil, err
	}
	return map[int32]int64{0: s.added - s.length + before}, nil
}

// countBetween counts the entries from start to end, page by page.
func (b *Backend) countBetween(ctx context.Context, stream, start, end string) (n int64, requests int, err error) {
	for {
		ids, err := b.ids(ctx, "XRANGE", stream, start, end, pageSize)
		requests++
		if err != nil {
			return 0, requests, err
		}
		n += int64(len(ids))
		if len(ids) < pageSize {
			return n, requests, nil
		}
		start = "(" + ids[len(ids)-1]
	}
}

// lastDeliveredAt is the id a group at offset o has read up to: "0-0" at or before the start, the
// last entry's id at the end, else the id of the entry before offset o.
func (b *Backend) lastDeliveredAt(ctx context.Context, stream string, s streamBounds, o int64) (string, error) {
	start := s.added - s.length
	if o <= start || s.length == 0 {
		return "0-0", nil
	}
	n := min(o, s.added) - start // the n-th entry held is the last one read
	next, err := b.idAfterSkipping(ctx, stream, n-1)
	if err != nil {
		return "", err
	}
	ids, err := b.ids(ctx, "XRANGE", stream, next, "+", 1)
	if err != nil || len(ids) == 0 {
		return "", fmt.Errorf("stream %s changed while looking up offset %d: %w", stream, o, err)
	}
	return ids[0], nil
}

// setIDScript moves a group, unless it has consumers: checked and done in one step on the server, so no
// consumer can join in between. Redis keeps consumers until they are deleted, so a stopped one counts.
var setIDScript = redis.NewScript(`
for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local name, consumers
  for i = 1, #g, 2 do
    if g[i] == 'name' then name = g[i+1] elseif g[i] == 'consumers' then consumers = g[i+1] end
  end
  if name == ARGV[1] then
    if consumers > 0 then return redis.error_reply('GROUPACTIVE ' .. consumers) end
    return redis.call('XGROUP', 'SETID', KEYS[1], ARGV[1], ARGV[2], 'ENTRIESREAD', ARGV[3])
  end
end
return redis.error_reply('NOGROUP')
`)

// CommitOffsets moves group on each stream to the offset given (XGROUP SETID with ENTRIESREAD, so the
// server's lag stays exact). The server refuses while the group has consumers.
func (b *Backend) CommitOffsets(ctx context.Context, group string, offsets map[backends.TopicPartition]int64) error {
	for _, tp := range slices.SortedFunc(maps.Keys(offsets), func(x, y backends.TopicPartition) int {
		return strings.Compare(x.Topic, y.Topic)
	}) {
		if err := b.setID(ctx, group, tp.Topic, offsets[tp]); err != nil {
			return err
		}
	}
	return nil
}

func (b *Backend) setID(ctx context.Context, group, stream string, o int64) error {
	s, err := b.bounds(ctx, stream)
	if err != nil {
		return err
	}
	o = min(max(o, s.added-s.length), s.added)
	id, err := b.lastDeliveredAt(ctx, stream, s, o)
	if err != nil {
		return err
	}
	err = setIDScript.Run(ctx, b.client, []string{stream}, group, id, o).Err()
	switch {
	case err == nil:
		return nil
	case strings.HasPrefix(err.Error(), "GROUPACTIVE"):
		return fmt.Errorf("group %s on %s has consumers (%s), and Redis keeps them until they are deleted: stop them, "+
			"delete them (XGROUP DELCONSUMER %s %s NAME) and reset again: %w", group, stream,
			strings.TrimPrefix(err.Error(), "GROUPACTIVE "), stream, group, backends.ErrGroupActive)
	case strings.HasPrefix(err.Error(), "NOGROUP"):
		return backends.NotFound("stream %s has no group %s", stream, group)
	}
	return b.opError("reset group "+group+" on "+stream, err)
}
