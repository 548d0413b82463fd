package sqs

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mqscope/mqscope/backends"
)

// batchSize is the most entries SendMessageBatch takes.
const batchSize = 10

// maxDelay is the longest delay SQS takes.
const maxDelay = 15 * time.Minute

// Publish sends each message to its queue, in order, up to ten in one SendMessageBatch: SQS answers each
// entry, and an answer is SQS's confirmation that the message is stored. Headers go as String message
// attributes (Binary where they are not text). A FIFO message keeps its Message.SQS group and
// deduplication id; one without a deduplication id is given a fresh one, so that it is never taken for a
// duplicate of an earlier message.
func (b *Backend) Publish(ctx context.Context, msgs []backends.Outgoing) ([]error, error) {
	errs := make([]error, len(msgs))
	for start := 0; start < len(msgs); {
		end := start + 1
		for end < len(msgs) && end-start < batchSize && msgs[end].Target.Destination == msgs[start].Target.Destination {
			end++
		}
		if err := b.sendBatch(ctx, msgs[start:end], errs[start:end]); err != nil {
			return nil, err
		}
		start = end
	}
	return errs, nil
}

// sendBatch sends msgs, all to one queue, filling errs; its own error means nothing can be said.
func (b *Backend) sendBatch(ctx context.Context, msgs []backends.Outgoing, errs []error) error {
	queue := msgs[0].Target.Destination
	url, err := b.queueURL(ctx, queue)
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
		return nil
	}
	entries := make([]types.SendMessageBatchRequestEntry, 0, len(msgs))
	at := map[string]int{}
	for i, m := range msgs {
		e, err := entry(queue, m)
		if err != nil {
			errs[i] = err
			continue
		}
		e.Id = aws.String(strconv.Itoa(i))
		at[*e.Id] = i
		entries = append(entries, e)
	}
	if len(entries) == 0 {
		return nil
	}
	c, cancel := b.call(ctx)
	defer cancel()
	out, err := b.client.SendMessageBatch(c, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: entries})
	if err != nil {
		return b.opError("send to "+queue, err)
	}
	for _, f := range out.Failed {
		errs[at[aws.ToString(f.Id)]] = fmt.Errorf("SQS refused the message for %s: %s: %s", queue,
			aws.ToString(f.Code), aws.ToString(f.Message))
	}
	return nil
}

// entry is one message as SendMessageBatch takes it.
func entry(queue string, m backends.Outgoing) (types.SendMessageBatchRequestEntry, error) {
	e := types.SendMessageBatchRequestEntry{MessageBody: aws.String(string(m.Message.Body))}
	if !utf8.Valid(m.Message.Body) {
		return e, fmt.Errorf("the body is not UTF-8 text, and SQS takes only text bodies (send binary data "+
			"base64-encoded): %w", backends.ErrNotSupported)
	}
	if d := m.Target.Delay; d > 0 {
		if d > maxDelay {
			return e, fmt.Errorf("delay %s: SQS delays a message by at most 15 minutes", d)
		}
		if isFIFO(queue) {
			return e, fmt.Errorf("delay: %s is a FIFO queue, which takes no per-message delay (set the queue's "+
				"DelaySeconds instead)", queue)
		}
		e.DelaySeconds = int32(d / time.Second)
	}
	if len(m.Message.Headers) > 0 {
		e.MessageAttributes = map[string]types.MessageAttributeValue{}
		for _, h := range m.Message.Headers {
			if len(h.Value) == 0 {
				return e, fmt.Errorf("header %q is empty, and SQS takes no empty attribute values", h.Key)
			}
			e.MessageAttributes[h.Key] = attributeValue(h.Value)
		}
	}
	s := m.Message.SQS
	switch {
	case isFIFO(queue) && (s == nil || s.GroupID == ""):
		return e, fmt.Errorf("%s is a FIFO queue: give the message a group id (--group)", queue)
	case isFIFO(queue):
		e.MessageGroupId = aws.String(s.GroupID)
		e.MessageDeduplicationId = aws.String(cmp.Or(s.DeduplicationID, freshID()))
	case s != nil && s.GroupID != "":
		// Standard queues take a group id too (fair queues), and ignore a deduplication id they refuse.
		e.MessageGroupId = aws.String(s.GroupID)
	}
	return e, nil
}

func attributeValue(v []byte) types.MessageAttributeValue {
	if utf8.Valid(v) {
		return types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(string(v))}
	}
	return types.MessageAttributeValue{DataType: aws.String("Binary"), BinaryValue: v}
}

func freshID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
