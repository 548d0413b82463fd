package sqs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mqscope/mqscope/backends"
)

var _ backends.Describer = (*Backend)(nil)

// describedAttributes are the queue attributes a description shows, in this order, with their unit.
var describedAttributes = []struct{ name, unit string }{
	{"VisibilityTimeout", "s"}, {"MessageRetentionPeriod", "s"}, {"DelaySeconds", "s"},
	{"ReceiveMessageWaitTimeSeconds", "s"}, {"MaximumMessageSize", " bytes"}, {"FifoQueue", ""},
	{"ContentBasedDeduplication", ""}, {"DeduplicationScope", ""}, {"FifoThroughputLimit", ""},
	{"RedriveAllowPolicy", ""}, {"SqsManagedSseEnabled", ""}, {"KmsMasterKeyId", ""}, {"QueueArn", ""},
}

// Describe reads one queue: the listing's figures, its attributes, the source queues of a dead-letter
// queue, and the last message move task of one (running or not), which outlives the mqscope that started it.
func (b *Backend) Describe(ctx context.Context, _ backends.DestinationKind, name string) (backends.Details, error) {
	url, err := b.queueURL(ctx, name)
	if err != nil {
		return backends.Details{}, err
	}
	c, cancel := b.call(ctx)
	out, err := b.client.GetQueueAttributes(c, &sqs.GetQueueAttributesInput{QueueUrl: &url,
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}})
	cancel()
	if err != nil {
		return backends.Details{}, b.opError("read the attributes of "+name, err)
	}
	d := backends.Details{Destination: destination(name, out.Attributes)}
	for _, a := range describedAttributes {
		if v, ok := out.Attributes[a.name]; ok && v != "" {
			d.Properties = append(d.Properties, backends.Property{Name: a.name, Value: v + a.unit})
		}
	}
	if d.Destination.DeadLetterSources, err = b.sources(ctx, name); err != nil {
		return d, err
	}
	if len(d.Destination.DeadLetterSources) > 0 {
		d.Properties = append(d.Properties, backends.Property{Name: "last move task",
			Value: b.lastTaskLine(ctx, out.Attributes["QueueArn"])})
	}
	return d, nil
}

// lastTaskLine says what the last message move task of the queue with arn did, in one line.
func (b *Backend) lastTaskLine(ctx context.Context, arn string) string {
	t, err := b.lastTask(ctx, arn)
	switch {
	case errors.Is(err, backends.ErrNotSupported):
		return "none: this server offers no message move tasks"
	case err != nil:
		return "unknown: " + err.Error()
	case t == nil:
		return "none"
	}
	line := fmt.Sprintf("%s, %d of %d moved, started %s", aws.ToString(t.Status), t.ApproximateNumberOfMessagesMoved,
		aws.ToInt64(t.ApproximateNumberOfMessagesToMove), time.UnixMilli(t.StartedTimestamp).UTC().Format(time.RFC3339))
	if dest := aws.ToString(t.DestinationArn); dest != "" {
		line += ", to " + nameOf(dest)
	} else {
		line += ", each to its source"
	}
	if r := t.MaxNumberOfMessagesPerSecond; r != nil {
		line += ", at most " + strconv.Itoa(int(*r)) + "/s"
	}
	if f := aws.ToString(t.FailureReason); f != "" {
		line += ": " + oneLine(f)
	}
	return line + " (SQS's approximate counts; task " + aws.ToString(t.TaskHandle) + ")"
}
