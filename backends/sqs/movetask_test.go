package sqs_test

// Redrives through SQS's message move tasks. goaws has none: the emulator's bridge runs them itself, as AWS
// documents them (internal/testkit/sqsfix/movetask.go) — an extension of the emulator, not a mock of this
// adapter. The same emulator without them (sqsfix.WithoutMoveTasks) answers as goaws answers an action it
// does not have, which is how the fallback to the client-side mover is tested.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/internal/testkit/sqsfix"
)

func session(t *testing.T, s *sqsfix.Server) *actions.Session {
	t.Helper()
	return actions.NewSession(open(t, s), config.Context{Name: "sqs-test"})
}

// bodies are the bodies queue name holds, sorted.
func bodies(t *testing.T, s *sqsfix.Server, names ...string) []string {
	var out []string
	for _, name := range names {
		for _, m := range s.Messages(t, name) {
			out = append(out, m.Body)
		}
	}
	slices.Sort(out)
	return out
}

// lastTask is the emulator's record of the last move task of dlq.
func lastTask(t *testing.T, s *sqsfix.Server, dlq string) sqsfix.MoveTask {
	t.Helper()
	tasks := s.MoveTasks(dlq)
	if len(tasks) == 0 {
		t.Fatalf("no move task ran on %s", dlq)
	}
	return tasks[len(tasks)-1]
}

// TestMoveTaskRedrivesTwoSourcesBack: a DLQ fed by two sources is redriven by one move task without a
// destination, each letter back to its own source with its attributes; the dry run says so first.
func TestMoveTaskRedrivesTwoSourcesBack(t *testing.T) {
	s := sqsfix.New(t)
	credentials(t)
	sess := session(t, s)
	dlq, sources := deadLetters(t, s, 4, false)
	before := bodies(t, s, dlq)
	plan, err := actions.PlanRedrive(context.Background(), sess.Backend(), dlq, actions.RedriveOptions{})
	if err != nil || plan.Task == nil || !plan.Task.Use || plan.Task.Destination != "" ||
		!strings.Contains(plan.TaskLine(), "each back to the source queue it came from") {
		t.Fatalf("plan: %+v %+v %v", plan, plan.Task, err)
	}
	var last backends.MoveProgress
	rep, err := sess.Redrive(context.Background(), dlq, actions.RedriveOptions{}, func(p backends.MoveProgress) { last = p })
	if err != nil || rep.Way != actions.ByMoveTask || rep.Moved != 8 || rep.Kept+rep.Failed != 0 || last.Moved != 8 || last.Total != 8 {
		t.Fatalf("redrive: %+v %v (last progress %+v)", rep, err, last)
	}
	for _, src := range sources {
		msgs := s.Messages(t, src)
		if len(msgs) != 4 {
			t.Fatalf("%s got %d back", src, len(msgs))
		}
		for _, m := range msgs {
			if !strings.HasPrefix(m.Body, src+" ") || m.Attributes["n"] == "" || m.Receives != 0 {
				t.Fatalf("%s got %+v", src, m)
			}
		}
	}
	if after := bodies(t, s, sources...); !slices.Equal(after, before) || len(s.Messages(t, dlq)) != 0 {
		t.Fatalf("moved %v, want %v; %d left in the DLQ", after, before, len(s.Messages(t, dlq)))
	}
	if task := lastTask(t, s, dlq); task.Destination != "" || task.Status != "COMPLETED" || task.Moved != 8 || task.Rate != 0 {
		t.Fatalf("the task: %+v", task)
	}
	// describe shows the last task, which outlives the mqscope that started it.
	d, err := sess.Backend().(backends.Describer).Describe(context.Background(), backends.Queue, dlq)
	i := slices.IndexFunc(d.Properties, func(p backends.Property) bool { return p.Name == "last move task" })
	if err != nil || i < 0 || !strings.HasPrefix(d.Properties[i].Value, "COMPLETED, 8 of 8 moved, started ") ||
		!strings.Contains(d.Properties[i].Value, "each to its source") || !slices.Equal(d.Destination.DeadLetterSources, sources) {
		t.Fatalf("describe %s: %+v %v", dlq, d, err)
	}
	if !strings.Contains(d.Properties[i].Value, "approximate") {
		t.Errorf("the last task's counts are SQS's estimates, and the line does not say so: %q", d.Properties[i].Value)
	}
}

