package actions_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/rabbitmq"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/internal/testkit/rabbitfix"
)

// countedReads is a real RabbitMQ backend that counts the reads of a queue made through it.
type countedReads struct {
	*rabbitmq.Backend
	reads atomic.Int32
}

func (c *countedReads) Peek(ctx context.Context, req backends.PeekRequest, emit func(backends.Message) error) error {
	c.reads.Add(1)
	return c.Backend.Peek(ctx, req, emit)
}

// A server-side redrive of the dry run the user confirmed moves by that plan: reading the letters again
// would mark each one redelivered once more, and on a quorum queue count a delivery.
func TestServerSideRedriveOfAConfirmedPlanReadsNoLetterAgain(t *testing.T) {
	t.Parallel()
	v := rabbitfix.New(t)
	dlq, home := rabbitfix.Unique("confirmed-dlq"), rabbitfix.Unique("confirmed-home")
	v.Declare(t, dlq, nil)
	v.Declare(t, home, nil)
	v.PutJSON(t, dlq, 50)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b := &countedReads{Backend: openRabbitMQ(ctx, t, v)}
	s := actions.NewSession(b, config.Context{Name: "confirmed"})
	opts := actions.RedriveOptions{To: home, ServerSide: true}
	plan, err := actions.PlanRedrive(ctx, b, dlq, opts)
	if err != nil || plan.Letters != 50 {
		t.Fatalf("plan: %d letters, %v", plan.Letters, err)
	}
	read := b.reads.Load()
	opts.Max = int(plan.Letters)
	report, err := s.RedriveConfirmed(ctx, plan, opts, nil)
	if err != nil || report.Moved != 50 || report.Way != actions.ByServerMove {
		t.Fatalf("confirmed server-side redrive: %+v, %v", report, err)
	}
	if again := b.reads.Load() - read; again != 0 {
		t.Errorf("the move read the dead-letter queue %d more times after the confirmed plan, want 0", again)
	}
	v.WaitReady(t, home, 50)
}

// A redrive cut off before it read anything (Ctrl-C while a server-side move plans) still reports which
// queue it was of: the CLI's last line and -o json name it.
func TestRedriveCutOffWhilePlanningNamesItsSource(t *testing.T) {
	t.Parallel()
	v := rabbitfix.New(t)
	dlq := rabbitfix.Unique("cutoff-dlq")
	v.Declare(t, dlq, nil)
	v.PutJSON(t, dlq, 5)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b := openRabbitMQ(ctx, t, v)
	cut, stop := context.WithCancel(ctx)
	stop()
	report, err := actions.NewSession(b, config.Context{Name: "cut"}).Redrive(cut, dlq, actions.RedriveOptions{To: dlq + "-home", ServerSide: true}, nil)
	if err == nil || report.Source != dlq {
		t.Fatalf("cut off while planning: %+v, %v; want an error and the source named", report, err)
	}
}

// A server-side redrive of an empty dead-letter queue moves nothing and says so, as a client-side one
// does: no error (the CLI's exit 0).
func TestServerSideRedriveOfAnEmptyQueue(t *testing.T) {
	t.Parallel()
	v := rabbitfix.New(t)
	dlq, home := rabbitfix.Unique("empty-dlq"), rabbitfix.Unique("empty-home")
	v.Declare(t, dlq, nil)
	v.Declare(t, home, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b := openRabbitMQ(ctx, t, v)
	report, err := actions.NewSession(b, config.Context{Name: "empty"}).Redrive(ctx, dlq, actions.RedriveOptions{To: home, ServerSide: true}, nil)
	if err != nil || report.Moved != 0 || report.Source != dlq {
		t.Fatalf("server-side redrive of an empty queue: %+v, %v; want nothing moved and no error", report, err)
	}
}

// openRabbitMQ opens a backend on the test's vhost, closed when the test ends.
func openRabbitMQ(ctx context.Context, t *testing.T, v *rabbitfix.Vhost) *rabbitmq.Backend {
	t.Helper()
	b, err := rabbitmq.Open(ctx, rabbitmq.Config{URL: v.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}
