package rabbitmq

import (
	"context"
	"errors"
	"fmt"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/sanitize"
)

var _ backends.Publisher = (*Backend)(nil)

// publishWindow is how many messages may await the broker's confirmation at once.
const publishWindow = 1000

// Publish sends each message to its target with publisher confirms and mandatory, on a channel of its
// own, and waits until the broker has confirmed every one. A message no queue receives is
// backends.ErrUnroutable; one for an exchange that does not exist is backends.ErrNotFound (checked
// first: publishing there would close the channel).
//
// Target.Destination goes through the default exchange with the queue's name as routing key, which
// reaches exactly that queue; Target.Exchange goes to that exchange with Target.RoutingKey. Body,
// properties and typed headers are sent as the message carries them (see publishing).
func (b *Backend) Publish(ctx context.Context, msgs []backends.Outgoing) ([]error, error) {
	errs := make([]error, len(msgs))
	ch, err := b.channel(ctx)
	if err != nil {
		return nil, err
	}
	defer ch.Close()
	defer closeOnDone(ctx, ch)()
	c, err := newConfirmer[int](ch, publishWindow)
	if err != nil {
		return nil, err
	}
	exchanges, frameMax := b.exchangeChecker(), b.frameMax()
	for i, o := range msgs {
		for c.full() {
			if err := settleInto(ctx, c, msgs, errs); err != nil {
				return errs, err
			}
		}
		exchange, key, err := route(o.Target)
		if err == nil {
			err = exchanges.check(ctx, exchange)
		}
		var p amqp.Publishing
		if err == nil {
			p, err = publishing(o.Message, b.target.uri.Username)
		}
		if err == nil {
			err = checkFrame(p, frameMax)
		}
		if err == nil {
			err = c.publish(ctx, exchange, key, p, i)
			if err != nil {
				return errs, broken(ctx, err)
			}
		}
		errs[i] = targetError(o.Target, err)
	}
	for c.inFlight() > 0 {
		if err := settleInto(ctx, c, msgs, errs); err != nil {
			return errs, err
		}
	}
	return errs, nil
}

func settleInto(ctx context.Context, c *confirmer[int], msgs []backends.Outgoing, errs []error) error {
	i, fate, err := c.settle(ctx)
	if err != nil {
		return broken(ctx, err)
	}
	errs[i] = targetError(msgs[i].Target, fate)
	return nil
}

// broken is the batch error when publishing cannot go on: why it stopped first, then that what was not
// confirmed may or may not have arrived.
func broken(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	return fmt.Errorf("%w; publishing stopped, and the messages not yet confirmed may or may not have arrived", err)
}

// route is where a target's messages are published: the default exchange with the queue's name, or the
// exchange and routing key given. Names too long for AMQP are refused here.
func route(t backends.Target) (exchange, key string, err error) {
	if t.Exchange != nil {
		return *t.Exchange, t.RoutingKey, checkNames(*t.Exchange, t.RoutingKey, false)
	}
	if t.Destination == "" {
		return "", "", errors.New("no queue or exchange given")
	}
	return "", t.Destination, checkNames("", t.Destination, true)
}

func targetError(t backends.Target, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", shownName(t.Label()), err)
}

// exchangeChecker remembers which exchanges exist, for one operation.
type exchangeChecker struct {
	b     *Backend
	known map[string]error
}

func (b *Backend) exchangeChecker() *exchangeChecker {
	return &exchangeChecker{b: b, known: map[string]error{"": nil}}
}

// check says whether exchange exists (passive declare, on a channel of its own: a missing exchange closes
// the channel that asked).
func (x *exchangeChecker) check(ctx context.Context, exchange string) error {
	if err, ok := x.known[exchange]; ok {
		return err
	}
	ch, err := x.b.channel(ctx)
	if err != nil {
		return err
	}
	defer ch.Close()
	err = ch.ExchangeDeclarePassive(exchange, "direct", false, false, false, false, nil)
	var aerr *amqp.Error
	switch {
	case errors.As(err, &aerr) && aerr.Code == amqp.NotFound:
		err = notFoundError{fmt.Sprintf("no exchange %q in vhost %q", sanitize.Line(exchange), sanitize.Line(x.b.vhost))}
	case err != nil:
		return fmt.Errorf("check exchange %q: %w", sanitize.Line(exchange), amqpErr(err))
	}
	x.known[exchange] = err
	return err
}
