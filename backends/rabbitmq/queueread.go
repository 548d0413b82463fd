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

// queueRead is one peek of a classic or quorum queue in progress: it takes messages, holds them, and
// gives them back at the end.
//
// Taking: a consumer with a prefetch of as many messages as the peek wants, so that they arrive many per
// round trip and no more are taken (basic.qos says at most maxPrefetch: a further consumer takes the
// next ones). Not basic.get: measured on 3.10.8, a quorum queue may not apply the acknowledgement of a
// message taken with basic.get before the channel closes, and then gives it back too (a copy and its
// original would both stay). Only a queue of unknown type (no management API) is read with basic.get:
// a stream, which always looks empty, shows itself by refusing it, and a quorum queue by the
// x-delivery-count it adds even to a first delivery (a consumer's first delivery has none).
//
// Giving back, as measured on 3.10.8: a classic queue puts back each message in its place when the
// channel closes, at once (10,000 messages: 0.03–0.3 s), whereas basic.nack(multiple) of 10,000 messages
// taken with basic.get took it over 40 s to apply. A quorum queue appends what comes back to the messages
// given back before (which a queue with a delivery limit serves before the rest, one without serves
// last), in the order it is given back one by one; closing the channel, or a nack of more than 32
// messages at once, returns them in no particular order. So a quorum queue gets one basic.nack per
// message, in order (10,000: about 1 s), after the copies the guard chose, and a partial read of it reads
// on to the end (see keepOrder). Then the channel closes, and the peek waits until the queue counts what
// it gave back as ready, so that the queue is whole when Peek returns.
type queueRead struct {
	b         *Backend
	ch        *amqp.Channel
	queue     string
	guard     *limitGuard
	emit      func(backends.Message) error
	pipelined bool // take with consumers; false: with basic.get
	quorum    bool // known, or seen from x-delivery-count
	ready     int  // what the queue held ready when the peek began

	deliveries <-chan amqp.Delivery // the consumer's, once started
	early      []amqp.Delivery      // delivered before a consumer was stopped, not yet taken
	tag        string               // the consumer's tag
	prefetch   int                  // what the consumers so far may deliver, together
	received   int                  // what they delivered
	since      time.Time            // when the first message was taken

	// last is the delivery tag of the last message taken; 0 when none. A channel numbers its deliveries
	// 1, 2, 3…, and this one reads only this queue: the messages held are 1 to last, in the queue's order.
	last uint64
	// copies are what goes back as copies rather than given back (see limitGuard): the messages from tag
	// firstCopy to last, in order. Given-back messages of a queue with a delivery limit go to its front and
	// copies to its back, so once one message must be copied, all after it are too, keeping the order.
	copies    []amqp.Publishing
	firstCopy uint64
	copied    int // copies confirmed, whose originals are acknowledged
}

// maxPrefetch is the largest prefetch basic.qos can carry (a 16-bit field).
const maxPrefetch = 65535

// readQuiet is how long a pipelined read waits for the next delivery before it asks whether the queue
// still holds any ready (other consumers may have taken the rest).
const readQuiet = 500 * time.Millisecond

func newQueueRead(b *Backend, ch *amqp.Channel, info queueInfo, emit func(backends.Message) error) *queueRead {
	g := b.newLimitGuard(info)
	return &queueRead{b: b, ch: ch, queue: info.Name, guard: g, emit: emit,
		pipelined: info.Type != "", quorum: info.Type == typeQuorum}
}

