package rabbitmq

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/sanitize"
)

var (
	_ backends.Mover       = (*Backend)(nil)
	_ backends.MoveAdvisor = (*Backend)(nil)
)

const (
	// A move's window is how many letters may be published and unconfirmed at once; the source's prefetch
	// (letters delivered and not acknowledged: those in flight, those buffered to be taken next, and up to
	// half a window of kept ones) is twice that. A deep window keeps the broker busy: measured on 3.10.8
	// (2 cores shared with the broker, 100,000 small letters), a window of 4,000 moved 18 % more a second
	// than one of 1,000, and one of 10,000 no more than 4,000. So the window is as deep as maxWindow
	// while the prefetch's letters come to about moveMemory (see windowFor).
	maxWindow     = 4000
	minWindow     = 4
	defaultWindow = 1000 // when the source's sizes are unknown
	// moveMemory is about what the letters a move holds may take: the prefetch, at the source's average
	// letter size.
	moveMemory = 64 << 20
	// letterOverhead is what a delivery takes beyond its body: its properties and headers decoded (an
	// x-death table alone is a few hundred bytes on the wire and several times that decoded) and the
	// client library's bookkeeping.
	letterOverhead = 4 << 10
	maxFailures    = 100
	progressEvery  = 100 * time.Millisecond
)

// windowFor sizes a move's window from what the management API says the source holds: deep for small
// letters, shallow for large ones, so that twice the window's letters come to about moveMemory. The
// sizes are the API's (sampled every few seconds, bodies only): an estimate, since one letter may be far
// larger than the average. ready is the source's count read just now: where the API's count is far below
// it, its figures are from before the queue grew and say nothing of the letters since, and the window is
// defaultWindow, as without figures; so where it counts messages but no bytes yet (seen on 3.10.8 right
// after 80 letters of 1 MiB arrived: 80 messages, 0 bytes). Where all ready letters fit in moveMemory at
// the average size, the deepest is used.
func windowFor(info queueInfo, ready int) int {
	if info.Messages <= 0 || info.MessageBytes <= 0 || int64(ready) > 2*info.Messages {
		return defaultWindow
	}
	perLetter := info.MessageBytes/info.Messages + letterOverhead
	if max(int64(ready), info.Messages)*perLetter <= moveMemory {
		return maxWindow
	}
	return int(min(max(moveMemory/(2*perLetter), minWindow), maxWindow))
}

// Move takes letters out of a queue and publishes each to the target route gives it, acknowledging a
// letter in the source only once the broker confirmed it in its target with no basic.return.
//
// The source is consumed on a channel of its own with a prefetch; publishing goes on another, in confirm
// mode with mandatory, up to a window of letters in flight (see windowFor). A letter the router has no target for is kept;
// one its target refuses (unroutable, a missing exchange, a nack) failed. Both are held unacknowledged
// and given back with one basic.nack(multiple, requeue) at the end, so they stay in the source (in their
// places in a classic queue). A quorum queue counts a give-back toward its delivery limit: there a letter
// the give-back would take to its limit is copied back instead (see keep), and the source is read with
// basic.get rather than consumed (see fetchOneByOne), so that no letter is held that the mover did not
// ask for. Move takes at most what the queue held ready when it began (or req.Max); letters a consumer's
// prefetch brought beyond that are given back untouched, marked redelivered.
//
// A move that stops with letters published but not certainly removed from the source counts them in
// MoveReport.InDoubt and says so, with what a broker crash may bring back on top (see doubts).
//
// Nothing is lost, whenever it stops: a letter leaves the source only after its target confirmed it, and
// every letter not yet acknowledged goes back to the source when the channel or connection closes
// (broker side, even if this process dies). It is at-least-once: a stop between a letter's confirm and
// its acknowledgement leaves it in both places, and the next run moves it again. When ctx ends, Move
// still waits (up to the connect timeout) for the letters in flight, so that few are left in both.
func (b *Backend) Move(ctx context.Context, req backends.MoveRequest, route backends.Router,
	progress func(backends.MoveProgress)) (backends.MoveReport, error) {
	report := backends.MoveReport{PerTarget: map[string]int64{}}
	info, err := b.queueInfo(ctx, req.Source)
	if err != nil {
		return report, err
	}
	if info.Type == typeStream {
		return report, fmt.Errorf("%q is a stream, which never gives its messages up: copy them instead: %w",
			sanitize.Line(req.Source), backends.ErrNotSupported)
	}
	src, done, err := b.channelFor(ctx, info)
	if err != nil {
		return report, err
	}
	defer done() // gives back whatever is still held
	ready, err := b.passive(ctx, src, req.Source)
	if err != nil {
		return report, err
	}
	pub, err := b.channel(ctx)
	if err != nil {
		return report, err
	}
	defer pub.Close()
	window := windowFor(info, ready)
	c, err := newConfirmer[letter](pub, window)
	if err != nil {
		return report, err
	}
	if progress == nil {
		progress = func(backends.MoveProgress) {}
	}
	m := &move{b: b, src: src, window: window, closed: src.NotifyClose(make(chan *amqp.Error, 1)), source: req.Source, total: ready, route: route, c: c,
		exchanges: b.exchangeChecker(), frameMax: b.frameMax(), guard: b.newLimitGuard(info), progress: progress, report: report}
	if req.Max > 0 {
		m.total = min(m.total, req.Max)
	}
	err = m.run(ctx)
	done()
	b.awaitGiveBack(req.Source, ready-int(m.report.Moved))
	return m.report, err
}

