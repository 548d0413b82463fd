package sqs_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/internal/testkit/sqsfix"
)

// TestCreateQueueWithRedrivePolicy: a FIFO queue with a redrive policy to a FIFO DLQ and an attribute is
// made as asked (read back with the plain client); what SQS would refuse is refused before any call.
func TestCreateQueueWithRedrivePolicy(t *testing.T) {
	s := sqsfix.New(t)
	credentials(t)
	b := open(t, s)
	ctx := context.Background()
	dlq, q := sqsfix.Unique("made-dlq")+".fifo", sqsfix.Unique("made")+".fifo"
	t.Cleanup(func() {
		b.DeleteDestination(ctx, q, backends.DeleteOptions{})
		b.DeleteDestination(ctx, dlq, backends.DeleteOptions{})
	})
	if err := b.CreateDestination(ctx, backends.DestinationSpec{Name: dlq}); err != nil {
		t.Fatal(err)
	}
	spec := backends.DestinationSpec{Name: q, FIFO: true, DeadLetterQueue: dlq, MaxReceiveCount: 4,
		Configs: map[string]string{"VisibilityTimeout": "45"}}
	if err := b.ValidateDestination(ctx, spec); err != nil {
		t.Fatalf("validate: %v", err)
	}
	if _, err := s.Client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: &q}); err == nil {
		t.Fatal("validating created the queue")
	}
	if err := b.CreateDestination(ctx, spec); err != nil {
		t.Fatal(err)
	}
	url := s.URLOf(t, q)
	out, err := s.Client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"All"}})
	if err != nil || out.Attributes["FifoQueue"] != "true" || out.Attributes["VisibilityTimeout"] != "45" ||
		!strings.Contains(out.Attributes["RedrivePolicy"], sqsfix.ARN(dlq)) || !strings.Contains(out.Attributes["RedrivePolicy"], `"maxReceiveCount":4`) {
		t.Fatalf("attributes %v %v", out, err)
	}
	for what, bad := range map[string]backends.DestinationSpec{
		"fifo without .fifo":    {Name: "plain", FIFO: true},
		"dlq of the other type": {Name: "plain", DeadLetterQueue: dlq, MaxReceiveCount: 3},
		"no max receives":       {Name: "x.fifo", DeadLetterQueue: dlq},
		"max receives alone":    {Name: "x", MaxReceiveCount: 3},
		"rabbitmq type":         {Name: "x", Type: "quorum"},
		"missing dlq":           {Name: "x", DeadLetterQueue: sqsfix.Unique("none"), MaxReceiveCount: 3},
	} {
		if err := b.CreateDestination(ctx, bad); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v", what, err)
		}
	}
	s.Send(t, url, "kept", "g", "1", nil)
	if err := b.DeleteDestination(ctx, q, backends.DeleteOptions{IfEmpty: true}); err == nil || len(s.Messages(t, q)) != 1 {
		t.Fatalf("delete if empty of a queue holding one: %v", err)
	}
	if err := b.DeleteDestination(ctx, q, backends.DeleteOptions{IfUnused: true}); err == nil {
		t.Fatal("delete if unused: SQS cannot tell, and it went")
	}
	if err := b.DeleteDestination(ctx, q, backends.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := b.DeleteDestination(ctx, q, backends.DeleteOptions{}); !errors.Is(err, backends.ErrNotFound) {
		t.Fatalf("deleting it again: %v", err)
	}
}