// TestMoveTaskToTheGivenQueue: letters sent straight to a DLQ name no source; with a target given, one
// task moves them all there (DestinationArn), and a rate above SQS's 500 is given as 500.
func TestMoveTaskToTheGivenQueue(t *testing.T) {
	s := sqsfix.New(t)
	credentials(t)
	sess := session(t, s)
	dlq, src, target := sqsfix.Unique("dlq"), sqsfix.Unique("src"), sqsfix.Unique("target")
	url := s.Queue(t, dlq, nil)
	s.WithDLQ(t, src, dlq, 2)
	s.Queue(t, target, nil)
	for i := range 5 {
		s.Send(t, url, fmt.Sprintf("straight %d", i), "", "", nil)
	}
	opts := actions.RedriveOptions{To: target, Rate: 1000, ServerSide: true} // insisting on the task changes nothing here
	rep, err := sess.Redrive(context.Background(), dlq, opts, nil)
	if err != nil || rep.Way != actions.ByMoveTask || rep.Moved != 5 || rep.PerTarget[target] != 5 {
		t.Fatalf("redrive: %+v %v", rep, err)
	}
	if n, left := len(s.Messages(t, target)), len(s.Messages(t, dlq)); n != 5 || left != 0 {
		t.Fatalf("%d at the target, %d left in the DLQ", n, left)
	}
	if task := lastTask(t, s, dlq); task.Destination != target || task.Rate != 500 {
		t.Fatalf("the task: %+v", task)
	}
}

// TestMoveTaskCancelledHalfWay: a redrive cancelled half way cancels its task; every letter is then in
// exactly one queue, and the report counts what moved.
func TestMoveTaskCancelledHalfWay(t *testing.T) {
	s := sqsfix.New(t)
	credentials(t)
	sess := session(t, s)
	dlq, sources := deadLetters(t, s, 25, false) // 5 s at 10 a second: the cancel comes well before the end
	before := bodies(t, s, dlq)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rep, err := sess.Redrive(ctx, dlq, actions.RedriveOptions{Rate: 10}, func(p backends.MoveProgress) {
		if p.Moved >= 10 {
			cancel()
		}
	})
	moved := len(bodies(t, s, sources...))
	if !errors.Is(err, context.Canceled) || rep.Way != actions.ByMoveTask || rep.Moved < 10 || rep.Moved >= 50 ||
		int64(moved) != rep.Moved {
		t.Fatalf("cancelled redrive: %+v %v; %d letters in the sources", rep, err, moved)
	}
	if all := bodies(t, s, append(sources, dlq)...); !slices.Equal(all, before) {
		t.Fatalf("after the cancel the queues hold %d letters %v, want each of %d exactly once", len(all), all, len(before))
	}
	if task := lastTask(t, s, dlq); task.Status != "CANCELLED" || int64(task.Moved) != rep.Moved {
		t.Fatalf("the task: %+v", task)
	}
}

// TestMoveTaskRateCap: --rate becomes the task's MaxNumberOfMessagesPerSecond, and no second of the task
// held more moves than that (counted from when each letter moved).
func TestMoveTaskRateCap(t *testing.T) {
	s := sqsfix.New(t)
	credentials(t)
	sess := session(t, s)
	dlq, _ := deadLetters(t, s, 8, false)
	rep, err := sess.Redrive(context.Background(), dlq, actions.RedriveOptions{Rate: 10}, nil)
	if err != nil || rep.Way != actions.ByMoveTask || rep.Moved != 16 {
		t.Fatalf("redrive: %+v %v", rep, err)
	}
	task := lastTask(t, s, dlq)
	if task.Rate != 10 || len(task.MovedAt) != 16 {
		t.Fatalf("the task: %+v", task)
	}
	for i := range len(task.MovedAt) - 10 {
		if in := task.MovedAt[i+10].Sub(task.MovedAt[i]); in < time.Second {
			t.Fatalf("11 letters moved within %s (letters %d to %d), over the cap of 10 a second", in, i, i+10)
		}
	}
}