// awaitGiveBack waits until the letters this move held (kept, failed, or not reached when it stopped)
// count as ready again in the source, so that a move or peek right after sees them all.
func (b *Backend) awaitGiveBack(queue string, want int) {
	ctx, cancel := context.WithTimeout(context.Background(), giveBackWait)
	defer cancel()
	ch, err := b.channel(ctx)
	if err != nil {
		return // nothing to wait with; the broker still gives them back
	}
	defer ch.Close()
	awaitReady(ctx, ch, queue, want)
}

// letter is what the confirmer carries for each publish: the source delivery to acknowledge.
type letter struct {
	tag    uint64
	pos    int64
	target string
	// copy is the letter as published, kept when giving it back would take it to its delivery limit: a
	// refused letter is then copied back instead (see keep). copiedBack marks the publish of such a copy.
	copy       *amqp.Publishing
	copiedBack bool
}

// move is one Move in progress.
type move struct {
	b         *Backend
	src       *amqp.Channel
	source    string
	total     int
	window    int // letters published and not yet confirmed, at most (see windowFor)
	route     backends.Router
	c         *confirmer[letter]
	exchanges *exchangeChecker
	frameMax  int
	guard     *limitGuard // whether giving a letter back would take it to its delivery limit
	copyAll   bool        // a quorum queue whose limit cannot be read: copy back every letter that stays
	progress  func(backends.MoveProgress)
	report    backends.MoveReport

	deliveries <-chan amqp.Delivery
	closed     chan *amqp.Error // why the source's channel closed
	consumer   string
	next       <-chan amqp.Delivery // the fresh consumer's, once the current one has drained
	unsent     *amqp.Delivery       // the letter take failed on, before publishing it (it ends the move)
	taken      int
	held       int    // kept or failed letters held under the current consumer
	firstHeld  uint64 // the lowest delivery tag held (kept or failed); 0 while none is
	lastHeld   uint64 // the highest
	ackUpTo    uint64 // the highest moved letter not yet acknowledged; 0 when none waits
	gathered   int64  // how many moved letters up to ackUpTo await their acknowledgement
	// Moved letters whose removal from the source is not yet certain: confirmed but not acknowledged
	// (pending), or acknowledged since the broker last answered on the source's channel (unproven). The
	// broker handles a channel's frames in order, so once it answers a later request on that channel every
	// earlier acknowledgement has reached the queue.
	pending, unproven int64
	// unsure holds the target of each letter counted in pending and unproven, oldest first ("" for a copy
	// put back in the source, which moved nothing): a move that stops takes them out of what it moved.
	unsure []string
	told   time.Time
}

