package sqs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/sanitize"
)

// How a peek reads. SQS has no browse: a peek receives messages with a visibility timeout of its own,
// keeps them invisible while it reads on (so that it does not meet them again), and hands them all back
// with ChangeMessageVisibility 0 when it ends. Each receive raises the message's ApproximateReceiveCount.
const (
	// peekVisibility is how long a peeked message stays invisible at most: should mqscope die before it
	// hands the messages back, SQS makes them visible again after this.
	peekVisibility = 60 * time.Second
	// maxPeek bounds what one peek holds invisible.
	maxPeek = 1000
)

// The guard. SQS delivers a message while its receive count, raised by that receive, is at most
// maxReceiveCount; the receive after that moves it to the dead-letter queue instead. A client cannot know a
// message's count before it receives it. Hence one invariant, which needs no memory between peeks: a peek
// never hands back a message whose count it raised to maxReceiveCount−1 or more.
//   - A message received with count c ≤ max−2 is handed back: a later peek takes it to at most max−1,
//     which SQS still delivers, and that peek copies it back.
//   - A message received with count c ≥ max−1 is copied back: its body and attributes are sent to the
//     queue again (FIFO: in its group, with a deduplication id of its own), and the original deleted once
//     SQS confirmed the copy. The copy starts at count 0, with a new message id, at the back of the queue
//     (of its group, for FIFO). Should mqscope die between the send and the delete, the original comes
//     back too: a duplicate, never a loss.
//
// What no client can save is a message that consumers left at maxReceiveCount: SQS moves it to the
// dead-letter queue on the next receive, whoever asks, as it would on the consumer's own next try.

// PeekEffects says what a peek of queue costs, before the first one.
func (b *Backend) PeekEffects(ctx context.Context, queue string) (backends.PeekEffects, error) {
	d, err := b.attributes(ctx, queue)
	if err != nil {
		return backends.PeekEffects{}, err
	}
	eff := backends.PeekEffects{CountsDeliveries: true, Notice: fmt.Sprintf("SQS has no browse: a peek receives "+
		"each message, which raises its receive count by 1 and hides it from consumers for up to %s, and then "+
		"hands it back (visibility 0).", peekVisibility)}
	if isFIFO(queue) {
		eff.Notice += " A FIFO queue hands out a message group's next messages only once those before are handed " +
			"back, so a peek sees the first messages of each group."
	}
	if p := d.Redrive; p != nil {
		eff.DeliveryLimit = p.MaxReceiveCount
		eff.Notice += fmt.Sprintf(" This queue moves a message to %s after %d receives, so mqscope never hands back a "+
			"message it took to %d receives or more: it copies it back instead (sent again, then deleted), with "+
			"the same body and attributes but a new message id and a receive count starting afresh, at the back "+
			"of the queue%s.", sanitize.Line(p.DeadLetterQueue), p.MaxReceiveCount, max(p.MaxReceiveCount-1, 0),
			map[bool]string{true: " (of its message group)", false: ""}[isFIFO(queue)])
	}
	return eff, nil
}

// peek is one peek's state: what it holds invisible, and the copies it made.
type peek struct {
	b      *Backend
	queue  string
	url    string
	limit  int // the receive count from which a message is copied back rather than handed back; 0: none
	held   []string
	copies map[string]bool // message ids of the copies this peek sent
}

