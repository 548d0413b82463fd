package redis

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/backends"
)

// Group states: Redis keeps a group's consumers until they are deleted, so a group with consumers is
// Active and one without is Empty (the word Kafka uses for a group nobody reads in).
const (
	stateEmpty  = "Empty"
	stateActive = "Active"
)

// streamGroup is one consumer group of one stream, as XINFO GROUPS tells it.
type streamGroup struct {
	stream, name  string
	consumers     int64
	pending       int64
	lastDelivered string
	entriesRead   *int64 // nil where the server cannot tell (before Redis 7, or after deletions)
	lag           *int64
}

// streamBounds is what XINFO STREAM says of a stream's ends.
type streamBounds struct {
	length, added int64 // entries held now; entries ever added (Redis 7; the length before)
}

// topology is every group of every stream, with each stream's bounds.
type topology struct {
	groups   []streamGroup // sorted by group name, then stream
	bounds   map[string]streamBounds
	requests int
}

// ListGroups lists consumer groups by name: a name used on several streams is one group reading all of
// them, as a Kafka group reads several topics.
func (b *Backend) ListGroups(ctx context.Context) ([]backends.ConsumerGroup, error) {
	top, err := b.topology(ctx)
	if err != nil {
		return nil, err
	}
	var out []backends.ConsumerGroup
	for _, g := range top.groups {
		if n := len(out); n > 0 && out[n-1].Name == g.name {
			out[n-1].Members += int(g.consumers)
			out[n-1].Topics = append(out[n-1].Topics, g.stream)
			out[n-1].State = stateOf(out[n-1].Members)
			continue
		}
		out = append(out, backends.ConsumerGroup{Name: g.name, State: stateOf(int(g.consumers)),
			Members: int(g.consumers), ProtocolType: "stream", Topics: []string{g.stream}})
	}
	return out, nil
}

func stateOf(members int) string {
	if members > 0 {
		return stateActive
	}
	return stateEmpty
}

// topology scans the streams and reads their groups and bounds, a pipeline per 200 streams.
func (b *Backend) topology(ctx context.Context) (topology, error) {
	streams, err := b.scan(ctx, "stream")
	top := topology{bounds: map[string]streamBounds{}, requests: 1}
	if err != nil {
		return top, err
	}
	for chunk := range slices.Chunk(streams, 200) {
		pipe := b.client.Pipeline()
		infos := make([]*redis.XInfoStreamCmd, len(chunk))
		groups := make([]*redis.Cmd, len(chunk))
		for i, s := range chunk {
			infos[i] = pipe.XInfoStream(ctx, s)
			groups[i] = pipe.Do(ctx, "XINFO", "GROUPS", s)
		}
		top.requests++
		if _, err := pipe.Exec(ctx); err != nil && !isKeyGone(err) {
			return top, b.opError("read consumer groups", err)
		}
		for i, s := range chunk {
			info, err := infos[i].Result()
			if err != nil {
				continue // deleted since the scan
			}
			added := info.EntriesAdded
			if added == 0 {
				added = info.Length // before Redis 7: all we know
			}
			top.bounds[s] = streamBounds{length: info.Length, added: added}
			top.groups = append(top.groups, parseGroups(s, groups[i].Val())...)
		}
	}
	slices.SortFunc(top.groups, func(x, y streamGroup) int {
		if c := strings.Compare(x.name, y.name); c != 0 {
			return c
		}
		return strings.Compare(x.stream, y.stream)
	})
	return top, nil
}

// parseGroups reads an XINFO GROUPS reply (RESP2: a list of flat name/value lists), keeping nil counters
// as unknown.
func parseGroups(stream string, reply any) []streamGroup {
	items, _ := reply.([]any)
	out := make([]streamGroup, 0, len(items))
	for _, it := range items {
		kv, _ := it.([]any)
		g := streamGroup{stream: stream}
		for i := 0; i+1 < len(kv); i += 2 {
			name, _ := kv[i].(string)
			switch v := kv[i+1]; name {
			case "name":
				g.name, _ = v.(string)
			case "consumers":
				g.consumers = asInt(v)
			case "pending":
				g.pending = asInt(v)
			case "last-delivered-id":
				g.lastDelivered, _ = v.(string)
			case "entries-read":
				g.entriesRead = optInt(v)
			case "lag":
				g.lag = optInt(v)
			}
		}
		out = append(out, g)
	}
	return out
}

func asInt(v any) int64 {
	n, _ := v.(int64)
	return n
}

func optInt(v any) *int64 {
	n, ok := v.(int64)
	if !ok {
		return nil
	}
	return &n
}

