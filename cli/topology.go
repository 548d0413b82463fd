package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/actions"
)

// export, diff and apply: the broker's topology as a file, and the file made true on a broker.

func (a *app) exportCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "export",
		Short: "Write the broker's topology (topics with their configs; queues, exchanges, bindings) as YAML",
		Long: "export writes what the broker is made of, in the format diff -f and apply -f read: on Kafka every topic\n" +
			"with its partitions, replication factor and the configs set on it; on RabbitMQ the vhost's queues\n" +
			"(type, durability, arguments), exchanges (not amq.*) and bindings. export then apply on an empty broker\n" +
			"makes the same topology.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withSession(cmd.Context(), func(ctx context.Context, s *actions.Session) error {
				f, err := s.Export(ctx)
				if err != nil {
					return err
				}
				data, err := f.Marshal()
				if err != nil {
					return err
				}
				_, err = a.deps.Stdout.Write(data)
				return err
			})
		},
	}
}

func (a *app) topologyCommand(apply bool) *cobra.Command {
	var file string
	var prune bool
	use, short := "diff -f FILE [--prune]", "Show what apply -f FILE would create, change and (with --prune) delete"
	if apply {
		use, short = "apply -f FILE [--prune]", "Make the broker match a topology file, reporting each step"
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Long: short + ".\nChanges a broker cannot make in place (a queue's type or arguments, fewer partitions, another\n" +
			"replication factor) are refused with the reason, never done by deleting and re-creating; apply does the\n" +
			"others and then exits 1 naming them. Without --prune nothing the file does not name is touched.\n\n" +
			"  topics:\n    - {name: orders, partitions: 6, configs: {retention.ms: \"86400000\"}}\n" +
			"  queues:\n    - {name: jobs, type: quorum, arguments: {x-delivery-limit: 5}}\n" +
			"  exchanges:\n    - {name: ex, type: topic}\n  bindings:\n    - {exchange: ex, queue: jobs, key: \"job.*\"}",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if file == "" {
				return usageError{errors.New("-f FILE is required: the topology file (- for stdin)")}
			}
			want, err := a.readTopology(file)
			if err != nil {
				return err
			}
			return a.withSession(cmd.Context(), func(ctx context.Context, s *actions.Session) error {
				steps, err := s.PlanTopology(ctx, want, prune)
				if err != nil {
					return err
				}
				if !apply {
					return a.printSteps(steps, true)
				}
				return a.applySteps(ctx, s, steps)
			})
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "the topology `FILE` (YAML; - for stdin)")
	cmd.Flags().BoolVar(&prune, "prune", false, "also delete what the file does not name (topics, queues, exchanges, bindings, topic configs)")
	if apply {
		return mutating(cmd, actions.VerbCreate, "always")
	}
	return cmd
}

func (a *app) readTopology(file string) (actions.TopologyFile, error) {
	var data []byte
	var err error
	if file == "-" {
		data, err = io.ReadAll(io.LimitReader(a.deps.Stdin, 16<<20))
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return actions.TopologyFile{}, usageError{fmt.Errorf("read the topology file: %w", err)}
	}
	f, err := actions.ParseTopology(data)
	if err != nil {
		return f, usageError{err}
	}
	return f, nil
}

func stepRow(st actions.Step, dryRun bool) change {
	return change{Action: st.Action, Kind: st.Kind, Name: st.Name, Detail: st.Detail, DryRun: dryRun, Refused: st.Refused}
}

func (a *app) printSteps(steps []actions.Step, dryRun bool) error {
	if len(steps) == 0 {
		if a.output != outputJSON {
			fmt.Fprintln(a.deps.Stdout, "nothing to change")
		}
		return nil
	}
	rows := make([]change, len(steps))
	for i, st := range steps {
		rows[i] = stepRow(st, dryRun)
	}
	return render(a.deps.Stdout, a.output, rows, changeColumns, func(c change) any { return c })
}

func (a *app) applySteps(ctx context.Context, s *actions.Session, steps []actions.Step) error {
	var done []change
	var refused []actions.Step
	for _, st := range steps {
		if st.Refused != "" {
			refused = append(refused, st)
		}
	}
	err := s.ApplyTopology(ctx, steps, func(st actions.Step, err error) {
		if err == nil {
			done = append(done, stepRow(st, false))
		}
	})
	for _, st := range refused {
		done = append(done, stepRow(st, false))
	}
	if len(done) == 0 && err == nil {
		return a.printSteps(nil, false)
	}
	if rerr := render(a.deps.Stdout, a.output, done, changeColumns, func(c change) any { return c }); rerr != nil {
		return rerr
	}
	if err != nil {
		return err
	}
	if len(refused) > 0 {
		return fmt.Errorf("%d change(s) refused: %s %s: %s", len(refused), refused[0].Kind, refused[0].Name, refused[0].Refused)
	}
	return nil
}