func (m *move) run(ctx context.Context) error {
	m.tell(false)
	if m.total == 0 {
		m.tell(true)
		return nil
	}
	var err error
	if m.fetchOneByOne() {
		err = m.getAll(ctx)
	} else if err = m.consume(); err == nil {
		err = m.takeAll(ctx)
	}
	// Settle what is in flight even when ctx ends, before or during the wait: a confirmed letter left
	// unacknowledged would be moved twice.
	settleCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), m.b.cfg.Timeout)
	defer cancel()
	if m.unsent != nil {
		if serr := m.spare(settleCtx, *m.unsent); serr != nil {
			err = cmp.Or(err, serr)
		}
	}
	for m.c.inFlight() > 0 {
		if serr := m.settle(m.c.settle(settleCtx)); serr != nil {
			err = cmp.Or(err, serr)
			break
		}
	}
	if aerr := m.flushAcks(); aerr != nil {
		err = cmp.Or(err, aerr)
	}
	if m.lastHeld > 0 {
		// Kept and failed letters go back now; so would anything else unacknowledged when the channel
		// closes. (A tag already acknowledged would be an error that closes the channel.)
		_ = m.src.Nack(m.lastHeld, true, true)
	}
	if err == nil || ctx.Err() != nil {
		m.prove()
	}
	m.report.InDoubt = int64(m.c.inFlight()) + m.pending + m.unproven
	// An upper bound: a letter in flight may never have reached its target, and an acknowledgement not yet
	// proven may have removed its letter from the source.
	m.report.InDoubtAtMost = m.report.InDoubt > 0
	m.uncountUnsure()
	m.tell(true)
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("move from %q stopped: %w; letters not moved are still there", sanitize.Line(m.source), ctx.Err())
	}
	if err != nil && ctx.Err() == nil {
		err = m.doubts(err)
	}
	return err
}

// doubts adds to the error of a move that failed what may now be in both places, and, when the source's
// channel is gone (a lost connection, a dead broker), what a broker crash may bring back.
func (m *move) doubts(err error) error {
	r := m.report
	source := sanitize.Line(m.source)
	if r.InDoubt > 0 {
		err = fmt.Errorf("%w; up to %d letter%s may now be in both places (published to %s, not certainly removed from %q)",
			err, r.InDoubt, plural(r.InDoubt), targetsOf(r.PerTarget), source)
	}
	if r.Moved > 0 && m.sourceGone(err) {
		// Measured on 3.10.8: a classic queue's node killed a few seconds into a move of 20,000 brought
		// back every letter it had acknowledged; the removals were still in memory.
		err = fmt.Errorf("%w; if the broker itself went down, up to the %d letter%s moved before can come back to %q too, "+
			"since a queue writes removals to disk lazily: count both after it restarts", err, r.Moved, plural(r.Moved), source)
	}
	return fmt.Errorf("%w; a new run moves what %q holds", err, source)
}

// sourceGone says whether the source's channel is gone. A publish that failed on a dead connection can
// return before the client library has closed the source's channel: then it waits a moment for that.
func (m *move) sourceGone(err error) bool {
	if m.src.IsClosed() || !connectionLost(err) {
		return m.src.IsClosed()
	}
	select {
	case <-m.closed:
		return true
	case <-time.After(time.Second):
		return m.src.IsClosed()
	}
}

// connectionLost says whether err is a dead connection: a network error, or the publishing channel closed
// because its connection died (closeError; the source's channel may be closed a moment later).
func connectionLost(err error) bool {
	var netErr net.Error
	var closed closeError
	return errors.As(err, &netErr) || errors.As(err, &closed) && !closed.e.Server
}

// prove asks the broker a question on the source's channel: its answer comes after every acknowledgement
// sent before it has been handled.
func (m *move) prove() {
	if m.unproven == 0 {
		return
	}
	if m.src.Qos(m.prefetch(), 0, false) == nil { // the prefetch it already has
		m.unsure = slices.Delete(m.unsure, 0, int(m.unproven)) // the oldest: acknowledged before pending ones
		m.unproven = 0
	}
}

