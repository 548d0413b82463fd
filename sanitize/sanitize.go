// Package sanitize makes untrusted broker text safe to put on a terminal. Names, keys, headers and bodies
// come from whoever wrote to the broker; none of their bytes may move the cursor, change colours, set the
// window title, reorder text (bidi overrides) or write to the clipboard. Everything that could is shown
// escaped, visibly, so that nothing is hidden either.
package sanitize

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Line escapes s for a single line of a table or header: newlines and tabs are escaped too.
func Line(s string) string { return escape(s, false) }

// Block escapes s for a multi-line pane: newlines stay, tabs become spaces, everything else as Line.
func Block(s string) string { return escape(s, true) }

// Bytes is Line for a byte slice that may not be UTF-8.
func Bytes(b []byte) string { return escape(string(b), false) }

// IsClean reports whether Line(s) would return s unchanged; it lets hot paths skip the copy.
func IsClean(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if needsEscape(r, size, false) {
			return false
		}
		i += size
	}
	return true
}

func escape(s string, multiline bool) string {
	if !multiline && IsClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case multiline && r == '\n':
			b.WriteByte('\n')
		case multiline && r == '\t':
			b.WriteString("    ")
		case needsEscape(r, size, multiline):
			writeEscaped(&b, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func needsEscape(r rune, size int, multiline bool) bool {
	switch {
	case r == utf8.RuneError && size <= 1:
		return true // invalid UTF-8
	case r < 0x20 || r == 0x7f:
		return !(multiline && (r == '\n' || r == '\t'))
	case r >= 0x80 && r <= 0x9f:
		return true // C1 controls: 0x9b is a one-byte CSI on some terminals
	case isBidiControl(r), isInvisible(r):
		return true
	}
	return false
}

// isBidiControl matches the embedding, override and isolate controls that let text display in an order
// other than the one it is stored in (the "Trojan Source" characters).
func isBidiControl(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f ||
		r == 0x061c
}

// isInvisible matches characters that render as nothing and so could make two different names look equal.
func isInvisible(r rune) bool {
	return r == 0x200b || r == 0x200c || r == 0x200d || r == 0x2060 || r == 0xfeff || r == 0x00ad ||
		(r >= 0xfff9 && r <= 0xfffb)
}

func writeEscaped(b *strings.Builder, r rune) {
	switch r {
	case '\n':
		b.WriteString(`\n`)
	case '\r':
		b.WriteString(`\r`)
	case '\t':
		b.WriteString(`\t`)
	case 0x1b:
		b.WriteString(`\e`)
	default:
		if r < 0x100 {
			fmt.Fprintf(b, `\x%02x`, r)
		} else {
			fmt.Fprintf(b, `\u%04x`, r)
		}
	}
}

// Clip shortens s to at most max bytes, cut at a character boundary, and says how much it left out: an
// error that quotes a 3 MB value must still fit on one line a person can read.
func Clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d more bytes)", s[:cut], len(s)-cut)
}

// Quote is s escaped once and put in double quotes, for a name inside a message: %q over an escaped name
// would escape its backslashes a second time ("\\e[31m").
func Quote(s string) string { return `"` + Line(s) + `"` }
