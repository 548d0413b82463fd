package screens

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/decode"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/body"
	"github.com/mqscope/mqscope/ui/components/table"
)

// KindMessage is the Kind of the view of one message.
const KindMessage = "message"

const (
	fieldBytes    = 4 << 10 // of a header value or key, shown wrapped
	maxLabelWidth = 34
	decodeTimeout = 10 * time.Second
)

// messageDetail shows one message: where it sits, its key, headers, properties, dead-letter origin, and its
// body, decoded, in a pane that scrolls and draws only the rows on screen.
type messageDetail struct {
	common.Base
	c    *common.Common
	msg  backends.Message
	size int // the body's size on the broker
	kind backends.DestinationKind

	fields []mfield // escaped, in order

	mode    body.Mode
	bodies  [body.Modes]*body.Shown
	pending [body.Modes]bool

	rows   []docRow // for the current width, mode and body
	tokens map[int][]decode.Token
	json   body.JSONStyles
	theme  string

	offset int
}

// mfield is one of the message's fields, or the title of a section of them. The value is escaped and may
// hold line breaks (a stack trace in a header).
type mfield struct {
	label, value string
	tone         table.Tone
	section      bool
}

type rowKind int

const (
	rowField   rowKind = iota // a piece of a field's value, after its label (on the first piece only)
	rowSection                // a section's title
	rowNote                   // a line about the body
	rowBody                   // a piece of body line `line`, bytes [from, to)
)

// docRow is one screen row of the pane.
type docRow struct {
	kind     rowKind
	label    string
	text     string // escaped
	tone     table.Tone
	line     int
	from, to int
}

func newMessageDetail(c *common.Common, d backends.Destination, e *entry) *messageDetail {
	title := "@ " + present.Int(e.msg.Offset)
	switch {
	case e.msg.MQTT != nil: // no offsets: the topic (a peek of a filter shows many) says which message
		title = sanitize.Line(e.msg.Destination)
	case d.Kind == backends.Topic:
		title = fmt.Sprintf("p%d @ %s", e.msg.Partition, present.Int(e.msg.Offset))
	case d.Kind == backends.Queue:
		title = "#" + present.Int(e.msg.Offset)
	}
	return &messageDetail{Base: common.NewBase(KindMessage, title), c: c, msg: e.msg, size: e.size, kind: d.Kind,
		tokens: map[int][]decode.Token{}, fields: messageFields(e.msg, e.size, d.Kind)}
}

func (v *messageDetail) Stop()                     {}
func (v *messageDetail) SetSize(width, height int) { v.Base.SetSize(width, height); v.rebuild() }

func (v *messageDetail) Keys() []key.Binding {
	k := v.c.Keys
	return []key.Binding{k.BodyView, k.Copy, k.Down, k.PageDown}
}

// Start renders the body in the background; it needs no broker (except Avro's registry, over HTTP).
func (v *messageDetail) Start(backends.Backend) tea.Cmd { return v.render(v.mode) }

// render returns the command that renders the body for mode, unless it is done or under way.
func (v *messageDetail) render(mode body.Mode) tea.Cmd {
	if v.bodies[mode] != nil || v.pending[mode] {
		return nil
	}
	v.pending[mode] = true
	dec := v.decoder()
	in := present.DecodeInput(v.msg)
	return common.Go(v.ID(), func() body.Shown {
		ctx, cancel := context.WithTimeout(context.Background(), decodeTimeout)
		defer cancel()
		return body.Show(ctx, dec, in, mode)
	}, v.bodyShown)
}

// decoder is the context's: its schema registry and Protobuf types.
func (v *messageDetail) decoder() *decode.Decoder {
	return &decode.Decoder{Registry: v.c.Registry, Protos: v.c.Protos}
}

// bodyShown takes a body rendered in the background.
func (v *messageDetail) bodyShown(b body.Shown) tea.Cmd {
	v.bodies[b.Mode], v.pending[b.Mode] = &b, false
	if b.Mode == v.mode {
		v.rebuild()
	}
	return nil
}

func (v *messageDetail) Update(msg tea.KeyPressMsg) tea.Cmd {
	k := v.c.Keys
	switch {
	case key.Matches(msg, k.Up):
		v.scroll(-1)
	case key.Matches(msg, k.Down):
		v.scroll(1)
	case key.Matches(msg, k.PageUp):
		v.scroll(-max(v.Height-1, 1))
	case key.Matches(msg, k.PageDown):
		v.scroll(max(v.Height-1, 1))
	case key.Matches(msg, k.Top):
		v.offset = 0
	case key.Matches(msg, k.Bottom):
		v.scroll(len(v.rows))
	case key.Matches(msg, k.BodyView):
		v.mode = body.Next(v.mode, v.decoder(), present.DecodeInput(v.msg))
		v.rebuild()
		return v.render(v.mode)
	case key.Matches(msg, k.Copy):
		return copyBody(v.msg.Body, v.size)
	}
	return nil
}

func (v *messageDetail) scroll(delta int) {
	v.offset = min(max(v.offset+delta, 0), max(len(v.rows)-v.Height, 0))
}

