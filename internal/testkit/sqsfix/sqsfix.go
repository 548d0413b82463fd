// Package sqsfix is the one Amazon SQS fixture of mqscope's tests and demo: no real SQS runs here, so
// tests talk to the Go emulator github.com/Admiral-Piett/goaws, started in this process and bound to
// 127.0.0.1 on a random port. Test helpers reach it with the plain aws-sdk-go-v2 client, never through the
// adapter under test.
//
// goaws 0.4.5 (the version on the module proxy) speaks only SQS's query protocol, while aws-sdk-go-v2
// speaks the JSON protocol; a bridge in front of it translates (see bridge.go) and corrects what goaws
// gets wrong against SQS, from goaws's own store:
//   - ApproximateReceiveCount: goaws always says 1; the bridge gives the true count.
//   - Queue counts: goaws counts in-flight messages as visible and has no delayed count.
//   - RedrivePolicy names the dead-letter queue by ARN (goaws: by name), and only where one is set.
//   - DeadLetterQueueSourceArn on dead letters, ListDeadLetterSourceQueues, SendMessageBatch, DeleteMessageBatch, ChangeMessageVisibilityBatch
//     (missing in goaws) and PurgeQueue's 60-second rule.
//   - FIFO receives keep a group's order (goaws can hand out a group's next message while one is in
//     flight, or hide one until its visibility timeout passes).
//
// The bridge also adds what goaws lacks entirely: message move tasks (StartMessageMoveTask,
// ListMessageMoveTasks, CancelMessageMoveTask), run inside the emulator as AWS documents them — the
// emulator's extension, not a mock of mqscope (see movetask.go for what is documented and what was
// chosen). A second endpoint (Emulator.NoMoveTasksURL, New(t, WithoutMoveTasks)) serves the same queues
// without them, answering those calls as goaws answers any action it does not have.
//
// What stays different from SQS: goaws moves a message to its dead-letter queue when it comes back
// visible after more than maxReceiveCount receives (SQS moves it instead of delivering it on the receive
// after the maxReceiveCount-th), so a consumer there gets maxReceiveCount+1 tries; there is no
// content-based deduplication, no CloudWatch (so no ApproximateAgeOfOldestMessage), no authentication
// (any credentials pass) and a FIFO receive returns at most one message per group.
//
// goaws keeps its queues in process-wide variables, so there is one emulator per test binary; tests
// use names of their own (Unique) and delete what they make.
package sqsfix

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/Admiral-Piett/goaws/app"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/sirupsen/logrus"

	"github.com/mqscope/mqscope/internal/testkit/testenv"
)

// Region and Account are what the emulator's ARNs name.
const (
	Region  = "us-east-1"
	Account = "100010001000"
)

// Emulator is a running goaws behind the JSON bridge, on two endpoints onto the same queues.
type Emulator struct {
	URL string // http://127.0.0.1:PORT, the endpoint to give the SDK: with message move tasks
	// NoMoveTasksURL is the same emulator without message move tasks: StartMessageMoveTask,
	// ListMessageMoveTasks and CancelMessageMoveTask are answered as goaws answers an action it does not
	// have, as a server without the API would.
	NoMoveTasksURL string
	brig           *bridge
}

var (
	once    sync.Once
	shared  *Emulator
	startEr error
)

// Start starts the process's emulator, once; later calls return the same one.
func Start() (*Emulator, error) {
	once.Do(func() { shared, startEr = start() })
	return shared, startEr
}

func start() (*Emulator, error) {
	logrus.SetOutput(io.Discard) // goaws logs every call through logrus's global logger
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("sqsfix: listen: %w", err)
	}
	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("sqsfix: listen: %w", err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	app.CurrentEnvironment = app.Environment{Host: "127.0.0.1", Port: port, AccountID: Account,
		EnableDuplicates:       true,
		QueueAttributeDefaults: app.EnvQueueAttributes{VisibilityTimeout: 30, MaximumMessageSize: 262144}}
	b := &bridge{region: Region, account: Account, purged: map[string]time.Time{}, from: map[string]string{},
		received: map[string]int{},
		tasks:    map[string][]*moveTask{}, byHandle: map[string]*moveTask{}, stop: make(chan struct{})}
	go b.tick()
	e := &Emulator{URL: "http://" + ln.Addr().String(), NoMoveTasksURL: "http://" + ln2.Addr().String(), brig: b}
	go (&http.Server{Handler: view{b: b, moveTasks: true}, ReadHeaderTimeout: 10 * time.Second}).Serve(ln)
	go (&http.Server{Handler: view{b: b}, ReadHeaderTimeout: 10 * time.Second}).Serve(ln2)
	return e, nil
}

// Server is a test's handle on the emulator.
type Server struct {
	URL    string
	Client *sqs.Client
}

// Option changes what New gives.
type Option func(e *Emulator, s *Server)

// WithoutMoveTasks gives the endpoint without message move tasks (see Emulator.NoMoveTasksURL).
func WithoutMoveTasks(e *Emulator, s *Server) { s.URL = e.NoMoveTasksURL }

// New starts the emulator (once per process) and gives a client of it.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	e, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{URL: e.URL}
	for _, o := range opts {
		o(e, s)
	}
	s.Client = Client(s.URL)
	return s
}

