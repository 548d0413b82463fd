package sqsfix

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/Admiral-Piett/goaws/app"
	"github.com/Admiral-Piett/goaws/app/common"
)

// Message move tasks (StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask), which goaws does
// not have, emulated here as AWS documents them (API reference 2012-11-05 and the developer guide's
// "Configuring a dead-letter queue redrive"), running inside the emulator against goaws's store. This is
// the emulator's extension, written so that mqscope's use of the real API can be tested here; it is not a
// mock of mqscope: nothing in it knows mqscope's code. What AWS documents, and this does:
//   - The source must be a dead-letter queue of another queue; the destination, when given, an existing queue
//     of the same type (FIFO to FIFO, standard to standard). Without a destination each message goes back to
//     the queue it was dead-lettered from.
//   - One active task per source queue; MaxNumberOfMessagesPerSecond from 1 to 500, or the server's own pace
//     when it is left out.
//   - ApproximateNumberOfMessagesToMove is taken when the task starts: the task moves at most that many,
//     oldest first, and messages arriving later stay.
//   - A moved message is a new message at its target (new message id, new enqueue time, receive count 0),
//     with the same body and attributes (FIFO: the same message group), and it leaves the source once it is
//     at its target.
//   - ListMessageMoveTasks gives the most recent tasks first (MaxResults 1 by default, at most 10), with
//     Status RUNNING, COMPLETED, CANCELLING, CANCELLED or FAILED (and FailureReason).
//   - CancelMessageMoveTask stops a RUNNING task; what moved stays moved, the rest stays in the source.
//
// What AWS leaves undocumented, chosen here: while every message left is in flight (received by a
// consumer or a peek) the task waits for them; a message with no source queue (sent straight to the
// dead-letter queue), or whose source no longer exists, fails the task with a FailureReason naming it; a
// FIFO message is sent with its message id as deduplication id and is not deduplicated; a task with no
// rate moves as fast as the emulator can; the error codes and texts of refusals other than a missing
// queue.

// Task statuses, as ListMessageMoveTasks gives them.
const (
	taskRunning    = "RUNNING"
	taskCompleted  = "COMPLETED"
	taskCancelling = "CANCELLING"
	taskCancelled  = "CANCELLED"
	taskFailed     = "FAILED"
)

// moveTask is one message move task.
type moveTask struct {
	handle, source, dest string // queue names; dest "" sends each message to its source
	rate                 int
	toMove, moved        int
	status, failure      string
	started              time.Time
	movedAt              []time.Time // when each message moved, for tests of the rate
}

func (t *moveTask) entry(b *bridge) object {
	e := object{"TaskHandle": t.handle, "SourceArn": b.arn(t.source), "Status": t.status,
		"ApproximateNumberOfMessagesMoved": t.moved, "ApproximateNumberOfMessagesToMove": t.toMove,
		"StartedTimestamp": t.started.UnixMilli()}
	if t.dest != "" {
		e["DestinationArn"] = b.arn(t.dest)
	}
	if t.rate > 0 {
		e["MaxNumberOfMessagesPerSecond"] = t.rate
	}
	if t.failure != "" {
		e["FailureReason"] = t.failure
	}
	return e
}

func (t *moveTask) active() bool { return t.status == taskRunning || t.status == taskCancelling }

