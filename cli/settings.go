package cli

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/logging"
	"github.com/mqscope/mqscope/themes"
)

// EnvLogFile stands in for --log-file.
const EnvLogFile = "MQSCOPE_LOG_FILE"

// settings are the global flags beyond the connection: logging and the look of the TUI.
type settings struct {
	logLevel string
	logFile  string
	theme    string
}

func (a *app) settingsFlags(root *cobra.Command) {
	f := root.PersistentFlags()
	f.StringVar(&a.settings.logLevel, "log-level", "info", "how much to log: `LEVEL` "+strings.Join(logging.Levels, ", "))
	f.StringVar(&a.settings.logFile, "log-file", "", "log to `PATH` (default $"+EnvLogFile+" or "+logging.DefaultPath()+
		"); never to the terminal")
	f.StringVar(&a.settings.theme, "theme", "", "TUI colour `THEME`: "+strings.Join(themes.Names(), ", ")+
		", or NAME for themes/NAME.yaml beside the config file (default: the context's, else to suit the terminal)")
}

// before runs ahead of every command: it starts the log, and refuses a mutation in a read-only context
// before anything is connected to.
func (a *app) before(cmd *cobra.Command, _ []string) error {
	if err := a.startLog(cmd); err != nil {
		return err
	}
	a.command, a.commandVerb = cmd.Name(), commandVerb(cmd)
	if !mutatesNow(cmd) || a.contextsInFile(cmd) {
		return nil
	}
	return a.refuseReadOnly(commandVerb(cmd))
}

// startLog opens the log file. A log that cannot be opened (a read-only home) costs the log, not the
// command: it is said once on stderr.
func (a *app) startLog(cmd *cobra.Command) error {
	level, err := logging.ParseLevel(a.settings.logLevel)
	if err != nil {
		return usageError{fmt.Errorf("--log-level: %w", err)}
	}
	path := a.settings.logFile
	if path == "" {
		path = os.Getenv(EnvLogFile)
	}
	if path == "" {
		path = logging.DefaultPath()
	}
	if note := logging.Tighten(path); note != "" {
		a.warn("warning: " + note)
	}
	c, err := logging.Open(path, level)
	if err != nil {
		a.warn("warning: no log this time: " + err.Error())
		return nil
	}
	a.closeLog = c
	slog.Debug("command", "command", cmd.CommandPath(), "args", strings.Join(a.args, " "))
	return nil
}

func (a *app) stopLog(code int) {
	if a.closeLog == nil {
		return
	}
	slog.Debug("exit", "code", code)
	a.closeLog.Close()
	a.closeLog = nil
}

// Commands that change a broker carry the annotation mutatesKey, whose value says when they do: "always",
// or the flag that makes them act ("execute"), or "!" and the flag that makes them only look ("!dry-run").
// The read-only refusal before connecting, and the test that every such command honours read-only, read it.
const (
	mutatesKey = "mutates"
	verbKey    = "verb" // the actions.Verb the command does, for the refusal
)

// mutating marks cmd as one that does verb, which changes the broker; when says when (see mutatesKey).
func mutating(cmd *cobra.Command, verb actions.Verb, when string) *cobra.Command {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[mutatesKey] = when
	cmd.Annotations[verbKey] = string(verb)
	if when == "execute" {
		acceptDryRun(cmd)
	}
	return cmd
}

// acceptDryRun gives a command that is a dry run unless --execute the --dry-run that the others (create,
// config set, redrive) take: typed out of habit, it was "unknown flag: --dry-run". It asks for what the
// command does anyway; with --execute it is a contradiction.
func acceptDryRun(cmd *cobra.Command) {
	var dryRun bool
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "show what would change and change nothing (the default without --execute)")
	run := cmd.RunE
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if dryRun && flagSet(c, "execute") {
			return usageError{errors.New("--dry-run and --execute ask for opposites: give one (without either, nothing changes)")}
		}
		return run(c, args)
	}
}

// commandVerb is the verb a mutating command does.
func commandVerb(cmd *cobra.Command) actions.Verb { return actions.Verb(cmd.Annotations[verbKey]) }

// mutatesNow says whether cmd, with the flags given, would change the broker.
func mutatesNow(cmd *cobra.Command) bool {
	when, ok := cmd.Annotations[mutatesKey]
	switch {
	case !ok:
		return false
	case when == "always":
		return true
	case strings.HasPrefix(when, "!"):
		return !flagSet(cmd, when[1:])
	}
	return flagSet(cmd, when)
}

func flagSet(cmd *cobra.Command, name string) bool {
	f := cmd.Flags().Lookup(name)
	return f != nil && f.Value.String() == "true"
}

// themeCatalog reads the user's themes: themes/NAME.yaml beside the config file, by default
// $XDG_CONFIG_HOME/mqscope/themes.
func (a *app) themeCatalog(configPath string) *themes.Catalog {
	return themes.LoadCatalog(filepath.Join(filepath.Dir(configPath), "themes"))
}

// checkTheme refuses a --theme that does not load: it was asked for on this command line.
func (a *app) checkTheme(cat *themes.Catalog) error {
	if a.settings.theme == "" {
		return nil
	}
	if _, err := cat.Get(a.settings.theme); err != nil {
		return usageError{fmt.Errorf("--theme: %w", err)}
	}
	return nil
}

// announce says the config file's warnings once: in the log, and on stderr unless the TUI is about to
// take the terminal (it shows them on its flash line instead).
func (a *app) announce(warnings []string) {
	for _, w := range warnings {
		slog.Warn("config", "warning", w)
		if !a.tui {
			a.warn("warning: " + w)
		}
	}
}
