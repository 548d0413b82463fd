package nats

import (
	"context"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/backends"
)

// Peek reads a stream through an ephemeral consumer that acknowledges nothing (see read): no durable
// consumer's position, pending or redelivery count changes, and nothing leaves the stream.
func (b *Backend) Peek(ctx context.Context, req backends.PeekRequest, emit func(backends.Message) error) error {
	si, err := b.info(ctx, req.Destination)
	if err != nil {
		return err
	}
	spec := readSpec{stream: req.Destination, last: si.State.LastSeq, follow: req.Follow, byGet: byGet(si)}
	if si.State.Msgs == 0 {
		spec.last = 0
	}
	switch p := req.From; p.Kind {
	case backends.Earliest:
		spec.deliver = jetstream.DeliverAllPolicy
	case backends.Latest:
		spec.deliver = jetstream.DeliverNewPolicy
	case backends.AtOffset:
		spec.deliver, spec.startSeq = jetstream.DeliverByStartSequencePolicy, uint64(max(p.Offset, 0))+1
	case backends.AtTime:
		spec.deliver, spec.startTime = jetstream.DeliverByStartTimePolicy, p.Time
	case backends.LastN:
		spec.deliver = jetstream.DeliverByStartSequencePolicy
		spec.startSeq = max(si.State.FirstSeq, si.State.LastSeq-min(uint64(max(p.N, 1)), si.State.LastSeq)+1)
	}
	n := 0
	return b.read(ctx, spec, func(msg backends.Message) error {
		if err := emit(msg); err != nil {
			return err
		}
		n++
		if req.Limit > 0 && n >= req.Limit {
			return errStop
		}
		return nil
	})
}
