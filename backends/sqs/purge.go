package sqs

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// Purge deletes every message of queue with PurgeQueue and returns the approximate count it held just
// before. SQS allows one purge of a queue every 60 seconds: a second one is refused with a line that says
// so.
func (b *Backend) Purge(ctx context.Context, queue string) (int64, error) {
	d, err := b.attributes(ctx, queue)
	if err != nil {
		return 0, err
	}
	url, err := b.queueURL(ctx, queue)
	if err != nil {
		return 0, err
	}
	c, cancel := b.call(ctx)
	defer cancel()
	if _, err := b.client.PurgeQueue(c, &sqs.PurgeQueueInput{QueueUrl: &url}); err != nil {
		if isCode(err, "PurgeQueueInProgress", "AWS.SimpleQueueService.PurgeQueueInProgress") {
			if d.Messages == 0 {
				return 0, nil // the earlier purge emptied it: nothing is left to remove
			}
			return 0, fmt.Errorf("%s was purged less than 60 seconds ago, and SQS takes one purge per queue every "+
				"60 seconds: try again in a minute (the earlier purge is still deleting what the queue held)", queue)
		}
		return 0, b.opError("purge "+queue, err)
	}
	return max(d.Messages, 0), nil
}