// Peek receives up to req.Limit messages (at most 1,000), emits each, and hands them back (or copies them
// back, see the guard) when it ends, however it ends.
func (b *Backend) Peek(ctx context.Context, req backends.PeekRequest, emit func(backends.Message) error) (err error) {
	if req.Follow {
		return fmt.Errorf("SQS has no tail: a follow would receive every new message and keep it from consumers: %w",
			backends.ErrNotSupported)
	}
	d, err := b.attributes(ctx, req.Destination)
	if err != nil {
		return err
	}
	url, _ := b.queueURL(ctx, req.Destination)
	p := &peek{b: b, queue: req.Destination, url: url, copies: map[string]bool{}}
	if d.Redrive != nil {
		p.limit = max(d.Redrive.MaxReceiveCount-1, 1)
	}
	defer func() { err = errors.Join(err, p.handBack()) }()
	want := req.Limit
	if want <= 0 || want > maxPeek {
		want = maxPeek
	}
	for n, offset := 0, int64(0); n < want; {
		msgs, err := p.receive(ctx, min(batchSize, want-n), 0)
		if err == nil && len(msgs) == 0 {
			// A short receive samples some of SQS's servers; a long poll asks them all.
			msgs, err = p.receive(ctx, min(batchSize, want-n), 1)
		}
		if err != nil || len(msgs) == 0 {
			return err
		}
		for i, m := range msgs {
			if p.copies[aws.ToString(m.MessageId)] {
				p.handBackLater(msgs[i:])
				return nil // round the queue: what follows was read already
			}
			bm := p.b.message(p.queue, m)
			bm.Offset = offset
			offset++
			n++
			if err := p.settle(ctx, m, bm); err != nil {
				return err
			}
			if err := emit(bm); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *peek) receive(ctx context.Context, n int, wait int32) ([]types.Message, error) {
	c, cancel := p.b.call(ctx)
	defer cancel()
	out, err := p.b.client.ReceiveMessage(c, &sqs.ReceiveMessageInput{QueueUrl: &p.url,
		MaxNumberOfMessages: int32(n), VisibilityTimeout: int32(peekVisibility / time.Second), WaitTimeSeconds: wait,
		MessageAttributeNames:       []string{"All"},
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll}})
	if err != nil {
		return nil, p.b.opError("receive from "+p.queue, err)
	}
	return out.Messages, nil
}

// settle decides what becomes of a message just received: held to be handed back at the end, or copied
// back now when its receive count reached the guard's limit.
func (p *peek) settle(ctx context.Context, m types.Message, bm backends.Message) error {
	if p.limit == 0 || bm.DeliveryCount < int64(p.limit) {
		p.held = append(p.held, aws.ToString(m.ReceiptHandle))
		return nil
	}
	id, err := p.b.copyBack(ctx, p.queue, p.url, m, bm, "peek-")
	if err != nil {
		p.held = append(p.held, aws.ToString(m.ReceiptHandle))
		return fmt.Errorf("message %s has been received %d times of the %d after which SQS dead-letters it, and "+
			"copying it back failed (%v): it is handed back, and the peek stops: %w", aws.ToString(m.MessageId),
			bm.DeliveryCount, p.limit+1, err, backends.ErrDeliveryLimit)
	}
	p.copies[id] = true
	return nil
}

// handBack makes every held message visible again at once. It runs however the peek ended, on a context
// of its own, so that an interrupted peek still leaves the queue whole.
func (p *peek) handBack() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*p.b.timeout)
	defer cancel()
	var failed int
	for start := 0; start < len(p.held); start += batchSize {
		batch := p.held[start:min(start+batchSize, len(p.held))]
		entries := make([]types.ChangeMessageVisibilityBatchRequestEntry, len(batch))
		for i, h := range batch {
			entries[i] = types.ChangeMessageVisibilityBatchRequestEntry{Id: aws.String(strconv.Itoa(i)),
				ReceiptHandle: aws.String(h), VisibilityTimeout: 0}
		}
		out, err := p.b.client.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{
			QueueUrl: &p.url, Entries: entries})
		switch {
		case err != nil:
			failed += len(batch)
		default:
			failed += len(out.Failed)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d peeked messages of %s could not be handed back: they stay invisible until their "+
			"visibility timeout (%s) ends", failed, p.queue, peekVisibility)
	}
	return nil
}

// copyBack sends a copy of m to the queue it was received from and deletes m once SQS confirmed the copy;
// it returns the copy's message id. A FIFO copy keeps its group, with a deduplication id made from the
// original's message id (its own would be taken for a duplicate within SQS's 5-minute window).
func (b *Backend) copyBack(ctx context.Context, queue, url string, m types.Message, bm backends.Message, prefix string) (string, error) {
	in := &sqs.SendMessageInput{QueueUrl: &url, MessageBody: m.Body, MessageAttributes: m.MessageAttributes}
	if isFIFO(queue) && bm.SQS != nil {
		in.MessageGroupId = aws.String(bm.SQS.GroupID)
		in.MessageDeduplicationId = aws.String(prefix + aws.ToString(m.MessageId))
	}
	c, cancel := b.call(ctx)
	defer cancel()
	out, err := b.client.SendMessage(c, in)
	if err != nil {
		return "", b.opError("copy a message back to "+queue, err)
	}
	if _, err := b.client.DeleteMessage(c, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle}); err != nil {
		return aws.ToString(out.MessageId), b.opError("delete the original of a copied message in "+queue, err)
	}
	return aws.ToString(out.MessageId), nil
}

// message maps a received SQS message onto a backends.Message.
func (b *Backend) message(queue string, m types.Message) backends.Message {
	a := m.Attributes
	bm := backends.Message{Destination: queue, Body: []byte(aws.ToString(m.Body)),
		SQS: &backends.SQSMessage{MessageID: aws.ToString(m.MessageId), GroupID: a["MessageGroupId"],
			DeduplicationID: a["MessageDeduplicationId"], SequenceNumber: a["SequenceNumber"]}}
	if ms, err := strconv.ParseInt(a["SentTimestamp"], 10, 64); err == nil {
		bm.Timestamp = time.UnixMilli(ms).UTC()
	}
	bm.DeliveryCount, _ = strconv.ParseInt(a["ApproximateReceiveCount"], 10, 64)
	if src := a["DeadLetterQueueSourceArn"]; src != "" {
		bm.SQS.SourceQueue = nameOf(src)
		bm.Origin = &backends.Origin{Convention: backends.SQSSource, Destination: nameOf(src)}
	}
	for _, k := range sortedKeys(m.MessageAttributes) {
		v := m.MessageAttributes[k]
		h := backends.Header{Key: k, Value: v.BinaryValue}
		if v.StringValue != nil {
			h.Value, h.Typed = []byte(*v.StringValue), *v.StringValue
		}
		bm.Headers = append(bm.Headers, h)
	}
	return bm
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