func (v *messageDetail) Status() string {
	s := v.c.Styles
	b := v.bodies[v.mode]
	if b == nil {
		return s.Accent.Render("decoding…")
	}
	parts := []string{string(b.Format)}
	if b.SchemaID != 0 {
		parts = append(parts, "schema id "+strconv.Itoa(b.SchemaID))
	}
	parts = append(parts, present.Bytes(v.size), "view "+v.mode.String())
	return s.Muted.Render(strings.Join(parts, " · "))
}

// labelWidth is the width of the label column: the longest label, within reason, and no more than a third
// of the screen, so that on a narrow one a long header name is cut rather than every value wrapped.
func (v *messageDetail) labelWidth() int {
	w := 0
	for _, f := range v.fields {
		if !f.section {
			w = max(w, table.TextWidth(f.label))
		}
	}
	return min(w, maxLabelWidth, max(v.Width/3, 8))
}

// rebuild lays the fields and the body out in rows for the current width. It runs when the width, the
// mode or the body changes, never per frame.
func (v *messageDetail) rebuild() {
	v.rows = v.rows[:0]
	clear(v.tokens)
	lw := v.labelWidth()
	valueWidth := max(v.Width-lw-2, 10)
	for _, f := range v.fields {
		if f.section {
			v.rows = append(v.rows, docRow{kind: rowNote}, docRow{kind: rowSection, text: f.label})
			continue
		}
		label := f.label // on the first row only
		for _, line := range strings.Split(f.value, "\n") {
			for _, r := range body.WrapRanges(line, valueWidth) {
				v.rows = append(v.rows, docRow{kind: rowField, label: label, text: line[r[0]:r[1]], tone: f.tone})
				label = ""
			}
		}
	}
	v.rows = append(v.rows, v.bodyRows()...)
	v.scroll(0)
}

// bodyRows are the body's title, its notes, and its lines wrapped to the width.
func (v *messageDetail) bodyRows() []docRow {
	title := "body · view " + v.mode.String() + " (v changes)"
	b := v.bodies[v.mode]
	if b == nil {
		return []docRow{{kind: rowNote}, {kind: rowSection, text: title}, {kind: rowNote, text: "decoding…", tone: table.Muted}}
	}
	title = fmt.Sprintf("body · %s · view %s (v changes)", b.Format, v.mode)
	if b.SchemaID != 0 {
		title = fmt.Sprintf("body · %s · schema id %d · view %s (v changes)", b.Format, b.SchemaID, v.mode)
	}
	rows := []docRow{{kind: rowNote}, {kind: rowSection, text: title}}
	note := func(text string, tone table.Tone) {
		for _, r := range body.WrapRanges(text, v.Width) {
			rows = append(rows, docRow{kind: rowNote, text: text[r[0]:r[1]], tone: tone})
		}
	}
	if b.Note != "" {
		note(b.Note, table.Warn)
	}
	if b.Truncated {
		note(fmt.Sprintf("showing the first %s of %s (%s bytes)", present.Bytes(b.Shown), present.Bytes(v.size),
			present.Int(int64(v.size))), table.Warn)
	} else if len(v.msg.Body) < v.size {
		note(fmt.Sprintf("the browser holds the first %s of this %s body; mqscope peek -o json shows all of it",
			present.Bytes(len(v.msg.Body)), present.Bytes(v.size)), table.Warn)
	}
	if b.Format == decode.Empty {
		note("(empty)", table.Muted)
	}
	for i, line := range b.Lines {
		for _, r := range body.WrapRanges(line, v.Width) {
			rows = append(rows, docRow{kind: rowBody, line: i, from: r[0], to: r[1]})
		}
	}
	return rows
}

func (v *messageDetail) View() string {
	s := v.c.Styles
	if v.theme != v.c.Theme.Name {
		v.json, v.theme = body.NewJSONStyles(v.c.Theme, s.Text), v.c.Theme.Name
	}
	lw := v.labelWidth()
	b := v.bodies[v.mode]
	end := min(v.offset+v.Height, len(v.rows))
	lines := make([]string, 0, end-v.offset)
	for _, r := range v.rows[v.offset:end] {
		switch r.kind {
		case rowSection:
			lines = append(lines, s.CrumbHere.Render(r.text))
		case rowBody:
			lines = append(lines, v.bodyLine(b, r))
		case rowField:
			label := ansi.Truncate(r.label, lw, "…")
			lines = append(lines, s.Label.Render(label+strings.Repeat(" ", lw-lipgloss.Width(label)))+"  "+
				s.Table.Tones[r.tone].Render(r.text))
		default:
			lines = append(lines, s.Table.Tones[r.tone].Render(r.text))
		}
	}
	return strings.Join(lines, "\n")
}

// bodyLine draws a piece of a body line, highlighted when the body is JSON.
func (v *messageDetail) bodyLine(b *body.Shown, r docRow) string {
	line := b.Lines[r.line]
	if !b.JSON {
		return v.c.Styles.Text.Render(line[r.from:r.to])
	}
	tokens, ok := v.tokens[r.line]
	if !ok {
		if len(v.tokens) > 4*max(v.Height, 16) {
			clear(v.tokens) // a memo of what is on screen, not of the body
		}
		tokens = decode.Tokens(line)
		v.tokens[r.line] = tokens
	}
	return body.Highlight(tokens, r.from, r.to, &v.json)
}
