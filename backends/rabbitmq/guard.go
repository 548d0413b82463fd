package rabbitmq

import (
	"fmt"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/sanitize"
)

// limitGuard decides how a peek of a quorum queue gives each message back, so that no sequence of
// peeks, in one process or in many, takes a message past its delivery limit.
//
// Measured on RabbitMQ 3.10.8: a message taken with x-delivery-count c is ended by its give-back —
// dead-lettered, or dropped when the queue has no dead-letter exchange — exactly when c ≥ limit (a limit
// of 0 ends every message at its first give-back). Every way of giving back counts: basic.nack or
// basic.reject with requeue, cancelling the consumer, closing the channel or the connection. And the
// queue puts what comes back at its back, so each peek meets a different head, whose count it cannot know
// before taking it.
//
// Hence one invariant, which needs no memory between peeks: a peek never leaves a message at its limit.
//   - A message taken with c ≤ limit−2 is given back: it then has c+1 ≤ limit−1, so any later take of it
//     is safe, even one whose process dies and lets the closing channel give it back.
//   - A message taken with c ≥ limit−1 is not given back but copied back: its body, properties and
//     headers are published to the queue (default exchange, mandatory, confirmed), and the original is
//     acknowledged only once the copy is confirmed. The copy starts at count 0 and arrives through the
//     default exchange. Should mqscope die between the confirm and the acknowledgement, the original comes
//     back as well, still alive: a duplicate, never a loss. A queue with a limit puts a given-back
//     message at its front and a copy at its back (measured on 3.10.8), so everything the peek read
//     after the first copy is copied too, and reads on to the end if it stopped short: the order holds.
//
// What a peek still cannot save is a message that consumers' own rejects left at its limit, taken by a
// peek whose process then dies before the copy is confirmed: any give-back ends it.
//
// Which brokers count: 3.x where a limit is set (argument or policy; the lower wins); 4.0–4.2 always, with
// a limit of 20 where none is set (a negative limit turns it off); from 4.3 a give-back by basic.nack
// counts in x-acquired-count and not toward the limit, so nothing is copied.
type limitGuard struct {
	counts bool   // give-backs count toward a limit here
	lazy   bool   // the queue's type is unknown (no management API): x-delivery-count says it is quorum
	limit  int    // the effective limit, when counts
	drops  bool   // no dead-letter exchange: a message past its limit is dropped
	dlx    string // the dead-letter exchange otherwise
	queue  string
}

// defaultLimit4 is the delivery limit RabbitMQ 4.0–4.2 apply to quorum queues that set none.
const defaultLimit4 = 20

func (b *Backend) newLimitGuard(info queueInfo) *limitGuard {
	g := &limitGuard{queue: info.Name}
	major, minor := b.brokerVersion()
	if major > 4 || major == 4 && minor >= 3 {
		return g // nack does not count toward the limit
	}
	switch info.Type {
	case "":
		g.lazy = true
		return g
	case typeQuorum:
	default:
		return g
	}
	dl := info.DeadLetter
	if dl == nil {
		dl = &backends.DeadLetterConfig{}
	}
	g.drops, g.dlx = !dl.HasExchange, dl.Exchange
	switch v3 := major > 0 && major < 4; {
	case !dl.HasDeliveryLimit && v3:
		return g // no limit
	case !dl.HasDeliveryLimit:
		g.limit = defaultLimit4 // 4.0–4.2, or a version the broker did not say
	case dl.DeliveryLimit < 0 && !v3:
		return g // 4.x: a negative limit means none
	default:
		g.limit = max(dl.DeliveryLimit, 0)
	}
	g.counts = true
	return g
}

// judge looks at the message just taken at pos: copy is true when it must be copied back rather than
// given back, and stop, when not nil, ends the peek after this message.
func (g *limitGuard) judge(pos int, headers amqp.Table) (copy bool, stop error) {
	count, quorum := headers[headerDeliveryCount]
	if g.lazy && quorum {
		// A quorum queue whose limit cannot be read: copying is safe whatever the limit is; stop there.
		g.lazy = false
		return true, limitError{fmt.Sprintf("%q is a quorum queue, and without the management API its delivery "+
			"limit cannot be read: every peek counts toward that limit, so mqscope copied message %d back "+
			"(published again, its count starting afresh) and read no further; give the management API "+
			"(--rabbitmq-api) to peek this queue", sanitize.Line(g.queue), pos)}
	}
	if !g.counts {
		return false, nil
	}
	c, _ := wholeNumber(count)
	return c >= int64(g.limit)-1, nil
}

// quorumNotice is the sentence PeekEffects adds for a quorum queue whose give-backs do not count.
const quorumNotice = "A quorum queue puts what is given back at its back, so mqscope reads on to the end to keep " +
	"the order, up to 10,000 messages; beyond that a peek moves what it read behind the rest."

// notice is the sentence PeekEffects adds for a queue whose give-backs count.
func (g *limitGuard) notice() string {
	return fmt.Sprintf("Each give-back also counts toward this quorum queue's delivery limit of %d, past which a "+
		"message is %s. So mqscope never gives back a message with fewer than two deliveries left: from the first "+
		"such message on, what it read is copied back instead (published to the queue again, then removed), in "+
		"order, with the same body, properties and headers, but a delivery count starting afresh and the default "+
		"exchange as the one it came through.", g.limit, g.fate())
}

func (g *limitGuard) fate() string {
	if g.drops {
		return "dropped (the queue has no dead-letter exchange)"
	}
	return fmt.Sprintf("dead-lettered (exchange %q)", sanitize.Line(g.dlx))
}

// limitError says why a peek stopped, wrapping backends.ErrDeliveryLimit without repeating its text.
type limitError struct{ msg string }

func (e limitError) Error() string { return e.msg }
func (e limitError) Unwrap() error { return backends.ErrDeliveryLimit }
