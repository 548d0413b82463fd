package actions

import (
	"context"
	"errors"
	"fmt"

	"github.com/mqscope/mqscope/backends"
)

// TaskPlan says whether the broker's own move task (SQS's message move task) would do a redrive, and how.
// A redrive uses it by itself wherever the plan fits it: the task sends every letter back to the queue it
// was dead-lettered from, or every letter to one queue, and takes all that the dead-letter queue holds when
// it starts. Anything else (letters that stay, a limit, some letters to their sources and others to the
// given target) moves client-side, as does a broker that turns out not to have move tasks.
type TaskPlan struct {
	Use bool
	// Destination is where every letter goes; "" sends each back to its own source queue.
	Destination string
	// Why the letters move client-side instead, when !Use.
	Why string
	// Err is the broker's answer where it decided: it has no move tasks (wraps backends.ErrNotSupported),
	// one is under way (*backends.MoveTaskRunningError, which a redrive refuses), or something else.
	Err error
}

// Running is the move task already under way on the dead-letter queue, if the broker said so.
func (t *TaskPlan) Running() *backends.MoveTaskRunningError {
	var running *backends.MoveTaskRunningError
	if t != nil && errors.As(t.Err, &running) {
		return running
	}
	return nil
}

// TaskLine says in one sentence who would move the letters of p, where the broker has move tasks of its
// own; "" where it has none or there is nothing to move.
func (p RedrivePlan) TaskLine() string {
	t := p.Task
	switch {
	case t == nil || p.Letters == 0:
		return ""
	case t.Running() != nil:
		return "a redrive now would be refused: " + t.Running().Error()
	case !t.Use:
		return "mqscope would move the letters itself (client-side): " + t.Why
	}
	where := "each back to the source queue it came from"
	if t.Destination != "" {
		where = "all to " + t.Destination
	}
	pace := "at the broker's own pace"
	if r := p.Options.Rate; r > 0 {
		pace = fmt.Sprintf("at most %d a second", r)
	}
	return fmt.Sprintf("the broker's own move task would move what %s holds when it starts, %s, %s", p.Source, where, pace)
}

// planTask decides whether the broker's move task can do what plan does, and asks the broker whether it
// could start one now. held is what the dead-letter queue holds (Unknown when not known).
func planTask(ctx context.Context, tm backends.TaskMover, plan RedrivePlan, held int64) *TaskPlan {
	dest, why := taskRoute(plan, held)
	if why != "" {
		return &TaskPlan{Why: why}
	}
	if err := tm.CheckMoveTask(ctx, plan.Source, dest); err != nil {
		return &TaskPlan{Why: err.Error(), Err: err}
	}
	return &TaskPlan{Use: true, Destination: dest}
}

// taskRoute is the destination a move task would be given to do what the plan does ("" for each letter's
// own source), or why no move task can.
func taskRoute(p RedrivePlan, held int64) (dest, why string) {
	switch {
	case p.Letters == 0:
		return "", "there is nothing to move"
	case p.Keeps() > 0:
		return "", fmt.Sprintf("%d of the %d letters would stay (%s), and a move task would take them too",
			p.Keeps(), p.Letters, p.Kept[0].Reason)
	case p.Options.Max > 0 && (!backends.Known(held) || int64(p.Options.Max) < held):
		return "", fmt.Sprintf("the move is limited to %d letters, and a move task takes all that %s holds", p.Options.Max, p.Source)
	case p.Options.UseOriginalExchange:
		return "", "letters go through their original exchange, which a move task does not know"
	}
	toSources := true
	for _, r := range p.Routes {
		toSources = toSources && r.Via == string(backends.SQSSource)
	}
	switch {
	case toSources:
		return "", ""
	case len(p.Routes) == 1 && p.Routes[0].Via == ViaGiven:
		return p.Routes[0].Target.Destination, ""
	}
	return "", fmt.Sprintf("the letters go to %d places, not each to its own source queue nor all to the target given, "+
		"and a move task does one or the other", len(p.Routes))
}

// held is what the dead-letter queue holds as the listing counted it; Unknown when not listed.
func (r *DeadLetterRouter) held() int64 {
	if d, ok := r.places[r.source]; ok {
		return d.Messages
	}
	return backends.Unknown
}

