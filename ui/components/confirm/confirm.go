// Package confirm is the dialog that asks before anything changes on a broker.
package confirm

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/mqscope/mqscope/ui/common"
)

// Kind is the Kind of a confirmation dialog.
const Kind = "confirm"

// Model asks before something changes on the broker. It shows exactly what will change (the scope: which
// destination, how many messages, which offsets) and does it only on an explicit y; n or esc goes back
// and changes nothing. It is a view on the stack, so nothing behind it can be pressed meanwhile.
type Model struct {
	common.Base // the title is the breadcrumb, e.g. "purge orders"
	c           *common.Common
	scope       []string // what will change, one line each, already sanitized
	// table, when set, gives the scope laid out for a width: a table that fits the dialog as it is sized,
	// rather than rows cut at its right edge.
	table func(width int) []string
	verb  string // what y does, e.g. "purge 1,204 messages"
	yes   func() tea.Cmd
	done  bool   // y was pressed: a second y must not do it twice
	no    string // why it cannot be done: shown instead of the y, which then does nothing

	offset int

	// typeName, when set, is what the user must type (as shown) and enter, in place of a single y: for a
	// change to a whole topic, queue or group, as k9s asks before a delete.
	typeName string
	typed    textinput.Model
}

// New returns a dialog that runs yes when the user presses y, once.
func New(c *common.Common, title string, scope []string, verb string, yes func() tea.Cmd) *Model {
	return &Model{Base: common.NewBase(Kind, title), c: c, scope: scope, verb: verb, yes: yes}
}

// TypeToConfirm asks for name (already sanitized, as shown) to be typed and entered instead of a y.
func (d *Model) TypeToConfirm(name string) {
	d.typeName = name
	d.typed = textinput.New()
	d.typed.Prompt = "> "
	d.typed.Focus()
}

// Capturing is true while the name is being typed: every key is text, y and q included.
func (d *Model) Capturing() bool { return d.typeName != "" && d.no == "" && !d.done }

// Reflow makes the scope a table laid out for the dialog's inner width each time it is drawn (after the
// lines given to New): its columns give way as a list's do on a narrow screen.
func (d *Model) Reflow(table func(width int) []string) { d.table = table }

// Refuse turns the dialog into a preview: reason (already sanitized) is shown where the y was offered,
// and y does nothing.
func (d *Model) Refuse(reason string) { d.no = reason }

func (d *Model) Status() string            { return d.c.Styles.Warn.Render("confirm") }
func (d *Model) SetSize(width, height int) { d.Base.SetSize(width, height); d.scroll(0) }

func (d *Model) Keys() []key.Binding {
	k := d.c.Keys
	cancel := key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "cancel")) // esc too, as everywhere
	if d.no != "" {
		return []key.Binding{cancel}
	}
	if d.typeName != "" {
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("type the name, enter", d.verb)),
			key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel"))}
	}
	return []key.Binding{common.Relabel(k.Confirm, d.verb), cancel}
}

func (d *Model) Update(msg tea.KeyPressMsg) tea.Cmd {
	if d.Capturing() {
		return d.typeKey(msg)
	}
	k := d.c.Keys
	switch {
	case key.Matches(msg, k.Confirm):
		if d.done || d.no != "" {
			return nil
		}
		d.done = true
		return d.yes()
	case msg.String() == "n":
		return common.Pop()
	case key.Matches(msg, k.Up):
		d.scroll(-1)
	case key.Matches(msg, k.Down):
		d.scroll(1)
	case key.Matches(msg, k.PageUp):
		d.scroll(-d.room())
	case key.Matches(msg, k.PageDown):
		d.scroll(d.room())
	}
	return nil
}

// typeKey takes a key while the name is typed: enter does it when the name is right, esc cancels.
func (d *Model) typeKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		return common.Pop()
	case "enter":
		if d.typed.Value() != d.typeName {
			return nil
		}
		d.done = true
		return d.yes()
	case "up", "down", "pgup", "pgdown":
		d.scroll(map[string]int{"up": -1, "down": 1, "pgup": -d.room(), "pgdown": d.room()}[msg.String()])
		return nil
	}
	var cmd tea.Cmd
	d.typed, cmd = d.typed.Update(msg)
	return cmd
}

// room is how many scope lines fit inside the frame, under the question and above the prompt: the
// frame's border, the question and the blank lines around the scope take five.
func (d *Model) room() int { return max(d.Height-5-len(d.prompt()), 1) }

func (d *Model) scroll(delta int) {
	d.offset = min(max(d.offset+delta, 0), max(len(d.lines())-d.room(), 0))
}

// lines are the scope wrapped to the dialog's width: on a narrow screen a sentence goes on the next line
// rather than losing its end (the group a redrive moves, what stays). Table rows are cut instead.
func (d *Model) lines() []string {
	inner := max(d.Width-4, 1)
	var out []string
	scope := d.scope
	if d.table != nil {
		scope = append(slices.Clip(scope), d.table(inner)...)
	}
	for _, line := range scope {
		if strings.Contains(strings.TrimLeft(ansi.Strip(line), " "), "  ") {
			out = append(out, line) // a table row, aligned by runs of spaces: cut, never wrapped
			continue
		}
		out = append(out, common.Wrap(line, inner)...)
	}
	return out
}

func (d *Model) View() string {
	s := d.c.Styles
	inner := max(d.Width-4, 1) // border and padding
	lines := []string{s.Warn.Bold(true).Render(ansi.Truncate(d.Title()+"?", inner, "…")), ""}
	scope := d.lines()
	end := min(d.offset+d.room(), len(scope))
	for _, line := range scope[d.offset:end] {
		lines = append(lines, ansi.Truncate(line, inner, "…"))
	}
	if end < len(scope) {
		lines = append(lines, s.Muted.Render("… ↓ for more"))
	}
	lines = append(append(lines, ""), d.prompt()...)
	frame := s.HelpBox.BorderForeground(s.Warn.GetForeground())
	return frame.Render(strings.Join(lines, "\n"))
}

// prompt is what the dialog asks under the scope, wrapped to its width: a long name or a narrow screen
// puts the end on the next line rather than cut it (at 80 columns "esc cancel" was lost after a group's
// name typed to confirm).
func (d *Model) prompt() []string {
	s := d.c.Styles
	inner := max(d.Width-4, 1)
	wrap := func(text string) []string { return common.Wrap(text, inner) }
	cancel := s.Muted.Render("  ·  ") + s.Accent.Render("esc") + s.Text.Render(" cancel")
	switch {
	case d.no != "":
		// The refusal is the point of the dialog: wrapped whole, never cut.
		return append(strings.Split(s.Error.Width(inner).Render(d.no), "\n"), s.Accent.Render("esc")+s.Text.Render(" back"))
	case d.done:
		return []string{s.Muted.Render("working…")}
	case d.typeName != "":
		asked := wrap(s.Text.Render("type ") + s.Accent.Render(d.typeName) + s.Text.Render(" and enter to "+d.verb) + cancel)
		return append(asked, ansi.Truncate(d.typed.View(), inner, "…"))
	}
	return wrap(s.Accent.Render("y") + s.Text.Render(" "+d.verb) + s.Muted.Render("  ·  ") + s.Accent.Render("n") +
		s.Muted.Render(" or ") + s.Accent.Render("esc") + s.Text.Render(" cancel"))
}
