package present

import (
	"encoding/hex"
	"strings"
	"unicode/utf8"

	"github.com/mqscope/mqscope/decode"
	"github.com/mqscope/mqscope/sanitize"
)

// HexPreview is how many bytes of a binary body a preview shows.
const HexPreview = 16

// BodyPreview is a message body on one line, the same in the CLI's peek table and the TUI's browser: its
// first maxBytes with every run of white space folded to one space (pretty JSON reads as compact JSON),
// escaped, with … where it was cut; "hex" and the first bytes where it is not text; (null) and (empty)
// for none. text says whether the body read as text. It looks at maxBytes only: a 5 MiB body costs what
// a line shows.
func BodyPreview(body []byte, maxBytes int) (preview string, text bool) {
	switch {
	case body == nil:
		return "(null)", false
	case len(body) == 0:
		return "(empty)", false
	}
	head := body[:min(len(body), maxBytes)]
	if len(head) < len(body) {
		head = wholeRunes(head)
	}
	if !decode.IsText(head) {
		more := ""
		if len(body) > HexPreview {
			more = " …"
		}
		return "hex " + spacedHex(body[:min(len(body), HexPreview)]) + more, false
	}
	preview = sanitize.Line(foldSpace(head))
	if len(head) < len(body) {
		preview += "…"
	}
	return preview, true
}

// foldSpace turns every run of spaces, tabs and line breaks into one space, dropping them at the ends.
func foldSpace(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b))
	space := true // drop leading space
	for _, c := range b {
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			if !space {
				sb.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		sb.WriteByte(c)
	}
	return strings.TrimRight(sb.String(), " ")
}

// wholeRunes drops a rune the cap cut in two, so that a long text body still reads as text.
func wholeRunes(b []byte) []byte {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return b[:i]
			}
			break
		}
	}
	return b
}

func spacedHex(b []byte) string {
	var s strings.Builder
	for i, c := range b {
		if i > 0 {
			s.WriteByte(' ')
		}
		s.WriteString(hex.EncodeToString([]byte{c}))
	}
	return s.String()
}
