package nats

import (
	"context"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/mqscope/mqscope/backends"
)

// readBatch is how many messages one pull asks for.
const readBatch = 1000

// readSpec says where a read starts and where it stops.
type readSpec struct {
	stream    string
	deliver   jetstream.DeliverPolicy
	startSeq  uint64
	startTime time.Time
	// last is the stream's last sequence when the read began: a read that does not follow stops there,
	// or as soon as nothing more is pending.
	last   uint64
	follow bool
	// byGet reads message by message by sequence instead of through a consumer: a work-queue stream
	// refuses a consumer that acknowledges nothing, and takes no second consumer beside its worker's.
	byGet bool
}

// byGet reports whether a stream is read by sequence (see readSpec.byGet).
func byGet(si *jetstream.StreamInfo) bool { return si.Config.Retention == jetstream.WorkQueuePolicy }

// errStop ends a read early without an error.
var errStop = errors.New("stop reading")

// read hands the messages of a stream to emit in sequence order, through an ephemeral consumer of
// mqscope's own that acknowledges nothing, keeps its state in memory and is deleted when the read ends
// (the server removes it by itself if mqscope dies first). No durable consumer moves.
func (b *Backend) read(ctx context.Context, spec readSpec, emit func(backends.Message) error) error {
	if !spec.follow && (spec.deliver == jetstream.DeliverNewPolicy || spec.last == 0 ||
		spec.deliver == jetstream.DeliverByStartSequencePolicy && spec.startSeq > spec.last) {
		return nil
	}
	if spec.byGet {
		err := b.readByGet(ctx, spec, emit)
		if errors.Is(err, errStop) {
			return nil
		}
		return err
	}
	cons, cleanup, err := b.readConsumer(ctx, spec)
	if err != nil {
		return err
	}
	defer cleanup()
	it, err := cons.Messages(jetstream.PullMaxMessages(readBatch))
	if err != nil {
		return b.opError("read "+spec.stream, err)
	}
	defer it.Stop()
	for {
		msg, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return b.opError("read "+spec.stream, err)
		}
		meta, err := msg.Metadata()
		if err != nil {
			return b.opError("read "+spec.stream, err)
		}
		if !spec.follow && meta.Sequence.Stream > spec.last {
			return nil
		}
		if err := emit(fromMsg(spec.stream, msg)); err != nil {
			if errors.Is(err, errStop) {
				return nil
			}
			return err
		}
		if !spec.follow && (meta.Sequence.Stream >= spec.last || meta.NumPending == 0) {
			return nil
		}
	}
}

// readConsumer makes the ephemeral consumer of a read, and says how to delete it.
func (b *Backend) readConsumer(ctx context.Context, spec readSpec) (jetstream.Consumer, func(), error) {
	cfg := jetstream.ConsumerConfig{
		Name: peekPrefix + nuid.Next(), AckPolicy: jetstream.AckNonePolicy, DeliverPolicy: spec.deliver,
		MemoryStorage: true, Replicas: 1, InactiveThreshold: time.Minute,
	}
	switch spec.deliver {
	case jetstream.DeliverByStartSequencePolicy:
		cfg.OptStartSeq = max(spec.startSeq, 1)
	case jetstream.DeliverByStartTimePolicy:
		t := spec.startTime
		cfg.OptStartTime = &t
	}
	cctx, cancel := b.bound(ctx)
	defer cancel()
	cons, err := b.js.CreateConsumer(cctx, spec.stream, cfg)
	if err != nil {
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			return nil, nil, backends.NotFound("no stream %q here (see `mqscope ls`)", spec.stream)
		}
		return nil, nil, b.opError("read "+spec.stream, err)
	}
	cleanup := func() {
		dctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = b.js.DeleteConsumer(dctx, spec.stream, cfg.Name)
	}
	return cons, cleanup, nil
}

