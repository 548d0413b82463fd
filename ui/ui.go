// Package ui is the Bubble Tea front end: the app shell (header, view stack, command bar, help, flash)
// and one model per view.
package ui

import (
	"errors"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/config"
)

// Options is what the wiring hands to the TUI.
type Options struct {
	Context  config.Context   // the context to open on (flags already applied)
	Contexts []config.Context // every context of the config file, for :ctx
	Open     actions.Opener
}

// Run opens the TUI and returns when the user quits. STUB: being written.
func Run(opts Options) error { return errors.New("ui not written yet") }
