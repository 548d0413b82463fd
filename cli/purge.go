package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/present"
)

func (a *app) purgeCommand() *cobra.Command {
	var yes bool
	var before int64
	var filter backends.PurgeFilter
	cmd := &cobra.Command{
		Use:   "purge QUEUE|TOPIC[:P,...] --yes [--before OFFSET]",
		Short: "Remove a queue's ready messages, a topic's or stream's records, or an MQTT topic's retained message",
		Long: "purge empties a RabbitMQ queue of its ready messages (unacknowledged ones stay with their\n" +
			"consumers), or deletes a Kafka topic's records: all of them, or those before --before OFFSET in\n" +
			"each partition. Without --yes it only says what would go, and exits 2 (a queue's ready messages are\n" +
			"counted exactly, just before; unacked comes from the management API, a few seconds behind, and\n" +
			"shows as ? where it has none). Refused in read-only mode.",
		Example: "  mqscope purge orders.retry                      # what would go\n" +
			"  mqscope purge orders.retry --yes\n" +
			"  mqscope purge orders-dlt:0,3 --before 1200 --yes  # Kafka: records before offset 1200",
		Args: exactlyOne("QUEUE or TOPIC"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("before") && before < 0 {
				return usageError{fmt.Errorf("--before %d: want an offset, 0 or more", before)}
			}
			if !cmd.Flags().Changed("before") {
				before = actions.TruncateAll
			}
			if filter != (backends.PurgeFilter{}) {
				if before != actions.TruncateAll {
					return usageError{errors.New("--before goes alone: purge by --subject and --keep, or before an offset")}
				}
				return a.purgeFiltered(cmd.Context(), args[0], filter, yes)
			}
			return a.purge(cmd.Context(), args[0], before, yes)
		},
	}
	cmd.Flags().BoolVar(&yes, "yes", false, "really remove them")
	cmd.Flags().Int64Var(&before, "before", 0, "Kafka: delete only the records before this `OFFSET` of each partition (default: all)")
	cmd.Flags().StringVar(&filter.Subject, "subject", "", "NATS: remove only the messages on subjects matching `FILTER`")
	cmd.Flags().Int64Var(&filter.Keep, "keep", 0, "NATS: keep the newest `N` messages (of --subject, when given)")
	return mutating(cmd, actions.VerbPurge, "always") // even the preview is refused read-only: there is nothing to confirm
}

func (a *app) purge(ctx context.Context, dest string, before int64, yes bool) error {
	// Read-only was refused before connecting: the command is mutating "always".
	return a.withSession(ctx, func(ctx context.Context, s *actions.Session) error {
		if s.Supports(actions.VerbTruncate) {
			err := a.truncate(ctx, s, dest, before, yes)
			if before == actions.TruncateAll && s.Supports(actions.VerbPurge) && errors.Is(err, backends.ErrNotFound) {
				// Not a log (a Redis list beside its streams): purge it as the queue it is.
				return a.purgeQueue(ctx, s, dest, yes)
			}
			return err
		}
		if before != actions.TruncateAll {
			return usageError{errors.New("--before is for Kafka topics: a queue purge removes every ready message")}
		}
		return a.purgeQueue(ctx, s, dest, yes)
	})
}

func (a *app) purgeQueue(ctx context.Context, s *actions.Session, queue string, yes bool) error {
	plan, err := actions.PlanPurge(ctx, s.Backend(), queue)
	if err != nil {
		return err
	}
	cols := columnsOf(present.Worded(purgeColumns, a.words()))
	if !yes {
		if err := render(a.deps.Stdout, a.output, []purgeRow{{plan, nil}}, cols, purgeJSON); err != nil {
			return err
		}
		if a.kind() == backends.MQTT && plan.Ready > 0 { // in MQTT's words, as the table is
			return needsConfirm(fmt.Sprintf("would clear the retained message of %s; add --yes to purge", plan.Queue))
		}
		return needsConfirm(purgePreview(plan))
	}
	n, err := s.Purge(ctx, queue)
	if err != nil {
		return err
	}
	return render(a.deps.Stdout, a.output, []purgeRow{{plan, &n}}, cols, purgeJSON)
}

