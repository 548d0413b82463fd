package rabbitmq

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/redact"
	"github.com/mqscope/mqscope/sanitize"
)

// confirmer publishes on a channel in confirm mode, always with mandatory, and tells each message's fate:
// confirmed and routed (nil), returned as unroutable (backends.ErrUnroutable), or refused by the broker.
//
// A confirm alone does not prove delivery: the broker confirms a mandatory message it could route to no
// queue too, after sending it back with basic.return. The return always comes first, on the same channel,
// and amqp091-go hands both over from one goroutine in that order, so every return that belongs to a
// confirmed message is already waiting when its confirmation is read. A return carries the message, not
// its sequence number: it is matched to the oldest unconfirmed publish with the same fingerprint
// (exchange, routing key, message id, correlation id, body). Identical messages to the same place route
// alike, so which of them the return is pinned on changes nothing.
//
// At most window messages are unconfirmed at a time: the notification channels hold that many, so that
// amqp091-go never blocks on them (it drops a notification it cannot hand over within 5 s).
type confirmer[T any] struct {
	ch        *amqp.Channel
	window    int
	confirms  chan amqp.Confirmation
	returns   chan amqp.Return
	closes    chan *amqp.Error // why the channel closed, sent before confirms closes
	pending   map[uint64]*publish[T]
	byPrint   map[uint64][]uint64 // fingerprint → unconfirmed sequence numbers, oldest first
	unmatched bool                // a return matched no publish: no confirmation can be trusted any more
}

type publish[T any] struct {
	payload  T
	print    uint64
	returned *amqp.Return
}

func newConfirmer[T any](ch *amqp.Channel, window int) (*confirmer[T], error) {
	if err := ch.Confirm(false); err != nil {
		return nil, fmt.Errorf("publisher confirms: %w", amqpErr(err))
	}
	c := &confirmer[T]{
		ch: ch, window: window,
		confirms: make(chan amqp.Confirmation, window+1),
		returns:  make(chan amqp.Return, window+1),
		closes:   make(chan *amqp.Error, 1),
		pending:  make(map[uint64]*publish[T], window),
		byPrint:  make(map[uint64][]uint64, window),
	}
	ch.NotifyPublish(c.confirms)
	ch.NotifyReturn(c.returns)
	ch.NotifyClose(c.closes)
	return c, nil
}

// full reports whether window messages await confirmation.
func (c *confirmer[T]) full() bool { return len(c.pending) >= c.window }

// inFlight is how many messages await confirmation.
func (c *confirmer[T]) inFlight() int { return len(c.pending) }

// publish sends p to exchange with key. The caller keeps to the window (see full).
func (c *confirmer[T]) publish(ctx context.Context, exchange, key string, p amqp.Publishing, payload T) error {
	seq := c.ch.GetNextPublishSeqNo()
	if err := c.ch.PublishWithContext(ctx, exchange, key, true, false, p); err != nil {
		return fmt.Errorf("publish: %w", amqpErr(err))
	}
	fp := fingerprint(exchange, key, p.MessageId, p.CorrelationId, p.Body)
	c.pending[seq] = &publish[T]{payload: payload, print: fp}
	c.byPrint[fp] = append(c.byPrint[fp], seq)
	return nil
}

// errChannelClosed is what settling says when the channel closed with messages unconfirmed: their fate is
// unknown.
var errChannelClosed = errors.New("the channel closed before the broker confirmed every message")

// settle waits for the next confirmation and reports the message's payload and fate. It fails when ctx
// ends or the channel closes first.
func (c *confirmer[T]) settle(ctx context.Context) (T, error, error) {
	select {
	case conf, open := <-c.confirms:
		return c.resolve(conf, open)
	case <-ctx.Done():
		var zero T
		return zero, nil, ctx.Err()
	}
}

// next is where confirmations arrive, for callers that wait on other things too; hand what arrives to
// resolve.
func (c *confirmer[T]) next() <-chan amqp.Confirmation { return c.confirms }

