// Package body is the TUI's body viewer: a message body rendered in one of several modes (what the
// decoder makes of it, JSON, text, hex), escaped line by line, wrapped to a width and JSON highlighted,
// a screen of rows at a time.
package body

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
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/themes"
	"github.com/rivo/uniseg"
)

// A message body on screen: decoded in a command (Avro may ask the schema registry), escaped and split in
// lines there too, then wrapped to the pane's width when the width or the body changes, and drawn a
// screen of rows at a time, JSON highlighted line by line.

// Mode is how the user asked to see a body; v cycles through them.
type Mode int

const (
	Auto Mode = iota // what the decoder makes of it
	JSON
	Text
	Hex
	// The decoders v offers where they may apply (see Offered).
	Avro
	Protobuf
	JSONSchema
	MessagePack
	CBOR
	Modes // how many there are
)

var modeNames = [...]string{"auto", "json", "text", "hex", string(decode.Avro), string(decode.Protobuf),
	string(decode.JSONSchema), string(decode.MessagePack), string(decode.CBOR)}

func (m Mode) String() string { return modeNames[m] }

// Next is the mode after m that may apply to the body: the views every body has, and the decoders whose
// format it may be in (Avro only in the wire format, say), so that v does not walk through views that
// can only fail.
func Next(m Mode, dec *decode.Decoder, in decode.Input) Mode {
	for next := (m + 1) % Modes; ; next = (next + 1) % Modes {
		if next <= Hex || dec.MayApply(next.String(), in) {
			return next
		}
	}
}

// Shown is a body as one mode shows it: escaped lines, ready to wrap and draw.
type Shown struct {
	Mode      Mode
	Format    decode.Format
	JSON      bool     // Highlight the lines as JSON
	Lines     []string // escaped: safe for the terminal
	Note      string   // escaped
	SchemaID  int
	Shown     int // bytes of the body the lines show
	Truncated bool
}

// Show renders body for mode. It runs in a command: it may do I/O (Avro) and costs time in proportion
// to the part of the body shown, which the decoder bounds.
func Show(ctx context.Context, dec *decode.Decoder, in decode.Input, mode Mode) Shown {
	body := in.Body
	out := Shown{Mode: mode}
	limit := dec.MaxBytes
	if limit <= 0 {
		limit = decode.DefaultMaxBytes
	}
	part := Cut(body, limit)
	out.Shown, out.Truncated = len(part), len(part) < len(body)
	var text string
	switch mode {
	case Auto, Avro, Protobuf, JSONSchema, MessagePack, CBOR:
		use := *dec
		use.Use = mode.String()
		d := use.DecodeInput(ctx, in)
		out.Format, out.Note, out.SchemaID, out.Truncated = d.Format, d.Note, d.SchemaID, d.Truncated
		out.JSON = d.Structured
		text = d.Text
		if out.JSON {
			out.Shown = len(body)
		}
	case JSON:
		if t := bytes.TrimSpace(body); len(t) > 0 && !out.Truncated && json.Valid(t) {
			out.Format, out.JSON, text = decode.JSON, true, decode.Pretty(body)
			break
		}
		out.Format, text = decode.Text, string(part)
		out.Note = "not JSON: shown as text"
		if out.Truncated {
			out.Note = fmt.Sprintf("too big to parse as JSON here (over %s): shown as text", present.Bytes(limit))
		}
	case Text:
		out.Format, text = formatOf(part, out.Truncated), string(part)
		if !utf8.Valid(part) {
			out.Note = `not valid UTF-8: the bytes that are not show as \xNN`
		}
	case Hex:
		out.Format, text = formatOf(part, out.Truncated), hex.Dump(part)
	}
	if len(body) == 0 {
		out.Format, text = decode.Empty, ""
	}
	out.Note = sanitize.Line(out.Note)
	out.Lines = escapeLines(strings.TrimSuffix(text, "\n"))
	return out
}

// formatOf says what a body is, whichever view shows it: a JSON body seen in hex is still JSON.
func formatOf(part []byte, truncated bool) decode.Format {
	switch t := bytes.TrimSpace(part); {
	case !truncated && len(t) > 0 && (t[0] == '{' || t[0] == '[') && json.Valid(t):
		return decode.JSON
	case decode.IsText(part):
		return decode.Text
	}
	return decode.Binary
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

// WrapRanges cuts an escaped line into pieces of at most width cells, as byte ranges of the line: after a
// space where one is near the end of a piece, else at the width. Nothing is dropped, spaces included.
func WrapRanges(s string, width int) [][2]int {
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

// JSONStyles colour JSON tokens from the theme.
type JSONStyles [decode.TokNull + 1]lipgloss.Style

func NewJSONStyles(t themes.Theme, text lipgloss.Style) JSONStyles {
	fg := func(c themes.Color) lipgloss.Style {
		if c == "" {
			return lipgloss.NewStyle()
		}
		return lipgloss.NewStyle().Foreground(lipgloss.Color(string(c)))
	}
	var s JSONStyles
	s[decode.TokPunct] = text
	s[decode.TokKey] = fg(t.JSONKey)
	s[decode.TokString] = fg(t.JSONString)
	s[decode.TokNumber] = fg(t.JSONNumber)
	s[decode.TokBool] = fg(t.JSONBool)
	s[decode.TokNull] = fg(t.JSONNull)
	return s
}

// Highlight draws the bytes [from, to) of an escaped JSON line, coloured by the tokens of the whole line
// (a piece of a wrapped line cannot be tokenized on its own).
func Highlight(tokens []decode.Token, from, to int, styles *JSONStyles) string {
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

// Cut returns at most n bytes of b, not splitting a UTF-8 sequence when it can help it.
func Cut(b []byte, n int) []byte {
	if len(b) <= n {
		return b
	}
	cut := n
	for cut > n-utf8.UTFMax && cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return b[:cut]
}

func isASCII(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return r >= utf8.RuneSelf })
}
