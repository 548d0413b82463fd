package redis

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/mqscope/mqscope/backends"
)

// Describe looks at one stream or list: for a stream, XINFO STREAM's ends and counters and each group
// from XINFO GROUPS (its consumers, last delivered id, pending entries and, where the server can tell,
// lag); for a list, its length. Two round trips (TYPE, then one pipeline), where a details page without it
// listed every stream.
func (b *Backend) Describe(ctx context.Context, _ backends.DestinationKind, name string) (backends.Details, error) {
	typ, err := b.typeOf(ctx, name)
	if err != nil {
		return backends.Details{}, err
	}
	if typ == "list" {
		return b.describeList(ctx, name)
	}
	pipe := b.client.Pipeline()
	cmds := queueStream(ctx, pipe, name)
	if _, err := pipe.Exec(ctx); err != nil && !isKeyGone(err) {
		return backends.Details{}, b.opError("describe stream "+name, err)
	}
	dest, ok := cmds.destination()
	if !ok { // deleted since TYPE
		return backends.Details{}, backends.NotFound("no stream or list %q in db %d", name, b.db)
	}
	d := backends.Details{Destination: dest}
	info := cmds.info.Val()
	d.Properties = streamProperties(info.Length, info.LastGeneratedID, info.MaxDeletedEntryID, info.EntriesAdded,
		info.FirstEntry.ID, info.LastEntry.ID)
	for _, g := range parseGroups(name, cmds.groups.Val()) {
		d.Readers = append(d.Readers, groupReader(g))
	}
	return d, nil
}

// describeList is a list's details: its length.
func (b *Backend) describeList(ctx context.Context, name string) (backends.Details, error) {
	dests, err := b.describeLists(ctx, []string{name})
	if err != nil {
		return backends.Details{}, err
	}
	if len(dests) == 0 { // deleted (or emptied) since TYPE
		return backends.Details{}, backends.NotFound("no stream or list %q in db %d", name, b.db)
	}
	return backends.Details{Destination: dests[0]}, nil
}

// streamProperties are what XINFO STREAM says, in Redis's words. entries-added is left out where the
// server does not keep it (before Redis 7).
func streamProperties(length int64, lastGenerated, maxDeleted string, added int64, first, last string) []backends.Property {
	ps := []backends.Property{{Name: "length", Value: strconv.FormatInt(length, 10)}}
	if first != "" {
		ps = append(ps, backends.Property{Name: "first entry", Value: idWithTime(first)},
			backends.Property{Name: "last entry", Value: idWithTime(last)})
	}
	ps = append(ps, backends.Property{Name: "last generated id", Value: idWithTime(lastGenerated)})
	if added > 0 {
		ps = append(ps, backends.Property{Name: "entries added", Value: strconv.FormatInt(added, 10)})
	}
	if maxDeleted != "" && maxDeleted != "0-0" {
		ps = append(ps, backends.Property{Name: "max deleted entry id", Value: maxDeleted})
	}
	return ps
}

// idWithTime is an entry id with the time its first part counts the milliseconds of.
func idWithTime(id string) string {
	t := idTime(id)
	if t.IsZero() || id == "0-0" {
		return id
	}
	return id + " (" + t.Format(time.RFC3339Nano) + ")"
}

// groupReader is a stream group as a details page lists it: where it stands and what it owes.
func groupReader(g streamGroup) backends.Reader {
	r := backends.Reader{Name: g.name, Consumers: int(g.consumers), Pending: g.pending, Lag: backends.Unknown,
		Position: "last delivered " + g.lastDelivered}
	if g.entriesRead != nil {
		r.Position += fmt.Sprintf(", %d read", *g.entriesRead)
	}
	if g.lag != nil {
		r.Lag = *g.lag
	}
	return r
}
