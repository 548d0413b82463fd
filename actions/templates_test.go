package actions

import (
	"regexp"
	"testing"
	"time"
)

func TestTemplateExpandsEachPlaceholder(t *testing.T) {
	now := time.Date(2026, 11, 26, 4, 5, 6, 789_000_000, time.FixedZone("CET", 3600))
	for _, tc := range []struct{ text, want string }{
		{"", ""},
		{"plain", "plain"},
		{"{{seq}}", "42"},
		{`{"n":{{seq}},"at":"{{now}}"}`, `{"n":42,"at":"2026-11-26T03:05:06.789Z"}`},
		{"{{seq}}{{seq}}", "4242"},
		{"{{ seq }} {{other}} {{seq", "{{ seq }} {{other}} {{seq"}, // not placeholders: kept
		{"{{{seq}}}", "{42}"},
		{"a{{", "a{{"},
	} {
		tpl := ParseTemplate([]byte(tc.text))
		if got := string(tpl.Expand(nil, 42, now)); got != tc.want {
			t.Errorf("%q expands to %q, want %q", tc.text, got, tc.want)
		}
		if wantStatic := tc.text == tc.want; tpl.Static() != wantStatic {
			t.Errorf("%q: Static() = %v", tc.text, tpl.Static())
		}
	}
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestTemplateUUIDsAreV4AndDiffer(t *testing.T) {
	tpl := ParseTemplate([]byte("{{uuid}}"))
	seen := map[string]bool{}
	for range 1000 {
		u := string(tpl.Expand(nil, 1, time.Now()))
		if !uuidV4.MatchString(u) || seen[u] {
			t.Fatalf("uuid %q: not a fresh version 4 UUID", u)
		}
		seen[u] = true
	}
}

func BenchmarkTemplateExpand(b *testing.B) {
	tpl := ParseTemplate([]byte(`{"order_id":"{{uuid}}","seq":{{seq}},"at":"{{now}}","amount":12.5,"currency":"EUR"}`))
	buf := make([]byte, 0, 128)
	now := time.Now()
	for i := range b.N {
		buf = tpl.Expand(buf[:0], int64(i), now)
	}
}
