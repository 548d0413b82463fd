package rabbitmq

import (
	"fmt"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/sanitize"
)

// limitGuard keeps a peek of a quorum queue from taking messages past their delivery limit.
//
// Measured on RabbitMQ 3.10.8 with x-delivery-limit 2 and a dead-letter exchange: successive takes
// (basic.get) of one message showed x-delivery-count 0, 1, 2, and the give-back after the third
// (basic.nack with requeue, or closing the channel: both count) dead-lettered it. So a message taken
// with x-delivery-count c is ended by its give-back — dead-lettered, or dropped when the queue has no
// dead-letter exchange — exactly when c ≥ limit. A message survives `limit` give-backs; after the
// give-back of a take at c = limit−1 it is at its limit, and the next give-back of any kind (another
// peek, a consumer's nack, a consumer's crash) ends it.
//
// The count is known only once the message is taken, and a taken message must go back. Hence:
//   - a peek stops at the first message taken with c ≥ limit−1, gives it back with the others, and says
//     so with an error wrapping backends.ErrDeliveryLimit;
//   - the Backend remembers that the queue holds a message at its limit and refuses later peeks of it
//     before taking anything, until a peek finds the queue empty;
//   - a message taken at c ≥ limit (put there by consumers, or by the peeks of another process) cannot
//     be saved: the error says it was dead-lettered or dropped.
//
// No rule without memory does better: every peek takes the head first, so the (limit+1)-th peek of a
// fresh queue meets its head at the limit whatever it decides. Memory is per Backend: one CLI run after
// another starts afresh, and the run that stops says that the next peek would end the message.
//
// From RabbitMQ 4.3 a give-back counts in x-acquired-count, and only rejects and crashes count toward the
// limit: no guard. 4.0–4.2 apply a limit of 20 to quorum queues that set none.
type limitGuard struct {
	b      *Backend
	queue  string
	counts bool   // give-backs count toward a limit here
	lazy   bool   // the queue's type is unknown (no management API): x-delivery-count turns the guard on
	limit  int    // the effective limit; 0 when it cannot be read
	drops  bool   // no dead-letter exchange: a message past its limit is dropped
	dlx    string // the dead-letter exchange otherwise
}

// unknownLimit is the limit assumed for a quorum queue whose limit cannot be read (no management API):
// the smallest that lets a message be looked at twice.
const unknownLimit = 2

// defaultLimit4 is the delivery limit RabbitMQ 4.0–4.2 apply to quorum queues that set none.
const defaultLimit4 = 20

func (b *Backend) newLimitGuard(info queueInfo) *limitGuard {
	g := &limitGuard{b: b, queue: info.Name}
	major, minor := b.brokerVersion()
	if major > 4 || major == 4 && minor >= 3 {
		return g
	}
	switch info.Type {
	case "":
		g.lazy = true
		return g
	case typeQuorum:
	default:
		return g
	}
	g.drops = true
	if dl := info.DeadLetter; dl != nil {
		g.limit, g.drops, g.dlx = dl.DeliveryLimit, !dl.HasExchange, dl.Exchange
	}
	if g.limit == 0 && major == 4 {
		g.limit = defaultLimit4
	}
	g.counts = g.limit > 0
	return g
}

// effective is the limit the guard works with.
func (g *limitGuard) effective() int {
	if g.limit > 0 {
		return g.limit
	}
	return unknownLimit
}

// quorumNotice is the sentence PeekEffects adds for a quorum queue without a guarded limit.
const quorumNotice = "A quorum queue puts what is given back at its back, so mqscope reads on to the end to keep " +
	"the order, up to 10,000 messages; beyond that a peek moves what it read behind the rest."

// notice is the sentence PeekEffects adds for a guarded queue.
func (g *limitGuard) notice() string {
	end := "dead-lettered"
	if g.drops {
		end = "dropped (the queue has no dead-letter exchange)"
	}
	if g.limit <= 0 {
		return "Each give-back also counts toward this quorum queue's delivery limit, which cannot be read without " +
			"the management API: a peek stops at a message that was already given back, and what it read goes to the back."
	}
	return fmt.Sprintf("Each give-back also counts toward this quorum queue's delivery limit of %d, past which a message is %s: "+
		"a peek stops at a message with one give-back left, and what it read goes to the back of the queue.", g.limit, end)
}

// before refuses a peek when an earlier one left a message of the queue at its limit, unless the queue is
// now empty.
func (g *limitGuard) before(ready int) error {
	if !g.counts && !g.lazy {
		return nil
	}
	if ready == 0 {
		g.b.setAtLimit(g.queue, false)
		return nil
	}
	if !g.b.isAtLimit(g.queue) {
		return nil
	}
	return limitError{fmt.Sprintf("an earlier peek left a message of quorum queue %q at its delivery limit of %d: "+
		"peeking again would %s it; consume it, or raise the limit, before peeking further",
		sanitize.Line(g.queue), g.effective(), g.fate())}
}

// after looks at the message taken at pos and says whether the peek must stop there.
func (g *limitGuard) after(pos int, headers amqp.Table) error {
	count, quorumDelivery := headers[headerDeliveryCount]
	if g.lazy && quorumDelivery {
		g.counts, g.lazy = true, false // a quorum queue, limit unknown
	}
	if !g.counts {
		return nil
	}
	c, _ := wholeNumber(count)
	limit := int64(g.effective())
	if c < limit-1 {
		return nil
	}
	g.b.setAtLimit(g.queue, true)
	if c >= limit {
		return limitError{fmt.Sprintf("message %d of quorum queue %q had already been given back %d times, its delivery "+
			"limit, when this peek took it: giving it back %s it; the peek stopped there",
			pos, sanitize.Line(g.queue), c, g.fated())}
	}
	return limitError{fmt.Sprintf("peek of quorum queue %q stopped at message %d: it has now been given back %d times, "+
		"its delivery limit, and the next give-back (another peek, or a consumer's reject) will %s it; "+
		"consume it, or raise the limit, before peeking further", sanitize.Line(g.queue), pos, c+1, g.fate())}
}

func (g *limitGuard) fate() string {
	if g.limit <= 0 {
		return "dead-letter (or drop)" // without the management API neither is known
	}
	if g.drops {
		return "drop" // said of a queue without a dead-letter exchange
	}
	return "dead-letter"
}

func (g *limitGuard) fated() string {
	if g.limit <= 0 {
		return "dead-lettered or dropped"
	}
	if g.drops {
		return "dropped"
	}
	return fmt.Sprintf("dead-lettered (exchange %q)", sanitize.Line(g.dlx))
}

// limitError says why a peek stopped, wrapping backends.ErrDeliveryLimit without repeating its text.
type limitError struct{ msg string }

func (e limitError) Error() string { return e.msg }
func (e limitError) Unwrap() error { return backends.ErrDeliveryLimit }

func (b *Backend) setAtLimit(queue string, at bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !at {
		delete(b.atLimit, queue)
		return
	}
	if b.atLimit == nil {
		b.atLimit = map[string]struct{}{}
	}
	b.atLimit[queue] = struct{}{}
}

func (b *Backend) isAtLimit(queue string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, at := b.atLimit[queue]
	return at
}
