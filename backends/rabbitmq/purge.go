package rabbitmq

import (
	"context"
	"errors"
	"fmt"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/sanitize"
)

var _ backends.Purger = (*Backend)(nil)

// Purge removes every ready message from queue and says how many it removed (AMQP queue.purge). Messages
// delivered and not yet acknowledged stay: they belong to their consumers until acked or returned.
//
// Streams cannot be purged (their retention settings remove old segments), and the broker answers a
// purge of one by closing the whole connection; so the queue's type is checked first, or, without the
// management API, the purge runs on a connection of its own.
func (b *Backend) Purge(ctx context.Context, queue string) (int64, error) {
	info, err := b.queueInfo(ctx, queue)
	if err != nil {
		return 0, err
	}
	if info.Type == typeStream {
		return 0, fmt.Errorf("%q is a stream, which cannot be purged (its retention settings remove old messages): %w",
			sanitize.Line(queue), backends.ErrNotSupported)
	}
	ch, done, err := b.channelFor(ctx, info)
	if err != nil {
		return 0, err
	}
	defer done()
	defer closeOnDone(ctx, ch)()
	n, err := ch.QueuePurge(queue, false)
	var aerr *amqp.Error
	switch {
	case errors.As(err, &aerr) && aerr.Code == amqp.NotFound:
		return 0, b.missingQueue(ctx, queue)
	case err != nil && ctx.Err() != nil:
		return 0, fmt.Errorf("purge %q: %w", sanitize.Line(queue), ctx.Err())
	case err != nil:
		return 0, fmt.Errorf("purge %q: %w", sanitize.Line(queue), amqpErr(err))
	}
	return int64(n), nil
}

// channelFor opens a channel for an operation on the queue info describes. When its type is unknown
// (no management API) the channel is on a connection of its own, since the broker closes the whole
// connection on operations a stream does not support. done releases it.
func (b *Backend) channelFor(ctx context.Context, info queueInfo) (ch *amqp.Channel, done func(), err error) {
	if info.Type != "" {
		ch, err = b.channel(ctx)
		if err != nil {
			return nil, nil, err
		}
		return ch, func() { _ = ch.Close() }, nil
	}
	conn, err := b.ownConnection(ctx)
	if err != nil {
		return nil, nil, err
	}
	ch, err = conn.Channel()
	if err != nil {
		_ = conn.Close()
		return nil, nil, fmt.Errorf("open a channel to %s: %w", b.target.shownURL, amqpErr(err))
	}
	return ch, func() { _ = conn.Close() }, nil
}
