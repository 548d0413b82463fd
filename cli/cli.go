// Package cli is the headless front end: the `mqscope` command, its global flags and one subcommand per
// action, printing tables for people or JSON Lines for scripts. With no subcommand it hands over to the TUI.
// It talks to brokers only through actions/ and the backends contract, and connects only through the Opener
// the wiring gives it.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/launch"
	"github.com/mqscope/mqscope/metrics"
	"github.com/mqscope/mqscope/redact"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/themes"
)

// Exit codes.
const (
	ExitOK    = 0
	ExitError = 1 // the command ran and failed: broker unreachable, bad config file, ...
	ExitUsage = 2 // the command line itself is wrong
)

// Deps is what the composition root hands the CLI: whatever reaches a broker, takes the terminal or embeds
// a cluster comes in here, so that the CLI itself depends on none of them.
type Deps struct {
	Open    actions.Opener             // connects to a context's broker
	RunUI   func(launch.Options) error // opens the TUI; nil: commands that need it say it is not built in
	CheckUI func(*config.File) error   // what in the config file the TUI would refuse; nil checks nothing
	Demo    DemoStarter                // starts the embedded demo cluster; nil: `demo` says it is not built in
	Stdin   io.Reader                  // nil means os.Stdin (publish --body -, --from-file -)
	Stdout  io.Writer                  // nil means os.Stdout
	Stderr  io.Writer                  // nil means os.Stderr
	// CompletionTimeout bounds a Tab suggestion that asks the broker; zero means completionTimeout.
	// Tests on a loaded machine give the positive cases longer; the shell always gets the default.
	CompletionTimeout time.Duration
}

// Execute runs mqscope with args (without the program name) and returns the exit code. Errors are
// printed as one line, `mqscope: <message>`, on Stderr.
func Execute(ctx context.Context, args []string, d Deps) int {
	if d.RunUI == nil {
		d.RunUI = func(launch.Options) error {
			return errors.New("this build of mqscope has no terminal UI: use a command (see mqscope --help)")
		}
	}
	if d.CheckUI == nil {
		d.CheckUI = func(*config.File) error { return nil }
	}
	if d.Stdin == nil {
		d.Stdin = os.Stdin
	}
	if d.Stdout == nil {
		d.Stdout = os.Stdout
	}
	if d.Stderr == nil {
		d.Stderr = os.Stderr
	}
	a := &app{deps: d, output: outputTable, args: args}
	root := a.rootCommand()
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	code := exitCode(pointAtHelp(err, cmd), a)
	a.stopLog(code)
	return code
}

func exitCode(err error, a *app) int {
	a.flushHeld(err)
	if err == nil {
		return ExitOK
	}
	a.warn(a.phrase(err))
	slog.Error("command failed", "error", err)
	if isUsage(err) {
		return ExitUsage
	}
	return ExitError
}

