package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/config"
)

// export, diff and apply: the broker's topology as a file, and the file made true on a broker. A file may
// name several contexts (a Kafka cluster and a RabbitMQ vhost); then each is opened in turn.

const topologyExample = "  topics:\n    - {name: orders, partitions: 6, configs: {retention.ms: \"86400000\"}}\n" +
	"  queues:\n    - {name: jobs, type: quorum, arguments: {x-delivery-limit: 5}}\n" +
	"  exchanges:\n    - {name: ex, type: topic}\n  bindings:\n    - {exchange: ex, queue: jobs, key: \"job.*\"}\n\n" +
	"or one section per context of the config file:\n\n" +
	"  contexts:\n    kafka-prod:\n      topics: [{name: orders, partitions: 6}]\n" +
	"    rabbit-prod:\n      queues: [{name: jobs, type: quorum}]\n      bindings: [{exchange: ex, queue: jobs, key: \"job.*\"}]"

func (a *app) exportCommand() *cobra.Command {
	var contexts []string
	cmd := &cobra.Command{
		Use:   "export [--contexts A,B]",
		Short: "Write the broker's topology (topics with their configs; queues, exchanges, bindings) as YAML",
		Long: "export writes what the broker is made of, in the format diff -f and apply -f read: on Kafka every topic\n" +
			"with its partitions, replication factor and the configs set on it; on RabbitMQ the vhost's queues\n" +
			"(type, durability, arguments), exchanges (not amq.*) and bindings (with their arguments). export then apply\n" +
			"on an empty broker makes the same topology. --contexts exports several contexts of the config file into\n" +
			"one file, a section each.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var doc actions.TopologyDoc
			if len(contexts) == 0 {
				err := a.withSession(cmd.Context(), func(ctx context.Context, s *actions.Session) (err error) {
					doc.TopologyFile, err = s.Export(ctx)
					return err
				})
				if err != nil {
					return err
				}
			} else {
				doc.Contexts = map[string]actions.TopologyFile{}
				for _, name := range contexts {
					err := a.withContext(cmd.Context(), name, func(ctx context.Context, s *actions.Session) error {
						f, err := s.Export(ctx)
						doc.Contexts[name] = f
						return err
					})
					if err != nil {
						return fmt.Errorf("context %s: %w", name, err)
					}
				}
			}
			data, err := doc.Marshal()
			if err != nil {
				return err
			}
			_, err = a.deps.Stdout.Write(data)
			return err
		},
	}
	cmd.Flags().StringSliceVar(&contexts, "contexts", nil, "export these `CONTEXTS` of the config file, a section each")
	return cmd
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
			"others and then exits 1 naming them. Without --prune nothing the file does not name is touched.\n" +
			"A file with contexts opens each context it names (all of them are checked for read-only first);\n" +
			"--context NAME does only that one's section.\n\n" + topologyExample,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			doc, err := a.topologyFile(file)
			if err != nil {
				return err
			}
			if len(doc.Contexts) > 0 {
				return a.topologyContexts(cmd.Context(), doc, prune, apply)
			}
			return a.withSession(cmd.Context(), func(ctx context.Context, s *actions.Session) error {
				rows, refused, err := a.topologyOn(ctx, s, "", doc.TopologyFile, prune, apply)
				return a.reportTopology(rows, refused, err, apply)
			})
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "the topology `FILE` (YAML; - for stdin)")
	cmd.Flags().BoolVar(&prune, "prune", false, "also delete what the file does not name (topics, queues, exchanges, bindings, topic configs)")
	if apply {
		cmd.Annotations = map[string]string{topologyKey: "file"}
		return mutating(cmd, actions.VerbCreate, "always")
	}
	return cmd
}

// topologyKey marks apply: whether it changes the resolved context is known only once its file is read.
const topologyKey = "topology"

// contextsInFile says whether cmd is apply given a file with contexts and no context of the command
// line's: then each of the file's contexts is checked for read-only (before any is changed) instead of
// the command line's, which there is none of.
func (a *app) contextsInFile(cmd *cobra.Command) bool {
	if _, ok := cmd.Annotations[topologyKey]; !ok || a.flags.Context != "" {
		return false
	}
	f := cmd.Flags().Lookup("file")
	if f == nil || f.Value.String() == "" || f.Value.String() == "-" {
		return false
	}
	doc, err := a.topologyFile(f.Value.String())
	return err == nil && len(doc.Contexts) > 0
}

// topologyFile reads and parses the file once per run (before and the command both ask).
func (a *app) topologyFile(file string) (actions.TopologyDoc, error) {
	if a.topology != nil {
		return *a.topology, nil
	}
	if file == "" {
		return actions.TopologyDoc{}, usageError{errors.New("-f FILE is required: the topology file (- for stdin)")}
	}
	var data []byte
	var err error
	if file == "-" {
		data, err = io.ReadAll(io.LimitReader(a.deps.Stdin, 16<<20))
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return actions.TopologyDoc{}, usageError{fmt.Errorf("read the topology file: %w", err)}
	}
	name := file
	if file == "-" {
		name = "stdin"
	}
	doc, err := actions.ParseTopologyFile(name, data)
	if err != nil {
		return doc, usageError{err}
	}
	a.topology = &doc
	return doc, nil
}

