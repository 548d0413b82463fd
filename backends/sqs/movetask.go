package sqs

// Message move tasks: SQS's own redrive of a dead-letter queue, used where a redrive's plan fits it (the
// caller decides, see actions). What AWS documents (SQS API reference 2012-11-05: StartMessageMoveTask,
// ListMessageMoveTasks, CancelMessageMoveTask; developer guide, "Configuring a dead-letter queue redrive"):
//   - StartMessageMoveTask(SourceArn, DestinationArn, MaxNumberOfMessagesPerSecond) starts an asynchronous
//     task. The source must be a dead-letter queue of other SQS queues. Without DestinationArn each message
//     goes back to the queue it was dead-lettered from, so a DLQ fed by several sources sends each message
//     to its own; with it, every message goes there. The destination must be of the DLQ's type: FIFO to
//     FIFO (FIFO redrive exists since November 2023), standard to standard.
//   - MaxNumberOfMessagesPerSecond is at most 500; left out, SQS sets the pace from the backlog.
//   - One active task per queue at a time (CheckMoveTask looks first, with ListMessageMoveTasks).
//   - ApproximateNumberOfMessagesToMove is taken when the task starts; ListMessageMoveTasks gives the most
//     recent tasks with ApproximateNumberOfMessagesMoved and Status RUNNING, COMPLETED, CANCELLING,
//     CANCELLED or FAILED (with FailureReason).
//   - CancelMessageMoveTask works only on a RUNNING task; it does not undo what moved and stops the rest,
//     which stays in the DLQ.
//   - A moved message is a new message at its target (new message id and enqueue time, retention starts
//     over); a task cannot filter or change messages; it runs 36 hours at most; 100 active tasks an account.
//   - Errors: ResourceNotFoundException (a queue named does not exist), UnsupportedOperation,
//     RequestThrottled, InvalidAddress, InvalidSecurity.
//
// A server without the API is told apart from a failure (notSupported) and reported as
// backends.ErrNotSupported, so that the redrive moves client-side instead: AWS answers an unknown operation
// UnknownOperationException; goaws answers an action it does not have with HTTP 400 and the plain text
// "Bad Request", which aws-sdk-go-v2 reports as a *smithyhttp.ResponseError (400) around a
// *smithy.DeserializationError ("failed to decode response body, invalid character 'B' ...").

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/redact"
)

var _ backends.TaskMover = (*Backend)(nil)

const (
	// maxTaskRate is the highest MaxNumberOfMessagesPerSecond SQS takes; a higher cap is met by it.
	maxTaskRate = 500
	// taskPoll is how often a task under way is asked for its progress.
	taskPoll = 500 * time.Millisecond
	// cancelWait bounds the wait for a cancelled task to stop.
	cancelWait = 2 * time.Minute
)

// Task statuses.
const (
	taskRunning    = "RUNNING"
	taskCancelling = "CANCELLING"
	taskCompleted  = "COMPLETED"
	taskCancelled  = "CANCELLED"
	taskFailed     = "FAILED"
)

// notSupportedCodes are the error codes of a server that has no such operation.
var notSupportedCodes = []string{"UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation",
	"UnknownOperationException", "InvalidAction", "NotImplemented"}

// notSupported reports whether err is the server's way of saying it has no such operation (see the top).
func notSupported(err error) bool {
	if isCode(err, notSupportedCodes...) {
		return true
	}
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) {
		return false
	}
	var de *smithy.DeserializationError
	switch code := re.HTTPStatusCode(); {
	case code == 404, code == 501:
		return true
	case code == 400 && errors.As(err, &de):
		return true // not an SQS error at all: a server that does not know the action
	}
	return false
}

