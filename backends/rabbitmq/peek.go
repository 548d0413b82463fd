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
	defer done() // gives back whatever is still held
	watch := closeOnDone(ctx, ch)
	ready, err := b.passive(ctx, ch, req.Destination)
	if err != nil {
		watch()
		return err
	}
	r := queueRead{b: b, ch: ch, queue: req.Destination, quorum: info.Type == typeQuorum, guard: b.newLimitGuard(info), emit: emit}
	err = r.run(ctx, ready, skipped(req.From, ready), req.Limit, info.Type == "")
	if watch() && r.last != 0 { // the channel is open: give back properly, even when ctx ended
		if gerr := r.giveBack(context.WithoutCancel(ctx), ready); err == nil {
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
	// last is the delivery tag of the last message taken; 0 when none. A channel numbers its deliveries
	// 1, 2, 3…, and this one reads only this queue: the messages held are 1 to last, in the queue's order.
	last uint64
	// copies are what goes back as copies rather than given back (see limitGuard): the messages from tag
	// firstCopy to last, in order. Given-back messages of a queue with a delivery limit go to its front and
	// copies to its back, so once one message must be copied, all after it are too, keeping the order.
	copies    []amqp.Publishing
	firstCopy uint64
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
		stop := r.judge(pos, d)
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

// judge asks the guard how the message taken at pos goes back, and notes a copy.
func (r *queueRead) judge(pos int, d amqp.Delivery) (stop error) {
	copyBack, stop := r.guard.judge(pos, d.Headers)
	if copyBack && r.firstCopy == 0 {
		r.firstCopy = d.DeliveryTag
	}
	if r.firstCopy != 0 {
		r.copies = append(r.copies, forwarding(d, r.b.target.uri.Username))
	}
	return stop
}

// keepOrder finishes a read that stopped early (a limit, or emit's error) so that the queue keeps its
// order. Measured on 3.10.8, a quorum queue without a delivery limit puts each message given back at its
// back (of 0 1 2 3, take 0 and 1 and give them back, publish N, and the queue reads 2 3 0 1 N), and one
// with a limit at its front, as copies go to its back. So a partial peek takes on to the end of what was
// ready, without emitting, when the queue has no limit or when it has begun copying; and only when that
// is cheap: at most keepOrderMax messages. Otherwise what it read moves to the back, as PeekEffects says.
// Classic queues put each message back in its own place.
func (r *queueRead) keepOrder(ctx context.Context, pos, ready int, result error) error {
	if !r.quorum || r.guard.lazy || r.guard.counts && r.firstCopy == 0 || ready > keepOrderMax {
		return result
	}
	for ; pos < ready && ctx.Err() == nil; pos++ {
		d, ok, err := r.take(pos)
		if err != nil || !ok {
			return cmp.Or(result, err)
		}
		r.judge(pos, d)
	}
	return result
}

// keepOrderMax is the most messages a partial peek of a quorum queue takes to keep the queue's order.
const keepOrderMax = 10_000

// giveBack returns every message taken, in order, and waits (briefly) until the queue counts them ready
// again: a quorum queue applies returns through its log a moment later, and a peek made right after
// this one must see them.
func (r *queueRead) giveBack(ctx context.Context, ready int) error {
	ctx, cancel := context.WithTimeout(ctx, r.b.cfg.Timeout)
	defer cancel()
	var err error
	if len(r.copies) == 0 {
		err = r.ch.Nack(r.last, true, true)
	} else {
		err = r.giveBackCopying(ctx)
	}
	if err != nil {
		return fmt.Errorf("give the peeked messages back to %q: %w", sanitize.Line(r.queue), amqpErr(err))
	}
	awaitReady(ctx, r.ch, r.queue, ready)
	return nil
}

// giveBackCopying gives back the messages before the first copy and copies back the rest. An original is
// acknowledged only once its copy is confirmed; a copy the broker refused leaves its original given back
// instead, and the peek says so.
func (r *queueRead) giveBackCopying(ctx context.Context) error {
	if r.firstCopy > 1 {
		if err := r.ch.Nack(r.firstCopy-1, true, true); err != nil {
			return err
		}
	}
	c, err := newConfirmer[uint64](r.ch, len(r.copies))
	if err != nil {
		return err
	}
	for i, p := range r.copies {
		if err := c.publish(ctx, "", r.queue, p, r.firstCopy+uint64(i)); err != nil {
			return err
		}
	}
	var refused []error
	for c.inFlight() > 0 {
		original, fate, err := c.settle(ctx)
		if err != nil {
			return fmt.Errorf("copy messages back: %w", err)
		}
		if fate == nil {
			err = r.ch.Ack(original, false)
		} else {
			refused = append(refused, fate)
			err = r.ch.Nack(original, false, true)
		}
		if err != nil {
			return err
		}
	}
	if len(refused) > 0 {
		return limitError{fmt.Sprintf("%d of the messages copied back were refused by the broker (%v), so they "+
			"were given back instead, which counts toward their delivery limit", len(refused), refused[0])}
	}
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
