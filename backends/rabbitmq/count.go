package rabbitmq

import (
	"context"
	"errors"
	"fmt"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/backends"
)

var _ backends.QueueCounter = (*Backend)(nil)

// QueueCount says how many messages are ready in queue and how many consumers it has, from a passive
// queue.declare: exact and current, where the management API's figures are samples, and missing for a
// while after a restart.
func (b *Backend) QueueCount(ctx context.Context, queue string) (int64, int, error) {
	info, err := b.queueInfo(ctx, queue)
	if err != nil {
		return 0, 0, err
	}
	ch, done, err := b.channelFor(ctx, info)
	if err != nil {
		return 0, 0, err
	}
	defer done()
	defer closeOnDone(ctx, ch)()
	q, err := ch.QueueDeclarePassive(queue, false, false, false, false, nil)
	var aerr *amqp.Error
	switch {
	case errors.As(err, &aerr) && aerr.Code == amqp.NotFound:
		return 0, 0, b.missingQueue(ctx, queue)
	case err != nil && ctx.Err() != nil:
		return 0, 0, fmt.Errorf("count %s: %w", quoted(queue), ctx.Err())
	case err != nil:
		return 0, 0, fmt.Errorf("count %s: %w", quoted(queue), amqpErr(err))
	}
	return int64(q.Messages), q.Consumers, nil
}
