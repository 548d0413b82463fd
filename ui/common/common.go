// Package common is what every part of the TUI shares: the program context (window size, theme and the
// styles derived from it, key map, the connection's config context and read-only flag) and the contract a
// view fulfils to live in the shell's view stack.
//
// The shell owns one *Common and hands the same pointer to every view, so that a resize, a theme change or
// a context switch reaches all of them at once (gh-dash's ProgramContext, soft-serve's common.Common).
package common

import (
	"context"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/decode"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/themes"
)

// DefaultMaxMessages is how many messages a message browser holds at most.
const DefaultMaxMessages = 10_000

// Common is the shared program context.
type Common struct {
	Width, Height int // the whole window

	Theme  themes.Theme
	Styles Styles
	Keys   KeyMap

	// What picks the theme (see themes.Choose); change them through SetLook and SetBackground.
	look            Look
	lightBackground bool
	// ThemeErr says why the theme asked for is not the one drawn (a typo, a broken user theme); nil
	// when it is.
	ThemeErr error

	Context config.Context // the context connected to
	// Words are the connected broker's names for groups, partitions and offsets (present.WordsFor); the
	// shell sets them when it connects, and lists title their columns with them.
	Words present.Words

	// Connected returns the live session or nil; the shell sets it. Ask through Session.
	Connected func() *actions.Session

	// Metrics takes what the lag and backlog views read, for Prometheus (--metrics); nil for none.
	Metrics actions.SnapshotSink

	MaxMessages int              // a message browser holds at most this many: bounded memory
	Registry    *decode.Registry // the context's schema registry, for wire-format bodies; nil when none
	// Protos are the context's Protobuf types (decode.protobuf); nil when none. DecodeErr says why they
	// could not be read, for the front end to show once.
	Protos    *decode.ProtoFiles
	DecodeErr error
	// PeekAcked holds the destinations whose peek side effects the user has accepted, by context and
	// name, so that the notice is asked once per destination.
	PeekAcked map[string]bool
}

// Look is what decides the theme besides the context's own: the themes there are, --theme, the config
// file's theme and NO_COLOR.
type Look struct {
	Themes    *themes.Catalog // nil: the built-in themes only
	Theme     string          // --theme: beats the context's theme
	FileTheme string          // the config file's theme: for contexts that name none
	NoColor   bool            // NO_COLOR: no colour at all, whatever is named
}

// New builds the program context for a config context, with the default key map and the context's theme.
func New(ctx config.Context) *Common {
	c := &Common{Keys: DefaultKeyMap(), MaxMessages: DefaultMaxMessages, PeekAcked: map[string]bool{}, Words: present.KafkaWords}
	c.SetContext(ctx)
	return c
}

// SetContext switches to another config context: its theme, its read-only flag, its schema registry.
func (c *Common) SetContext(ctx config.Context) {
	c.Context = ctx
	c.Registry, c.Protos, c.DecodeErr = nil, nil, nil
	setup := ctx.DecodeSetup()
	if dec, err := decode.Open(context.Background(), setup); err != nil {
		c.DecodeErr = err // .proto files that do not compile: bodies are decoded without them
		if setup.RegistryURL != "" {
			c.Registry, _ = decode.NewRegistryWith(setup.RegistryURL, setup.Registry) // nil when its TLS files are what failed
		}
	} else {
		c.Registry, c.Protos = dec.Registry, dec.Protos
	}
	c.chooseTheme()
}

// SetLook changes what decides the theme, and picks it again.
func (c *Common) SetLook(l Look) {
	c.look = l
	c.chooseTheme()
}

// SetBackground is what the terminal said of its background; the theme follows it unless one is named.
func (c *Common) SetBackground(light bool) {
	c.lightBackground = light
	c.chooseTheme()
}

func (c *Common) chooseTheme() {
	t, err := c.look.Themes.Choose(themes.Choice{
		Names:   []string{c.look.Theme, c.Context.Theme, c.look.FileTheme},
		Light:   c.lightBackground,
		NoColor: c.look.NoColor,
	})
	c.ThemeErr = err
	c.SetTheme(t)
}

// SetTheme changes the theme and re-derives every style from it.
func (c *Common) SetTheme(t themes.Theme) {
	c.Theme = t
	c.Styles = NewStyles(t)
}