// run takes want messages, emitting those from position skip on; ready is what the queue held when the
// peek began. probe is true when the queue's type is unknown: then one get is tried even on an
// empty-looking queue, since a stream always looks empty to queue.declare.
func (r *queueRead) run(ctx context.Context, want, skip, ready int, probe bool) error {
	r.ready = ready
	for pos := 0; pos < want || probe && pos == 0; pos++ {
		d, ok, err := r.take(ctx, pos, want)
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

// take takes the message at pos, held unacknowledged; ok is false when the queue has no more ready.
func (r *queueRead) take(ctx context.Context, pos, want int) (amqp.Delivery, bool, error) {
	if pos > 0 && time.Since(r.since) > r.b.cfg.PeekHold {
		return amqp.Delivery{}, false, holdError{queue: r.queue, read: pos, hold: r.b.cfg.PeekHold}
	}
	var d amqp.Delivery
	var ok bool
	var err error
	switch {
	case len(r.early) > 0:
		d, ok, r.early = r.early[0], true, r.early[1:]
	case r.pipelined:
		d, ok, err = r.receive(ctx, want)
	default:
		d, ok, err = r.get()
	}
	if err != nil || !ok {
		return d, ok, err
	}
	if pos == 0 {
		r.since = time.Now()
	}
	r.last = max(r.last, d.DeliveryTag)
	_, counted := d.Headers[headerDeliveryCount]
	r.quorum = r.quorum || counted
	return d, true, nil
}

func (r *queueRead) get() (amqp.Delivery, bool, error) {
	d, ok, err := r.ch.Get(r.queue, false)
	if err != nil {
		return d, false, fmt.Errorf("read %q: %w", sanitize.Line(r.queue), amqpErr(err))
	}
	return d, ok, nil
}

// receive takes the next delivery, starting a consumer first when none may deliver more.
func (r *queueRead) receive(ctx context.Context, want int) (amqp.Delivery, bool, error) {
	if r.received == r.prefetch {
		if r.readsOn() {
			want = r.ready // keepOrder will take them all
		}
		if err := r.consume(want - r.received); err != nil {
			return amqp.Delivery{}, false, err
		}
	}
	select { // the common case: already here, no timers
	case d, open := <-r.deliveries:
		return r.received1(d, open)
	default:
	}
	quiet := time.NewTimer(readQuiet)
	defer quiet.Stop()
	held := time.NewTimer(time.Until(r.since.Add(r.b.cfg.PeekHold)))
	defer held.Stop()
	for {
		select {
		case d, open := <-r.deliveries:
			return r.received1(d, open)
		case <-quiet.C:
			// Nothing comes: consumers took the rest, or another is the queue's single active consumer,
			// which basic.get passes by.
			left, err := r.b.passive(ctx, r.ch, r.queue)
			if err != nil || left == 0 {
				return amqp.Delivery{}, false, err
			}
			if err := r.stopConsumer(); err != nil {
				return amqp.Delivery{}, false, fmt.Errorf("read %q: %w", sanitize.Line(r.queue), amqpErr(err))
			}
			r.pipelined = false
			if len(r.early) > 0 {
				d := r.early[0]
				r.early = r.early[1:]
				return d, true, nil
			}
			return r.get()
		case <-held.C:
			if !r.since.IsZero() {
				return amqp.Delivery{}, false, holdError{queue: r.queue, read: r.received, hold: r.b.cfg.PeekHold}
			}
		case <-ctx.Done():
			return amqp.Delivery{}, false, ctx.Err()
		}
	}
}

func (r *queueRead) received1(d amqp.Delivery, open bool) (amqp.Delivery, bool, error) {
	if !open {
		return d, false, fmt.Errorf("read %q: the broker closed the channel", sanitize.Line(r.queue))
	}
	r.received++
	return d, true, nil
}

// consume starts a consumer that may deliver n more messages (it never acknowledges any, so the broker
// sends no more), after stopping the one before, which has delivered all it may.
func (r *queueRead) consume(n int) error {
	if err := r.stopConsumer(); err != nil {
		return fmt.Errorf("read %q: %w", sanitize.Line(r.queue), amqpErr(err))
	}
	n = min(max(n, 1), maxPrefetch)
	r.prefetch += n
	if err := r.ch.Qos(n, 0, false); err != nil {
		return fmt.Errorf("read %q: %w", sanitize.Line(r.queue), amqpErr(err))
	}
	r.tag = fmt.Sprintf("mqscope-peek-%d", time.Now().UnixNano())
	deliveries, err := r.ch.Consume(r.queue, r.tag, false, false, false, false, nil)
	if err != nil {
		return fmt.Errorf("read %q: %w", sanitize.Line(r.queue), amqpErr(err))
	}
	r.deliveries = deliveries
	return nil
}

// stopConsumer cancels the consumer and keeps what it delivered meanwhile for take, so that nothing is
// passed over and last counts every message held.
func (r *queueRead) stopConsumer() error {
	if r.deliveries == nil {
		return nil
	}
	if err := r.ch.Cancel(r.tag, false); err != nil {
		return err
	}
	for d := range r.deliveries { // closed once the broker confirmed the cancel
		r.early = append(r.early, d)
		r.received++
		r.last = max(r.last, d.DeliveryTag)
	}
	r.deliveries = nil
	return nil
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

// keepOrder finishes a read of a quorum queue that stopped early (a limit, or emit's error): it takes on
// to the end of what was ready, without emitting, so that what it gives back keeps the queue's order
// (see queueRead). It does so when readsOn says.
func (r *queueRead) keepOrder(ctx context.Context, pos, ready int, result error) error {
	if !r.readsOn() {
		return result
	}
	for ; pos < ready && ctx.Err() == nil; pos++ {
		d, ok, err := r.take(ctx, pos, ready)
		if err != nil || !ok {
			return cmp.Or(result, err)
		}
		r.judge(pos, d)
	}
	return result
}

// readsOn says whether a partial read takes on to the end: for a quorum queue, when that is cheap (at most
// keepOrderMax messages) and spends no deliveries nobody asked for — the queue has no delivery limit, or
// the read has begun copying (see limitGuard), which copies all it reads after. Otherwise what it read
// may move behind the rest, as PeekEffects says.
func (r *queueRead) readsOn() bool {
	return r.quorum && !r.guard.lazy && (!r.guard.counts || r.firstCopy != 0) && r.ready <= keepOrderMax
}

// keepOrderMax is the most messages a partial peek takes to keep the queue's order.
const keepOrderMax = 10_000

// giveBack gives back what the peek holds (see queueRead), copying back what the guard chose, closes the
// channel (done), and waits until the queue counts it all ready again. open is false when the channel closed
// already (ctx ended): then it has given everything back, and the wait is for what the queue held ready
// when the peek began.
func (r *queueRead) giveBack(ctx context.Context, open bool, ready int, done func()) error {
	ctx, cancel := context.WithTimeout(ctx, r.b.cfg.Timeout)
	defer cancel()
	var err error
	want := ready
	if open {
		err = r.stopConsumer()
		others, perr := r.b.passive(ctx, r.ch, r.queue)
		if err == nil && perr == nil {
			want = others + int(r.last) // ready besides what the peek holds, and all it holds (or copies)
			if r.quorum {
				err = r.nackInOrder(ctx, others)
			}
		}
		if err == nil && len(r.copies) > 0 {
			err = r.copyBack(ctx)
		}
	}
	done()
	if r.last > 0 {
		r.b.awaitGiveBack(r.queue, want)
	}
	if err != nil {
		return fmt.Errorf("give the peeked messages back to %q: %w", sanitize.Line(r.queue), amqpErr(err))
	}
	return nil
}

// nackInOrder gives back, in order, the messages held that are not to be copied: in steps of at most
// returnStep messages, each one basic.nack(multiple), and each counted ready by the queue before the next
// is sent (see queueRead). others is what the queue held ready besides them.
func (r *queueRead) nackInOrder(ctx context.Context, others int) error {
	end := r.last
	if r.firstCopy != 0 {
		end = r.firstCopy - 1
	}
	for from := uint64(1); from <= end; from += returnStep {
		to := min(from+returnStep-1, end)
		if err := r.ch.Nack(to, true, true); err != nil {
			return err
		}
		if !awaitStep(ctx, r.ch, r.queue, others+int(to)) {
			return nil // consumers are taking them, or the queue is slow: the rest goes back as it may
		}
	}
	return nil
}

// returnStep is the most messages a quorum queue returns in their order at once (measured on 3.10.8:
// up to 32, the size up to which an Erlang map keeps its keys in order).
const returnStep = 32

// awaitStep waits, at most stepWait, until queue counts want ready messages; false when it did not (other
// consumers may be taking them). The consumer count cannot tell: a quorum queue counts a cancelled
// consumer until what it held is settled.
func awaitStep(ctx context.Context, ch *amqp.Channel, queue string, want int) bool {
	for deadline := time.Now().Add(stepWait); time.Now().Before(deadline) && ctx.Err() == nil; {
		q, err := ch.QueueDeclarePassive(queue, false, false, false, false, nil)
		if err != nil {
			return false
		}
		if q.Messages >= want {
			return true
		}
	}
	return false
}

// stepWait bounds the wait for one step of give-backs to count as ready.
const stepWait = time.Second

// copyBack publishes the copies, in order, and acknowledges each original once its copy is confirmed.
// A copy the broker refused leaves its original held, to be given back with the rest, and the peek says
// so.
func (r *queueRead) copyBack(ctx context.Context) error {
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
		if fate != nil {
			refused = append(refused, fate)
			if err := r.ch.Nack(original, false, true); err != nil {
				return err
			}
		}
	}
	// One acknowledgement for all the originals copied (the rest are settled already): measured on
	// 3.10.8, a quorum queue applied it before the channel closed where single ones could come too late.
	if r.copied = len(r.copies) - len(refused); r.copied > 0 {
		if err := r.ch.Ack(r.last, true); err != nil {
			return err
		}
	}
	if len(refused) > 0 {
		return limitError{fmt.Sprintf("%d of the messages copied back were refused by the broker (%v), so they "+
			"were given back instead, which counts toward their delivery limit", len(refused), refused[0])}
	}
	return nil
}

// awaitReady waits until queue counts want ready messages: given-back messages are applied by the queue a
// moment after the nack or the channel close, and a read made right after must see them. It waits at
// most giveBackWait, and gives up sooner once the count has not grown for giveBackStall (consumers are
// taking them).
func awaitReady(ctx context.Context, ch *amqp.Channel, queue string, want int) {
	best, grew := -1, time.Now()
	for deadline := time.Now().Add(giveBackWait); time.Now().Before(deadline) && ctx.Err() == nil; {
		q, err := ch.QueueDeclarePassive(queue, false, false, false, false, nil)
		if err != nil || q.Messages >= want {
			return // counted again
		}
		if q.Messages > best {
			best, grew = q.Messages, time.Now()
		} else if time.Since(grew) > giveBackStall {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// giveBackStall is how long awaitReady waits for a count that does not grow.
const giveBackStall = time.Second

// giveBackWait bounds the wait for given-back messages to count as ready again.
const giveBackWait = 10 * time.Second

// holdError ends a peek that held messages longer than Config.PeekHold.
type holdError struct {
	queue string
	read  int
	hold  time.Duration
}

func (e holdError) Error() string {
	return fmt.Sprintf("stopped reading %q after %d messages: a peek holds what it read away from consumers for at "+
		"most %s (a slow link or a slow reader), and gave them all back; read on from offset %d",
		sanitize.Line(e.queue), e.read, e.hold, e.read)
}
