package screens

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"charm.land/lipgloss/v2"
	"github.com/mqscope/mqscope/decode"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/themes"
	"github.com/rivo/uniseg"
)

// A message body on screen: decoded in a command (Avro may ask the schema registry), escaped and split in
// lines there too, then wrapped to the pane's width when the width or the body changes, and drawn a
// screen of rows at a time, JSON highlighted line by line.

// bodyMode is how the user asked to see a body; v cycles through them.
type bodyMode int

const (
	bodyAuto bodyMode = iota // what the decoder makes of it
	bodyJSON
	bodyText
	bodyHex
	bodyModes
)

func (m bodyMode) String() string { return [...]string{"auto", "json", "text", "hex"}[m] }

// shownBody is a body as one mode shows it: escaped lines, ready to wrap and draw.
type shownBody struct {
	mode      bodyMode
	format    decode.Format
	json      bool     // highlight the lines as JSON
	lines     []string // escaped: safe for the terminal
	note      string   // escaped
	schemaID  int
	shown     int // bytes of the body the lines show
	truncated bool
}

// showBody renders body for mode. It runs in a command: it may do I/O (Avro) and costs time in proportion
// to the part of the body shown, which the decoder bounds.
func showBody(ctx context.Context, dec *decode.Decoder, body []byte, mode bodyMode) shownBody {
	out := shownBody{mode: mode}
	limit := dec.MaxBytes
	if limit <= 0 {
		limit = decode.DefaultMaxBytes
	}
	part := cutAt(body, limit)
	out.shown, out.truncated = len(part), len(part) < len(body)
	var text string
	switch mode {
	case bodyAuto:
		d := dec.Decode(ctx, body)
		out.format, out.note, out.schemaID, out.truncated = d.Format, d.Note, d.SchemaID, d.Truncated
		out.json = d.Format == decode.JSON || d.Format == decode.Avro
		text = d.Text
		if d.Format == decode.JSON || d.Format == decode.Avro {
			out.shown = len(body)
		}
	case bodyJSON:
		if t := bytes.TrimSpace(body); len(t) > 0 && !out.truncated && json.Valid(t) {
			out.format, out.json, text = decode.JSON, true, decode.Pretty(body)
			break
		}
		out.format, text = decode.Text, string(part)
		out.note = "not JSON: shown as text"
		if out.truncated {
			out.note = fmt.Sprintf("too big to parse as JSON here (over %s): shown as text", formatSize(limit))
		}
	case bodyText:
		out.format, text = decode.Text, string(part)
		if !utf8.Valid(part) {
			out.note = `not valid UTF-8: the bytes that are not show as \xNN`
		}
	case bodyHex:
		out.format, text = decode.Binary, hex.Dump(part)
	}
	if len(body) == 0 {
		out.format, text = decode.Empty, ""
	}
	out.note = sanitize.Line(out.note)
	out.lines = escapeLines(strings.TrimSuffix(text, "\n"))
	return out
}

// escapeLines splits text in lines and escapes each for the terminal.
func escapeLines(text string) []string {
	if text == "" {
		return nil
	}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = sanitize.Block(l)
	}
	return lines
}

// wrapRanges cuts an escaped line into pieces of at most width cells, as byte ranges of the line: after a
// space where one is near the end of a piece, else at the width. Nothing is dropped, spaces included.
func wrapRanges(s string, width int) [][2]int {
	width = max(width, 1)
	if s == "" {
		return [][2]int{{0, 0}}
	}
	var out [][2]int
	if isASCII(s) {
		for i := 0; i < len(s); {
			end := min(i+width, len(s))
			if end < len(s) && s[end] != ' ' {
				if sp := strings.LastIndexByte(s[i:end], ' '); sp > 0 && sp >= width*2/3 {
					end = i + sp + 1
				}
			}
			out = append(out, [2]int{i, end})
			i = end
		}
		return out
	}
	start, pos, cells, state := 0, 0, 0, -1
	for rest := s; len(rest) > 0; {
		var cluster string
		var w int
		cluster, rest, w, state = uniseg.FirstGraphemeClusterInString(rest, state)
		if cells+w > width && pos > start {
			out = append(out, [2]int{start, pos})
			start, cells = pos, 0
		}
		pos += len(cluster)
		cells += w
	}
	return append(out, [2]int{start, pos})
}

// jsonStyles colour JSON tokens from the theme.
type jsonStyles [decode.TokNull + 1]lipgloss.Style

func newJSONStyles(t themes.Theme, text lipgloss.Style) jsonStyles {
	fg := func(c themes.Color) lipgloss.Style {
		if c == "" {
			return lipgloss.NewStyle()
		}
		return lipgloss.NewStyle().Foreground(lipgloss.Color(string(c)))
	}
	var s jsonStyles
	s[decode.TokPunct] = text
	s[decode.TokKey] = fg(t.JSONKey)
	s[decode.TokString] = fg(t.JSONString)
	s[decode.TokNumber] = fg(t.JSONNumber)
	s[decode.TokBool] = fg(t.JSONBool)
	s[decode.TokNull] = fg(t.JSONNull)
	return s
}

// highlight draws the bytes [from, to) of an escaped JSON line, coloured by the tokens of the whole line
// (a piece of a wrapped line cannot be tokenized on its own).
func highlight(tokens []decode.Token, from, to int, styles *jsonStyles) string {
	var b strings.Builder
	pos := 0
	for _, tk := range tokens {
		end := pos + len(tk.Text)
		if lo, hi := max(pos, from), min(end, to); lo < hi {
			b.WriteString(styles[tk.Kind].Render(tk.Text[lo-pos : hi-pos]))
		}
		if end >= to {
			break
		}
		pos = end
	}
	return b.String()
}