// Client is a plain SDK client of the emulator at endpoint, with made-up static credentials.
func Client(endpoint string) *sqs.Client {
	return sqs.New(sqs.Options{Region: Region, BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
}

// Unique makes a queue name no other test or run uses (add ".fifo" for a FIFO queue).
func Unique(base string) string {
	return testenv.Unique("mqscope-test-", base)
}

func ctx(t testing.TB) context.Context { return testenv.Context(t, 20*time.Second) }

// ARN is the ARN the emulator gives queue name.
func ARN(name string) string { return "arn:aws:sqs:" + Region + ":" + Account + ":" + name }

// Queue makes a queue with attrs and returns its URL; it is deleted when t ends.
func (s *Server) Queue(t testing.TB, name string, attrs map[string]string) string {
	t.Helper()
	out, err := s.Client.CreateQueue(ctx(t), &sqs.CreateQueueInput{QueueName: &name, Attributes: attrs})
	if err != nil {
		t.Fatalf("sqsfix: create queue %s: %v", name, err)
	}
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Client.DeleteQueue(c, &sqs.DeleteQueueInput{QueueUrl: out.QueueUrl})
	})
	return *out.QueueUrl
}

// WithDLQ makes a queue whose redrive policy sends a message to dlq after maxReceives receives.
func (s *Server) WithDLQ(t testing.TB, name, dlq string, maxReceives int) string {
	return s.Queue(t, name, map[string]string{"RedrivePolicy": fmt.Sprintf(
		`{"deadLetterTargetArn":%q,"maxReceiveCount":"%d"}`, ARN(dlq), maxReceives)})
}

// URLOf is the URL of queue name.
func (s *Server) URLOf(t testing.TB, name string) string {
	t.Helper()
	out, err := s.Client.GetQueueUrl(ctx(t), &sqs.GetQueueUrlInput{QueueName: &name})
	if err != nil {
		t.Fatalf("sqsfix: queue url %s: %v", name, err)
	}
	return *out.QueueUrl
}

// Send sends one message; group and dedup are for FIFO queues ("" leaves them out).
func (s *Server) Send(t testing.TB, queueURL, body, group, dedup string, attrs map[string]string) {
	t.Helper()
	in := &sqs.SendMessageInput{QueueUrl: &queueURL, MessageBody: &body}
	if group != "" {
		in.MessageGroupId = &group
	}
	if dedup != "" {
		in.MessageDeduplicationId = &dedup
	}
	if len(attrs) > 0 {
		in.MessageAttributes = map[string]types.MessageAttributeValue{}
		for k, v := range attrs {
			in.MessageAttributes[k] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
		}
	}
	if _, err := s.Client.SendMessage(ctx(t), in); err != nil {
		t.Fatalf("sqsfix: send to %s: %v", queueURL, err)
	}
}

// Fail receives the visible messages of queueURL and hands each back at once, as a consumer that fails
// on everything does, until its redrive policy has moved every one to the dead-letter queue.
func (s *Server) Fail(t testing.TB, queueURL string) {
	t.Helper()
	for range 1000 {
		out, err := s.Client.ReceiveMessage(ctx(t), &sqs.ReceiveMessageInput{QueueUrl: &queueURL,
			MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatalf("sqsfix: receive from %s: %v", queueURL, err)
		}
		if len(out.Messages) == 0 {
			return
		}
		for _, m := range out.Messages {
			if _, err := s.Client.ChangeMessageVisibility(ctx(t), &sqs.ChangeMessageVisibilityInput{
				QueueUrl: &queueURL, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0}); err != nil {
				t.Fatalf("sqsfix: hand back to %s: %v", queueURL, err)
			}
		}
	}
	t.Fatalf("sqsfix: %s never emptied: has it a redrive policy?", queueURL)
}

// Msg is one message as the store holds it: Receives is how many times it was received.
type Msg struct {
	ID, Body, Group, Dedup string
	Attributes             map[string]string
	Receives               int
	InFlight               bool
}

// Messages reads queue name's messages in order straight from the emulator's store: reading changes
// nothing, which no SQS call can do.
func (s *Server) Messages(t testing.TB, name string) []Msg {
	t.Helper()
	e, _ := Start()
	e.brig.mu.Lock()
	defer e.brig.mu.Unlock()
	q, ok := app.SyncQueues.Queues[name]
	if !ok {
		t.Fatalf("sqsfix: no queue %s", name)
	}
	out := make([]Msg, 0, len(q.Messages))
	for _, m := range q.Messages {
		msg := Msg{ID: m.Uuid, Body: string(m.MessageBody), Group: m.GroupID, Dedup: m.DeduplicationID,
			Receives: m.Retry, InFlight: m.ReceiptHandle != ""}
		if msg.InFlight {
			msg.Receives++
		}
		for k, a := range m.MessageAttributes {
			if msg.Attributes == nil {
				msg.Attributes = map[string]string{}
			}
			msg.Attributes[k] = a.Value
		}
		out = append(out, msg)
	}
	return out
}

// Received is how many messages ReceiveMessage has handed out of queue name so far, each a receive SQS
// counts.
func (s *Server) Received(name string) int {
	e, _ := Start()
	e.brig.mu.Lock()
	defer e.brig.mu.Unlock()
	return e.brig.received[name]
}