// TestConfirmedPlanIsNotReadAgain: a redrive of the dry run the user confirmed (the TUI's) decides by that
// plan and the DLQ's count, and starts the move task without receiving a letter again; SQS counts every
// receive. Letters that arrived since the dry run (the count above what it read) are a limit no task
// keeps: the letters then move client-side, and none is lost.
func TestConfirmedPlanIsNotReadAgain(t *testing.T) {
	s := sqsfix.New(t)
	credentials(t)
	sess := session(t, s)
	ctx := context.Background()
	dlq, sources := deadLetters(t, s, 4, false)
	plan, err := actions.PlanRedrive(ctx, sess.Backend(), dlq, actions.RedriveOptions{})
	if err != nil || plan.Letters != 8 || plan.Task == nil || !plan.Task.Use {
		t.Fatalf("plan: %+v %+v %v", plan, plan.Task, err)
	}
	opts := plan.Options
	opts.Max = int(plan.Letters) // what the TUI confirms: no more than the plan read
	received := s.Received(dlq)
	rep, err := sess.RedriveConfirmed(ctx, plan, opts, nil)
	if err != nil || rep.Way != actions.ByMoveTask || rep.Moved != 8 {
		t.Fatalf("redrive: %+v %v", rep, err)
	}
	if n := s.Received(dlq) - received; n != 0 {
		t.Errorf("the redrive of a confirmed plan received %d letters again", n)
	}
	for _, src := range sources {
		if n := len(s.Messages(t, src)); n != 4 {
			t.Fatalf("%s got %d back", src, n)
		}
	}

	dlq, _ = deadLetters(t, s, 2, false)
	if plan, err = actions.PlanRedrive(ctx, sess.Backend(), dlq, actions.RedriveOptions{}); err != nil || !plan.Task.Use {
		t.Fatalf("plan: %+v %v", plan, err)
	}
	s.Send(t, s.URLOf(t, dlq), "sent straight in since", "", "", nil) // names no source queue
	opts = plan.Options
	opts.Max = int(plan.Letters)
	rep, err = sess.RedriveConfirmed(ctx, plan, opts, nil)
	if err != nil || rep.Way != actions.ByClient || rep.Moved+rep.Kept != 4 || len(rep.Warnings) == 0 ||
		!strings.Contains(rep.Warnings[0], "limited to 4 letters") {
		t.Fatalf("redrive after a letter arrived: %+v %v", rep, err)
	}
	if tasks := s.MoveTasks(dlq); len(tasks) != 0 {
		t.Fatalf("a move task ran on letters the plan never read: %+v", tasks)
	}
	if left := len(s.Messages(t, dlq)); int64(left) != 5-rep.Moved {
		t.Fatalf("%d left in %s after %d moved of 5", left, dlq, rep.Moved)
	}
}

// TestFallbackWhereTheServerHasNoMoveTasks: the emulator without move tasks answers as goaws does; the plan
// and the redrive say in one line that the letters move client-side, and every letter moves.
func TestFallbackWhereTheServerHasNoMoveTasks(t *testing.T) {
	s := sqsfix.New(t, sqsfix.WithoutMoveTasks)
	credentials(t)
	sess := session(t, s)
	dlq, sources := deadLetters(t, s, 4, false)
	plan, err := actions.PlanRedrive(context.Background(), sess.Backend(), dlq, actions.RedriveOptions{})
	if err != nil || plan.Task == nil || plan.Task.Use || !errors.Is(plan.Task.Err, backends.ErrNotSupported) ||
		!strings.Contains(plan.TaskLine(), "client-side") {
		t.Fatalf("plan: %+v %+v %v", plan, plan.Task, err)
	}
	rep, err := sess.Redrive(context.Background(), dlq, actions.RedriveOptions{ServerSide: true}, nil)
	var serverSide *actions.ServerSideError
	if !errors.As(err, &serverSide) || rep.Moved != 0 || len(s.Messages(t, dlq)) != 8 {
		t.Fatalf("redrive insisting on the move task: %+v %v", rep, err)
	}
	rep, err = sess.Redrive(context.Background(), dlq, actions.RedriveOptions{}, nil)
	if err != nil || rep.Way != actions.ByClient || rep.Moved != 8 || len(s.Messages(t, dlq)) != 0 {
		t.Fatalf("redrive: %+v %v", rep, err)
	}
	if len(rep.Warnings) == 0 || !strings.HasPrefix(rep.Warnings[0], "moving client-side: ") ||
		!strings.Contains(rep.Warnings[0], `no SQS message move tasks (it answered HTTP 400 "Bad Request")`) ||
		strings.Contains(rep.Warnings[0], "\n") {
		t.Fatalf("warnings: %q", rep.Warnings)
	}
	for _, src := range sources {
		if n := len(s.Messages(t, src)); n != 4 {
			t.Fatalf("%s got %d back", src, n)
		}
	}
	if tasks := s.MoveTasks(dlq); len(tasks) != 0 {
		t.Fatalf("a move task ran: %+v", tasks)
	}
}

