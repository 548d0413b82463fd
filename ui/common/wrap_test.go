package common

import (
	"slices"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestWrapBreaksAtSpacesOnly(t *testing.T) {
	for _, c := range []struct {
		text  string
		width int
		want  []string
	}{
		// ansi.Wrap made "dead-" and "letter" of the name.
		{`a message is dead-lettered (exchange "orders-dead-letter")`, 31,
			[]string{"a message is dead-lettered", `(exchange "orders-dead-letter")`}},
		{"fits as it is", 20, []string{"fits as it is"}},
		{"a word-wider-than-the-line here", 10, []string{"a", "word-wider", "-than-the-", "line here"}},
		{"two\nlines", 20, []string{"two", "lines"}},
		{"", 5, []string{""}},
	} {
		if got := Wrap(c.text, c.width); !slices.Equal(got, c.want) {
			t.Errorf("Wrap(%q, %d) = %q, want %q", c.text, c.width, got, c.want)
		}
	}
	styled := "\x1b[1mbold\x1b[0m words-stay together"
	for _, line := range Wrap(styled, 11) {
		if w := ansi.StringWidth(line); w > 11 {
			t.Errorf("line %q is %d cells wide", line, w)
		}
	}
}
