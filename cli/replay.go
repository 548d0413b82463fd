package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
)

// replayOptions are replay's flags.
type replayOptions struct {
	to         string
	from       string
	until      string
	limit      int
	partitions partitionList
	fromFile   string
	rate       float64
}

func (a *app) replayCommand() *cobra.Command {
	var o replayOptions
	cmd := &cobra.Command{
		Use:   "replay SRC --to DEST [--from POS] [--until POS|-n N] [--partition P] | replay --from-file F.jsonl --to DEST",
		Short: "Copy a range of messages (or an export file) to another destination; the source stays as it was",
		Long: "replay reads the messages of SRC from --from up to --until (an offset or @TIME, not included) or\n" +
			"-n of them, the way peek reads (nothing is consumed or committed), and sends a copy of each to\n" +
			"DEST with its key, headers, properties and body; the broker stamps the copies with the time they\n" +
			"are sent. With --from-file it sends the messages of a `peek -o json` export instead (- for\n" +
			"stdin). Every copy is confirmed by the broker; any failure exits 1. Refused in read-only mode.",
		Example: "  mqscope replay orders --to orders-replay --from 1200 --until 1300 --partition 3\n" +
			"  mqscope replay orders --to orders-replay --from @2026-11-26T03:00:00Z --until @2026-11-26T03:05:00Z\n" +
			"  mqscope replay orders --to orders-replay --from -100 -n 100\n" +
			"  mqscope replay --from-file incident.jsonl --to orders-replay --rate 50",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := replayFlags(cmd, args, o)
			if err != nil {
				return usageError{err}
			}
			if o.fromFile != "" {
				return a.replayFile(cmd.Context(), opts.To, o)
			}
			return a.replay(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.to, "to", "", "the topic or queue `DEST` the copies go to")
	f.StringVar(&o.from, "from", "earliest", "`POSITION` to start from: earliest, an offset, -N (the last N of each "+
		"partition), @RFC3339 time or @-DURATION ago")
	f.StringVar(&o.until, "until", "", "stop before `POSITION`: an offset, @RFC3339 time or @-DURATION ago "+
		"(default: the end of what SRC holds now)")
	f.IntVarP(&o.limit, "limit", "n", 0, "copy at most `N` messages (default: no limit)")
	f.Var(&o.partitions, "partition", "Kafka: copy only partition `P` (repeat or comma-separate for more; default all)")
	f.StringVar(&o.fromFile, "from-file", "", "copy the messages of a `F.jsonl` export (peek -o json), - for stdin")
	f.Float64Var(&o.rate, "rate", 0, "send at most `PER_SEC` messages a second (default: as fast as the broker confirms)")
	return mutating(cmd, actions.VerbReplay, "always")
}

// replayFlags checks the flags and turns them into the replay's options.
func replayFlags(cmd *cobra.Command, args []string, o replayOptions) (actions.ReplayOptions, error) {
	opts := actions.ReplayOptions{To: backends.Target{Destination: o.to}, Limit: o.limit, Rate: o.rate,
		Partitions: o.partitions}
	if o.to == "" {
		return opts, fmt.Errorf("%s needs --to DEST, where the copies go", cmd.CommandPath())
	}
	if o.fromFile != "" {
		if len(args) > 0 {
			return opts, fmt.Errorf("give SRC or --from-file, not both")
		}
		for _, name := range []string{"from", "until", "limit", "partition"} {
			if cmd.Flags().Changed(name) {
				return opts, fmt.Errorf("--%s picks messages of SRC; --from-file sends the whole file", name)
			}
		}
		return opts, nil
	}
	if len(args) == 0 {
		return opts, fmt.Errorf("%s needs SRC, the topic, queue or stream to copy from (or --from-file)", cmd.CommandPath())
	}
	opts.Source = args[0]
	now := time.Now()
	var err error
	if opts.From, err = actions.ParsePosition(o.from, now); err != nil {
		return opts, fmt.Errorf("--from: %w", err)
	}
	if opts.From.Kind == backends.Latest {
		return opts, fmt.Errorf("--from latest: there is nothing after the newest message to copy")
	}
	if o.until != "" {
		until, err := actions.ParsePosition(o.until, now)
		if err != nil || (until.Kind != backends.AtOffset && until.Kind != backends.AtTime) {
			return opts, fmt.Errorf("--until %q: want an offset, @RFC3339 time or @-DURATION", o.until)
		}
		opts.Until = &until
	}
	return opts, opts.Check()
}

func (a *app) replay(ctx context.Context, opts actions.ReplayOptions) error {
	notice := func(ctx context.Context, b backends.Backend) error { return a.notePeekEffects(ctx, b, opts.Source) }
	return a.send(ctx, actions.VerbReplay, "copying", opts.To, notice,
		func(ctx context.Context, s *actions.Session, progress func(actions.SendProgress)) (actions.SendReport, error) {
			return s.Replay(ctx, opts, progress)
		})
}

func (a *app) replayFile(ctx context.Context, to backends.Target, o replayOptions) error {
	return a.sendFile(ctx, actions.VerbReplay, "copying", to, o.fromFile,
		func(ctx context.Context, s *actions.Session, in io.Reader, name string, progress func(actions.SendProgress)) (actions.SendReport, error) {
			return s.ReplayFile(ctx, in, name, to, o.rate, progress)
		})
}
