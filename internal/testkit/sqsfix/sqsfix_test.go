package sqsfix_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mqscope/mqscope/internal/testkit/sqsfix"
)

// TestBridge holds the emulator to the SQS behaviour the adapter's tests rely on: true receive counts,
// maxReceiveCount → DLQ, the DLQ's source queues, and split counts.
func TestBridge(t *testing.T) {
	s := sqsfix.New(t)
	ctx := context.Background()
	dlq := sqsfix.Unique("dlq")
	s.Queue(t, dlq, nil)
	src := s.WithDLQ(t, sqsfix.Unique("src"), dlq, 2)
	s.Send(t, src, "hello", "", "", map[string]string{"k": "v"})
	for want := 1; want <= 2; want++ {
		out, err := s.Client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &src, MaxNumberOfMessages: 10,
			MessageAttributeNames: []string{"All"}, MessageSystemAttributeNames: []types.MessageSystemAttributeName{"All"}})
		if err != nil || len(out.Messages) != 1 {
			t.Fatalf("receive %d: %v %v", want, out, err)
		}
		m := out.Messages[0]
		if got := m.Attributes["ApproximateReceiveCount"]; got != string(rune('0'+want)) {
			t.Fatalf("receive %d: count %s", want, got)
		}
		if *m.MessageAttributes["k"].StringValue != "v" || *m.Body != "hello" {
			t.Fatalf("message %+v", m)
		}
		attrs, err := s.Client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &src,
			AttributeNames: []types.QueueAttributeName{"All"}})
		if err != nil || attrs.Attributes["ApproximateNumberOfMessagesNotVisible"] != "1" ||
			attrs.Attributes["ApproximateNumberOfMessages"] != "0" {
			t.Fatalf("attributes %v %v", attrs, err)
		}
		if _, err := s.Client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &src,
			ReceiptHandle: m.ReceiptHandle}); err != nil {
			t.Fatal(err)
		}
	}
	s.Fail(t, src)
	if got := s.Messages(t, dlq); len(got) != 1 || got[0].Body != "hello" {
		t.Fatalf("dlq holds %+v", got)
	}
	dlqURL := s.URLOf(t, dlq)
	out, err := s.Client.ListDeadLetterSourceQueues(ctx, &sqs.ListDeadLetterSourceQueuesInput{QueueUrl: &dlqURL})
	if err != nil || len(out.QueueUrls) != 1 || out.QueueUrls[0] != src {
		t.Fatalf("sources %v %v", out, err)
	}
	if _, err := s.Client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: new(string)}); err == nil {
		t.Fatal("no error for a missing queue")
	} else {
		var nf *types.QueueDoesNotExist
		if !asErr(err, &nf) {
			t.Fatalf("missing queue: %T %v", err, err)
		}
	}
}

func asErr(err error, target any) bool { return errors.As(err, target) }

// TestMoveTaskRules holds the emulator's move tasks to the rules AWS documents: a source that is no
// queue's DLQ, a destination of the other type and a rate over 500 are refused; a missing queue is
// ResourceNotFoundException; one active task per source; a cancelled task says CANCELLED and keeps what
// it moved. Without move tasks the same calls get goaws's own answer to an action it lacks.
func TestMoveTaskRules(t *testing.T) {
	s := sqsfix.New(t)
	ctx := context.Background()
	dlq, plain, fifo := sqsfix.Unique("dlq"), sqsfix.Unique("plain"), sqsfix.Unique("other")+".fifo"
	dlqURL := s.Queue(t, dlq, nil)
	s.WithDLQ(t, sqsfix.Unique("src"), dlq, 2)
	s.Queue(t, plain, nil)
	s.Queue(t, fifo, nil)
	for range 20 {
		s.Send(t, dlqURL, "x", "", "", nil)
	}
	start := func(src, dest string, rate int32) (*sqs.StartMessageMoveTaskOutput, error) {
		in := &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(sqsfix.ARN(src))}
		if dest != "" {
			in.DestinationArn = aws.String(sqsfix.ARN(dest))
		}
		if rate > 0 {
			in.MaxNumberOfMessagesPerSecond = aws.Int32(rate)
		}
		return s.Client.StartMessageMoveTask(ctx, in)
	}
	var nf *types.ResourceNotFoundException
	for what, err := range map[string]error{
		"not a DLQ":      second(start(plain, "", 0)),
		"FIFO target":    second(start(dlq, fifo, 0)),
		"rate 501":       second(start(dlq, "", 501)),
		"missing source": second(start(sqsfix.Unique("none"), "", 0)),
		"missing target": second(start(dlq, sqsfix.Unique("none"), 0)),
	} {
		if err == nil || strings.HasPrefix(what, "missing") != errors.As(err, &nf) {
			t.Errorf("%s: %v", what, err)
		}
	}
	out, err := start(dlq, plain, 5)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := start(dlq, plain, 5); err == nil {
		t.Fatal("a second task started while the first runs")
	}
	if _, err := s.Client.CancelMessageMoveTask(ctx, &sqs.CancelMessageMoveTaskInput{TaskHandle: out.TaskHandle}); err != nil {
		t.Fatal(err)
	}
	var task types.ListMessageMoveTasksResultEntry
	for task.Status == nil || *task.Status == "CANCELLING" || *task.Status == "RUNNING" {
		list, err := s.Client.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(sqsfix.ARN(dlq))})
		if err != nil || len(list.Results) != 1 {
			t.Fatalf("list: %v %v", list, err)
		}
		task = list.Results[0]
		time.Sleep(20 * time.Millisecond)
	}
	moved := len(s.Messages(t, plain))
	if *task.Status != "CANCELLED" || task.ApproximateNumberOfMessagesMoved != int64(moved) ||
		moved+len(s.Messages(t, dlq)) != 20 || *task.ApproximateNumberOfMessagesToMove != 20 {
		t.Fatalf("cancelled task %+v; %d moved, %d left", task, moved, len(s.Messages(t, dlq)))
	}

	without := sqsfix.New(t, sqsfix.WithoutMoveTasks)
	_, err = without.Client.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(sqsfix.ARN(dlq))})
	if err == nil || !strings.Contains(err.Error(), "StatusCode: 400") || !strings.Contains(err.Error(), "invalid character 'B'") {
		t.Fatalf("without move tasks: %v", err)
	}
}

func second[T any](_ T, err error) error { return err }