func badParameter(format string, args ...any) error {
	return &apiError{http.StatusBadRequest, "InvalidParameterValue", fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &apiError{http.StatusBadRequest, "ResourceNotFoundException", fmt.Sprintf(format, args...)}
}

// queueByARN is the queue an ARN of this emulator names.
func (b *bridge) queueByARN(arn string) (*app.Queue, error) {
	name := nameOfARN(arn)
	q, ok := app.SyncQueues.Queues[name]
	if !ok || arn != b.arn(name) {
		return nil, notFound("The resource that you specified for the SourceArn or DestinationArn parameter doesn't exist: %s", arn)
	}
	return q, nil
}

func nameOfARN(arn string) string {
	for i := len(arn) - 1; i >= 0; i-- {
		if arn[i] == ':' {
			return arn[i+1:]
		}
	}
	return arn
}

// isDeadLetterQueue says whether some queue's redrive policy names q.
func isDeadLetterQueue(q *app.Queue) bool {
	for _, other := range app.SyncQueues.Queues {
		if other.DeadLetterQueue == q {
			return true
		}
	}
	return false
}

// startMoveTask is StartMessageMoveTask. The caller holds b.mu.
func (b *bridge) startMoveTask(in object) (object, error) {
	srcARN, _ := in["SourceArn"].(string)
	src, err := b.queueByARN(srcARN)
	if err != nil {
		return nil, err
	}
	if !isDeadLetterQueue(src) {
		return nil, badParameter("Source queue must be configured as a Dead Letter Queue.")
	}
	t := &moveTask{source: src.Name, status: taskRunning, started: time.Now()}
	if destARN, _ := in["DestinationArn"].(string); destARN != "" {
		dest, err := b.queueByARN(destARN)
		if err != nil {
			return nil, err
		}
		if dest.IsFIFO != src.IsFIFO {
			return nil, badParameter("The destination queue must be of the same type as the source queue (FIFO or standard).")
		}
		t.dest = dest.Name
	}
	if r, ok := in["MaxNumberOfMessagesPerSecond"].(float64); ok {
		if r < 1 || r > 500 || r != float64(int(r)) {
			return nil, badParameter("MaxNumberOfMessagesPerSecond must be a whole number from 1 to 500: %v", r)
		}
		t.rate = int(r)
	}
	for _, other := range b.tasks[src.Name] {
		if other.active() {
			return nil, badParameter("There is already a task running. Only one active task is allowed for a source queue arn at a given time.")
		}
	}
	for _, m := range src.Messages {
		if m.ReceiptHandle == "" {
			t.toMove++
		}
	}
	t.handle = fmt.Sprintf("emulator-task-%d-%s", len(b.byHandle)+1, strconv.FormatInt(t.started.UnixNano(), 36))
	b.tasks[src.Name] = append(b.tasks[src.Name], t)
	b.byHandle[t.handle] = t
	go b.runMoveTask(t)
	return object{"TaskHandle": t.handle}, nil
}

// listMoveTasks is ListMessageMoveTasks: the source's most recent tasks first.
func (b *bridge) listMoveTasks(in object) (object, error) {
	srcARN, _ := in["SourceArn"].(string)
	src, err := b.queueByARN(srcARN)
	if err != nil {
		return nil, err
	}
	limit := 1
	if n, ok := in["MaxResults"].(float64); ok {
		if n < 1 || n > 10 {
			return nil, badParameter("MaxResults must be from 1 to 10: %v", n)
		}
		limit = int(n)
	}
	results := []object{}
	tasks := b.tasks[src.Name]
	for i := len(tasks) - 1; i >= 0 && len(results) < limit; i-- {
		results = append(results, tasks[i].entry(b))
	}
	return object{"Results": results}, nil
}

// cancelMoveTask is CancelMessageMoveTask: the task stops before its next message.
func (b *bridge) cancelMoveTask(in object) (object, error) {
	handle, _ := in["TaskHandle"].(string)
	t, ok := b.byHandle[handle]
	if !ok {
		return nil, notFound("The task handle does not exist: %s", handle)
	}
	if t.status != taskRunning {
		return nil, &apiError{http.StatusBadRequest, "UnsupportedOperation",
			fmt.Sprintf("Only a RUNNING task can be cancelled; this one is %s.", t.status)}
	}
	t.status = taskCancelling
	return object{"ApproximateNumberOfMessagesMoved": t.moved}, nil
}

// runMoveTask moves the task's messages one at a time, each under the bridge's mutex (so that a message is
// always in exactly one queue), at most rate a second: one message, then 1/rate of a second's pause, so
// that no second holds more than rate moves.
func (b *bridge) runMoveTask(t *moveTask) {
	for {
		b.mu.Lock()
		done, waiting := b.moveOne(t)
		b.mu.Unlock()
		if done {
			return
		}
		pause := 200 * time.Microsecond // the server's own pace: others' calls get the mutex in between
		switch {
		case waiting:
			pause = 50 * time.Millisecond
		case t.rate > 0:
			pause = time.Second / time.Duration(t.rate)
		}
		time.Sleep(pause)
	}
}

// moveOne moves the oldest message the task still has to move, or ends the task, or waits (waiting) while
// every message left is in flight: received by someone, it may come back. The caller holds b.mu.
func (b *bridge) moveOne(t *moveTask) (done, waiting bool) {
	end := func(status, failure string) (bool, bool) {
		t.status, t.failure = status, failure
		return true, false
	}
	switch {
	case t.status == taskCancelling:
		return end(taskCancelled, "")
	case t.moved >= t.toMove:
		return end(taskCompleted, "")
	}
	src, ok := app.SyncQueues.Queues[t.source]
	if !ok {
		return end(taskFailed, "AWS.SimpleQueueService.NonExistentQueue: the source queue was deleted")
	}
	i := -1
	for j, m := range src.Messages {
		if m.ReceiptHandle == "" {
			i = j
			break
		}
	}
	switch {
	case i < 0 && len(src.Messages) > 0:
		return false, true
	case i < 0:
		return end(taskCompleted, "") // consumers took the rest meanwhile
	}
	m := src.Messages[i]
	target := t.dest
	if target == "" {
		target = b.from[m.Uuid]
		if target == "" {
			return end(taskFailed, fmt.Sprintf("CouldNotDetermineMessageSource: message %s has no source queue", m.Uuid))
		}
	}
	dest, ok := app.SyncQueues.Queues[target]
	if !ok {
		return end(taskFailed, fmt.Sprintf("AWS.SimpleQueueService.NonExistentQueue: queue %s does not exist", target))
	}
	moved := app.Message{MessageBody: m.MessageBody, MD5OfMessageBody: m.MD5OfMessageBody,
		MessageAttributes: m.MessageAttributes, MD5OfMessageAttributes: m.MD5OfMessageAttributes, SentTime: time.Now()}
	moved.Uuid, _ = common.NewUUID()
	if dest.IsFIFO {
		moved.GroupID, moved.DeduplicationID = m.GroupID, m.Uuid
		dest.NextSequenceNumber(m.GroupID)
	}
	dest.Messages = append(dest.Messages, moved)
	src.Messages = append(src.Messages[:i:i], src.Messages[i+1:]...)
	delete(b.from, m.Uuid)
	t.moved++
	t.movedAt = append(t.movedAt, time.Now())
	return false, false
}

// MoveTask is one message move task as the emulator ran it, for tests.
type MoveTask struct {
	Handle, Destination string // Destination "" sent each message to its source
	Rate, ToMove, Moved int
	Status, Failure     string
	MovedAt             []time.Time
}

// MoveTasks lists the move tasks of queue name, oldest first.
func (s *Server) MoveTasks(name string) []MoveTask {
	e, _ := Start()
	e.brig.mu.Lock()
	defer e.brig.mu.Unlock()
	var out []MoveTask
	for _, t := range e.brig.tasks[name] {
		out = append(out, MoveTask{Handle: t.handle, Destination: t.dest, Rate: t.rate, ToMove: t.toMove, Moved: t.moved,
			Status: t.status, Failure: t.failure, MovedAt: append([]time.Time(nil), t.movedAt...)})
	}
	return out
}
