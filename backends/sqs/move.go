package sqs

import (
	"context"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mqscope/mqscope/backends"
)

// maxFailures bounds the failures a report lists.
const maxFailures = 100

// dedupWindow is SQS's FIFO deduplication interval, with a margin for clocks.
const dedupWindow = 5*time.Minute + 30*time.Second

// Move takes letters out of a queue ten at a time (received with a visibility timeout of its own) and
// sends each to the queue its router names, deleting it from the source only once SQS confirmed the send.
// Letters the router cannot place, or whose send failed, are handed back when the move ends (received
// again, they would be met again). A batch once received is finished even when ctx ends, so that a
// cancelled move leaves every letter in exactly one queue; a process killed mid-batch leaves the letters
// it sent but did not delete to come back in the source after the visibility timeout: duplicates
// (FIFO targets drop them within SQS's 5-minute deduplication window), never a loss.
//
// FIFO letters keep their message group, so a group's order holds. They keep their deduplication id where
// the letter was first sent more than five minutes ago; a younger one would be taken by SQS for a
// duplicate of itself and dropped, so it goes with an id made from the letter's own message id, which a
// re-run of the same move repeats (and SQS drops the repeat).
func (b *Backend) Move(ctx context.Context, req backends.MoveRequest, route backends.Router,
	progress func(backends.MoveProgress)) (rep backends.MoveReport, err error) {
	rep = backends.MoveReport{PerTarget: map[string]int64{}}
	d, err := b.attributes(ctx, req.Source)
	if err != nil {
		return rep, err
	}
	url, _ := b.queueURL(ctx, req.Source)
	p := &peek{b: b, queue: req.Source, url: url, copies: map[string]bool{}}
	defer func() {
		if err := p.handBack(); err != nil {
			rep.Failures = append(rep.Failures, backends.MoveFailure{Target: req.Source, Reason: err.Error()})
		}
	}()
	total := max(d.Messages, 0)
	want := req.Max
	if want <= 0 {
		// Until the source is empty (its count is approximate), but not chasing letters that consumers send
		// straight back.
		want = int(2*total + 100)
	}
	pace := newPacer(req.Rate)
	for done := 0; done < want && ctx.Err() == nil; {
		msgs, err := p.receive(ctx, min(batchSize, want-done), 0)
		if err == nil && len(msgs) == 0 {
			msgs, err = p.receive(ctx, min(batchSize, want-done), 1)
		}
		if err != nil {
			return rep, err
		}
		if len(msgs) == 0 {
			break
		}
		if err := pace.wait(ctx, len(msgs)); err != nil {
			p.handBackLater(msgs)
			break
		}
		// Finish the batch whatever ctx does from here: a half-done batch is what loses track.
		b.moveBatch(context.WithoutCancel(ctx), p, msgs, route, &rep)
		done += len(msgs)
		progress(backends.MoveProgress{Moved: rep.Moved, Kept: rep.Kept, Failed: rep.Failed, Total: total})
	}
	return rep, ctx.Err()
}

// handBackLater holds messages to be handed back when the move ends.
func (p *peek) handBackLater(msgs []types.Message) {
	for _, m := range msgs {
		p.held = append(p.held, aws.ToString(m.ReceiptHandle))
	}
}

// moveBatch sends one received batch to its targets and deletes what SQS confirmed.
func (b *Backend) moveBatch(ctx context.Context, p *peek, msgs []types.Message, route backends.Router,
	rep *backends.MoveReport) {
	byTarget := map[string][]types.Message{}
	var order []string
	for _, m := range msgs {
		bm := b.message(p.queue, m)
		t, err := route(bm)
		if err != nil {
			rep.Kept++
			p.handBackLater([]types.Message{m})
			fail(rep, t.Label(), err.Error())
			continue
		}
		if _, ok := byTarget[t.Destination]; !ok {
			order = append(order, t.Destination)
		}
		byTarget[t.Destination] = append(byTarget[t.Destination], m)
	}
	for _, target := range order {
		b.sendAndDelete(ctx, p, target, byTarget[target], rep)
	}
}

