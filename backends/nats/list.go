package nats

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/backends"
)

// internalPrefixes name the streams NATS makes for its own features: key-value buckets, object stores
// and the MQTT gateway's state.
var internalPrefixes = []string{"KV_", "OBJ_", "$MQTT_"}

func isInternal(stream string) bool {
	return slices.ContainsFunc(internalPrefixes, func(p string) bool { return strings.HasPrefix(stream, p) })
}

// ListDestinations lists the account's streams with their subjects, counts, bounds and consumers, in
// pages of the server's size (one request per 256 streams).
func (b *Backend) ListDestinations(ctx context.Context, opts backends.ListOptions) ([]backends.Destination, error) {
	infos, err := b.streams(ctx)
	if err != nil {
		return nil, err
	}
	var out []backends.Destination
	for _, si := range infos {
		d := destination(si)
		if d.Internal && !opts.IncludeInternal {
			continue
		}
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b backends.Destination) int { return strings.Compare(a.ID(), b.ID()) })
	return out, nil
}

// streams reads every stream's info.
func (b *Backend) streams(ctx context.Context) ([]*jetstream.StreamInfo, error) {
	ctx, cancel := b.bound(ctx)
	defer cancel()
	l := b.js.ListStreams(ctx)
	var out []*jetstream.StreamInfo
	for si := range l.Info() {
		out = append(out, si)
	}
	if err := l.Err(); err != nil {
		return nil, b.opError("list streams", err)
	}
	return out, nil
}

func destination(si *jetstream.StreamInfo) backends.Destination {
	c, s := si.Config, si.State
	d := backends.Destination{
		Name: c.Name, Kind: backends.Stream, Internal: isInternal(c.Name),
		Type:     strings.ToLower(c.Retention.String() + "/" + c.Storage.String()),
		Messages: int64(s.Msgs), Bytes: int64(s.Bytes), Consumers: s.Consumers, Groups: s.Consumers,
		ReplicationFactor: c.Replicas, Subjects: c.Subjects,
	}
	if s.Msgs > 0 {
		d.FirstID, d.LastID = strconv.FormatUint(s.FirstSeq, 10), strconv.FormatUint(s.LastSeq, 10)
		d.Oldest, d.Newest = s.FirstTime, s.LastTime
	}
	if c.Mirror != nil {
		d.Type += fmt.Sprintf(" (mirror of %s)", c.Mirror.Name)
	}
	return d
}
