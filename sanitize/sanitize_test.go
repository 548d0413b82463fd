package sanitize

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLine(t *testing.T) {
	cases := map[string]string{
		"orders":                     "orders",
		"héllo wörld ✓":              "héllo wörld ✓",
		"a\x1b[31mred\x1b[0m":        `a\e[31mred\e[0m`,
		"title\x1b]0;pwned\x07":      `title\e]0;pwned\x07`,
		"clip\x1b]52;c;ZXZpbA==\x07": `clip\e]52;c;ZXZpbA==\x07`,
		"two\nlines\ttab\r":          `two\nlines\ttab\r`,
		"c1 \u009b31m":               `c1 \x9b31m`,
		"admin\u202egnp.exe":         `admin\u202egnp.exe`,
		"zero\u200bwidth":            `zero\u200bwidth`,
		"bad \xff\xfe utf8":          `bad \xff\xfe utf8`,
		"del\x7f":                    `del\x7f`,
	}
	for in, want := range cases {
		if got := Line(in); got != want {
			t.Errorf("Line(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBlockKeepsNewlines(t *testing.T) {
	got := Block("{\n\t\"a\": \"\x1b[2J\"\n}")
	want := "{\n    \"a\": \"\\e[2J\"\n}"
	if got != want {
		t.Errorf("Block = %q, want %q", got, want)
	}
}

func TestIsClean(t *testing.T) {
	if !IsClean("plain-topic.name_1") || IsClean("x\x1by") || IsClean("\u202e") {
		t.Error("IsClean disagrees with Line")
	}
}

// FuzzLine holds the promise for any input: the output is valid UTF-8 with no control character, no bidi
// control and no escape byte, and clean input passes through unchanged.
func FuzzLine(f *testing.F) {
	for _, s := range []string{"", "abc", "\x1b[31m", "\u202e", "\xff", "a\nb", "\u009b", "\x1b]52;c;x\x07"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Line(s)
		if !utf8.ValidString(out) {
			t.Fatalf("Line(%q) = %q is not valid UTF-8", s, out)
		}
		for _, r := range out {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || isBidiControl(r) || isInvisible(r) {
				t.Fatalf("Line(%q) = %q keeps %U", s, out, r)
			}
		}
		if IsClean(s) && out != s {
			t.Fatalf("clean %q changed to %q", s, out)
		}
		if blk := Block(s); strings.ContainsRune(blk, 0x1b) || strings.ContainsRune(blk, '\r') {
			t.Fatalf("Block(%q) = %q keeps a control", s, blk)
		}
	})
}
