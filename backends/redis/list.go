package redis

import (
	"context"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/backends"
)

const (
	// scanCount is the hint each SCAN step gets: the server looks at about that many keys per call, so
	// no call holds it long however big the database.
	scanCount = 1000
	// maxKeys bounds a listing: past that many streams (or lists) the rest are not listed.
	maxKeys = 10_000
)

// ListDestinations lists the streams and the lists of the database, found with SCAN ... TYPE (never
// KEYS), with each stream's length, first and last entry and groups, and each list's length.
func (b *Backend) ListDestinations(ctx context.Context, _ backends.ListOptions) ([]backends.Destination, error) {
	streams, err := b.scan(ctx, "stream")
	if err != nil {
		return nil, err
	}
	lists, err := b.scan(ctx, "list")
	if err != nil {
		return nil, err
	}
	dests, err := b.describeStreams(ctx, streams)
	if err != nil {
		return nil, err
	}
	ls, err := b.describeLists(ctx, lists)
	if err != nil {
		return nil, err
	}
	dests = append(dests, ls...)
	slices.SortFunc(dests, func(a, b backends.Destination) int { return strings.Compare(a.ID(), b.ID()) })
	return dests, nil
}

// scan finds the keys of one type, at most maxKeys of them.
func (b *Backend) scan(ctx context.Context, typ string) ([]string, error) {
	var keys []string
	seen := map[string]bool{} // SCAN may return a key twice
	var cursor uint64
	for {
		page, next, err := b.client.ScanType(ctx, cursor, "", scanCount, typ).Result()
		if err != nil {
			return nil, b.opError("scan for "+typ+"s", err)
		}
		for _, k := range page {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
		if cursor = next; cursor == 0 || len(keys) >= maxKeys {
			return keys[:min(len(keys), maxKeys)], nil
		}
	}
}

func (b *Backend) describeStreams(ctx context.Context, keys []string) ([]backends.Destination, error) {
	out := make([]backends.Destination, 0, len(keys))
	for chunk := range slices.Chunk(keys, 200) {
		pipe := b.client.Pipeline()
		cmds := make([]streamCmds, len(chunk))
		for i, k := range chunk {
			cmds[i] = queueStream(ctx, pipe, k)
		}
		if _, err := pipe.Exec(ctx); err != nil && !isKeyGone(err) && !isNoPermission(err) {
			return nil, b.opError("describe streams", err)
		}
		for _, c := range cmds {
			if d, ok := c.destination(); ok {
				out = append(out, d)
			}
		}
	}
	return out, nil
}

// streamCmds are the commands that describe one stream, queued on a pipeline: XINFO STREAM, XINFO GROUPS
// (raw, for parseGroups: entries-read and lag may be nil) and MEMORY USAGE.
type streamCmds struct {
	key    string
	info   *redis.XInfoStreamCmd
	groups *redis.Cmd
	mem    *redis.IntCmd
}

func queueStream(ctx context.Context, pipe redis.Pipeliner, key string) streamCmds {
	return streamCmds{key: key, info: pipe.XInfoStream(ctx, key), groups: pipe.Do(ctx, "XINFO", "GROUPS", key),
		mem: pipe.MemoryUsage(ctx, key)} // the default samples a few nodes: SAMPLES 0 would walk it all
}

// destination is the stream as a listing shows it; false when it was deleted since the scan.
func (c streamCmds) destination() (backends.Destination, bool) {
	info, err := c.info.Result()
	if err != nil {
		return backends.Destination{}, false
	}
	d := backends.Destination{Name: c.key, Kind: backends.Stream, Type: "stream", Messages: info.Length,
		Groups: int(info.Groups), FirstID: info.FirstEntry.ID, LastID: info.LastEntry.ID,
		Oldest: idTime(info.FirstEntry.ID), Newest: idTime(info.LastEntry.ID)}
	for _, g := range parseGroups(c.key, c.groups.Val()) {
		d.Consumers += int(g.consumers)
		d.Unacked += g.pending
	}
	d.Bytes, d.BytesEstimated = c.mem.Val(), true
	return d, true
}

func (b *Backend) describeLists(ctx context.Context, keys []string) ([]backends.Destination, error) {
	out := make([]backends.Destination, 0, len(keys))
	for chunk := range slices.Chunk(keys, 500) {
		pipe := b.client.Pipeline()
		lens := make([]*redis.IntCmd, len(chunk))
		for i, k := range chunk {
			lens[i] = pipe.LLen(ctx, k)
		}
		if _, err := pipe.Exec(ctx); err != nil && !isKeyGone(err) {
			return nil, b.opError("describe lists", err)
		}
		for i, k := range chunk {
			n, err := lens[i].Result()
			if err != nil || n == 0 {
				continue // deleted or turned into something else since the scan
			}
			out = append(out, backends.Destination{Name: k, Kind: backends.Queue, Type: "list", Messages: n, Ready: n,
				TakenWhenRead: true})
		}
	}
	return out, nil
}

// isKeyGone is the error of a command on a key deleted, or replaced by another type, since it was found.
func isKeyGone(err error) bool {
	return err != nil && (strings.HasPrefix(err.Error(), "ERR no such key") || strings.HasPrefix(err.Error(), "WRONGTYPE"))
}

func isNoPermission(err error) bool { return err != nil && strings.HasPrefix(err.Error(), "NOPERM") }
