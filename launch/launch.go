// Package launch is what the CLI hands the TUI when it opens it: the context to start on, the ones it may
// switch to, the opener, the config file and the look. It sits between the two so that neither front end
// imports the other.
package launch

import (
	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/themes"
)

// Options is what the TUI opens with.
type Options struct {
	Context  config.Context   // the context to open on (flags already applied)
	Contexts []config.Context // every context of the config file, for :ctx
	Open     actions.Opener

	File     *config.File    // the config file: its key bindings and theme; nil for none
	Theme    string          // --theme: beats the contexts' own themes
	Themes   *themes.Catalog // the built-in and user themes; nil for the built-in ones
	NoColor  bool            // NO_COLOR: draw without a single colour
	Warnings []string        // shown once on the flash line: the screen is the TUI's, stderr is not
	// Metrics takes each snapshot the lag and backlog views read (--metrics ADDR serves it); nil: none.
	Metrics actions.SnapshotSink
}
