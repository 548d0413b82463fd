package nats

import (
	"context"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/backends"
)

var _ backends.Describer = (*Backend)(nil)

// Describe is one stream: its listing, the limits and settings it was made with, and its consumers with
// where each stands (two requests, and one more per 256 consumers).
func (b *Backend) Describe(ctx context.Context, kind backends.DestinationKind, name string) (backends.Details, error) {
	if kind != backends.Stream && kind != backends.Queue {
		return backends.Details{}, fmt.Errorf("NATS JetStream has no %s: %w", kind, backends.ErrNotSupported)
	}
	si, err := b.info(ctx, name)
	if err != nil {
		return backends.Details{}, err
	}
	d := backends.Details{Destination: destination(si), Properties: streamProperties(si.Config)}
	if si.State.Consumers == 0 {
		return d, nil
	}
	cons, _, _, err := b.consumers(ctx, []*jetstream.StreamInfo{si})
	if err != nil {
		return d, err
	}
	for _, ci := range cons {
		d.Readers = append(d.Readers, backends.Reader{Name: ci.Name, Consumers: backends.Unknown,
			Position: fmt.Sprintf("delivered %d, ack floor %d", ci.Delivered.Stream, ci.AckFloor.Stream),
			Pending:  int64(ci.NumAckPending), Lag: int64(ci.NumPending)})
	}
	return d, nil
}

// streamProperties are the settings of a stream worth reading: what it keeps, for how long, and where.
func streamProperties(c jetstream.StreamConfig) []backends.Property {
	limit := func(n int64) string {
		if n <= 0 {
			return "unlimited"
		}
		return fmt.Sprint(n)
	}
	ps := []backends.Property{
		{Name: "subjects", Value: strings.Join(c.Subjects, ", ")},
		{Name: "retention", Value: strings.ToLower(c.Retention.String())},
		{Name: "storage", Value: strings.ToLower(c.Storage.String())},
		{Name: "replicas", Value: fmt.Sprint(c.Replicas)},
		{Name: "max messages", Value: limit(c.MaxMsgs)},
		{Name: "max bytes", Value: limit(c.MaxBytes)},
		{Name: "max age", Value: map[bool]string{true: "unlimited", false: c.MaxAge.String()}[c.MaxAge <= 0]},
		{Name: "max messages per subject", Value: limit(c.MaxMsgsPerSubject)},
		{Name: "discard", Value: strings.TrimPrefix(strings.ToLower(c.Discard.String()), "discard")},
		{Name: "duplicate window", Value: c.Duplicates.String()},
	}
	if c.Description != "" {
		ps = append([]backends.Property{{Name: "description", Value: c.Description}}, ps...)
	}
	return ps
}