// app holds what the flags say, for the commands to read.
type app struct {
	deps       Deps
	flags      config.Flags
	topology   *actions.TopologyDoc // the topology file of diff and apply, once read
	configPath string
	output     outputFormat
	settings   settings

	args     []string    // as given, for the log
	resolved *resolution // the config file and context, once read
	tui      bool        // the TUI is about to take the terminal: nothing more on stderr
	// tuiMetrics is --metrics on the TUI: serve what its lag and backlog views read to Prometheus here.
	tuiMetrics string
	closeLog   io.Closer

	command     string        // the subcommand running, to name it in refusals
	commandVerb actions.Verb  // what it does, when it changes the broker
	held        []heldWarning // warnings that wait for the command's end (see warnDegraded)
	bar         *progress     // the progress line drawn in place, if any: a warning clears it first
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "mqscope",
		Short: "A terminal console for message brokers: " + brokerList,
		Long: "mqscope shows what a message broker holds, what is in it and who is behind, on\n" + brokerList + ".\n" +
			"With no command it opens the terminal UI; the commands below do the same headless.",
		Example: "  mqscope demo                                   # try it on an embedded cluster\n" +
			"  mqscope --kafka localhost:9092                 # open the TUI on a Kafka cluster\n" +
			"  mqscope --rabbitmq amqp://guest:guest@localhost:5672/ ls -o json",
		Args: noArgs,
		RunE: a.runTUI,
		// Errors are printed once, as one line, by Execute; a usage dump would bury them.
		SilenceErrors:     true,
		SilenceUsage:      true,
		PersistentPreRunE: a.before,
	}
	root.Version = version()
	root.SetVersionTemplate("mqscope {{.Version}}\n")
	root.SetOut(a.deps.Stdout)
	root.SetErr(a.deps.Stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })

	f := root.PersistentFlags()
	f.StringVar(&a.flags.Kafka, "kafka", "", "Kafka bootstrap `BROKERS`, comma-separated host:port list")
	f.StringVar(&a.flags.RabbitMQ, "rabbitmq", "", "RabbitMQ `AMQP_URL`, like amqp://user:password@host:5672/vhost")
	f.StringVar(&a.flags.Redis, "redis", "", "Redis `URL`, like redis://[user@]host:6379/0 (rediss:// for TLS)")
	f.StringVar(&a.flags.NATS, "nats", "", "NATS `URL`, like nats://[user@]host:4222 (tls:// for TLS)")
	f.StringVar(&a.flags.MQTT, "mqtt", "", "MQTT `URL`, like tcp://[user@]host:1883 (ssl:// for TLS)")
	f.StringVar(&a.flags.SQS, "sqs", "", "Amazon SQS `ENDPOINT`, like https://sqs.eu-west-1.amazonaws.com or an emulator's "+
		"http://localhost:4100 (credentials: the AWS chain)")
	f.StringVar(&a.flags.RabbitMQAPI, "rabbitmq-api", "", "RabbitMQ management API `URL` (default http://HOST:15672)")
	f.StringVar(&a.flags.SchemaRegistry, "schema-registry", "", "Kafka schema registry `URL`, over the context's kafka.schema-registry")
	f.StringVar(&a.flags.Context, "context", "", "use the context `NAME` from the config file (default $"+config.EnvContext+
		" or current-context)")
	f.StringVar(&a.configPath, "config", "", "config file `PATH` (default $"+config.EnvConfig+" or "+config.DefaultPath()+")")
	f.BoolVar(&a.flags.ReadOnly, "read-only", false, "refuse every action that would change the broker")
	f.VarP(&a.output, "output", "o", "output format: table or json (one JSON object per line)")
	a.settingsFlags(root)
	// Only the TUI's (not persistent): lag has a --metrics of its own, for its watch.
	root.Flags().StringVar(&a.tuiMetrics, "metrics", "", "serve what the lag and backlog views read to Prometheus on `ADDR` (host:port), at /metrics")

	root.AddCommand(a.lsCommand(), a.groupsCommand(), a.demoCommand())
	root.AddCommand(a.lagCommand(), a.resetOffsetsCommand(), a.purgeCommand())
	root.AddCommand(a.peekCommand())
	root.AddCommand(a.publishCommand(), a.replayCommand(), a.redriveCommand())
	root.AddCommand(a.pendingCommand(), a.deadLetterCommand(), a.claimCommand())
	root.AddCommand(a.ctxCommand(), a.versionCommand(), a.schemasCommand())
	root.AddCommand(a.createCommand(), a.deleteCommand(), a.alterCommand(), a.configCommand(), a.describeCommand(),
		a.policyCommand())
	root.AddCommand(a.bindCommands()...)
	root.AddCommand(a.exportCommand(), a.topologyCommand(false), a.topologyCommand(true))
	a.addCompletions(root)
	return root
}

// runTUI opens the terminal UI on the context the flags and config pick.
func (a *app) runTUI(cmd *cobra.Command, _ []string) error {
	a.tui = true
	c, file, err := a.resolve()
	if err != nil {
		return err
	}
	return a.openUI(c, file)
}

