package common

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/mqscope/mqscope/ui/components/table"
)

// KeyMap is every key binding of the TUI. The handlers match keys through it and the help is built from
// it, so the two cannot disagree; a later issue rebinds it from the config file.
type KeyMap struct {
	// The shell's.
	Quit    key.Binding
	Help    key.Binding
	Command key.Binding
	Filter  key.Binding
	Back    key.Binding
	Refresh key.Binding

	// Moving in a list.
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Top      key.Binding
	Bottom   key.Binding
	Open     key.Binding

	// Ordering a list.
	Sort        key.Binding
	SortReverse key.Binding
	// Lag and the actions that change things; the mutating ones are offered only outside read-only.
	ExactLag     key.Binding
	ResetOffsets key.Binding
	Pending      key.Binding // what a group holds unacknowledged (Redis pending entries)
	Purge        key.Binding
	Delete       key.Binding // a topic, queue or group, after its name is typed
	Create       key.Binding // a topic or queue, from the list
	EditConfig   key.Binding // a topic's configs
	Confirm      key.Binding

	// Browsing messages.
	Browse   key.Binding // enter on a topic or queue
	Details  key.Binding
	Follow   key.Binding
	StartAt  key.Binding
	GoTo     key.Binding
	Where    key.Binding // show only the messages a --where expression holds for
	BodyView key.Binding
	Copy     key.Binding

	// Sending and moving messages; offered only where the broker can and outside read-only.
	Publish   key.Binding // a new message, on a destination or in the browser
	Mark      key.Binding // mark the message under the cursor, in the browser
	MarkRange key.Binding // mark from the last mark to the cursor
	MarkAll   key.Binding // mark every message shown, or none
	Replay    key.Binding // copy the marked messages to another destination
	Redrive   key.Binding // move the dead letters of a destination back where they came from
}

// DefaultKeyMap is the built-in key map: vi keys and arrows, k9s's : / ? and esc.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, help, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Quit:    b([]string{"q", "ctrl+c"}, "q", "quit"),
		Help:    b([]string{"?"}, "?", "help"),
		Command: b([]string{":"}, ":", "command"),
		Filter:  b([]string{"/"}, "/", "filter"),
		Back:    b([]string{"esc"}, "esc", "back"),
		Refresh: b([]string{"ctrl+r"}, "ctrl+r", "refresh now"),

		Up:       b([]string{"up", "k"}, "↑/k", "up"),
		Down:     b([]string{"down", "j"}, "↓/j", "down"),
		PageUp:   b([]string{"pgup", "ctrl+b"}, "pgup", "page up"),
		PageDown: b([]string{"pgdown", "ctrl+f"}, "pgdn", "page down"), // space marks, as in k9s
		Top:      b([]string{"home", "g"}, "g", "first"),
		Bottom:   b([]string{"end", "G"}, "G", "last"),
		Open:     b([]string{"enter"}, "enter", "details"),

		Sort:        b([]string{"s"}, "s", "sort column"),
		SortReverse: b([]string{"S"}, "S", "reverse sort"),

		ExactLag:     b([]string{"x"}, "x", "exact lag"),
		ResetOffsets: b([]string{"R"}, "R", "reset offsets"),
		Pending:      b([]string{"u"}, "u", "pending (unacked)"),
		Purge:        b([]string{"P"}, "P", "purge"),
		Delete:       b([]string{"X"}, "X", "delete"),
		Create:       b([]string{"C"}, "C", "create"),
		EditConfig:   b([]string{"e"}, "e", "edit configs"),
		Confirm:      b([]string{"y"}, "y", "yes, do it"),

		Browse:   b([]string{"enter"}, "enter", "browse"),
		Details:  b([]string{"d"}, "d", "details"),
		Follow:   b([]string{"f"}, "f", "follow"),
		StartAt:  b([]string{"p"}, "p", "start at…"),
		GoTo:     b([]string{"o"}, "o", "go to offset/time"),
		Where:    b([]string{"w"}, "w", "where EXPR"),
		BodyView: b([]string{"v"}, "v", "view as"),
		Copy:     b([]string{"c"}, "c", "copy body"),

		Publish:   b([]string{"n"}, "n", "new message"),
		Mark:      b([]string{"space"}, "space", "mark"),
		MarkRange: b([]string{"M"}, "M", "mark range"),
		MarkAll:   b([]string{"A"}, "A", "mark all/none"),
		Replay:    b([]string{"r"}, "r", "replay marked"),
		Redrive:   b([]string{"D"}, "D", "redrive"),
	}
}

// Global are the shell's bindings, in help order.
func (k KeyMap) Global() []key.Binding {
	return []key.Binding{k.Command, k.Filter, k.Back, k.Refresh, k.Help, k.Quit}
}

// Navigation are the bindings that move in a list, in help order.
func (k KeyMap) Navigation() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}
}

// MoveTable moves t's cursor if msg is one of the Navigation keys, and says whether it was.
func (k KeyMap) MoveTable(t *table.Model, msg tea.KeyPressMsg) bool {
	switch {
	case key.Matches(msg, k.Up):
		t.MoveBy(-1)
	case key.Matches(msg, k.Down):
		t.MoveBy(1)
	case key.Matches(msg, k.PageUp):
		t.PageUp()
	case key.Matches(msg, k.PageDown):
		t.PageDown()
	case key.Matches(msg, k.Top):
		t.Top()
	case key.Matches(msg, k.Bottom):
		t.Bottom()
	default:
		return false
	}
	return true
}

// Relabel is b with another description: enter opens partitions here, details elsewhere.
func Relabel(b key.Binding, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(b.Help().Key, desc))
}