// LagSnapshot reads where each asked group stands on each stream it reads: committed is the entries it
// read (the server's entries-read), the end is the entries ever added, and lag is the server's own, or
// counted where the server cannot tell. Each lagging partition carries the time of the first entry the
// group has not read, so lag in seconds is exact.
func (b *Backend) LagSnapshot(ctx context.Context, groups []string) (backends.LagSnapshot, error) {
	top, err := b.topology(ctx)
	if err != nil {
		return backends.LagSnapshot{}, err
	}
	snap := backends.LagSnapshot{At: time.Now()}
	want := map[string]bool{}
	for _, g := range groups {
		want[g] = true
	}
	var asked []streamGroup
	for _, g := range top.groups {
		if len(groups) == 0 || want[g.name] {
			asked = append(asked, g)
		}
	}
	details, n, err := b.groupDetails(ctx, asked)
	if err != nil {
		return snap, err
	}
	top.requests += n
	for i, g := range asked {
		lag := b.partitionLag(g, top.bounds[g.stream], details[i])
		if n := len(snap.Groups); n > 0 && snap.Groups[n-1].Group == g.name {
			gl := &snap.Groups[n-1]
			gl.Partitions = append(gl.Partitions, lag)
			gl.Members = addMembers(gl.Members, g.stream, details[i].consumers)
			gl.State = stateOf(len(gl.Members))
			continue
		}
		members := addMembers(nil, g.stream, details[i].consumers)
		snap.Groups = append(snap.Groups, backends.GroupLag{Group: g.name, State: stateOf(len(members)),
			Members: members, Partitions: []backends.PartitionLag{lag}})
	}
	snap.Requests = top.requests
	return snap, nil
}

// groupDetail is what a snapshot reads of one group on one stream beyond XINFO GROUPS.
type groupDetail struct {
	consumers []string
	next      time.Time // the first entry not yet delivered to the group; zero when none
	counted   *int64    // lag counted entry by entry, where the server could not tell it
}

// groupDetails reads every asked group's consumers and first undelivered entry in one pipeline, then
// counts the lag of the groups whose lag the server could not tell.
func (b *Backend) groupDetails(ctx context.Context, gs []streamGroup) ([]groupDetail, int, error) {
	out := make([]groupDetail, len(gs))
	if len(gs) == 0 {
		return out, 0, nil
	}
	pipe := b.client.Pipeline()
	consumers := make([]*redis.XInfoConsumersCmd, len(gs))
	next := make([]*redis.Cmd, len(gs))
	for i, g := range gs {
		consumers[i] = pipe.XInfoConsumers(ctx, g.stream, g.name)
		next[i] = pipe.Do(ctx, "XRANGE", g.stream, "("+g.lastDelivered, "+", "COUNT", 1)
	}
	if _, err := pipe.Exec(ctx); err != nil && !isKeyGone(err) {
		return nil, 1, b.opError("read consumer groups", err)
	}
	requests := 1
	for i, g := range gs {
		for _, c := range consumers[i].Val() {
			out[i].consumers = append(out[i].consumers, c.Name)
		}
		if page, _ := parseEntries(next[i].Val()); len(page) > 0 {
			out[i].next = idTime(page[0].id)
		}
		if g.lag == nil && !out[i].next.IsZero() {
			// The server's lag is unknown after deletions: count the entries after the last delivered.
			n, r, err := b.countBetween(ctx, g.stream, "("+g.lastDelivered, "+")
			if err != nil {
				return nil, requests, err
			}
			out[i].counted, requests = &n, requests+r
		}
	}
	return out, requests, nil
}

func (b *Backend) partitionLag(g streamGroup, s streamBounds, d groupDetail) backends.PartitionLag {
	p := backends.PartitionLag{Topic: g.stream, End: s.added, Start: s.added - s.length, NextTime: d.next}
	switch {
	case d.next.IsZero():
		p.Lag = 0
	case g.lag != nil:
		p.Lag = *g.lag
	case d.counted != nil:
		p.Lag = *d.counted
	}
	p.Committed = p.End - p.Lag
	if g.entriesRead != nil && g.lag != nil {
		p.Committed = *g.entriesRead
	}
	if len(d.consumers) == 1 {
		p.Member = d.consumers[0]
	}
	return p
}

// addMembers adds the consumers of a group on stream to its members, one member per consumer name.
func addMembers(ms []backends.GroupMember, stream string, consumers []string) []backends.GroupMember {
	for _, c := range consumers {
		tp := backends.TopicPartition{Topic: stream}
		i := slices.IndexFunc(ms, func(m backends.GroupMember) bool { return m.ID == c })
		if i < 0 {
			ms = append(ms, backends.GroupMember{ID: c, ClientID: c})
			i = len(ms) - 1
		}
		ms[i].Assigned = append(ms[i].Assigned, tp)
	}
	return ms
}
