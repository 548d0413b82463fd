package rabbitmq

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

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
// AMQP 0-9-1 has no peek for classic and quorum queues: each message is taken with basic.get (manual
// acknowledgement) on a channel of the peek's own, held, and given back at the end with one
// basic.nack(multiple, requeue), which puts every message back in its place. Closing the channel gives
// them back too, so a peek cut short (ctx, a crash) leaves the queue whole. A peek reads at most what
// the queue held ready when it began; Offset is the position in that read, from 0. Positions: Earliest,
// AtOffset (skips that many, which are taken and given back too), LastN and Latest (nothing); a queue
// has no time index and cannot be followed without consuming it.
//
// Quorum queues count each give-back toward their delivery limit: see limitGuard.
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
	defer done() // gives back whatever is still held
	defer closeOnDone(ctx, ch)()
	ready, err := b.passive(ctx, ch, req.Destination)
	if err != nil {
		return err
	}
	guard := b.newLimitGuard(info)
	if err := guard.before(ready); err != nil {
		return err
	}
	r := queueRead{b: b, ch: ch, queue: req.Destination, quorum: info.Type == typeQuorum, guard: guard, emit: emit}
	err = r.run(ctx, ready, skipped(req.From, ready), req.Limit, info.Type == "")
	if r.last != 0 {
		if gerr := r.giveBack(ctx, ready); err == nil {
			err = gerr
		}
	}
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

// queueRead is one peek of a classic or quorum queue in progress.
type queueRead struct {
	b      *Backend
	ch     *amqp.Channel
	queue  string
	quorum bool // known, or seen from x-delivery-count
	guard  *limitGuard
	emit   func(backends.Message) error
	last   uint64 // delivery tag of the last message taken; 0 when none
}

// run takes up to ready messages, emitting those from position skip on, at most limit (0: all). probe
// is true when the queue's type is unknown: then one get is tried even on an empty-looking queue, since a
// stream always looks empty to queue.declare.
func (r *queueRead) run(ctx context.Context, ready, skip, limit int, probe bool) error {
	want := ready
	if limit > 0 {
		want = min(ready, skip+limit)
	}
	for pos := 0; pos < want || probe && pos == 0; pos++ {
		d, ok, err := r.take(pos)
		if err != nil {
			if probe && pos == 0 && errors.Is(err, backends.ErrNotSupported) {
				return errIsStream
			}
			return err
		}
		if !ok {
			return nil // consumers took the rest meanwhile
		}
		stop := r.guard.after(pos, d.Headers)
		if pos >= skip {
			if err := r.emit(message(r.queue, d, int64(pos))); err != nil {
				return r.keepOrder(ctx, pos+1, ready, err)
			}
		}
		if stop != nil {
			return stop
		}
	}
	return r.keepOrder(ctx, want, ready, nil)
}

// take gets the message at pos, held unacknowledged.
func (r *queueRead) take(pos int) (amqp.Delivery, bool, error) {
	d, ok, err := r.ch.Get(r.queue, false)
	if err != nil {
		return d, false, fmt.Errorf("read %q: %w", sanitize.Line(r.queue), amqpErr(err))
	}
	if ok {
		r.last = d.DeliveryTag
		_, counted := d.Headers[headerDeliveryCount]
		r.quorum = r.quorum || counted
	}
	return d, ok, nil
}

// keepOrder finishes a read that stopped early (a limit, or emit's error) so that the queue keeps its
// order. A quorum queue puts each message given back at its back (measured on 3.10.8: of 0 1 2 3, take
// 0 and 1 and give them back, publish N, and the queue reads 2 3 0 1 N), so only a peek that takes every
// message keeps the order. It takes on to the end of what was ready, without emitting, when that is
// cheap: at most keepOrderMax messages, and no delivery limit (taking more would spend the deliveries of
// messages nobody asked to see). Otherwise what it read moves to the back, as PeekEffects says. Classic
// queues put each message back in its own place.
func (r *queueRead) keepOrder(ctx context.Context, pos, ready int, result error) error {
	if !r.quorum || r.guard.counts || ready > keepOrderMax {
		return result
	}
	for ; pos < ready && ctx.Err() == nil; pos++ {
		if _, ok, err := r.take(pos); err != nil || !ok {
			return cmp.Or(result, err)
		}
	}
	return result
}

// keepOrderMax is the most messages a partial peek of a quorum queue takes to keep the queue's order.
const keepOrderMax = 10_000

// giveBack returns every message taken, in order, and waits (briefly) until the queue counts them ready
// again: a quorum queue applies returns through its log a moment later, and a peek made right after
// this one must see them.
func (r *queueRead) giveBack(ctx context.Context, ready int) error {
	if err := r.ch.Nack(r.last, true, true); err != nil {
		if ctx.Err() != nil {
			return nil // closing the channel gives them back
		}
		return fmt.Errorf("give the peeked messages back to %q: %w (closing the channel gives them back)",
			sanitize.Line(r.queue), amqpErr(err))
	}
	awaitReady(ctx, r.ch, r.queue, ready)
	return nil
}

// awaitReady waits, at most giveBackWait, until queue counts want ready messages: given-back messages
// are applied by the queue a moment after the nack or the channel close, and a read made right after
// must see them.
func awaitReady(ctx context.Context, ch *amqp.Channel, queue string, want int) {
	for deadline := time.Now().Add(giveBackWait); time.Now().Before(deadline) && ctx.Err() == nil; {
		q, err := ch.QueueDeclarePassive(queue, false, false, false, false, nil)
		if err != nil || q.Messages >= want {
			return // counted again, or consumers are taking them: nothing to wait for
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// giveBackWait bounds the wait for given-back messages to count as ready again.
const giveBackWait = 2 * time.Second

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
		eff.CountsDeliveries, eff.DeliveryLimit = true, max(g.limit, 0)
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