// purgePreview says what a purge would remove; a count the broker could not give is said to be unknown.
func purgePreview(plan actions.PurgePlan) string {
	if !backends.Known(plan.Ready) {
		return fmt.Sprintf("would remove every ready message from %s, how many is unknown (the broker gives no "+
			"figures right now); add --yes to purge", plan.Queue)
	}
	if plan.Note != "" {
		return fmt.Sprintf("would remove about %d message%s from %s (%s); add --yes to purge",
			plan.Ready, pluralS(int(plan.Ready)), plan.Queue, plan.Note)
	}
	return fmt.Sprintf("would remove %d ready message%s from %s; add --yes to purge",
		plan.Ready, pluralS(int(plan.Ready)), plan.Queue)
}

func (a *app) truncate(ctx context.Context, s *actions.Session, topic string, before int64, yes bool) error {
	plan, err := actions.PlanTruncate(ctx, s.Backend(), topic, before)
	if err != nil {
		return err
	}
	cols := columnsOf(present.Worded(truncateColumns, a.words()))
	if !yes {
		if err := render(a.deps.Stdout, a.output, truncateRows(plan), cols, truncateJSON(plan, false)); err != nil {
			return err
		}
		return needsConfirm(fmt.Sprintf("would delete %d record%s of %s; add --yes to purge",
			plan.Removes(), pluralS(int(plan.Removes())), plan.Topic))
	}
	if err := s.Truncate(ctx, plan.Topic, plan.Offsets()); err != nil {
		return err
	}
	if err := render(a.deps.Stdout, a.output, truncateRows(plan), cols, truncateJSON(plan, true)); err != nil {
		return err
	}
	a.warn(fmt.Sprintf("deleted %d record%s of %s", plan.Removes(), pluralS(int(plan.Removes())), plan.Topic))
	return nil
}

// purgeRow is a queue purge, planned (removed nil) or done.
type purgeRow struct {
	actions.PurgePlan
	removed *int64
}

// purgeColumns are in RabbitMQ's words; present.Worded puts them in the broker's (an MQTT topic's
// retained message).
var purgeColumns = []present.Column[purgeRow]{
	{Name: "QUEUE", Text: func(r purgeRow) string { return r.Queue }},
	{Name: "READY", Right: true, Text: func(r purgeRow) string { return r.count(r.Ready) }},
	{Name: "UNACKED", Right: true, Text: func(r purgeRow) string { return present.Count(r.Unacked) }, // SQS: 0, a purge takes them too
		Applies: func(r purgeRow) bool { return !r.TakenWhenRead }}, // a Redis list holds none, ever
	{Name: "REMOVES", Right: true, Text: func(r purgeRow) string { return r.count(r.Ready) },
		Applies: func(r purgeRow) bool { return r.removed == nil }},
	{Name: "REMOVED", Right: true, Text: func(r purgeRow) string { return r.count(*r.removed) },
		Applies: func(r purgeRow) bool { return r.removed != nil }},
}

// count is n as the table shows it: marked ~ where it is the broker's estimate (SQS).
func (r purgeRow) count(n int64) string {
	if r.Approximate && backends.Known(n) {
		return "~" + present.Count(n)
	}
	return present.Count(n)
}

// purgeLine is the line of `purge -o json` for a queue: removed is what went, null on a dry run.
type purgeLine struct {
	Queue   string `json:"queue"`
	Vhost   string `json:"vhost"`
	Ready   *int64 `json:"ready"` // null where the broker could not say
	Unacked *int64 `json:"unacked"`
	Removed *int64 `json:"removed"`
}