// TestFallbackReadsTheDLQOnce: on a server without move tasks no letter can make a move task fit, so the
// redrive does not read the DLQ to plan one before the client-side mover reads it to move: each read
// receives every letter, which SQS counts. A letter that stays is received once, by the mover.
func TestFallbackReadsTheDLQOnce(t *testing.T) {
	s := sqsfix.New(t, sqsfix.WithoutMoveTasks)
	credentials(t)
	sess := session(t, s)
	dlq, _ := deadLetters(t, s, 3, false)
	s.Send(t, s.URLOf(t, dlq), "sent straight in", "", "", nil) // names no source queue: it stays
	rep, err := sess.Redrive(context.Background(), dlq, actions.RedriveOptions{}, nil)
	if err != nil || rep.Way != actions.ByClient || rep.Moved != 6 || rep.Kept != 1 {
		t.Fatalf("redrive: %+v %v", rep, err)
	}
	if left := s.Messages(t, dlq); len(left) != 1 || left[0].Receives != 1 {
		t.Fatalf("the letter that stayed: %+v; want it received once, by the mover", left)
	}
}

// TestPlansNoTaskCanDoMoveClientSide: a limit below what the DLQ holds, and a target of the other type
// (FIFO DLQ, standard target), are moves no task can do: client-side, saying why.
func TestPlansNoTaskCanDoMoveClientSide(t *testing.T) {
	s := sqsfix.New(t)
	credentials(t)
	sess := session(t, s)
	dlq, _ := deadLetters(t, s, 4, false)
	rep, err := sess.Redrive(context.Background(), dlq, actions.RedriveOptions{Max: 3}, nil)
	if err != nil || rep.Way != actions.ByClient || rep.Moved != 3 || len(rep.Warnings) == 0 ||
		!strings.Contains(rep.Warnings[0], "limited to 3 letters") {
		t.Fatalf("--max 3: %+v %v", rep, err)
	}

	fifo, src, target := sqsfix.Unique("dlq")+".fifo", sqsfix.Unique("src")+".fifo", sqsfix.Unique("plain")
	url := s.Queue(t, fifo, nil)
	s.WithDLQ(t, src, fifo, 2)
	s.Queue(t, target, nil)
	for i := range 3 {
		s.Send(t, url, fmt.Sprintf("straight %d", i), "g", fmt.Sprint(i), nil)
	}
	rep, err = sess.Redrive(context.Background(), fifo, actions.RedriveOptions{To: target}, nil)
	if err != nil || rep.Way != actions.ByClient || rep.Moved != 3 || len(rep.Warnings) == 0 ||
		!strings.Contains(rep.Warnings[0], "one type") {
		t.Fatalf("FIFO to standard: %+v %v", rep, err)
	}
}

// TestMoveTaskFIFOKeepsGroupOrder: a FIFO DLQ's task sends each letter back to its FIFO source, in its
// message group, in order.
func TestMoveTaskFIFOKeepsGroupOrder(t *testing.T) {
	s := sqsfix.New(t)
	credentials(t)
	sess := session(t, s)
	dlq, sources := deadLetters(t, s, 6, true)
	rep, err := sess.Redrive(context.Background(), dlq, actions.RedriveOptions{}, nil)
	if err != nil || rep.Way != actions.ByMoveTask || rep.Moved != 12 {
		t.Fatalf("redrive: %+v %v", rep, err)
	}
	groupOrderKept(t, s, sources, 6)
}

// TestRedriveRefusedWhileATaskRuns: SQS runs one move task per queue; a redrive while one is under way
// is refused in one line naming it, and moves nothing.
func TestRedriveRefusedWhileATaskRuns(t *testing.T) {
	s := sqsfix.New(t)
	credentials(t)
	sess := session(t, s)
	dlq, _ := deadLetters(t, s, 10, false)
	out, err := s.Client.StartMessageMoveTask(context.Background(), &sqs.StartMessageMoveTaskInput{
		SourceArn: aws.String(sqsfix.ARN(dlq)), MaxNumberOfMessagesPerSecond: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Client.CancelMessageMoveTask(context.Background(), &sqs.CancelMessageMoveTaskInput{TaskHandle: out.TaskHandle})
	rep, err := sess.Redrive(context.Background(), dlq, actions.RedriveOptions{}, nil)
	var running *backends.MoveTaskRunningError
	if !errors.As(err, &running) || running.Handle != *out.TaskHandle || rep.Moved != 0 || strings.Contains(err.Error(), "\n") {
		t.Fatalf("redrive while a task runs: %+v %v", rep, err)
	}
	if tasks := s.MoveTasks(dlq); len(tasks) != 1 {
		t.Fatalf("%d move tasks on %s, want the one already running: %+v", len(tasks), dlq, tasks)
	}
}
