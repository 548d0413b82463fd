package common

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// The / filter of every view: a case-insensitive substring, or a regular expression after "re:". One
// matcher, so that what help promises holds in every list and in the message browser alike.

// RegexPrefix marks a filter as a regular expression.
const RegexPrefix = "re:"

// Match reports whether some text matches a filter.
type Match func(b []byte) bool

// CompileMatch turns the filter text into a Match; "" matches everything (nil, nil).
func CompileMatch(text string) (Match, error) {
	switch {
	case text == "":
		return nil, nil
	case strings.HasPrefix(text, RegexPrefix):
		re, err := regexp.Compile("(?i)" + text[len(RegexPrefix):])
		if err != nil {
			return nil, fmt.Errorf("not a regular expression: %w (esc clears the filter)", err)
		}
		return re.Match, nil
	case isASCII(text):
		needle := []byte(strings.ToLower(text))
		return func(b []byte) bool { return containsFoldASCII(b, needle) }, nil
	}
	return regexp.MustCompile("(?i)" + regexp.QuoteMeta(text)).Match, nil // full Unicode case folding
}

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
