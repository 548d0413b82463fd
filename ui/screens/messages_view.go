package screens

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/table"
)

// Drawing the browser. Rows are made only for the lines on screen, and each from a bounded part of its
// message: a 5 MiB body costs its first previewBytes, not its size.

// maxCellWidth is the most a column other than BODY takes: a long key or origin is cut.
const maxCellWidth = 26

// msgColumn is one column of the list and how to fill it.
type msgColumn struct {
	table.Column
	cell func(e *entry) table.Cell
}

func (e *entry) row() present.MessageRow {
	return present.MessageRow{Msg: e.msg, Size: e.size, Dead: e.dead}
}

// msgColumns are present.Messages that apply to a message held, with the TUI's width and colour.
func (v *browser) msgColumns() []msgColumn {
	cols := v.markColumn()
	for i, c := range present.Messages {
		if c.Name == "BODY" {
			cols = append(cols, msgColumn{table.Column{Title: c.Name, Width: 10, Flex: true}, bodyCell})
			continue
		}
		if !v.shown[i] {
			continue
		}
		col := table.Column{Title: c.Name, Width: v.widths[i], Optional: c.Optional}
		if c.Right {
			col.Align = table.Right
		}
		cols = append(cols, msgColumn{col, func(e *entry) table.Cell {
			text := c.Cell(e.row())
			return table.Cell{Text: text, Tone: messageTone(c.Name, text, e)}
		}})
	}
	return cols
}

// messageTone is the TUI's colour of a cell: what was delivered before warns, what is not known or not
// the message's own time is muted.
func messageTone(col, text string, e *entry) table.Tone {
	switch {
	case text == present.Unknown, col == "REDELIVERED" && text == "no":
		return table.Muted
	case col == "TIME" && strings.HasSuffix(text, present.DiedMark):
		return table.Muted
	case col == "REDELIVERED", col == "DELIVERIES" && e.msg.DeliveryCount > 0:
		return table.Warn
	}
	return table.Normal
}

func bodyCell(e *entry) table.Cell {
	if e.preview == "" {
		e.preview, e.tone = previewOf(e.msg.Body)
	}
	return table.Cell{Text: e.preview, Tone: e.tone}
}

func (v *browser) columns() []table.Column {
	out := make([]table.Column, len(v.cols))
	for i, c := range v.cols {
		out[i] = c.Column
	}
	return out
}

// row gives the table the cells of visible row i.
func (v *browser) row(i int) []table.Cell {
	e := v.at(v.visible[i])
	cells := make([]table.Cell, len(v.cols))
	for j, c := range v.cols {
		cells[j] = c.cell(e)
	}
	return cells
}

// previewOf is a body on one line, as the CLI's peek table shows it; muted where it is not text.
func previewOf(raw []byte) (string, table.Tone) {
	text, isText := present.BodyPreview(raw, present.PreviewBytes)
	if !isText {
		return text, table.Muted
	}
	return text, table.Normal
}

// age says how old a finished read of a queue is: what it shows may have been consumed, redriven or
// purged since, and only ctrl+r reads again (a topic's log does not change under it; a follow is live).
func (v *browser) age() string {
	if !v.finished || v.readAt.IsZero() || followable(v.dest) {
		return ""
	}
	return "read " + present.Duration(time.Since(v.readAt).Truncate(time.Second)) + " ago (ctrl+r reads again)"
}

func (v *browser) Status() string {
	s := v.c.Styles
	var parts []string
	switch {
	case v.confirm:
		parts = append(parts, s.Warn.Render("waiting for y"))
	case v.asking:
		parts = append(parts, s.Accent.Render("asking what a peek does…"))
	case v.follow:
		parts = append(parts, s.Accent.Render("following"))
	case v.peeking:
		parts = append(parts, s.Accent.Render("reading…"))
	case v.err != nil:
		parts = append(parts, s.Error.Render("stopped"))
	}
	n := v.ring.Len()
	count := present.Int(int64(n)) + " messages"
	if n == 1 {
		count = "1 message"
	}
	if v.filter != "" || v.where != nil {
		count = present.Int(int64(len(v.visible))) + " of " + count
	}
	parts = append(parts, s.Muted.Render(count))
	if w := v.whereStatus(); w != "" {
		parts = append(parts, s.Accent.Render(w))
	}
	if n := len(v.marks.set); n > 0 {
		parts = append(parts, s.OK.Render(present.Int(int64(n))+" marked"))
	}
	if dropped := v.ring.Dropped(); dropped > 0 {
		parts = append(parts, s.Warn.Render(fmt.Sprintf("newest %s of %s read",
			present.Int(int64(n)), present.Int(v.ring.Total))))
	}
	if age := v.age(); age != "" {
		parts = append(parts, s.Warn.Render(age))
	}
	from := "from " + sanitize.Line(v.fromText)
	if len(v.partitions) == 1 {
		from += fmt.Sprintf(" in partition %d", v.partitions[0])
	}
	if !positionable(v.dest) {
		from = "retained + live"
	}
	parts = append(parts, s.Muted.Render(from))
	return strings.Join(parts, s.Muted.Render(" · "))
}