func purgeJSON(r purgeRow) any {
	return purgeLine{Queue: r.Queue, Vhost: r.Vhost, Ready: countJSON(r.Ready), Unacked: countJSON(r.Unacked), Removed: r.removed}
}

// partitionTruncate is one partition's truncation, with its topic for the table.
type partitionTruncate struct {
	topic string
	actions.PartitionTruncate
}

// truncateRows are the plan's partitions as table rows.
func truncateRows(plan actions.TruncatePlan) []partitionTruncate {
	rows := make([]partitionTruncate, len(plan.Partitions))
	for i, p := range plan.Partitions {
		rows[i] = partitionTruncate{plan.Topic, p}
	}
	return rows
}

// truncateColumns are in Kafka's words; present.Worded puts them in the broker's (a Redis stream has no
// partitions).
var truncateColumns = []present.Column[partitionTruncate]{
	{Name: "TOPIC", Text: func(p partitionTruncate) string { return p.topic }},
	{Name: "PARTITION", Right: true, Text: func(p partitionTruncate) string { return itoa(int64(p.Partition)) }},
	{Name: "START", Right: true, Text: func(p partitionTruncate) string { return itoa(p.Start) }},
	{Name: "END", Right: true, Text: func(p partitionTruncate) string { return itoa(p.End) }},
	{Name: "BEFORE", Right: true, Text: func(p partitionTruncate) string { return itoa(p.Before) }},
	{Name: "DELETES", Right: true, Text: func(p partitionTruncate) string { return itoa(p.Removes()) }},
	{Name: "WARNING", Text: func(p partitionTruncate) string { return p.Warning },
		Applies: func(p partitionTruncate) bool { return p.Warning != "" }},
}

// truncateLine is one line of `purge -o json` for a topic, per partition.
type truncateLine struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Start     int64  `json:"start"`
	End       int64  `json:"end"`
	Before    int64  `json:"before"`
	Deletes   int64  `json:"deletes"`
	Warning   string `json:"warning"`
	Executed  bool   `json:"executed"`
}

func truncateJSON(plan actions.TruncatePlan, executed bool) func(partitionTruncate) any {
	return func(p partitionTruncate) any {
		return truncateLine{Topic: plan.Topic, Partition: p.Partition, Start: p.Start, End: p.End, Before: p.Before,
			Deletes: p.Removes(), Warning: p.Warning, Executed: executed}
	}
}

// needsConfirm ends a command that changes a broker only when confirmed (purge without --yes).
func needsConfirm(msg string) error { return confirmError{msg} }

// confirmError exits 2, like a usage error (the command line lacks the flag that confirms), with its own
// message and no pointer to --help.
type confirmError struct{ msg string }

func (e confirmError) Error() string { return e.msg }
func (e confirmError) Unwrap() error { return config.ErrUsage }

// purgeFiltered purges part of a NATS stream: what --subject matches, all but the newest --keep.
func (a *app) purgeFiltered(ctx context.Context, stream string, f backends.PurgeFilter, yes bool) error {
	return a.withSession(ctx, func(ctx context.Context, s *actions.Session) error {
		if !s.Supports(actions.VerbPurgeFiltered) {
			return usageError{errors.New("--subject and --keep are for NATS streams; this broker purges whole queues or before an offset")}
		}
		what := "the messages of " + stream
		if f.Subject != "" {
			what += " on " + f.Subject
		}
		if f.Keep > 0 {
			what += fmt.Sprintf(" but the newest %d", f.Keep)
		}
		n, err := actions.CountPurgeFiltered(ctx, s.Backend(), stream, f)
		if err != nil {
			return err
		}
		if !yes {
			return needsConfirm(fmt.Sprintf("would remove %d message%s: %s; add --yes to purge", n, pluralS(int(n)), what))
		}
		if n, err = s.PurgeFiltered(ctx, stream, f); err != nil {
			return err
		}
		a.warn(fmt.Sprintf("removed %d message%s: %s", n, pluralS(int(n)), what))
		return nil
	})
}
