package demo

// The SQS demo: no real SQS runs on a laptop, so it is the Go emulator goaws (github.com/Admiral-Piett/goaws),
// started in this process on 127.0.0.1 and a free port behind the JSON-protocol bridge of
// internal/testkit/sqsfix, seeded with the plain aws-sdk-go-v2 client, never through mqscope's adapter.

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mqscope/mqscope/internal/testkit/sqsfix"
)

// The SQS demo's queues.
const (
	SQSOrders   = "demo-orders"      // a queue with a redrive policy to demo-dlq (maxReceiveCount 3)
	SQSPayments = "demo-payments"    // a second source of demo-dlq
	SQSDLQ      = "demo-dlq"         // letters from both sources, moved there by the redrive policy
	SQSFIFO     = "demo-ledger.fifo" // a FIFO queue, two message groups
	SQSFIFODLQ  = "demo-ledger-dlq.fifo"
	SQSDelayed  = "demo-scheduled" // messages sent with a delay
	SQSHostile  = "demo-hostile"   // escape sequences and bidi overrides in bodies and attributes
	sqsMaxTries = 3
)

// SQSSeeded says what the SQS demo holds, for tests to check mqscope against.
type SQSSeeded struct {
	Orders, Payments  int            // messages left in each source
	Letters           map[string]int // letters in demo-dlq, by source queue
	FIFO, FIFOLetters int
	Delayed           int
}

// SQSDemo is the seeded emulator.
type SQSDemo struct {
	url    string
	seeded SQSSeeded
}

// Bootstrap is the emulator's endpoint.
func (d *SQSDemo) Bootstrap() []string { return []string{d.url} }

// Seeded says what the demo put in the emulator.
func (d *SQSDemo) Seeded() SQSSeeded { return d.seeded }

// Close leaves the emulator to end with the process: goaws keeps its queues in process-wide variables.
func (d *SQSDemo) Close() {}

// StartSQS starts the emulator and seeds it.
func StartSQS(ctx context.Context) (*SQSDemo, error) {
	e, err := sqsfix.Start()
	if err != nil {
		return nil, err
	}
	d := &SQSDemo{url: e.URL, seeded: SQSSeeded{Letters: map[string]int{}}}
	return d, d.seed(ctx, sqsfix.Client(e.URL))
}

func (d *SQSDemo) seed(ctx context.Context, c *sqs.Client) error {
	s := seeder{ctx: ctx, c: c}
	s.queue(SQSDLQ, nil)
	s.queue(SQSFIFODLQ, nil)
	redrive := func(dlq string) map[string]string {
		return map[string]string{"RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"%d"}`,
			sqsfix.ARN(dlq), sqsMaxTries)}
	}
	orders := s.queue(SQSOrders, redrive(SQSDLQ))
	payments := s.queue(SQSPayments, redrive(SQSDLQ))
	fifo := s.queue(SQSFIFO, redrive(SQSFIFODLQ))
	delayed := s.queue(SQSDelayed, nil)
	hostile := s.queue(SQSHostile, nil)

	for i := range 4 {
		s.send(orders, fmt.Sprintf(`{"order":%d,"status":"failed"}`, i), "", map[string]string{"reason": "card declined"})
	}
	for i := range 3 {
		s.send(payments, fmt.Sprintf(`{"payment":%d,"status":"failed"}`, i), "", map[string]string{"reason": "timeout"})
	}
	for i := range 4 {
		s.send(fifo, fmt.Sprintf(`{"entry":%d,"account":"acct-%d"}`, i, i%2), fmt.Sprintf("acct-%d", i%2), nil)
	}
	s.fail(orders)
	s.fail(payments)
	s.fail(fifo)
	for i := range 12 {
		s.send(orders, fmt.Sprintf(`{"order":%d,"total":%d.50}`, 100+i, 10+i), "", map[string]string{"trace-id": fmt.Sprint("t-", i)})
	}
	for i := range 5 {
		s.send(payments, fmt.Sprintf(`{"payment":%d}`, 100+i), "", nil)
	}
	for i := range 6 {
		s.send(fifo, fmt.Sprintf(`{"entry":%d,"account":"acct-%d"}`, 100+i, i%2), fmt.Sprintf("acct-%d", i%2), nil)
	}
	for i := range 3 {
		in := &sqs.SendMessageInput{QueueUrl: &delayed, MessageBody: aws.String(fmt.Sprintf(`{"reminder":%d}`, i)),
			DelaySeconds: 900}
		if s.err == nil {
			_, s.err = c.SendMessage(ctx, in)
		}
	}
	// SQS refuses control characters other than tab and newlines in bodies; bidi overrides pass.
	s.send(hostile, "invoice \u202etxt.exe\u202c\tpaid\r\nforged line", "", map[string]string{"note": "\u202eelbisivni\u202c"})
	d.seeded = SQSSeeded{Orders: 12, Payments: 5, Letters: map[string]int{SQSOrders: 4, SQSPayments: 3},
		FIFO: 6, FIFOLetters: 4, Delayed: 3}
	return s.err
}

// seeder makes queues and sends messages, keeping the first error.
type seeder struct {
	ctx context.Context
	c   *sqs.Client
	err error
}

func (s *seeder) queue(name string, attrs map[string]string) string {
	if s.err != nil {
		return ""
	}
	out, err := s.c.CreateQueue(s.ctx, &sqs.CreateQueueInput{QueueName: &name, Attributes: attrs})
	if err != nil {
		s.err = fmt.Errorf("create queue %s: %w", name, err)
		return ""
	}
	return aws.ToString(out.QueueUrl)
}

func (s *seeder) send(url, body, group string, attrs map[string]string) {
	if s.err != nil {
		return
	}
	in := &sqs.SendMessageInput{QueueUrl: &url, MessageBody: &body}
	if group != "" {
		in.MessageGroupId = &group
		in.MessageDeduplicationId = aws.String(fmt.Sprintf("%x", body))
	}
	for k, v := range attrs {
		if in.MessageAttributes == nil {
			in.MessageAttributes = map[string]types.MessageAttributeValue{}
		}
		in.MessageAttributes[k] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
	}
	if _, err := s.c.SendMessage(s.ctx, in); err != nil {
		s.err = fmt.Errorf("send to %s: %w", url, err)
	}
}

// fail receives and hands back every message of url until its redrive policy moved them all to the DLQ,
// as a consumer failing on each would.
func (s *seeder) fail(url string) {
	for range 100 {
		if s.err != nil {
			return
		}
		out, err := s.c.ReceiveMessage(s.ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10})
		if err != nil {
			s.err = err
			return
		}
		if len(out.Messages) == 0 {
			return
		}
		for _, m := range out.Messages {
			if _, err := s.c.ChangeMessageVisibility(s.ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &url,
				ReceiptHandle: m.ReceiptHandle}); err != nil {
				s.err = err
				return
			}
		}
	}
}