// taskRedrive plans the redrive (or takes the plan the user confirmed: confirmedPlan) and, where the plan
// fits the broker's own move task, has it move the letters, following it with progress and cancelling it
// when ctx ends. clientSide is why the letters are to move client-side instead, in one line; "" when the
// task moved them (or failed to: err).
//
// Where the server has no move tasks at all, or one is under way, it says so before planning: the plan
// reads the dead-letter queue to see whether a task fits, and the client-side mover reads it again to
// move; on SQS every read receives each letter, which its receive count keeps.
func taskRedrive(ctx context.Context, b backends.Backend, tm backends.TaskMover, dlq string, opts RedriveOptions,
	confirmed *RedrivePlan, progress func(backends.MoveProgress)) (out RedriveReport, clientSide string, err error) {
	out = RedriveReport{Source: dlq, Way: ByMoveTask}
	var running *backends.MoveTaskRunningError
	switch err := tm.CheckMoveTask(ctx, dlq, ""); {
	case errors.As(err, &running):
		return out, "", fmt.Errorf("redrive %s: %w: let it finish, or cancel it", dlq, running)
	case errors.Is(err, backends.ErrNotSupported):
		return RedriveReport{}, err.Error(), nil
	}
	plan, err := confirmedPlan(ctx, b, tm, dlq, opts, confirmed)
	if err != nil {
		return out, "", fmt.Errorf("plan the redrive of %s: %w", dlq, err)
	}
	out.Warnings = plan.Warnings
	t := plan.Task
	switch {
	case t.Running() != nil:
		return out, "", fmt.Errorf("redrive %s: %w: let it finish, or cancel it", dlq, t.Running())
	case plan.Letters == 0:
		out.Way = "" // nothing to move, and no one moved it
		return out, "", nil
	case !t.Use:
		return RedriveReport{}, t.Why, nil
	}
	report, err := tm.TaskMove(ctx, backends.MoveRequest{Source: dlq, Rate: opts.Rate}, t.Destination, progress)
	if errors.Is(err, backends.ErrNotSupported) && report.Moved == 0 {
		return RedriveReport{}, err.Error(), nil
	}
	out.MoveReport = report
	if t.Destination == "" && report.Moved > 0 {
		out.Warnings = append(out.Warnings, "the move task sent each letter back to its own source queue; "+
			"the broker counts the letters a task moved, not where each went")
	}
	if err != nil {
		return out, "", fmt.Errorf("redrive %s: %w", dlq, err)
	}
	return out, "", nil
}

// confirmedPlan is the plan a move task decides by: the dry run the user confirmed where there is one of
// dlq with opts (but Max, which a confirmed move sets to the letters it read), else a fresh plan. The
// confirmed plan's letters are not read again: whether a task fits them is decided again with the
// queue's count now, which the listing gives without receiving a letter, and the broker's check (a task
// under way) is asked again. A task takes all the queue holds when it starts, so a count above the letters
// the plan read (letters that arrived since) is a limit no task keeps, and the letters move client-side,
// where the mover routes each letter as it reads it.
func confirmedPlan(ctx context.Context, b backends.Backend, tm backends.TaskMover, dlq string, opts RedriveOptions,
	confirmed *RedrivePlan) (RedrivePlan, error) {
	plan, reused, err := planOrConfirmed(ctx, b, dlq, opts, confirmed)
	if err != nil || !reused {
		return plan, err
	}
	router, _, err := NewDeadLetterRouter(ctx, b, dlq, opts) // lists the queues: reads no letter
	if err != nil {
		return RedrivePlan{}, err
	}
	plan.Task = planTask(ctx, tm, plan, router.held())
	return plan, nil
}

// planOrConfirmed is the plan a move decides by: confirmed, with opts, where it is the user's dry run of dlq
// with opts (but Max, which a confirmed move sets to the letters it read), else a fresh plan, which reads
// the letters. reused says which.
func planOrConfirmed(ctx context.Context, b backends.Backend, dlq string, opts RedriveOptions,
	confirmed *RedrivePlan) (plan RedrivePlan, reused bool, err error) {
	if confirmed == nil || confirmed.Source != dlq || !sameButMax(confirmed.Options, opts) {
		plan, err = PlanRedrive(ctx, b, dlq, opts)
		return plan, false, err
	}
	plan = *confirmed
	plan.Options = opts
	return plan, true, nil
}

// sameButMax reports whether a and b are the same options, but for Max.
func sameButMax(a, b RedriveOptions) bool {
	a.Max = b.Max
	return a == b
}
