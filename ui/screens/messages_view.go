package screens

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/decode"
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

// msgColumns are present.Messages that apply to a message held, with the TUI's width and colour. TIME
// takes its short form where the full one would leave the body fewer than bodyRoom cells.
func (v *browser) msgColumns() []msgColumn {
	cols := v.msgColumnsWith(false)
	if v.bodyWidth(cols) < bodyRoom {
		cols = v.msgColumnsWith(true)
	}
	return cols
}

// bodyRoom is the least a body preview gets before TIME gives up its year and milliseconds for it.
const bodyRoom = 40

// shortTimeSaves is how many cells TIME's short form saves.
var shortTimeSaves = len(present.Time(time.Time{})) - len(present.ShortTime(time.Time{}))

// bodyWidth is the cells the BODY column gets among cols at the view's width.
func (v *browser) bodyWidth(cols []msgColumn) int {
	l := table.NewLayout(columnsOf(cols), v.Width)
	for i, c := range cols {
		if c.Title == "BODY" {
			return l.Width(i)
		}
	}
	return 0
}

func (v *browser) msgColumnsWith(shortTime bool) []msgColumn {
	cols := v.markColumn()
	for i, c := range present.Messages {
		if c.Name == "BODY" {
			cols = append(cols, msgColumn{table.Column{Title: c.Name, Width: 10, Flex: true}, v.bodyCell})
			continue
		}
		if !v.shown[i] {
			continue
		}
		col := table.Column{Title: c.Name, Width: v.widths[i], Optional: c.Optional}
		if c.Right {
			col.Align = table.Right
		}
		if c.Name == "TIME" && shortTime {
			c.Text = present.ShortMessageTime
			col.Width = max(len(c.Name), col.Width-shortTimeSaves)
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

// bodyCell is the body's preview, made when its row is first drawn and again once schemas came.
func (v *browser) bodyCell(e *entry) table.Cell {
	if gen := v.previewsOf(); e.preview == "" || e.previewGen != gen {
		e.preview, e.tone = v.preview(e)
		e.previewGen = gen
	}
	return table.Cell{Text: e.preview, Tone: e.tone}
}

// previewsOf is the generation of what previews are made from: the browser's previewGen, which its own
// fetches bump, plus the schemas the registry's cache holds, which only grow. Either moving changes it,
// so a schema that came by any way (the browser's fetch, a where check, the detail view's decode) has
// the previews made again.
func (v *browser) previewsOf() int {
	if v.c.Registry == nil {
		return v.previewGen
	}
	return v.previewGen + v.c.Registry.Held()
}

// preview is a body on one line: the bytes where they read as they are (JSON, text), else what the
// decoder v uses makes of them (Avro, Protobuf, MessagePack… as JSON), from what the registry's cache holds
// only, since this runs on the UI goroutine: a schema not fetched yet is marked, and fetched in a command
// (fetchSchemas). What cannot be decoded shows why, then its first bytes, muted.
func (v *browser) preview(e *entry) (string, table.Tone) {
	in := present.DecodeInput(e.msg)
	dec := decode.Decoder{Registry: v.c.Registry, Protos: v.c.Protos, CacheOnly: true}
	switch {
	case dec.Plain(in):
		return previewOf(e.msg.Body)
	case decode.Compressed(in.ContentEncoding):
		// Not inflated here: a small body may inflate to megabytes, and this is the UI goroutine.
		text, _ := present.BodyPreview(e.msg.Body, present.PreviewBytes)
		return sanitize.Line(in.ContentEncoding) + " (v inflates it) · " + text, table.Muted
	}
	d := dec.DecodeInput(context.Background(), in)
	if d.Structured || d.Format == decode.Text {
		return previewOf(compactJSON(d.Text, d.Structured))
	}
	text, _ := present.BodyPreview(e.msg.Body, present.PreviewBytes)
	if reason := strings.TrimSuffix(strings.TrimSuffix(d.Note, "shown as hex"), "; "); reason != "" {
		text = "not decoded: " + sanitize.Line(reason) + " · " + text
	}
	return text, table.Muted
}

// compactJSON is a decoder's indented JSON on one line (text as it is when it is not JSON).
func compactJSON(text string, structured bool) []byte {
	var b bytes.Buffer
	if structured && json.Compact(&b, []byte(text)) == nil {
		return b.Bytes()
	}
	return []byte(text)
}

// noteSchemas notes a wire-format body whose schema the registry's cache does not know yet, for
// fetchSchemas to ask for it; or, while the registry is not answering, to ask once it will be asked again.
func (v *browser) noteSchemas(m backends.Message) {
	reg := v.c.Registry
	if reg == nil {
		return
	}
	id, _, ok := decode.ConfluentWire(m.Body)
	if !ok || v.fetching[id] || v.waiting[id] {
		return
	}
	if _, err := reg.Failure(id); errors.Is(err, decode.ErrRegistryDown) {
		v.wait(id)
		return
	}
	if !reg.Fetched(id) { // else its schema, or what the registry said of it, is in the cache
		v.askSchema(id)
	}
}

// askSchema notes id for the next fetchSchemas.
func (v *browser) askSchema(id int) {
	if v.fetching == nil {
		v.fetching = map[int]bool{}
	}
	v.fetching[id] = true
	v.toFetch = append(v.toFetch, id)
}

// wait notes id as one the registry did not answer for.
func (v *browser) wait(id int) {
	if v.waiting == nil {
		v.waiting = map[int]bool{}
	}
	v.waiting[id] = true
}

// fetchSchemas returns the command that asks the registry for the schemas noted, off the UI goroutine,
// and the wake-up that asks again for those the registry did not answer for; the previews are made again
// when they came (or the registry said why not).
func (v *browser) fetchSchemas() tea.Cmd {
	wake := v.wakeForSchemas()
	if len(v.toFetch) == 0 {
		return wake
	}
	ids, reg := v.toFetch, v.c.Registry
	v.toFetch = nil
	return tea.Batch(wake, common.Go(v.ID(), func() schemasFetched {
		var out schemasFetched
		for _, id := range ids {
			ctx, cancel := context.WithTimeout(context.Background(), decodeTimeout)
			_, err := reg.ByID(ctx, id) // a failure is the registry's to remember, and the preview's to show
			cancel()
			if errors.Is(err, decode.ErrRegistryDown) {
				out.unanswered = append(out.unanswered, id)
			}
		}
		out.asked = ids
		return out
	}, v.onSchemas))
}

// schemasFetched is what a fetch of schemas asked, and which of them the registry did not answer for.
type schemasFetched struct{ asked, unanswered []int }

func (v *browser) onSchemas(f schemasFetched) tea.Cmd {
	for _, id := range f.asked {
		delete(v.fetching, id)
	}
	for _, id := range f.unanswered {
		v.wait(id)
	}
	v.schemasMayHaveCome()
	return v.wakeForSchemas()
}

// wakeForSchemas returns the command that wakes the browser when the registry's cache stops remembering
// that it did not answer, to ask again for the schemas held messages wait for. Without it an outage's
// error (or, once it is forgotten, "schema not fetched yet") stayed on the previews of what was held
// until something else asked: a new message, a where, ctrl+r. One wake-up at a time.
func (v *browser) wakeForSchemas() tea.Cmd {
	if len(v.waiting) == 0 || v.waking || v.c.Registry == nil {
		return nil
	}
	var at time.Time
	for id := range v.waiting {
		if until, err := v.c.Registry.Failure(id); err != nil && (at.IsZero() || until.Before(at)) {
			at = until
		}
	}
	v.waking = true
	id := v.ID()
	// A little after the failure ends, so that it has ended; the wake-up is a task, dropped with the view.
	return tea.Tick(max(time.Until(at), 0)+wakeSlack, func(time.Time) tea.Msg {
		return common.Go(id, func() struct{} { return struct{}{} }, v.onWake)()
	})
}

// wakeSlack is how long after a remembered failure ends the browser asks again.
const wakeSlack = 10 * time.Millisecond

// onWake asks again for the schemas the registry did not answer for, unless it is still remembered as
// not answering (another lookup failed meanwhile): those wait for the next wake-up.
func (v *browser) onWake(struct{}) tea.Cmd {
	v.waking = false
	reg := v.c.Registry
	if reg == nil {
		v.waiting = nil
		return nil
	}
	for id := range v.waiting {
		if _, err := reg.Failure(id); errors.Is(err, decode.ErrRegistryDown) {
			continue
		}
		delete(v.waiting, id)
		if !reg.Fetched(id) && !v.fetching[id] {
			v.askSchema(id)
		}
	}
	v.schemasMayHaveCome() // another lookup may have fetched them, or failed otherwise
	return v.fetchSchemas()
}

// schemasMayHaveCome has the previews made again (those on screen, as they are drawn): a command may
// have fetched schemas they lacked.
func (v *browser) schemasMayHaveCome() {
	if v.c.Registry != nil {
		v.previewGen++
	}
}

func (v *browser) columns() []table.Column { return columnsOf(v.cols) }

func columnsOf(cols []msgColumn) []table.Column {
	out := make([]table.Column, len(cols))
	for i, c := range cols {
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
	if v.filter != "" || v.w.where != nil {
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
	case len(v.visible) == 0 && v.whereChecking():
		return say("checking where " + sanitize.Line(v.w.text) + ": no match yet")
	case len(v.visible) == 0 && v.ring.Len() > 0 && v.filter == "":
		return say("nothing held matches where " + sanitize.Line(v.w.text) + " (w, then an empty line, clears it)")
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
	lines = append(lines, common.Wrap(sanitize.Line(text), w)...)
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
		lines = append(append(lines, ""), common.Wrap(limit, w)...)
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