// resolve reports the payload and fate of the message a confirmation is for.
func (c *confirmer[T]) resolve(conf amqp.Confirmation, open bool) (T, error, error) {
	var zero T
	if !open {
		return zero, nil, c.closedError()
	}
	if c.takeReturns(); c.unmatched {
		return zero, nil, errors.New("the broker returned a message that matches nothing published: " +
			"stopping, since no confirmation can be trusted")
	}
	p, ok := c.pending[conf.DeliveryTag]
	if !ok {
		return zero, nil, fmt.Errorf("the broker confirmed message %d, which was never published", conf.DeliveryTag)
	}
	delete(c.pending, conf.DeliveryTag)
	c.forget(p.print, conf.DeliveryTag)
	switch {
	case p.returned != nil:
		return p.payload, returnError(p.returned), nil
	case !conf.Ack:
		return p.payload, errors.New("the broker refused it (basic.nack)"), nil
	}
	return p.payload, nil, nil
}

// closedError says why the channel closed under unconfirmed messages, with the broker's reason when it
// gave one (amqp091-go hands the reason over before it closes the confirmations).
func (c *confirmer[T]) closedError() error {
	select {
	case e, ok := <-c.closes:
		if ok && e != nil {
			return closeError{e}
		}
	default:
	}
	return errChannelClosed
}

// closeError is a channel closed by the broker or by a dead connection: it says which and why, and is
// errChannelClosed.
type closeError struct{ e *amqp.Error }

func (e closeError) Error() string {
	reason := redact.Text(sanitize.Line(e.e.Reason))
	switch {
	case e.e.Code == amqp.FrameError && strings.Contains(e.e.Reason, "frame_too_large"):
		return "the broker closed the connection because a frame was larger than its frame_max (" + reason + ")"
	case e.e.Server && channelLevel(e.e.Code):
		return fmt.Sprintf("the broker closed the channel: %d %s", e.e.Code, reason)
	case e.e.Server:
		return fmt.Sprintf("the broker closed the connection: %d %s", e.e.Code, reason)
	}
	return "the connection to the broker was lost (" + reason + ")"
}

func (e closeError) Unwrap() error { return errChannelClosed }

// channelLevel reports whether an AMQP reply code closes only a channel (a soft error); the others
// close the connection.
func channelLevel(code int) bool {
	switch code {
	case amqp.ContentTooLarge, amqp.NoRoute, amqp.NoConsumers, amqp.AccessRefused, amqp.NotFound,
		amqp.ResourceLocked, amqp.PreconditionFailed:
		return true
	}
	return false
}

// takeReturns pins every return waiting on the publish it belongs to.
func (c *confirmer[T]) takeReturns() {
	for {
		select {
		case r, open := <-c.returns:
			if !open { // the channel closed: what was returned is all here
				c.returns = nil
				return
			}
			c.unmatched = c.unmatched || !c.pin(r)
		default:
			return
		}
	}
}

// pin marks the oldest unconfirmed, unreturned publish that r matches as returned.
func (c *confirmer[T]) pin(r amqp.Return) bool {
	fp := fingerprint(r.Exchange, r.RoutingKey, r.MessageId, r.CorrelationId, r.Body)
	for _, seq := range c.byPrint[fp] {
		if p := c.pending[seq]; p.returned == nil {
			p.returned = &r
			return true
		}
	}
	return false
}

func (c *confirmer[T]) forget(fp, seq uint64) {
	seqs := c.byPrint[fp]
	for i, s := range seqs {
		if s == seq {
			seqs = append(seqs[:i], seqs[i+1:]...)
			break
		}
	}
	if len(seqs) == 0 {
		delete(c.byPrint, fp)
	} else {
		c.byPrint[fp] = seqs
	}
}

func returnError(r *amqp.Return) error {
	if r.ReplyCode == amqp.NoRoute {
		return backends.ErrUnroutable
	}
	return fmt.Errorf("%w (the broker returned it: %d %s)", backends.ErrUnroutable, r.ReplyCode, sanitize.Line(r.ReplyText))
}

func fingerprint(exchange, key, messageID, correlationID string, body []byte) uint64 {
	h := fnv.New64a()
	for _, s := range []string{exchange, key, messageID, correlationID} {
		_, _ = h.Write([]byte(s))
		_, _ = h.Write([]byte{0})
	}
	_, _ = h.Write(body)
	return h.Sum64()
}
