package screens

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// The browser's / filter: a case-insensitive substring, or a regular expression after "re:", over a
// message's key, header names and values, and body. Only the first filterBytes of each body and header
// value are looked at, so that one keystroke over 10,000 held messages stays quick whatever their size.

const filterBytes = 16 << 10

// regexPrefix marks a filter as a regular expression.
const regexPrefix = "re:"

// matcher reports whether a held message matches the filter.
type matcher func(e *entry) bool

// compileFilter turns the filter text into a matcher; "" matches everything (nil).
func compileFilter(text string) (matcher, error) {
	switch {
	case text == "":
		return nil, nil
	case strings.HasPrefix(text, regexPrefix):
		re, err := regexp.Compile("(?i)" + text[len(regexPrefix):])
		if err != nil {
			return nil, fmt.Errorf("not a regular expression: %w (esc clears the filter)", err)
		}
		return anyPart(re.Match), nil
	case isASCII(text):
		needle := []byte(strings.ToLower(text))
		return anyPart(func(b []byte) bool { return containsFoldASCII(b, needle) }), nil
	}
	re := regexp.MustCompile("(?i)" + regexp.QuoteMeta(text)) // full Unicode case folding
	return anyPart(re.Match), nil
}

// anyPart matches a message when match accepts its key, a header, or its body.
func anyPart(match func([]byte) bool) matcher {
	return func(e *entry) bool {
		m := &e.msg
		if match(head(m.Key)) || match(head(m.Body)) {
			return true
		}
		for _, h := range m.Headers {
			if match(head([]byte(h.Key))) || match(head(h.Value)) {
				return true
			}
		}
		return false
	}
}

func head(b []byte) []byte { return b[:min(len(b), filterBytes)] }

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// containsFoldASCII reports whether needle (ASCII, lower case) occurs in b, ignoring ASCII case, without
// allocating.
func containsFoldASCII(b, needle []byte) bool {
	if len(needle) == 0 {
		return true
	}
	first := needle[0]
	for i := 0; i+len(needle) <= len(b); i++ {
		if lowerASCII(b[i]) == first && equalFoldASCII(b[i+1:i+len(needle)], needle[1:]) {
			return true
		}
	}
	return false
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func equalFoldASCII(s, lower []byte) bool {
	for i, c := range s {
		if lowerASCII(c) != lower[i] {
			return false
		}
	}
	return true
}