// uncountUnsure takes the letters whose removal from the source is not certain (they are in InDoubt) out
// of what the move reports moved, so that "moved" is certain, as every other broker's mover reports it.
func (m *move) uncountUnsure() {
	for _, target := range m.unsure {
		if target == "" {
			continue
		}
		m.report.Moved--
		if m.report.PerTarget[target]--; m.report.PerTarget[target] == 0 {
			delete(m.report.PerTarget, target)
		}
	}
	m.unsure = nil
}

// prefetch is how many letters the source's consumer may hold unacknowledged: a window in flight and as
// many again buffered or kept.
func (m *move) prefetch() int { return 2 * m.window }

// keptPerConsumer is how many kept letters (held unacknowledged until the end) one consumer carries before a
// fresh one takes over: a consumer's prefetch counts its own unacknowledged deliveries, so kept letters would
// otherwise stall it.
func (m *move) keptPerConsumer() int { return max(m.window/2, 1) }

func plural(n int64) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// targetsOf names the targets letters were published to, for a one-line message.
func targetsOf(perTarget map[string]int64) string {
	names := slices.Sorted(maps.Keys(perTarget))
	switch len(names) {
	case 0:
		return "their targets"
	case 1:
		return fmt.Sprintf("%q", shownName(names[0]))
	}
	return "their targets"
}

// consume starts a consumer on the source.
func (m *move) consume() error {
	if err := m.src.Qos(m.prefetch(), 0, false); err != nil {
		return fmt.Errorf("read %q: %w", sanitize.Line(m.source), amqpErr(err))
	}
	m.consumer = fmt.Sprintf("mqscope-move-%d", time.Now().UnixNano())
	d, err := m.src.Consume(m.source, m.consumer, false, false, false, false, nil)
	if err != nil {
		return fmt.Errorf("read %q: %w", sanitize.Line(m.source), amqpErr(err))
	}
	m.deliveries, m.held = d, 0
	return nil
}

// fetchOneByOne says whether the source is read with basic.get, one letter per round trip, rather than
// consumed with a prefetch: where the limit guard says give-backs count toward a delivery limit (or the
// queue's type is unknown, so they may). A consumer's prefetch hands over letters the move did not ask
// for, and those it holds when it stops early (--max, a Ctrl-C) go back unjudged: the broker can still
// deliver after basic.cancel-ok, and amqp091-go drops deliveries for a cancelled consumer tag, so the
// mover never sees them, and the channel's close gives them back, +1 each. Measured on 3.10.8 with a limit
// of 2: --max 2000 of 3,000 letters at their limit dead-lettered 170 in 1 run of 4, a Ctrl-C 1-23 in 2 of
// 6. basic.get hands over exactly the letter asked for, so every letter the mover holds passes through
// take, and the limit guard judges each one that stays. It costs a round trip per letter (fetchCost).
func (m *move) fetchOneByOne() bool { return m.guard.counts || m.guard.lazy }

// fetchCost is what reading one letter per round trip costs, measured on 3.10.8 (2 shared cores, a
// quorum queue of 3,000 letters at their limit): 3,000 moved in 4.8-6.2 s, against 0.3-0.4 s consumed.
const fetchCost = "about 500-650 letters a second where a consumer moves about 8,000"

// MoveNotice says, for a plan, when Move reads the source one letter at a time, why, and what it costs.
func (b *Backend) MoveNotice(ctx context.Context, source string) (string, error) {
	info, err := b.queueInfo(ctx, source)
	if err != nil {
		return "", err
	}
	g := b.newLimitGuard(info)
	var why string
	switch {
	case g.counts:
		why = fmt.Sprintf("%s is a quorum queue whose give-backs count toward its delivery limit of %d", shownName(source), g.limit)
	case g.lazy:
		why = fmt.Sprintf("without the management API the type and delivery limit of %s cannot be read", shownName(source))
	default:
		return "", nil
	}
	return why + ", so the redrive takes its letters one at a time (basic.get, a round trip each) rather than " +
		"with a prefetch, and holds no letter it did not ask for: --max or a Ctrl-C gives nothing back unseen, " +
		"and a letter at its limit that stays is copied back; slower: " + fetchCost, nil
}

