package form

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// JSONError is where a body stops being JSON, as a person finds it in the editor: line and column
// (1-based, the column in characters) of the text as typed.
type JSONError struct {
	line, col int
	msg       string
}

func (e *JSONError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.line, e.col, e.msg)
}

// placeholderSamples are what the publish templates stand for while a body is checked: each expands to
// text of the same kind as the real one ({{seq}} a number, {{uuid}} and {{now}} plain characters), so
// that a body valid here is valid for every message sent.
var placeholderSamples = []struct{ text, sample string }{
	{"{{seq}}", "1"},
	{"{{uuid}}", "a0000000-0000-4000-8000-000000000000"},
	{"{{now}}", "2026-01-01T00:00:00.000Z"},
}

// CheckJSON reports whether body, its templates expanded, is valid JSON, and where it is not.
func CheckJSON(body string) *JSONError {
	expanded, back := expandSamples(body)
	var raw json.RawMessage // checks the syntax without building values
	err := json.Unmarshal(expanded, &raw)
	if err == nil {
		return nil
	}
	offset, msg := len(expanded), err.Error() // a body cut short is pointed at its end
	var syntax *json.SyntaxError
	switch {
	case strings.HasPrefix(msg, "unexpected end of JSON input"):
		msg = "the JSON ends too soon (a bracket, brace or quote is not closed)"
	case errors.As(err, &syntax):
		offset = int(syntax.Offset) - 1 // Offset counts the bytes read, the bad one included
	}
	line, col := lineCol(body, back(max(offset, 0)))
	return &JSONError{line: line, col: col, msg: strings.TrimPrefix(msg, "json: ")}
}

// expandSamples replaces each placeholder of body with its sample, and returns a function from a byte
// offset in the expansion back to the offset in body (the placeholder's start, for an offset inside one).
func expandSamples(body string) ([]byte, func(int) int) {
	type fill struct{ at, origAt, size, origSize int }
	var fills []fill
	out := make([]byte, 0, len(body))
	for rest, origAt := body, 0; ; {
		at, which := -1, -1
		for i, p := range placeholderSamples {
			if j := strings.Index(rest, p.text); j >= 0 && (at < 0 || j < at) {
				at, which = j, i
			}
		}
		if at < 0 {
			out = append(out, rest...)
			break
		}
		p := placeholderSamples[which]
		out = append(out, rest[:at]...)
		fills = append(fills, fill{at: len(out), origAt: origAt + at, size: len(p.sample), origSize: len(p.text)})
		out = append(out, p.sample...)
		rest, origAt = rest[at+len(p.text):], origAt+at+len(p.text)
	}
	return out, func(off int) int {
		shift := 0
		for _, f := range fills {
			switch {
			case off < f.at:
				return off - shift
			case off < f.at+f.size:
				return f.origAt
			}
			shift += f.size - f.origSize
		}
		return off - shift
	}
}

// lineCol is the 1-based line and column (in characters) of byte offset off in s.
func lineCol(s string, off int) (int, int) {
	off = min(off, len(s))
	before := s[:off]
	line := strings.Count(before, "\n") + 1
	start := strings.LastIndexByte(before, '\n') + 1
	return line, utf8.RuneCountInString(before[start:]) + 1
}

// LooksLikeJSON is a body a person meant as JSON: it starts with { or [.
func LooksLikeJSON(body string) bool {
	t := strings.TrimSpace(body)
	return strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[")
}
