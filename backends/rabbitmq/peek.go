package rabbitmq

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/sanitize"
)

var (
	_ backends.Peeker      = (*Backend)(nil)
	_ backends.PeekAdvisor = (*Backend)(nil)
)

// Peek reads a queue or stream without consuming it.
//
// A stream is read by a consumer from the requested position (see peekStream): nothing is removed.
//
// AMQP 0-9-1 has no peek for classic and quorum queues: each message is taken (manual acknowledgement) on
// a channel of the peek's own, held, and given back at the end by closing that channel (see queueRead),
// which a peek cut short (ctx, a crash) does too. A peek reads at most what the queue held ready when it
// began, and holds messages at most Config.PeekHold; Offset is the position in that read, from 0.
// Positions: Earliest, AtOffset (skips that many, which are taken and given back too), LastN and Latest
// (nothing); a queue has no time index and cannot be followed without consuming it.
//
// Quorum queues count each give-back toward their delivery limit: limitGuard says which messages are
// copied back instead, so that no number of peeks takes one to its limit.
func (b *Backend) Peek(ctx context.Context, req backends.PeekRequest, emit func(backends.Message) error) error {
	info, err := b.queueInfo(ctx, req.Destination)
	if err != nil {
		return err
	}
	if info.Type == typeStream {
		return b.peekStream(ctx, req, emit)
	}
	err = b.peekQueue(ctx, info, req, emit)
	if errors.Is(err, errIsStream) {
		return b.peekStream(ctx, req, emit)
	}
	return err
}

// errIsStream is what a queue peek of unknown type says when the broker refused basic.get because the
// queue is a stream.
var errIsStream = errors.New("the queue is a stream")

func (b *Backend) peekQueue(ctx context.Context, info queueInfo, req backends.PeekRequest, emit func(backends.Message) error) error {
	if info.Type == "" && (req.Follow || req.From.Kind == backends.AtTime || req.From.Kind == backends.Latest) {
		return fmt.Errorf("without the management API a stream cannot be told from a queue, and only streams can be "+
			"followed or read from a time or from the end; read %q from the start, or give the management API: %w",
			sanitize.Line(req.Destination), backends.ErrNotSupported)
	}
	if err := queuePosition(req); err != nil {
		return err
	}
	ch, done, err := b.channelFor(ctx, info)
	if err != nil {
		return err
	}
	defer done() // closing gives back whatever is still held; giveBack closes first
	watch := closeOnDone(ctx, ch)
	ready, err := b.passive(ctx, ch, req.Destination)
	if err != nil {
		watch()
		return err
	}
	r := newQueueRead(b, ch, info, emit)
	skip := skipped(req.From, ready)
	want := ready
	if req.Limit > 0 {
		want = min(ready, skip+req.Limit)
	}
	err = r.run(ctx, want, skip, ready, info.Type == "")
	open := watch() // the channel is still open: give back properly, even when ctx ended
	err = cmp.Or(err, r.giveBack(context.WithoutCancel(ctx), open, ready, done))
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// queuePosition refuses the positions a classic or quorum queue cannot honour.
func queuePosition(req backends.PeekRequest) error {
	switch {
	case req.Follow:
		return fmt.Errorf("%q is a queue: following it would mean consuming what arrives; only streams can be followed: %w",
			sanitize.Line(req.Destination), backends.ErrNotSupported)
	case req.From.Kind == backends.AtTime:
		return fmt.Errorf("%q is a queue, which has no time index; read it from the start: %w",
			sanitize.Line(req.Destination), backends.ErrNotSupported)
	}
	return nil
}

// skipped is how many messages from the head a peek passes over to reach the position.
func skipped(from backends.Position, ready int) int {
	switch from.Kind {
	case backends.AtOffset:
		return int(min(max(from.Offset, 0), int64(ready)))
	case backends.LastN:
		return max(ready-from.N, 0)
	case backends.Latest:
		return ready
	}
	return 0
}

// PeekEffects says what reading destination does: nothing for a stream; for a classic or quorum queue,
// every message read is marked redelivered, and a quorum queue counts it toward its delivery limit.
func (b *Backend) PeekEffects(ctx context.Context, destination string) (backends.PeekEffects, error) {
	info, err := b.queueInfo(ctx, destination)
	if err != nil {
		return backends.PeekEffects{}, err
	}
	if info.Type == typeStream {
		return backends.PeekEffects{}, nil
	}
	if info.Type == "" { // no management API: check at least that the queue is there
		if err := b.checkQueue(ctx, destination); err != nil {
			return backends.PeekEffects{}, err
		}
	}
	eff := backends.PeekEffects{MarksRedelivered: true,
		Notice: "Peeking takes each message and gives it back: consumers will see it as redelivered."}
	if info.Type == "" {
		eff.Notice = "Peeking a classic or quorum queue takes each message and gives it back: consumers will see it as redelivered."
	}
	switch g := b.newLimitGuard(info); {
	case g.counts:
		eff.CountsDeliveries, eff.DeliveryLimit = true, g.limit
		eff.Notice += " " + g.notice()
	case info.Type == typeQuorum:
		eff.Notice += " " + quorumNotice
	}
	return eff, nil
}

// checkQueue checks that queue exists, on a channel of its own.
func (b *Backend) checkQueue(ctx context.Context, queue string) error {
	ch, err := b.channel(ctx)
	if err != nil {
		return err
	}
	defer ch.Close()
	defer closeOnDone(ctx, ch)()
	_, err = b.passive(ctx, ch, queue)
	return err
}
