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
	Name string `yaml:"-"`    // a user theme is named after its file
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
	// Dracula's palette (draculatheme.com/contribute): background #282a36, current line #44475a,
	// comment #6272a4, and its cyan, green, orange, pink, purple, red and yellow.
	"dracula": {
		Name: "dracula", Dark: true,
		Foreground: "#f8f8f2", Muted: "#6272a4", Accent: "#bd93f9", Border: "#44475a", Header: "#ff79c6",
		SelectionFg: "#282a36", SelectionBg: "#bd93f9",
		Error: "#ff5555", Warning: "#ffb86c", OK: "#50fa7b",
		ReadOnlyFg: "#282a36", ReadOnlyBg: "#ffb86c",
		JSONKey: "#8be9fd", JSONString: "#f1fa8c", JSONNumber: "#bd93f9", JSONBool: "#ff79c6", JSONNull: "#6272a4",
	},
	// Nord's palette (nordtheme.com/docs/colors-and-palettes): Polar Night nord0-3, Snow Storm nord4-6,
	// Frost nord7-10, Aurora nord11-15; muted text is Nord's own brighter comment colour, #616e88.
	"nord": {
		Name: "nord", Dark: true,
		Foreground: "#d8dee9", Muted: "#616e88", Accent: "#88c0d0", Border: "#434c5e", Header: "#81a1c1",
		SelectionFg: "#2e3440", SelectionBg: "#88c0d0",
		Error: "#bf616a", Warning: "#ebcb8b", OK: "#a3be8c",
		ReadOnlyFg: "#2e3440", ReadOnlyBg: "#d08770",
		JSONKey: "#8fbcbb", JSONString: "#a3be8c", JSONNumber: "#b48ead", JSONBool: "#81a1c1", JSONNull: "#616e88",
	},
}

// LightName is the built-in theme for a light terminal background.
const LightName = "light"

// NoColorName names the theme without colours that NO_COLOR selects.
const NoColorName = "no-color"

// NoColor is a theme without a single colour: text keeps its attributes (bold, the reversed cursor row),
// nothing else. It is what NO_COLOR (no-color.org) asks for.
func NoColor() Theme { return Theme{Name: NoColorName, Dark: true} }

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
