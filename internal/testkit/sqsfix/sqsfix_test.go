package sqsfix_test

import (
	"context"
	"errors"
	"testing"

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