func (v *browser) View() string {
	s := v.c.Styles
	v.layout()
	var lines []string
	if v.err != nil {
		lines = append(lines, s.Error.Render(ansi.Truncate(common.ErrorLine(v.err), max(v.Width, 1), "…")))
	}
	body := v.body()
	if v.prompt == nil {
		return strings.Join(append(lines, body), "\n")
	}
	room := max(v.Height-len(lines)-1, 0)
	bodyLines := strings.Split(body, "\n")
	bodyLines = bodyLines[:min(len(bodyLines), room)]
	for len(bodyLines) < room {
		bodyLines = append(bodyLines, "")
	}
	lines = append(append(lines, bodyLines...), v.prompt.View())
	return strings.Join(lines, "\n")
}

// body is what shows under the banner: the notice to confirm, a word on what is happening, or the list.
func (v *browser) body() string {
	s := v.c.Styles
	say := func(text string) string { return table.Placeholder(s.Muted.Render(text), v.Width, v.Height) }
	from := sanitize.Line(v.fromText)
	switch {
	case v.confirm:
		return v.notice()
	case v.asking:
		return say("asking the broker what a peek of " + v.Title() + " does…")
	case v.ring.Len() == 0 && v.b == nil && v.err == nil:
		return say("waiting for the connection…")
	case v.ring.Len() == 0 && v.follow:
		return say("following: new messages show here as they arrive")
	case v.ring.Len() == 0 && v.peeking:
		return say("reading from " + from + "…")
	case v.ring.Len() == 0 && v.err == nil && !positionable(v.dest):
		return say("no retained message · f follows what arrives")
	case v.ring.Len() == 0 && v.err == nil:
		hint := "nothing here from " + from + " · p starts elsewhere"
		if followable(v.dest) {
			hint += " · f follows"
		}
		return say(hint)
	case v.filterErr != nil:
		return table.Placeholder(s.Error.Render(sanitize.Line(v.filterErr.Error())), v.Width, v.Height)
	case len(v.visible) == 0 && v.ring.Len() > 0:
		return say(fmt.Sprintf("nothing matches %q (esc clears the filter)", sanitize.Line(v.filter)))
	case v.ring.Len() == 0:
		return ""
	}
	v.table.SetStyles(s.Table) // the theme may have changed
	return v.table.View()
}

// notice asks, once per destination, before a peek that changes what it reads.
func (v *browser) notice() string {
	s := v.c.Styles
	eff := v.effects
	w := max(v.Width, 20)
	text := eff.Notice
	if text == "" {
		text = "Reading this queue takes each message and gives it back in its place: consumers will then see it marked redelivered."
	}
	lines := []string{s.Warn.Render("Peeking " + v.Title() + " is not free."), ""}
	lines = append(lines, ansi.Wrap(sanitize.Line(text), w, " "))
	if eff.CountsDeliveries {
		limit := "This queue counts every delivery, peeks included."
		if eff.DeliveryLimit > 0 {
			limit = fmt.Sprintf("Delivery limit: %d. Every peek counts one delivery toward it.", eff.DeliveryLimit)
		}
		if !eff.MarksRedelivered { // counted by receives (SQS), not by give-backs
			limit = "Every peek counts one receive of each message it reads."
			if eff.DeliveryLimit > 0 {
				limit = fmt.Sprintf("maxReceiveCount: %d. Every peek counts one receive toward it.", eff.DeliveryLimit)
			}
		}
		lines = append(lines, "", ansi.Wrap(limit, w, " "))
	}
	lines = append(lines, "", s.Accent.Render("y")+s.Muted.Render(" peek it   ")+s.Accent.Render("esc")+s.Muted.Render(" go back"))
	return strings.Join(lines, "\n")
}

// prompt is the browser's own input line, for a position: the shell hands it every key while it is open.
type prompt struct {
	input textinput.Model
	done  func(line string) tea.Cmd
}

func (p *prompt) View() string { return " " + p.input.View() }

// ask opens the prompt with label and value; enter hands the line to done.
func (v *browser) ask(label, value string, done func(string) tea.Cmd) tea.Cmd {
	s := v.c.Styles
	in := textinput.New()
	st := textinput.DefaultStyles(v.c.Theme.Dark)
	st.Focused.Prompt, st.Focused.Text = s.Accent, s.Text
	st.Cursor.Color, st.Cursor.Blink = s.Accent.GetForeground(), false
	in.SetStyles(st)
	in.Prompt = label
	in.SetValue(value)
	in.CursorEnd()
	in.SetWidth(max(v.Width-len(label)-3, 1))
	v.prompt = &prompt{input: in, done: done}
	v.layout()
	return v.prompt.input.Focus()
}

func (v *browser) promptKey(msg tea.KeyPressMsg) tea.Cmd {
	p := v.prompt
	switch msg.String() {
	case "enter":
		v.prompt = nil
		v.layout()
		return p.done(p.input.Value())
	case "esc":
		v.prompt = nil
		v.layout()
		return nil
	}
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	return cmd
}
