// Package ui is the Bubble Tea front end: the app shell (header, view stack with breadcrumbs, command bar,
// filter, help, flash line, connection and refresh) in this package, the screens in ui/views, the shared
// program context in ui/common and the windowed table in ui/table.
package ui

import (
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/launch"
	"github.com/mqscope/mqscope/logging"
	"github.com/mqscope/mqscope/ui/common"
)

// Options is what the TUI opens with (package launch, so that the CLI need not import the TUI).
type Options = launch.Options

// CheckConfig finds what in the config file the TUI would refuse: key bindings to unknown actions,
// keys the terminal never sends, one key for two actions of one view.
func CheckConfig(file *config.File) error {
	_, err := common.KeysFor(file)
	return err
}

// Run opens the TUI and returns when the user quits. It connects by itself, showing a spinner meanwhile, so
// an unreachable broker gives a screen that says so and keeps retrying rather than an error here.
func Run(opts Options) error {
	if opts.Open == nil {
		return errors.New("ui: no opener to connect with")
	}
	logging.Install() // from here on, nothing logged reaches the terminal the TUI draws on
	m := New(opts)
	final, err := tea.NewProgram(m).Run()
	if fm, ok := final.(*Model); ok {
		fm.Close()
	}
	if err != nil {
		return fmt.Errorf("run the terminal UI: %w", err)
	}
	return nil
}