// topologyContexts does diff or apply for each context the file names: every context is found in the
// config file and checked for read-only first, so that apply changes no broker when one would refuse.
func (a *app) topologyContexts(ctx context.Context, doc actions.TopologyDoc, prune, apply bool) error {
	if given := a.flags; given.Kafka != "" || given.RabbitMQ != "" || given.Redis != "" || given.NATS != "" || given.MQTT != "" {
		return usageError{errors.New("the topology file names its contexts: drop the connection flag, or use --context NAME for one section")}
	}
	names := doc.ContextNames()
	if a.flags.Context != "" {
		if _, ok := doc.Contexts[a.flags.Context]; !ok {
			return usageError{fmt.Errorf("--context %s: the topology file has no section for it (it has %s)", a.flags.Context, strings.Join(names, ", "))}
		}
		names = []string{a.flags.Context}
	}
	for _, name := range names {
		c, err := a.contextNamed(name)
		if err != nil {
			return err
		}
		if apply {
			if err := actions.CheckReadOnly(c, actions.VerbCreate); err != nil {
				return err
			}
		}
	}
	var all []change
	var refused []actions.Step
	for _, name := range names {
		err := a.withContext(ctx, name, func(ctx context.Context, s *actions.Session) error {
			rows, r, err := a.topologyOn(ctx, s, name, doc.Contexts[name], prune, apply)
			all, refused = append(all, rows...), append(refused, r...)
			return err
		})
		if err != nil {
			return a.reportTopology(all, refused, fmt.Errorf("context %s: %w", name, err), apply)
		}
	}
	return a.reportTopology(all, refused, nil, apply)
}

// contextNamed is the config file's context called name, made read-only by --read-only.
func (a *app) contextNamed(name string) (config.Context, error) {
	file, err := config.Read(a.configPath)
	if err != nil {
		return config.Context{}, err
	}
	c, ok := file.Find(name)
	if !ok {
		return c, usageError{fmt.Errorf("context %q, named in the topology file, is not in %s", name, file.Path)}
	}
	c.ReadOnly = c.ReadOnly || a.flags.ReadOnly
	return c, nil
}

// withContext is withSession on the config file's context called name.
func (a *app) withContext(ctx context.Context, name string, fn func(context.Context, *actions.Session) error) error {
	c, err := a.contextNamed(name)
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, connectTimeout)
	s, err := actions.Connect(cctx, a.deps.Open, c)
	cancel()
	if err != nil {
		return err
	}
	defer s.Close()
	a.warnDegraded(s, "context "+name+": ")
	ctx, cancel = context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	return fn(ctx, s)
}

// topologyOn plans the file on one session and, for apply, does the steps: the rows to report (the
// plan for diff; what was done and what was refused for apply), the steps refused, and the failure that
// stopped it.
func (a *app) topologyOn(ctx context.Context, s *actions.Session, name string, want actions.TopologyFile, prune, apply bool) ([]change, []actions.Step, error) {
	steps, err := s.PlanTopology(ctx, want, prune)
	if err != nil {
		return nil, nil, err
	}
	var rows []change
	if !apply {
		for _, st := range steps {
			rows = append(rows, stepRow(st, name, true))
		}
		return rows, nil, nil
	}
	var refused []actions.Step
	for _, st := range steps {
		if st.Refused != "" {
			refused = append(refused, st)
		}
	}
	err = s.ApplyTopology(ctx, steps, func(st actions.Step, err error) {
		if err == nil {
			rows = append(rows, stepRow(st, name, false))
		}
	})
	for _, st := range refused {
		rows = append(rows, stepRow(st, name, false))
	}
	return rows, refused, err
}

func stepRow(st actions.Step, context string, dryRun bool) change {
	return change{Context: context, Action: st.Action, Kind: st.Kind, Name: st.Name, Detail: st.Detail, DryRun: dryRun, Refused: st.Refused}
}

// reportTopology prints the rows (or that there is nothing to change), then says why it stopped or what
// was refused: apply exits 1 when a step was refused.
func (a *app) reportTopology(rows []change, refused []actions.Step, err error, apply bool) error {
	if len(rows) == 0 && err == nil {
		if a.output != outputJSON {
			fmt.Fprintln(a.deps.Stdout, "nothing to change")
		}
		return nil
	}
	if len(rows) > 0 {
		if rerr := render(a.deps.Stdout, a.output, rows, changeColumns, func(c change) any { return c }); rerr != nil {
			return rerr
		}
	}
	if err != nil {
		return err
	}
	if apply && len(refused) > 0 {
		return fmt.Errorf("%d change(s) refused: %s %s: %s", len(refused), refused[0].Kind, refused[0].Name, refused[0].Refused)
	}
	return nil
}