// notSupportedError says that the server offers no move tasks, with its own words.
func notSupportedError(err error) error {
	detail := apiMessage(err)
	var re *smithyhttp.ResponseError
	var de *smithy.DeserializationError
	if errors.As(err, &re) && errors.As(err, &de) {
		detail = fmt.Sprintf("HTTP %d %q", re.HTTPStatusCode(), truncate(strings.TrimSpace(string(de.Snapshot)), 60))
	}
	return fmt.Errorf("%w: the server offers no SQS message move tasks (it answered %s)", backends.ErrNotSupported,
		redact.Text(detail))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// arnOf is the ARN of queue name.
func (b *Backend) arnOf(ctx context.Context, name string) (string, error) {
	url, err := b.queueURL(ctx, name)
	if err != nil {
		return "", err
	}
	c, cancel := b.call(ctx)
	defer cancel()
	out, err := b.client.GetQueueAttributes(c, &sqs.GetQueueAttributesInput{QueueUrl: &url,
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
	if err != nil {
		return "", b.opError("read the ARN of "+name, err)
	}
	return out.Attributes[string(types.QueueAttributeNameQueueArn)], nil
}

// CheckMoveTask says whether a move task of source (to destination, "" for each letter's own source) could
// start now; see backends.TaskMover.
func (b *Backend) CheckMoveTask(ctx context.Context, source, destination string) error {
	arn, err := b.arnOf(ctx, source)
	if err != nil {
		return err
	}
	last, err := b.lastTask(ctx, arn)
	if err != nil {
		return err
	}
	if last != nil && (aws.ToString(last.Status) == taskRunning || aws.ToString(last.Status) == taskCancelling) {
		return &backends.MoveTaskRunningError{Source: source, Handle: aws.ToString(last.TaskHandle),
			Moved: last.ApproximateNumberOfMessagesMoved, ToMove: aws.ToInt64(last.ApproximateNumberOfMessagesToMove),
			Started: time.UnixMilli(last.StartedTimestamp)}
	}
	sources, err := b.sources(ctx, source)
	if err != nil {
		return err
	}
	if len(sources) == 0 {
		return fmt.Errorf("%s is no queue's dead-letter queue, and a move task moves only out of one", source)
	}
	if destination != "" && isFIFO(destination) != isFIFO(source) {
		return fmt.Errorf("a move task moves only between queues of one type, and %s", oneFIFO(source, destination))
	}
	return nil
}

func oneFIFO(source, destination string) string {
	if isFIFO(source) {
		return source + " is FIFO while " + destination + " is not"
	}
	return destination + " is FIFO while " + source + " is not"
}

// lastTask is the most recent move task of the queue with arn; nil when it never had one.
func (b *Backend) lastTask(ctx context.Context, arn string) (*types.ListMessageMoveTasksResultEntry, error) {
	c, cancel := b.call(ctx)
	defer cancel()
	out, err := b.client.ListMessageMoveTasks(c, &sqs.ListMessageMoveTasksInput{SourceArn: &arn, MaxResults: aws.Int32(1)})
	switch {
	case err != nil && notSupported(err):
		return nil, notSupportedError(err)
	case err != nil:
		return nil, b.opError("list the move tasks of "+nameOf(arn), err)
	case len(out.Results) == 0:
		return nil, nil
	}
	return &out.Results[0], nil
}

// TaskMove starts a move task of req.Source and follows it to its end; see backends.TaskMover. Letters
// moved per target are known only where they all go to destination: SQS counts a task's messages, not
// where each went.
func (b *Backend) TaskMove(ctx context.Context, req backends.MoveRequest, destination string,
	progress func(backends.MoveProgress)) (rep backends.MoveReport, err error) {
	rep = backends.MoveReport{PerTarget: map[string]int64{}}
	in := &sqs.StartMessageMoveTaskInput{}
	if in.SourceArn, err = b.queueARN(ctx, req.Source); err != nil {
		return rep, err
	}
	if destination != "" {
		if in.DestinationArn, err = b.queueARN(ctx, destination); err != nil {
			return rep, err
		}
	}
	if req.Rate > 0 {
		in.MaxNumberOfMessagesPerSecond = aws.Int32(int32(min(req.Rate, maxTaskRate)))
	}
	c, cancel := b.call(ctx)
	out, err := b.client.StartMessageMoveTask(c, in)
	cancel()
	if err != nil {
		if notSupported(err) {
			return rep, notSupportedError(err)
		}
		return rep, b.opError("start a move task of "+req.Source, err)
	}
	task, err := b.follow(ctx, *in.SourceArn, aws.ToString(out.TaskHandle), progress)
	rep.Moved = task.ApproximateNumberOfMessagesMoved
	if destination != "" {
		rep.PerTarget[destination] = rep.Moved
	}
	if err != nil {
		return rep, err
	}
	switch aws.ToString(task.Status) {
	case taskFailed:
		return rep, fmt.Errorf("the move task of %s failed after moving %d of %d letters: %s", req.Source, rep.Moved,
			aws.ToInt64(task.ApproximateNumberOfMessagesToMove), redact.Text(oneLine(aws.ToString(task.FailureReason))))
	case taskCancelled:
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		return rep, fmt.Errorf("the move task of %s was cancelled elsewhere after moving %d of %d letters", req.Source,
			rep.Moved, aws.ToInt64(task.ApproximateNumberOfMessagesToMove))
	}
	return rep, nil
}

func (b *Backend) queueARN(ctx context.Context, name string) (*string, error) {
	arn, err := b.arnOf(ctx, name)
	return &arn, err
}

// follow asks for the task's progress until it ends. When ctx ends it cancels the task once, and goes on
// asking (without ctx) until SQS says it stopped: only then is every letter in exactly one queue.
func (b *Backend) follow(ctx context.Context, arn, handle string, progress func(backends.MoveProgress)) (
	types.ListMessageMoveTasksResultEntry, error) {
	calls := context.WithoutCancel(ctx)
	var cancelledAt time.Time
	for {
		task, err := b.task(calls, arn, handle)
		if err != nil {
			return task, fmt.Errorf("follow move task %s: %w (it goes on in SQS: ListMessageMoveTasks shows it)", handle, err)
		}
		progress(backends.MoveProgress{Moved: task.ApproximateNumberOfMessagesMoved, Total: aws.ToInt64(task.ApproximateNumberOfMessagesToMove)})
		switch status := aws.ToString(task.Status); {
		case status != taskRunning && status != taskCancelling:
			return task, nil
		case ctx.Err() != nil && cancelledAt.IsZero():
			cancelledAt = time.Now()
			if err := b.cancelTask(calls, handle); err != nil {
				return task, err
			}
		case !cancelledAt.IsZero() && time.Since(cancelledAt) > cancelWait:
			return task, fmt.Errorf("move task %s was cancelled %s ago and still says %s", handle, cancelWait, status)
		}
		wait := time.NewTimer(taskPoll)
		select {
		case <-wait.C:
		case <-ctx.Done():
			wait.Stop()
			if !cancelledAt.IsZero() {
				time.Sleep(taskPoll)
			}
		}
	}
}

// cancelTask is CancelMessageMoveTask; a task that ended meanwhile is not an error.
func (b *Backend) cancelTask(ctx context.Context, handle string) error {
	c, cancel := b.call(ctx)
	defer cancel()
	_, err := b.client.CancelMessageMoveTask(c, &sqs.CancelMessageMoveTaskInput{TaskHandle: &handle})
	if err != nil && !isCode(err, "UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation") {
		return b.opError("cancel move task "+handle, err)
	}
	return nil
}

// task is the move task with handle among the most recent of the queue with arn.
func (b *Backend) task(ctx context.Context, arn, handle string) (types.ListMessageMoveTasksResultEntry, error) {
	c, cancel := b.call(ctx)
	defer cancel()
	out, err := b.client.ListMessageMoveTasks(c, &sqs.ListMessageMoveTasksInput{SourceArn: &arn, MaxResults: aws.Int32(10)})
	if err != nil {
		return types.ListMessageMoveTasksResultEntry{}, b.opError("list the move tasks of "+nameOf(arn), err)
	}
	for _, t := range out.Results {
		if aws.ToString(t.TaskHandle) == handle {
			return t, nil
		}
	}
	return types.ListMessageMoveTasksResultEntry{}, fmt.Errorf("SQS no longer lists move task %s", handle)
}
