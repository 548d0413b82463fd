// Package themes holds mqscope's colour themes: a Theme names colours by what they mean (muted text, the
// selected row, an error), never by where they are drawn, so that every view stays consistent and a user
// theme only has to say what its colours are.
//
// Colours are plain strings ("#7aa2f7", an ANSI index such as "4", or "" for the terminal's own colour),
// which keeps this package free of terminal libraries and lets a later YAML loader fill a Theme directly.
// A theme whose colours are all "" draws with attributes only (bold, reverse): that is what NO_COLOR needs.
package themes

import "sort"

// Color is a colour as a theme writes it: "#rrggbb", "#rgb", an ANSI index "0".."255", or "" for the
// terminal's default.
type Color string

// Theme is a set of semantic colours.
type Theme struct {
	Name string `yaml:"name"`
	Dark bool   `yaml:"dark"` // drawn for a dark terminal background

	Foreground Color `yaml:"foreground"` // ordinary text
	Muted      Color `yaml:"muted"`      // secondary text: separators, hints, zero values
	Accent     Color `yaml:"accent"`     // the app's mark, the current breadcrumb, prompts, help keys
	Border     Color `yaml:"border"`     // boxes and rules
	Header     Color `yaml:"header"`     // table column titles

	SelectionFg Color `yaml:"selection-fg"` // the cursor row
	SelectionBg Color `yaml:"selection-bg"`

	Error   Color `yaml:"error"`
	Warning Color `yaml:"warning"`
	OK      Color `yaml:"ok"`

	ReadOnlyFg Color `yaml:"read-only-fg"` // the READ-ONLY badge
	ReadOnlyBg Color `yaml:"read-only-bg"`

	// Message bodies rendered as JSON (the peek views of later issues).
	JSONKey    Color `yaml:"json-key"`
	JSONString Color `yaml:"json-string"`
	JSONNumber Color `yaml:"json-number"`
	JSONBool   Color `yaml:"json-bool"`
	JSONNull   Color `yaml:"json-null"`
}

// DefaultName is the theme used when none is asked for.
const DefaultName = "dark"

var builtin = map[string]Theme{
	"dark": {
		Name: "dark", Dark: true,
		Foreground: "#c0caf5", Muted: "#737aa2", Accent: "#7aa2f7", Border: "#3b4261", Header: "#bb9af7",
		SelectionFg: "#1a1b26", SelectionBg: "#7aa2f7",
		Error: "#f7768e", Warning: "#e0af68", OK: "#9ece6a",
		ReadOnlyFg: "#1a1b26", ReadOnlyBg: "#e0af68",
		JSONKey: "#7dcfff", JSONString: "#9ece6a", JSONNumber: "#ff9e64", JSONBool: "#bb9af7", JSONNull: "#737aa2",
	},
	"light": {
		Name: "light", Dark: false,
		Foreground: "#24292f", Muted: "#6e7781", Accent: "#0969da", Border: "#d0d7de", Header: "#8250df",
		SelectionFg: "#ffffff", SelectionBg: "#0969da",
		Error: "#cf222e", Warning: "#9a6700", OK: "#1a7f37",
		ReadOnlyFg: "#ffffff", ReadOnlyBg: "#bc4c00",
		JSONKey: "#0550ae", JSONString: "#0a3069", JSONNumber: "#953800", JSONBool: "#8250df", JSONNull: "#6e7781",
	},
}

// Default returns the built-in dark theme.
func Default() Theme { return builtin[DefaultName] }

// Get returns the built-in theme called name; "" means the default. An unknown name gives the default and
// false, so that a typo in a config file costs colours, not the session.
func Get(name string) (Theme, bool) {
	if name == "" {
		return Default(), true
	}
	t, ok := builtin[name]
	if !ok {
		return Default(), false
	}
	return t, true
}

// Names lists the built-in themes in alphabetical order.
func Names() []string {
	names := make([]string, 0, len(builtin))
	for n := range builtin {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
