package sqs

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/mqscope/mqscope/backends"
)

var (
	_ backends.DestinationCreator = (*Backend)(nil)
	_ backends.DestinationDeleter = (*Backend)(nil)
)

// CreateDestination creates a queue: FIFO where spec.FIFO says so or the name ends in .fifo (SQS ties the
// two), with a redrive policy where spec names a dead-letter queue, and spec.Configs as further queue
// attributes (VisibilityTimeout, MessageRetentionPeriod, ...). One that exists already is ErrExists: SQS
// itself would take an identical CreateQueue as a no-op.
func (b *Backend) CreateDestination(ctx context.Context, spec backends.DestinationSpec) error {
	attrs, err := b.queueAttributes(ctx, spec)
	if err != nil {
		return err
	}
	c, cancel := b.call(ctx)
	defer cancel()
	out, err := b.client.CreateQueue(c, &sqs.CreateQueueInput{QueueName: &spec.Name, Attributes: attrs})
	if err != nil {
		if isCode(err, "QueueAlreadyExists", "QueueNameExists", "AWS.SimpleQueueService.QueueNameExists") {
			return fmt.Errorf("queue %s: %w", spec.Name, backends.ErrExists)
		}
		return b.opError("create queue "+spec.Name, err)
	}
	b.remember(spec.Name, aws.ToString(out.QueueUrl))
	return nil
}

// ValidateDestination checks what CreateDestination would send, creating nothing: the name and type, that
// the queue does not exist yet, and the dead-letter queue and its type.
func (b *Backend) ValidateDestination(ctx context.Context, spec backends.DestinationSpec) error {
	_, err := b.queueAttributes(ctx, spec)
	return err
}

// queueAttributes are the attributes a CreateQueue of spec sends, checked first.
func (b *Backend) queueAttributes(ctx context.Context, spec backends.DestinationSpec) (map[string]string, error) {
	fifo := spec.FIFO || isFIFO(spec.Name)
	switch {
	case spec.Type != "" || len(spec.Arguments) > 0:
		return nil, errors.New("a queue type and queue arguments are RabbitMQ's; an SQS queue takes attributes")
	case spec.FIFO && !isFIFO(spec.Name):
		return nil, fmt.Errorf("a FIFO queue's name must end in .fifo: %s.fifo", spec.Name)
	case spec.DeadLetterQueue == "" && spec.MaxReceiveCount != 0:
		return nil, errors.New("a maxReceiveCount needs a dead-letter queue to send messages to")
	case spec.DeadLetterQueue != "" && (spec.MaxReceiveCount < 1 || spec.MaxReceiveCount > 1000):
		return nil, fmt.Errorf("a redrive policy needs a maxReceiveCount from 1 to 1000, not %d", spec.MaxReceiveCount)
	case spec.DeadLetterQueue != "" && isFIFO(spec.DeadLetterQueue) != fifo:
		return nil, fmt.Errorf("a queue's dead-letter queue must be of its type, and %s", oneFIFO(spec.Name, spec.DeadLetterQueue))
	}
	c, cancel := b.call(ctx)
	_, err := b.client.GetQueueUrl(c, &sqs.GetQueueUrlInput{QueueName: &spec.Name}) // not the cache: it may be gone
	cancel()
	switch {
	case err == nil:
		return nil, fmt.Errorf("queue %s: %w", spec.Name, backends.ErrExists)
	case !isCode(err, "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"):
		return nil, b.opError("look up queue "+spec.Name, err)
	}
	attrs := maps.Clone(spec.Configs)
	if attrs == nil {
		attrs = map[string]string{}
	}
	if fifo {
		attrs["FifoQueue"] = "true"
	}
	if spec.DeadLetterQueue != "" {
		arn, err := b.arnOf(ctx, spec.DeadLetterQueue)
		if err != nil {
			return nil, fmt.Errorf("dead-letter queue: %w", err)
		}
		attrs["RedrivePolicy"] = fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"%d"}`, arn, spec.MaxReceiveCount)
	}
	return attrs, nil
}

// DeleteDestination deletes a queue and its messages. SQS has no conditional delete: IfEmpty is checked
// first on SQS's approximate counts (a message sent in between still goes), and IfUnused cannot be, since
// SQS does not know its consumers.
func (b *Backend) DeleteDestination(ctx context.Context, name string, opts backends.DeleteOptions) error {
	if opts.IfUnused {
		return errors.New("SQS cannot tell whether anything consumes a queue, so it cannot delete one only if unused")
	}
	url, err := b.queueURL(ctx, name)
	if err != nil {
		return err
	}
	if opts.IfEmpty {
		d, err := b.attributes(ctx, name)
		if err != nil {
			return err
		}
		switch {
		case !backends.Known(d.Messages):
			return fmt.Errorf("SQS gave no message counts for queue %s, and only an empty one was to go", name)
		case d.Messages > 0:
			return fmt.Errorf("queue %s holds ~%d messages (visible, in flight or delayed), and only an empty one was to go",
				name, d.Messages)
		}
	}
	c, cancel := b.call(ctx)
	defer cancel()
	if _, err := b.client.DeleteQueue(c, &sqs.DeleteQueueInput{QueueUrl: &url}); err != nil {
		return b.opError("delete queue "+name, err)
	}
	b.mu.Lock()
	delete(b.urls, name)
	b.mu.Unlock()
	return nil
}
