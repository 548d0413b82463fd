package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/present"
)

// pendingFlags pick pending messages; the three pending commands share them.
type pendingFlags struct {
	minDeliveries int64
	idle          time.Duration
	consumer      string
	limit         int
}

func (p *pendingFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.Int64Var(&p.minDeliveries, "min-deliveries", 0, "only messages delivered at least `N` times (the ones consumers keep failing on)")
	f.DurationVar(&p.idle, "idle", 0, "only messages no consumer touched for `DURATION` (such as 5m)")
	f.StringVar(&p.consumer, "consumer", "", "only messages held by `CONSUMER`")
	f.IntVarP(&p.limit, "limit", "n", 0, "at most `N` messages (default 10,000)")
}

func (p pendingFlags) request(stream, group string) backends.PendingRequest {
	return backends.PendingRequest{Destination: stream, Group: group, MinDeliveries: p.minDeliveries,
		MinIdle: p.idle, Consumer: p.consumer, Limit: p.limit}
}

func (a *app) pendingCommand() *cobra.Command {
	var p pendingFlags
	cmd := &cobra.Command{
		Use:   "pending STREAM GROUP [--min-deliveries N] [--idle D] [--consumer C]",
		Short: "List what a consumer group was given and has not acknowledged (Redis), changing nothing",
		Long: "pending lists a group's delivered, unacknowledged messages (XPENDING) with the consumer holding\n" +
			"each, how long it has been idle and how many times it was delivered. Listing counts no delivery.\n" +
			"With --min-deliveries N it shows the messages consumers keep failing on: dead letters in all but\n" +
			"name, which `dead-letter` moves to a dead-letter stream and `claim` gives to another consumer.",
		Example: "  mqscope pending orders billing\n  mqscope pending orders billing --min-deliveries 5 -o json",
		Args:    exactlyN(2, "STREAM and GROUP"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withBackend(cmd.Context(), func(ctx context.Context, b backends.Backend) error {
				ps, err := actions.Pending(ctx, b, p.request(args[0], args[1]))
				if err != nil {
					return err
				}
				return render(a.deps.Stdout, a.output, ps, pendingColumns, pendingJSON)
			})
		},
	}
	p.add(cmd)
	return cmd
}

func (a *app) deadLetterCommand() *cobra.Command {
	var p pendingFlags
	var to string
	var execute bool
	cmd := &cobra.Command{
		Use:   "dead-letter STREAM GROUP --to DLQ --min-deliveries N [--execute]",
		Short: "Move a group's pending messages past a delivery count to a dead-letter stream (Redis); a dry run unless --execute",
		Long: "dead-letter takes the pending messages of a group that were delivered at least --min-deliveries\n" +
			"times and, for each in one atomic step, adds it to the dead-letter stream (made if missing) with\n" +
			"original-stream, original-id, original-group, original-consumer and deliveries fields, and\n" +
			"acknowledges it for the group. The entry stays in its stream for the other groups. A message a\n" +
			"consumer acknowledged meanwhile is left alone. `redrive DLQ` sends them back later.",
		Example: "  mqscope dead-letter orders billing --to orders:dlq --min-deliveries 5\n" +
			"  mqscope dead-letter orders billing --to orders:dlq --min-deliveries 5 --execute",
		Args: exactlyN(2, "STREAM and GROUP"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if p.minDeliveries < 1 {
				return usageError{fmt.Errorf("dead-letter needs --min-deliveries N (1 or more): the delivery count that makes a letter dead")}
			}
			req := p.request(args[0], args[1])
			return a.settlePending(cmd.Context(), req, execute, "move to "+to, func(ctx context.Context, s *actions.Session) (int64, error) {
				return s.DeadLetterPending(ctx, req, to)
			})
		},
	}
	p.add(cmd)
	cmd.Flags().StringVar(&to, "to", "", "the dead-letter `STREAM`")
	cmd.Flags().BoolVar(&execute, "execute", false, "move them (without it, nothing changes)")
	cmd.MarkFlagRequired("to")
	return mutating(cmd, actions.VerbDeadLetterPending, "execute")
}

func (a *app) claimCommand() *cobra.Command {
	var p pendingFlags
	var forConsumer string
	var execute bool
	cmd := &cobra.Command{
		Use:   "claim STREAM GROUP --for CONSUMER [--min-deliveries N] [--idle D] [--execute]",
		Short: "Give a group's pending messages to another of its consumers (Redis); a dry run unless --execute",
		Long: "claim gives the pending messages picked by the flags to CONSUMER of the same group (XCLAIM), each\n" +
			"only while it still matches (idle long enough, delivered often enough), without counting a\n" +
			"delivery: it counts when that consumer reads it.",
		Example: "  mqscope claim orders billing --for worker-2 --idle 10m --execute",
		Args:    exactlyN(2, "STREAM and GROUP"),
		RunE: func(cmd *cobra.Command, args []string) error {
			req := p.request(args[0], args[1])
			return a.settlePending(cmd.Context(), req, execute, "give to "+forConsumer, func(ctx context.Context, s *actions.Session) (int64, error) {
				return s.ClaimPending(ctx, req, forConsumer)
			})
		},
	}
	p.add(cmd)
	cmd.Flags().StringVar(&forConsumer, "for", "", "the `CONSUMER` to give them to")
	cmd.Flags().BoolVar(&execute, "execute", false, "give them (without it, nothing changes)")
	cmd.MarkFlagRequired("for")
	return mutating(cmd, actions.VerbClaimPending, "execute")
}

// settlePending lists what req picks, then settles it with do when execute is set.
func (a *app) settlePending(ctx context.Context, req backends.PendingRequest, execute bool, what string,
	do func(context.Context, *actions.Session) (int64, error)) error {
	return a.withSession(ctx, func(ctx context.Context, s *actions.Session) error {
		ps, err := actions.Pending(ctx, s.Backend(), req)
		if err != nil {
			return err
		}
		if !execute {
			if err := render(a.deps.Stdout, a.output, ps, pendingColumns, pendingJSON); err != nil {
				return err
			}
			a.warn(fmt.Sprintf("dry run: %d pending message%s of %s on %s would %s; add --execute to apply",
				len(ps), pluralS(len(ps)), req.Group, req.Destination, what))
			return nil
		}
		n, err := do(ctx, s)
		if err != nil {
			return err
		}
		a.warn(fmt.Sprintf("%d of %d pending message%s of %s on %s: %s", n, len(ps), pluralS(len(ps)), req.Group,
			req.Destination, what))
		return nil
	})
}

// exactlyN takes n positional arguments, named what for the error.
func exactlyN(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError{fmt.Errorf("%s takes %s, got %d arguments", cmd.CommandPath(), what, len(args))}
		}
		return nil
	}
}

type pending = backends.PendingMessage

var pendingColumns = append(columnsOf(present.Pending), column[pending]{head: "BODY", cell: func(p pending) string {
	if p.Gone {
		return present.GoneBody
	}
	return bodyPreview(p.Message.Body)
}})

// pendingLine is one line of `pending -o json`: the message as peek writes it, and who holds it.
type pendingLine struct {
	Consumer   string          `json:"consumer"`
	IdleMillis int64           `json:"idle_ms"`
	Deliveries int64           `json:"deliveries"`
	Gone       bool            `json:"gone"`
	Message    json.RawMessage `json:"message"`
}

func pendingJSON(p pending) any {
	return pendingLine{Consumer: p.Consumer, IdleMillis: p.Idle.Milliseconds(), Deliveries: p.Message.DeliveryCount,
		Gone: p.Gone, Message: actions.AppendRecord(nil, p.Message)}
}