// sendAndDelete sends letters to target in one SendMessageBatch, then deletes from the source the ones
// SQS confirmed, in one DeleteMessageBatch.
func (b *Backend) sendAndDelete(ctx context.Context, p *peek, target string, letters []types.Message,
	rep *backends.MoveReport) {
	url, err := b.queueURL(ctx, target)
	if err != nil {
		b.failAll(p, rep, target, letters, err)
		return
	}
	entries := make([]types.SendMessageBatchRequestEntry, len(letters))
	for i, m := range letters {
		entries[i] = types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: m.Body,
			MessageAttributes: m.MessageAttributes}
		if isFIFO(target) {
			entries[i].MessageGroupId, entries[i].MessageDeduplicationId = fifoIDs(m)
		}
	}
	c, cancel := b.call(ctx)
	defer cancel()
	out, err := b.client.SendMessageBatch(c, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: entries})
	if err != nil {
		b.failAll(p, rep, target, letters, b.opError("send to "+target, err))
		return
	}
	sent := make([]bool, len(letters))
	for _, s := range out.Successful {
		i, _ := strconv.Atoi(aws.ToString(s.Id))
		sent[i] = true
	}
	for _, f := range out.Failed {
		i, _ := strconv.Atoi(aws.ToString(f.Id))
		rep.Failed++
		p.handBackLater(letters[i : i+1])
		fail(rep, target, aws.ToString(f.Code)+": "+aws.ToString(f.Message))
	}
	var del []types.DeleteMessageBatchRequestEntry
	for i, m := range letters {
		if sent[i] {
			del = append(del, types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle})
		}
	}
	if len(del) == 0 {
		return
	}
	dout, err := b.client.DeleteMessageBatch(c, &sqs.DeleteMessageBatchInput{QueueUrl: &p.url, Entries: del})
	if err != nil {
		// Sent but still in the source: they come back after the visibility timeout and a re-run moves them again.
		rep.InDoubt += int64(len(del))
		fail(rep, target, "sent, but not deleted from "+p.queue+": "+b.opError("delete", err).Error())
		return
	}
	rep.InDoubt += int64(len(dout.Failed))
	moved := int64(len(del) - len(dout.Failed))
	rep.Moved += moved
	rep.PerTarget[target] += moved
}

// fifoIDs are the group and deduplication ids a FIFO letter is sent with (see Move).
func fifoIDs(m types.Message) (*string, *string) {
	group := m.Attributes["MessageGroupId"]
	dedup := m.Attributes["MessageDeduplicationId"]
	sent, err := strconv.ParseInt(m.Attributes["SentTimestamp"], 10, 64)
	if dedup == "" || err != nil || time.Since(time.UnixMilli(sent)) < dedupWindow {
		dedup = "redrive-" + aws.ToString(m.MessageId)
	}
	if group == "" {
		group = "mqscope-redrive" // a letter from a standard queue going to a FIFO one
	}
	return aws.String(group), aws.String(dedup)
}

func (b *Backend) failAll(p *peek, rep *backends.MoveReport, target string, letters []types.Message, err error) {
	rep.Failed += int64(len(letters))
	p.handBackLater(letters)
	fail(rep, target, err.Error())
}

func fail(rep *backends.MoveReport, target, reason string) {
	if len(rep.Failures) < maxFailures {
		rep.Failures = append(rep.Failures, backends.MoveFailure{Target: target, Reason: reason})
	}
}

// pacer caps a move at rate messages per second.
type pacer struct {
	rate  int
	start time.Time
	sent  int
}

func newPacer(rate int) *pacer { return &pacer{rate: rate, start: time.Now()} }

// wait sleeps until n more messages fit under the rate.
func (p *pacer) wait(ctx context.Context, n int) error {
	if p.rate <= 0 {
		return nil
	}
	due := p.start.Add(time.Duration(float64(p.sent) / float64(p.rate) * float64(time.Second)))
	p.sent += n
	if d := time.Until(due); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}