// openUI hands the terminal to the TUI, with the file's key bindings and the look the flags, file and
// environment ask for.
func (a *app) openUI(c config.Context, file *config.File) error {
	a.tui = true
	cat := a.themeCatalog(file.Path)
	if err := a.checkTheme(cat); err != nil {
		return err
	}
	opts := launch.Options{
		Context: c, Contexts: a.switchable(file.Contexts, c), Open: a.deps.Open,
		File: file, Theme: a.settings.theme, Themes: cat, NoColor: themes.NoColorRequested(),
		Warnings: file.Warnings(c.Name),
	}
	if a.tuiMetrics != "" {
		ctx, stop := context.WithCancel(context.Background())
		defer stop() // the server closes with the TUI
		sink := metrics.NewCollector()
		srv, err := metrics.Listen(ctx, a.tuiMetrics, sink)
		if err != nil {
			return err
		}
		opts.Metrics = sink
		opts.Warnings = append(opts.Warnings, "serving on http://"+srv.Addr+"/metrics what :lag (or the queues' backlog) last read; "+
			"mqscope_snapshot_age_seconds says how old")
	}
	return a.deps.RunUI(opts)
}

// switchable are the contexts :ctx offers: the file's plus c, so that :ctx can come back to an ad-hoc
// context, and all read-only under --read-only, which holds for the whole session.
func (a *app) switchable(contexts []config.Context, c config.Context) []config.Context {
	out := make([]config.Context, 0, len(contexts)+1)
	have := false
	for _, fc := range contexts {
		if fc.Name == c.Name {
			fc, have = c, true
		}
		fc.ReadOnly = fc.ReadOnly || a.flags.ReadOnly
		out = append(out, fc)
	}
	if !have {
		out = append([]config.Context{c}, out...)
	}
	return out
}

// maxLine is the most of a message warn prints: an error that quotes a huge value stays one readable line.
const maxLine = 1000

// warn prints one line on stderr, made safe for the terminal: broker text in it is escaped, any password
// in a URL hidden (before clipping, so that no cut leaves part of one), and a long message clipped.
func (a *app) warn(msg string) {
	// Above a progress line drawn in place, else "mqscope: stopping…" runs on from the line's end.
	a.bar.above(func() {
		fmt.Fprintf(a.deps.Stderr, "mqscope: %s\n", sanitize.Line(sanitize.Clip(redact.Text(msg), maxLine)))
	})
}

// brokerList names the brokers mqscope speaks, for the help (one adapter under backends/ each).
const brokerList = "Kafka, RabbitMQ, Redis Streams, NATS JetStream, MQTT and Amazon SQS"

// usageError is a mistake on the command line; it exits 2 and points at --help.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() + " (see mqscope --help)" }

// commandUsageError is a usage error of a subcommand, pointing at that command's help, which lists the
// flags and arguments the root's help does not.
type commandUsageError struct {
	usage usageError
	help  string // "mqscope reset-offsets"
}

func (e commandUsageError) Error() string {
	return e.usage.err.Error() + " (see " + e.help + " --help)"
}
func (e commandUsageError) Unwrap() error { return e.usage }

// pointAtHelp makes a usage error of cmd point at cmd's help: "unknown flag: --dry-run (see mqscope
// reset-offsets --help)", where `mqscope --help` would not have named the command's flags.
func pointAtHelp(err error, cmd *cobra.Command) error {
	if u, ok := err.(usageError); ok && cmd != nil && cmd.HasParent() {
		return commandUsageError{usage: u, help: cmd.CommandPath()}
	}
	return err
}
func (e usageError) Unwrap() error { return e.err }

func isUsage(err error) bool {
	var u usageError
	return errors.As(err, &u) || errors.Is(err, config.ErrUsage)
}

// noArgs rejects stray arguments as a usage error; the commands take flags only.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if cmd.HasSubCommands() {
		return usageError{fmt.Errorf("unknown command %q", args[0])}
	}
	return usageError{fmt.Errorf("%s takes no arguments, got %q", cmd.CommandPath(), args[0])}
}
