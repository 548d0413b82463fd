package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
)

func (a *app) redriveCommand() *cobra.Command {
	var o actions.RedriveOptions
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "redrive DLQ [--to DEST] [--dry-run] [--max N] [--original-exchange] [--server-side]",
		Short: "Move dead letters back where they came from, losing none",
		Long: "redrive moves the letters of a dead-letter queue or topic back to their origins. Each letter's\n" +
			"origin comes from its own headers: RabbitMQ x-death (the queue it died in, through the default\n" +
			"exchange; --original-exchange sends it through the exchange and routing key it was first published\n" +
			"with), Spring Kafka kafka_dlt-original-topic and -partition, Kafka Connect __connect.errors.topic\n" +
			"and .partition, Spring Cloud Stream x-original-topic, SQS the source queue its redrive policy moved\n" +
			"it from (DeadLetterQueueSourceArn). Letters whose headers name none go to --to;\n" +
			"without --to, to the destination the DLQ's name points to (X-dlt, X.DLT, X.dlq, X-dlq, X_dlq,\n" +
			"dlq.X, X.dead ...), if it exists. Letters from several origins each go back to their own.\n\n" +
			"A letter leaves the DLQ only once its target confirmed it (RabbitMQ confirms with mandatory;\n" +
			"Kafka in one transaction with the DLT's consumed offsets, so an interrupted redrive carries on\n" +
			"where it stopped when run again; the letters stay in the DLT and the offset of\n" +
			"consumer group mqscope-redrive.<DLT> moves past them: resetting that group moves them again).\n" +
			"A letter with no origin, or whose origin no longer exists, stays\n" +
			"and is reported, and the run exits 1. --dry-run reads the letters the way peek does and shows\n" +
			"how many go where, changing nothing. Refused in read-only mode (except --dry-run).\n\n" +
			"--server-side (RabbitMQ) first plans as --dry-run does; where every letter goes to one queue, it\n" +
			"hands the move of that many letters to the broker's shovel plugin (as the management UI's Move\n" +
			"messages does), follows it from the queues' counts, and checks the counts at the end. Ctrl-C lets\n" +
			"the part under way finish, so every letter is in exactly one of the two queues. The plugin must be\n" +
			"enabled, and the user needs the policymaker tag.\n\n" +
			"SQS: where the plan fits it, redrive hands the move to SQS's own message move task\n" +
			"(StartMessageMoveTask): every letter back to the source queue it came from, or all to --to when\n" +
			"no letter names a source; no --max; --to of the DLQ's type (FIFO or not). --rate becomes its\n" +
			"MaxNumberOfMessagesPerSecond (SQS takes at most 500). It follows the task's progress; Ctrl-C\n" +
			"cancels the task (what moved stays moved, the rest stays in the DLQ). --dry-run says which way\n" +
			"it would go. Otherwise, or where the server has no move tasks, mqscope moves the letters itself\n" +
			"and says why in one line: received (10 at a time, hidden for 60 s), sent to their targets in\n" +
			"batches, and deleted from the DLQ once SQS confirmed the send; --rate caps letters a second. FIFO letters\n" +
			"keep their message group (so a group's order holds) and their deduplication id when it is older\n" +
			"than SQS's 5-minute window. Ctrl-C finishes the batch under way; a killed run leaves letters it\n" +
			"sent but did not delete to reappear in the DLQ after 60 s, to be moved again (a duplicate).",
		Example: "  mqscope redrive orders-dlt --dry-run           # where each letter would go\n" +
			"  mqscope redrive orders-dlt\n" +
			"  mqscope redrive work.dlq --original-exchange --max 100\n" +
			"  mqscope redrive parking-lot --to orders         # letters without an origin go to orders\n" +
			"  mqscope redrive orders.dlq --server-side        # the broker's shovel moves them, where all go to one queue",
		Args: exactlyOne("DLQ"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Rate < 0 {
				return usageError{fmt.Errorf("--rate %d: want 0 (no cap) or more", o.Rate)}
			}
			if o.Max < 0 {
				return usageError{fmt.Errorf("--max %d: want 0 (all) or more", o.Max)}
			}
			if dryRun {
				return a.planRedrive(cmd.Context(), args[0], o)
			}
			return a.redrive(cmd.Context(), args[0], o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.To, "to", "", "send letters whose headers name no origin to `DEST`")
	f.BoolVar(&dryRun, "dry-run", false, "show where each letter would go, and change nothing")
	f.IntVarP(&o.Max, "max", "n", 0, "move at most `N` letters (default: all the DLQ holds when the move begins)")
	f.IntVar(&o.Rate, "rate", 0, "SQS: move at most `PER_SEC` letters a second (default: no cap)")
	f.BoolVar(&o.UseOriginalExchange, "original-exchange", false,
		"RabbitMQ: send letters through the exchange and routing key they were first published with")
	f.BoolVar(&o.ServerSide, "server-side", false,
		"RabbitMQ: have the broker's shovel plugin move the letters (faster), where every letter goes to one queue; "+
			"SQS: insist on SQS's move task (refused where it cannot do the move)")
	return mutating(cmd, actions.VerbRedrive, "!dry-run")
}

// planRedrive shows where the letters would go.
func (a *app) planRedrive(ctx context.Context, dlq string, o actions.RedriveOptions) error {
	return a.longRun(ctx, func(ctx context.Context, s *actions.Session) error {
		b := s.Backend()
		if err := a.notePeekEffects(ctx, b, dlq); err != nil {
			return err
		}
		plan, err := actions.PlanRedrive(ctx, b, dlq, o)
		if err != nil {
			return err
		}
		for _, w := range plan.Warnings {
			a.warn("warning: " + w)
		}
		if err := render(a.deps.Stdout, a.output, planRows(plan), planColumns, planJSON(plan.Source)); err != nil {
			return err
		}
		if errors.Is(s.Can(actions.VerbRedrive), actions.ErrReadOnly) {
			a.warn("warning: without --dry-run the redrive would be refused: this context is read-only")
		}
		if o.ServerSide {
			a.warn(serverSideNote(ctx, s, plan))
		} else if line := plan.TaskLine(); line != "" {
			a.warn(line)
		}
		a.warn(fmt.Sprintf("dry run: of %d letter%s in %s, %d would move and %d would stay; nothing changed",
			plan.Letters, pluralS(int(plan.Letters)), plan.Source, plan.Moves(), plan.Keeps()))
		return nil
	})
}

// serverSideNote says whether --server-side would do the planned move, and where to.
func serverSideNote(ctx context.Context, s *actions.Session, plan actions.RedrivePlan) string {
	if err := s.Can(actions.VerbServerMove); err != nil && !errors.Is(err, actions.ErrReadOnly) {
		return "warning: --server-side would be refused: " + err.Error()
	}
	if t := plan.Task; t != nil { // SQS: the move task, insisted on
		if !t.Use {
			return "warning: --server-side would be refused: " + t.Why
		}
		return "--server-side: " + plan.TaskLine()
	}
	target, err := actions.ServerSideCheck(ctx, s.Backend(), plan)
	if err != nil {
		return "warning: --server-side would be refused: " + err.Error() + "; move without --server-side"
	}
	return fmt.Sprintf("--server-side: the broker's shovel would move the %d letters to %s", plan.Letters, target)
}

// planRow is one line of a plan: letters going to a target, or staying for a reason.
type planRow struct {
	target  *backends.Target
	keptAt  string // the target kept letters would have gone to
	via     string
	letters int64
	reason  string // "": they move
}

func planRows(p actions.RedrivePlan) []planRow {
	var rows []planRow
	for _, r := range p.Routes {
		rows = append(rows, planRow{target: &r.Target, via: via(r.Via), letters: r.Letters})
	}
	for _, k := range p.Kept {
		rows = append(rows, planRow{keptAt: k.Target, letters: k.Letters, reason: keptReason(k)})
	}
	return rows
}

func (r planRow) label() string {
	switch {
	case r.target != nil:
		return r.target.Label()
	case r.keptAt != "":
		return r.keptAt
	}
	return "-"
}

var planColumns = []column[planRow]{
	{head: "TARGET", cell: planRow.label},
	{head: "PARTITION", right: true, cell: func(r planRow) string { return itoa(int64(*r.target.Partition)) },
		applies: func(r planRow) bool { return r.target != nil && r.target.Partition != nil }},
	{head: "VIA", cell: func(r planRow) string { return r.via }},
	{head: "LETTERS", right: true, cell: func(r planRow) string { return itoa(r.letters) }},
	{head: "OUTCOME", cell: func(r planRow) string {
		if r.reason == "" {
			return "moves"
		}
		return "stays: " + r.reason
	}},
}

// planLine is a line of `redrive --dry-run -o json`.
type planLine struct {
	Source     string  `json:"source"`
	Target     *string `json:"target"` // the queue or topic; null for letters without one
	Partition  *int32  `json:"partition"`
	Exchange   *string `json:"exchange"`
	RoutingKey *string `json:"routing_key"`
	Via        *string `json:"via"`
	Letters    int64   `json:"letters"`
	Moves      bool    `json:"moves"`
	Reason     *string `json:"reason"`
}

func planJSON(source string) func(planRow) any {
	return func(r planRow) any {
		line := planLine{Source: source, Letters: r.letters, Moves: r.reason == ""}
		if t := r.target; t != nil {
			line.Target, line.Partition, line.Exchange, line.Via = &t.Destination, t.Partition, t.Exchange, &r.via
			if t.Exchange != nil {
				line.RoutingKey = &t.RoutingKey
			}
		} else {
			line.Reason = &r.reason
			if r.keptAt != "" {
				line.Target = &r.keptAt
			}
		}
		return line
	}
}

// redrive moves the letters and reports what moved, per target, and what stayed.
func (a *app) redrive(ctx context.Context, dlq string, o actions.RedriveOptions) error {
	if err := a.refuseReadOnly(actions.VerbRedrive); err != nil {
		return err
	}
	return a.longRun(ctx, func(ctx context.Context, s *actions.Session) error {
		bar := a.progress("moving")
		start := time.Now()
		report, err := s.Redrive(ctx, dlq, o, bar.moveProgress)
		bar.clear()
		if err != nil && report.Moved+report.Kept+report.Failed+report.InDoubt == 0 && ctx.Err() == nil {
			return err // nothing happened: the error says it all
		}
		for _, w := range report.Warnings {
			a.warn("warning: " + w)
		}
		if rerr := a.moveReport(report, time.Since(start)); rerr != nil {
			return rerr
		}
		return redriveOutcome(ctx, report, err)
	})
}

func (p *progress) moveProgress(s backends.MoveProgress) {
	if s.Waiting > 0 {
		p.stillWaiting(s.Waiting, s.Moved, "moved")
		return
	}
	p.update(progressState{done: s.Moved, kept: s.Kept, failed: s.Failed, total: s.Total})
}

// movedRow is letters moved to one target.
type movedRow struct {
	target string
	moved  int64
}

var movedColumns = []column[movedRow]{
	{head: "TARGET", cell: func(r movedRow) string { return r.target }},
	{head: "MOVED", right: true, cell: func(r movedRow) string { return itoa(r.moved) }},
}

// stayedRow is letters that stayed for one reason.
type stayedRow struct {
	target, reason string
	letters        int64
}

var stayedColumns = []column[stayedRow]{
	{head: "STAYED", right: true, cell: func(r stayedRow) string { return itoa(r.letters) }},
	{head: "TARGET", cell: func(r stayedRow) string { return cmp.Or(r.target, "-") }},
	{head: "REASON", cell: func(r stayedRow) string { return r.reason }},
}

// stayedRows groups the report's failures (the first ones the mover kept) by target and reason.
func stayedRows(fs []backends.MoveFailure) []stayedRow {
	counts := map[[2]string]int64{}
	for _, f := range fs {
		counts[[2]string{f.Target, f.Reason}]++
	}
	var rows []stayedRow
	for k, n := range counts {
		rows = append(rows, stayedRow{target: k[0], reason: k[1], letters: n})
	}
	slices.SortFunc(rows, func(a, b stayedRow) int {
		return cmp.Or(cmp.Compare(b.letters, a.letters), strings.Compare(a.target, b.target), strings.Compare(a.reason, b.reason))
	})
	return rows
}

// moveLine is the line of `redrive -o json`.
type moveLine struct {
	Source        string           `json:"source"`
	Moved         int64            `json:"moved"` // for certain: at the target and gone from the source; never counted in in_doubt too
	Kept          int64            `json:"kept"`
	Failed        int64            `json:"failed"`
	InDoubt       int64            `json:"in_doubt"`         // may be in both places: the move stopped before their removal was certain
	CommitInDoubt bool             `json:"commit_in_doubt"`  // rather, in_doubt were in a commit under way (Kafka): moved or not as one, never twice
	InDoubtAtMost bool             `json:"in_doubt_at_most"` // in_doubt is an upper bound, not a count (a RabbitMQ shovel deleted mid-part)
	Way           string           `json:"way"`              // client-side, server-side or move task
	PerTarget     map[string]int64 `json:"per_target"`
	Failures      []moveFailure    `json:"failures"` // the first ones
	ElapsedMS     int64            `json:"elapsed_ms"`
}

type moveFailure struct {
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
	Target    string `json:"target"`
	Reason    string `json:"reason"`
}

func (a *app) moveReport(r actions.RedriveReport, elapsed time.Duration) error {
	if a.output == outputJSON {
		line := moveLine{Source: r.Source, Moved: r.Moved, Kept: r.Kept, Failed: r.Failed, InDoubt: r.InDoubt,
			CommitInDoubt: r.CommitInDoubt, InDoubtAtMost: r.InDoubtAtMost, Way: string(r.Way), PerTarget: map[string]int64{}, Failures: []moveFailure{}, ElapsedMS: elapsed.Milliseconds()}
		maps.Copy(line.PerTarget, r.PerTarget)
		for _, f := range r.Failures {
			line.Failures = append(line.Failures, moveFailure(f))
		}
		return writeJSONLines(a.deps.Stdout, []moveLine{line}, func(l moveLine) any { return l })
	}
	var moved []movedRow
	for _, target := range slices.Sorted(maps.Keys(r.PerTarget)) {
		moved = append(moved, movedRow{target, r.PerTarget[target]})
	}
	if len(moved) > 0 {
		if err := writeTable(a.deps.Stdout, moved, movedColumns); err != nil {
			return err
		}
	}
	if stayed := stayedRows(r.Failures); len(stayed) > 0 {
		if len(moved) > 0 {
			fmt.Fprintln(a.deps.Stdout)
		}
		if err := writeTable(a.deps.Stdout, stayed, stayedColumns); err != nil {
			return err
		}
		if shown := int64(len(r.Failures)); shown < r.Kept+r.Failed {
			a.warn(fmt.Sprintf("note: the first %d of %d letters that stayed are shown", shown, r.Kept+r.Failed))
		}
	}
	rate := ""
	if r.Moved > 0 {
		rate = " (" + perSecond(r.Moved, elapsed) + ")"
	}
	doubt := ""
	if r.InDoubt > 0 && r.CommitInDoubt {
		doubt = fmt.Sprintf("; %d in doubt, in a commit under way", r.InDoubt)
	} else if r.InDoubt > 0 {
		doubt = fmt.Sprintf("; %s may be in both places", r.InDoubtFigure(func(n int64) string { return fmt.Sprint(n) }))
	}
	by := ""
	if r.Way == actions.ByMoveTask {
		by = " by the broker's own move task (its approximate count)"
	}
	a.warn(fmt.Sprintf("moved %d letter%s of %s%s in %s%s; %d kept, %d failed%s", r.Moved, pluralS(int(r.Moved)),
		r.Source, by, elapsed.Round(time.Millisecond), rate, r.Kept, r.Failed, doubt))
	return nil
}

// beyondInterruption is what the error of an interrupted redrive adds to the interruption, after "; "
// (see actions.StopTrouble); "" when the error is only the interruption.
func beyondInterruption(err error) string {
	if trouble := actions.StopTrouble(err); trouble != nil {
		return "; " + trouble.Error()
	}
	return ""
}

// redriveOutcome is the error a redrive exits with: any letter that stayed, an interruption, or the
// mover's error. A move the broker cut off with letters in doubt (a lost connection, a commit's answer
// lost) says what moved for certain and what is in doubt, as an interrupted one does.
func redriveOutcome(ctx context.Context, r actions.RedriveReport, err error) error {
	interrupted := ctx.Err() != nil && err != nil // with no error the move ended all the same: a server-side
	// move's last part moves every letter left, whenever Ctrl-C comes
	switch {
	case interrupted && r.InDoubt > 0:
		return errors.New("interrupted: " + r.Stopped() + beyondInterruption(err))
	case interrupted:
		return fmt.Errorf("interrupted after moving %d letter%s; run it again to move the rest%s", r.Moved, pluralS(int(r.Moved)),
			beyondInterruption(err))
	case err != nil && r.InDoubt > 0:
		return fmt.Errorf("stopped: %s; %w", r.Stopped(), err)
	case err != nil:
		return err
	case !r.Complete():
		why := ""
		if len(r.Failures) > 0 {
			why = ": " + r.Failures[0].Reason
		}
		stayed := r.Kept + r.Failed
		return fmt.Errorf("%d letter%s stayed in %s (%d kept, %d failed)%s", stayed, pluralS(int(stayed)), r.Source,
			r.Kept, r.Failed, why)
	}
	return nil
}
