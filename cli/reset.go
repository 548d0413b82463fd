package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/actions"
)

func (a *app) resetOffsetsCommand() *cobra.Command {
	var topic, to string
	var execute bool
	cmd := &cobra.Command{
		Use:   "reset-offsets GROUP --topic TOPIC[:P,...] --to TARGET [--execute]",
		Short: "Move a consumer group's committed offsets (Kafka, Redis, NATS); a dry run unless --execute",
		Long: "reset-offsets moves an inactive group's committed offsets, as kafka-consumer-groups does. It shows\n" +
			"per partition where the group is and where it would go, and changes nothing unless --execute.\n" +
			"Offsets are clamped to what each partition holds, with a warning; a time with no record at or\n" +
			"after it goes to the log end. Only a group in state Empty or Dead can be reset: stop its\n" +
			"consumers first.\n\nTARGET: " + actions.ResetTargetSyntax + ".",
		Example: "  mqscope reset-offsets audit-exporter --topic inventory-events --to earliest\n" +
			"  mqscope reset-offsets audit-exporter --topic inventory-events:0,1 --to shift:-100 --execute\n" +
			"  mqscope reset-offsets billing-service --topic orders --to @-1h",
		Args: exactlyOne("GROUP"),
		RunE: func(cmd *cobra.Command, args []string) error {
			target, err := actions.ParseResetTarget(to)
			if err != nil {
				return usageError{err}
			}
			if _, _, err := actions.ParseTopicPartitions(topic); err != nil {
				return usageError{err}
			}
			return a.resetOffsets(cmd.Context(), args[0], topic, target, execute)
		},
	}
	f := cmd.Flags()
	f.StringVar(&topic, "topic", "", "the `TOPIC` to reset, or TOPIC:P,... for some of its partitions (0,2,4-7)")
	f.StringVar(&to, "to", "", "where to: `TARGET` ("+actions.ResetTargetSyntax+")")
	f.BoolVar(&execute, "execute", false, "apply the reset (without it, nothing changes)")
	cmd.MarkFlagRequired("topic")
	cmd.MarkFlagRequired("to")
	return mutating(cmd, actions.VerbReset, "execute")
}

func (a *app) resetOffsets(ctx context.Context, group, topic string, target actions.ResetTarget, execute bool) error {
	return a.withSession(ctx, func(ctx context.Context, s *actions.Session) error {
		plan, err := actions.PlanReset(ctx, s.Backend(), group, topic, target)
		if err != nil {
			return err
		}
		if !execute {
			if err := render(a.deps.Stdout, a.output, resetRows(plan), resetColumns, resetJSON(plan, false)); err != nil {
				return err
			}
			// Said, not asked of the guard: a dry run is no mutation for the audit log.
			if err := plan.CheckInactive(); err != nil {
				a.warn("warning: --execute would be refused: " + err.Error())
			} else if errors.Is(s.Can(actions.VerbReset), actions.ErrReadOnly) {
				a.warn("warning: --execute would be refused: this context is read-only")
			}
			a.warn("dry run: nothing changed; add --execute to apply")
			return nil
		}
		if err := s.ResetOffsets(ctx, plan); err != nil {
			return err
		}
		if err := render(a.deps.Stdout, a.output, resetRows(plan), resetColumns, resetJSON(plan, true)); err != nil {
			return err
		}
		a.warn(fmt.Sprintf("reset %d offset%s of group %s on %s to %s", len(plan.Partitions),
			pluralS(len(plan.Partitions)), plan.Group, plan.Topic, plan.Target))
		return nil
	})
}

func pluralS(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// exactlyOne takes one positional argument, named what for the error.
func exactlyOne(what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != 1 {
			return usageError{fmt.Errorf("%s takes one %s, got %d arguments", cmd.CommandPath(), what, len(args))}
		}
		return nil
	}
}

// partitionReset is one partition's move, with its topic for the table.
type partitionReset struct {
	topic string
	actions.PartitionReset
}

// resetRows are the plan's partitions as table rows.
func resetRows(plan actions.ResetPlan) []partitionReset {
	rows := make([]partitionReset, len(plan.Partitions))
	for i, p := range plan.Partitions {
		rows[i] = partitionReset{plan.Topic, p}
	}
	return rows
}

var resetColumns = []column[partitionReset]{
	{head: "TOPIC", cell: func(p partitionReset) string { return p.topic }},
	{head: "PARTITION", right: true, cell: func(p partitionReset) string { return itoa(int64(p.Partition)) }},
	{head: "START", right: true, cell: func(p partitionReset) string { return itoa(p.Start) }},
	{head: "END", right: true, cell: func(p partitionReset) string { return itoa(p.End) }},
	{head: "CURRENT", right: true, cell: func(p partitionReset) string { return offset(p.Current) }},
	{head: "NEW", right: true, cell: func(p partitionReset) string { return itoa(p.New) }},
	{head: "CHANGE", right: true, cell: func(p partitionReset) string {
		c, ok := p.Change()
		if !ok {
			return "-"
		}
		return fmt.Sprintf("%+d", c)
	}},
	{head: "WARNING", cell: func(p partitionReset) string { return p.Warning },
		applies: func(p partitionReset) bool { return p.Warning != "" }},
}

// resetLine is one line of `reset-offsets -o json`, per partition; to is the target as given back by
// ResetTarget.String, current and change are null where the group had committed nothing, executed says
// whether the offset was committed.
type resetLine struct {
	Group     string `json:"group"`
	State     string `json:"state"`
	Topic     string `json:"topic"`
	To        string `json:"to"`
	Partition int32  `json:"partition"`
	Start     int64  `json:"start"`
	End       int64  `json:"end"`
	Current   *int64 `json:"current"`
	New       int64  `json:"new"`
	Change    *int64 `json:"change"`
	Warning   string `json:"warning"`
	Executed  bool   `json:"executed"`
}

func resetJSON(plan actions.ResetPlan, executed bool) func(partitionReset) any {
	return func(p partitionReset) any {
		line := resetLine{Group: plan.Group, State: plan.State, Topic: plan.Topic, To: plan.Target.String(), Partition: p.Partition,
			Start: p.Start, End: p.End, New: p.New, Warning: p.Warning, Executed: executed}
		if c, ok := p.Change(); ok {
			line.Current, line.Change = &p.Current, &c
		}
		return line
	}
}

// offset is a committed offset, or "-" where nothing is committed.
func offset(o int64) string {
	if o < 0 {
		return "-"
	}
	return itoa(o)
}