// info reads one stream's info.
func (b *Backend) info(ctx context.Context, stream string) (*jetstream.StreamInfo, error) {
	ctx, cancel := b.bound(ctx)
	defer cancel()
	s, err := b.js.Stream(ctx, stream)
	if err != nil {
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			return nil, backends.NotFound("no stream %q here (see `mqscope ls`)", stream)
		}
		return nil, b.opError("look up stream "+stream, err)
	}
	return s.CachedInfo(), nil
}

// message is a stream message as the contract's Message: its key is its subject and its offset its
// sequence − 1.
func message(stream string, seq uint64, at time.Time, subject string, h nats.Header, body []byte) backends.Message {
	m := backends.Message{Destination: stream, Offset: int64(seq) - 1, Timestamp: at, Key: []byte(subject),
		Headers: headersOf(h), Body: body}
	m.Origin = origin(m)
	return m
}

func fromMsg(stream string, msg jetstream.Msg) backends.Message {
	meta, _ := msg.Metadata()
	var seq uint64
	var at time.Time
	if meta != nil {
		seq, at = meta.Sequence.Stream, meta.Timestamp
	}
	return message(stream, seq, at, msg.Subject(), msg.Headers(), msg.Data())
}

// headersOf lists a message's headers by key, in a stable order (NATS keeps them in a map).
func headersOf(h nats.Header) []backends.Header {
	var out []backends.Header
	for _, k := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[k] {
			out = append(out, backends.Header{Key: k, Value: []byte(v)})
		}
	}
	return out
}

// followPoll is how often a read by sequence that follows looks for new messages.
const followPoll = 500 * time.Millisecond

// readByGet reads a stream one message at a time by sequence (each request finds the next message at or
// after a sequence, so deleted ones cost nothing): it moves no consumer and makes none.
func (b *Backend) readByGet(ctx context.Context, spec readSpec, emit func(backends.Message) error) error {
	s, err := b.js.Stream(ctx, spec.stream)
	if err != nil {
		return b.opError("read "+spec.stream, err)
	}
	seq := max(spec.startSeq, 1)
	switch spec.deliver {
	case jetstream.DeliverAllPolicy:
		seq = 1
	case jetstream.DeliverNewPolicy:
		seq = spec.last + 1
	case jetstream.DeliverByStartTimePolicy:
		if seq, err = b.seqAtTime(ctx, s, spec.startTime); err != nil {
			return err
		}
	}
	for {
		if !spec.follow && seq > spec.last {
			return nil
		}
		m, err := b.next(ctx, s, seq)
		switch {
		case err != nil:
			return err
		case m == nil || !spec.follow && m.Sequence > spec.last:
			if !spec.follow {
				return nil
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(followPoll):
			}
			continue
		}
		if err := emit(message(spec.stream, m.Sequence, m.Time, m.Subject, m.Header, m.Data)); err != nil {
			return err
		}
		seq = m.Sequence + 1
	}
}

// next is the first message at or after seq; nil when there is none.
func (b *Backend) next(ctx context.Context, s jetstream.Stream, seq uint64) (*jetstream.RawStreamMsg, error) {
	ctx, cancel := b.bound(ctx)
	defer cancel()
	m, err := s.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(">"))
	switch {
	case errors.Is(err, jetstream.ErrMsgNotFound):
		return nil, nil
	case err != nil:
		return nil, b.opError("read "+s.CachedInfo().Config.Name, err)
	}
	return m, nil
}

// seqAtTime is the sequence of the first message stored at or after t (the last sequence + 1 when none
// is that new), found by bisection over sequences: messages are stored in time order.
func (b *Backend) seqAtTime(ctx context.Context, s jetstream.Stream, t time.Time) (uint64, error) {
	st := s.CachedInfo().State
	lo, hi := max(st.FirstSeq, 1), st.LastSeq+1
	for lo < hi {
		m, err := b.next(ctx, s, lo+(hi-lo)/2)
		switch {
		case err != nil:
			return 0, err
		case m == nil || m.Sequence >= hi:
			hi = lo + (hi-lo)/2 // nothing held from the middle up to hi
		case m.Time.Before(t):
			lo = m.Sequence + 1
		default:
			hi = m.Sequence
		}
	}
	return lo, nil
}