// getAll takes letters with basic.get until the total or until the source is empty, keeping at most
// a window in flight. Confirmations that arrived are settled before each get. No letter is held that
// take did not see: a get cut off by ctx still hands its letter to take, whose failed publish leaves it to
// spare.
func (m *move) getAll(ctx context.Context) error {
	for m.taken < m.total {
		select {
		case conf, open := <-m.c.next():
			if err := m.settle(m.c.resolve(conf, open)); err != nil {
				return err
			}
			continue
		default:
		}
		if m.c.full() {
			if err := m.settle(m.c.settle(ctx)); err != nil {
				return err
			}
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		d, ok, err := m.src.Get(m.source, false)
		if err != nil {
			return fmt.Errorf("read %q: %w", sanitize.Line(m.source), amqpErr(err))
		}
		if !ok {
			m.othersEmptied()
			return nil
		}
		if err := m.take(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

// takeAll takes letters until the total, keeping at most a window in flight.
func (m *move) takeAll(ctx context.Context) error {
	defer func() { _ = m.src.Cancel(m.consumer, false) }()
	idle := time.NewTicker(emptyCheck)
	defer idle.Stop()
	// waiting is since when the move has been ready for a delivery (room in the window) and had none.
	waiting := time.Now()
	for m.taken < m.total {
		if m.c.full() {
			if err := m.settle(m.c.settle(ctx)); err != nil {
				return err
			}
			waiting = time.Now()
			continue
		}
		select {
		case d, open := <-m.deliveries:
			waiting = time.Now()
			if err := m.delivered(ctx, d, open); err != nil {
				return err
			}
		case conf, open := <-m.c.next():
			if err := m.settle(m.c.resolve(conf, open)); err != nil {
				return err
			}
		case <-idle.C:
			if time.Since(waiting) < emptyCheck {
				continue
			}
			emptied, err := m.sourceEmptied(ctx)
			if err != nil {
				return err
			}
			if emptied {
				m.othersEmptied()
				return nil
			}
			waiting = time.Now()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// othersEmptied ends the move where the source was found empty before the move took all it counted: others
// took the rest meanwhile, and the report says how many.
func (m *move) othersEmptied() {
	m.report.Gone = int64(m.total - m.taken)
	m.total = m.taken
}

// delivered handles what the consumer's channel gave: a letter to take, or its end.
func (m *move) delivered(ctx context.Context, d amqp.Delivery, open bool) error {
	if !open {
		return m.consumerEnded()
	}
	if err := m.take(ctx, d); err != nil {
		return err
	}
	if m.held >= m.keptPerConsumer() && m.next == nil {
		return m.handOver()
	}
	return nil
}

// emptyCheck is how long the move may wait for a delivery, with room in its window, before it asks whether
// the source is empty.
const emptyCheck = time.Second

// sourceEmptied says whether the source holds no ready letter and none is on its way to the move: others
// (another redrive, an application, a purge) took what this move had counted on, and waiting for it would
// wait forever. It is asked only after the move has waited emptyCheck for a delivery, so the client
// library holds none for it (it hands each over as soon as the move waits for one). The broker answers on
// the source's channel after every delivery it sent there before; such a one is waited for a moment
// (emptyGrace) and taken, and the source is then not empty.
func (m *move) sourceEmptied(ctx context.Context) (bool, error) {
	q, err := m.src.QueueDeclarePassive(m.source, false, false, false, false, nil)
	if err != nil {
		return false, fmt.Errorf("count %q: %w", sanitize.Line(m.source), amqpErr(err))
	}
	if q.Messages > 0 || m.next != nil { // a fresh consumer's letters wait behind the current one's end
		return false, nil
	}
	select {
	case d, open := <-m.deliveries:
		return false, m.delivered(ctx, d, open)
	case <-time.After(emptyGrace):
		return true, nil
	}
}

// emptyGrace is how long a delivery sent before the broker's count of an empty source may take to reach
// the move.
const emptyGrace = 100 * time.Millisecond

// spare handles the letter take failed on (not published), which closing the channel would give back:
// the limit guard judges it, as it does a kept one, and it is copied back where a give-back would leave
// it at its delivery limit, else held to be given back. It asks the guard rather than repeat
// fetchOneByOne's test: on a queue of unknown type the guard turns lazy off at the first letter that
// shows it is quorum (copying every letter back from then on), so that test, asked now, would say no.
func (m *move) spare(ctx context.Context, d amqp.Delivery) error {
	if !m.atLimitWhenGivenBack(int64(m.taken), d.Headers) {
		m.hold(d.DeliveryTag)
		return nil
	}
	for m.c.full() {
		if err := m.settle(m.c.settle(ctx)); err != nil {
			return err
		}
	}
	p := forwarding(d, m.b.target.uri.Username)
	return m.copyBack(ctx, letter{tag: d.DeliveryTag, pos: int64(m.taken), copy: &p})
}

// handOver cancels the current consumer and starts a fresh one, whose prefetch is not taken up by the
// letters held so far. The current one's buffered deliveries are taken first.
func (m *move) handOver() error {
	if err := m.src.Cancel(m.consumer, false); err != nil {
		return fmt.Errorf("read %q: %w", sanitize.Line(m.source), amqpErr(err))
	}
	current := m.deliveries
	if err := m.consume(); err != nil {
		return err
	}
	m.next, m.deliveries = m.deliveries, current
	return nil
}

// consumerEnded moves on to the fresh consumer, or reports why deliveries stopped.
func (m *move) consumerEnded() error {
	if m.next != nil {
		m.deliveries, m.next = m.next, nil
		return nil
	}
	why := "deleted, or the connection closed"
	select {
	case e := <-m.closed:
		if e != nil {
			why = closeError{e}.Error()
		}
	default:
	}
	return fmt.Errorf("%q stopped delivering after %d letters (%s)", sanitize.Line(m.source), m.taken, why)
}

// take routes one letter and publishes it, or keeps it as kept or failed. A letter it fails on was not
// published (amqp091 checks ctx before sending): spare sees that one back, judged by the limit guard
// (measured: a Ctrl-C mid-move failed on one letter, which its give-back dead-lettered).
func (m *move) take(ctx context.Context, d amqp.Delivery) (err error) {
	defer func() {
		if err != nil {
			m.unsent = &d
		}
	}()
	pos := int64(m.taken)
	m.taken++
	p := forwarding(d, m.b.target.uri.Username)
	var atRisk *amqp.Publishing
	if m.atLimitWhenGivenBack(pos, d.Headers) {
		atRisk = &p
	}
	target, err := m.route(message(m.source, d, pos))
	if err != nil {
		return m.keep(ctx, letter{tag: d.DeliveryTag, pos: pos, copy: atRisk}, &m.report.Kept, err.Error())
	}
	label := target.Label()
	exchange, key, refused := route(target)
	if refused == nil {
		if err := m.exchanges.check(ctx, exchange); errors.Is(err, backends.ErrNotFound) {
			refused = err
		} else if err != nil {
			return err
		}
	}
	if refused == nil {
		refused = checkFrame(p, m.frameMax)
	}
	l := letter{tag: d.DeliveryTag, pos: pos, target: label, copy: atRisk}
	if refused != nil {
		return m.keep(ctx, l, &m.report.Failed, refused.Error())
	}
	if err := m.c.publish(ctx, exchange, key, p, l); err != nil {
		return fmt.Errorf("publish to %s: %w", shownName(label), err)
	}
	return nil
}

// atLimitWhenGivenBack asks the delivery-limit guard peek uses whether giving this letter back would
// leave it at its limit, or past it: then a letter that stays is copied back rather than given back.
func (m *move) atLimitWhenGivenBack(pos int64, headers amqp.Table) bool {
	copyBack, unknownLimit := m.guard.judge(int(pos), headers)
	m.copyAll = m.copyAll || unknownLimit != nil
	return copyBack || m.copyAll
}

// keep counts a letter that stays in the source. One its give-back would take to its delivery limit is
// copied back (published to the source again, where its count starts afresh) and acknowledged once the
// copy is confirmed; the others are held, and given back at the end. Measured on 3.10.8 with a limit of
// 2 and no dead-letter exchange: four redrives of letters with no origin left none when they were given
// back, all of them when copied back.
func (m *move) keep(ctx context.Context, l letter, count *int64, reason string) error {
	*count++
	m.noteFailure(l, reason)
	if l.copy == nil {
		m.hold(l.tag)
		return nil
	}
	return m.copyBack(ctx, l)
}

// copyBack publishes l's copy to the source again, where its delivery count starts afresh; the letter is
// acknowledged once the copy is confirmed.
func (m *move) copyBack(ctx context.Context, l letter) error {
	l.copiedBack = true
	if err := m.c.publish(ctx, "", m.source, *l.copy, l); err != nil {
		return fmt.Errorf("copy a letter back to %s: %w", shownName(m.source), err)
	}
	return nil
}

// settle handles one confirmation: the letter is acknowledged in the source when its target took it.
func (m *move) settle(l letter, fate, err error) error {
	if err != nil {
		return err
	}
	switch {
	case fate != nil && l.copiedBack:
		m.hold(l.tag) // the copy was refused: giving the letter back is all that is left
		return nil
	case fate != nil:
		// A copy published now is confirmed after letters delivered later: until then no acknowledgement
		// may be "multiple" across this one.
		m.firstHeld = min(cmp.Or(m.firstHeld, l.tag), l.tag)
		return m.keep(context.Background(), l, &m.report.Failed, fate.Error())
	case !l.copiedBack:
		m.report.Moved++
		m.report.PerTarget[l.target]++
	}
	m.pending++
	if l.copiedBack {
		m.unsure = append(m.unsure, "")
	} else {
		m.unsure = append(m.unsure, l.target)
	}
	if err := m.ack(l.tag); err != nil {
		return err
	}
	m.tell(false)
	return nil
}

// ack acknowledges a moved letter. While no letter below it is held, acknowledgements are gathered and
// sent as one basic.ack(multiple) when no other confirmation is waiting: confirmations come in publish
// order, which is delivery order, so every letter below a confirmed one is settled by then, and
// "multiple" acknowledges exactly the moved ones. Above a held letter, which multiple would acknowledge
// too, each goes alone.
func (m *move) ack(tag uint64) error {
	if m.firstHeld != 0 && tag > m.firstHeld {
		if err := m.flushAcks(); err != nil {
			return err
		}
		return m.sendAck(tag, false, 1)
	}
	m.ackUpTo = tag
	m.gathered++
	if len(m.c.next()) > 0 {
		return nil // more confirmations are waiting: acknowledge them together
	}
	return m.flushAcks()
}

// flushAcks sends the gathered acknowledgements.
func (m *move) flushAcks() error {
	if m.ackUpTo == 0 {
		return nil
	}
	tag, n := m.ackUpTo, m.gathered
	m.ackUpTo, m.gathered = 0, 0
	return m.sendAck(tag, true, n)
}

// sendAck acknowledges n pending letters (up to tag, or tag alone), and now and then asks the broker for
// proof that they are gone from the source.
func (m *move) sendAck(tag uint64, multiple bool, n int64) error {
	if err := m.src.Ack(tag, multiple); err != nil {
		return fmt.Errorf("acknowledge moved letters in %q: %w", sanitize.Line(m.source), amqpErr(err))
	}
	m.pending -= n
	m.unproven += n
	if m.unproven >= int64(m.window) { // ask for proof once a window's worth awaits it
		m.prove()
	}
	return nil
}

// hold keeps a letter unacknowledged, to be given back at the end.
func (m *move) hold(tag uint64) {
	if m.firstHeld == 0 || tag < m.firstHeld {
		m.firstHeld = tag
	}
	m.lastHeld = max(m.lastHeld, tag)
	m.held++
	m.tell(false)
}

// noteFailure remembers why a letter stays.
func (m *move) noteFailure(l letter, reason string) {
	if len(m.report.Failures) < maxFailures {
		m.report.Failures = append(m.report.Failures, backends.MoveFailure{Offset: l.pos, Target: l.target, Reason: reason})
	}
}

// tell reports progress now and then, and always when final.
func (m *move) tell(final bool) {
	if !final && time.Since(m.told) < progressEvery {
		return
	}
	m.told = time.Now()
	r := m.report
	m.progress(backends.MoveProgress{Moved: r.Moved, Kept: r.Kept, Failed: r.Failed, Total: int64(m.total)})
}
