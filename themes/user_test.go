package themes

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func themeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name+".yaml"), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// A partial theme takes what it does not say from its base, or from the default.
func TestUserThemesInherit(t *testing.T) {
	dir := themeDir(t, map[string]string{
		"gold":    "base: nord\naccent: \"#ebcb8b\"\nselection-bg: '#EBCB8B'\n",
		"plain":   "error: \"1\"\n",
		"paper":   "base: light\ndark: false\nmuted: \"#888\"\n",
		"golder":  "base: gold\nok: \"#fff\"\n",
		"nord":    "base: nord\nheader: \"#b48ead\"\n", // shadows the built-in, building on it
		"notes":   "# only a comment\n",
		"ignored": "",
	})
	os.WriteFile(filepath.Join(dir, "readme.txt"), []byte("not a theme"), 0o600)
	c := LoadCatalog(dir)
	nord, _ := Get("nord")
	gold, err := c.Get("gold")
	if err != nil {
		t.Fatal(err)
	}
	want := nord
	// "nord" is the user's nord here, which shadows the built-in one.
	want.Name, want.Accent, want.SelectionBg, want.Header = "gold", "#ebcb8b", "#EBCB8B", "#b48ead"
	if gold != want {
		t.Errorf("gold = %+v\nwant %+v", gold, want)
	}
	if p, _ := c.Get("plain"); p.Error != "1" || p.Accent != Default().Accent || !p.Dark {
		t.Errorf("plain = %+v", p)
	}
	if p, _ := c.Get("paper"); p.Dark || p.Muted != "#888" || p.Foreground != builtin["light"].Foreground {
		t.Errorf("paper = %+v", p)
	}
	if g, _ := c.Get("golder"); g.OK != "#fff" || g.Accent != "#ebcb8b" || g.Foreground != nord.Foreground {
		t.Errorf("golder = %+v", g)
	}
	if n, _ := c.Get("nord"); n.Header != "#b48ead" || n.Accent != nord.Accent {
		t.Errorf("user nord = %+v", n)
	}
	if n, _ := c.Get("notes"); n.Name != "notes" || n.Accent != Default().Accent {
		t.Errorf("comment-only theme = %+v", n)
	}
	if got := strings.Join(c.Names(), " "); got != "dark dracula gold golder ignored light nord notes paper plain" {
		t.Errorf("names = %s", got)
	}
}

// Mistakes in a theme file name the file, line and column.
func TestUserThemeErrors(t *testing.T) {
	dir := themeDir(t, map[string]string{
		"typo":   "base: nord\naccnet: \"#fff\"\n",
		"colour": "muted: grey\n",
		"range":  "\n\nok: \"256\"\n",
		"nobase": "base: solarized\n",
		"a":      "base: b\n",
		"b":      "base: a\n",
		"named":  "name: x\n",
		"syntax": "accent: [\n",
		"onbad":  "base: typo\n",
	})
	c := LoadCatalog(dir)
	for _, name := range []string{"a", "b"} {
		if _, err := c.Get(name); err == nil || !strings.HasPrefix(err.Error(), filepath.Join(dir, name)+".yaml:1:7: base ") ||
			!strings.Contains(err.Error(), "themes cannot build on each other in a circle") {
			t.Errorf("circle at %s: %v", name, err)
		}
	}
	path := func(n string) string { return filepath.Join(dir, n+".yaml") }
	for name, want := range map[string]string{
		"typo":   path("typo") + `:2:1: unknown key "accnet"`,
		"colour": path("colour") + `:1:8: muted: "grey" is not a colour: write #rrggbb, #rgb or an ANSI number 0-255`,
		"range":  path("range") + `:3:5: ok: "256" is not a colour: write #rrggbb, #rgb or an ANSI number 0-255`,
		"nobase": path("nobase") + `:1:7: base theme "solarized" is not one of `,
		"named":  path("named") + `:1:1: unknown key "name"`,
		"syntax": path("syntax") + `:1:9: sequence end token ']' not found`,
		"onbad":  path("onbad") + `:1:7: base theme "typo" does not load (unknown key "accnet")`,
		"ghost":  `no theme called "ghost" (there are dark, dracula, light, nord; a theme of your own goes in ` + path("ghost") + ")",
	} {
		_, err := c.Get(name)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s:\n got %v\nwant %s...", name, err, want)
		}
	}
}

func TestChoose(t *testing.T) {
	c := LoadCatalog(themeDir(t, map[string]string{"mine": "accent: \"#123456\"\n", "bad": "x: 1\n"}))
	for _, tc := range []struct {
		name    string
		choice  Choice
		want    string
		wantErr bool
	}{
		{"dark by default", Choice{}, "dark", false},
		{"light background", Choice{Light: true}, "light", false},
		{"flag beats context", Choice{Names: []string{"dracula", "nord"}}, "dracula", false},
		{"context when no flag", Choice{Names: []string{"", "nord", "light"}}, "nord", false},
		{"file's theme last", Choice{Names: []string{"", "", "mine"}, Light: true}, "mine", false},
		{"NO_COLOR beats all", Choice{Names: []string{"dracula"}, NoColor: true}, NoColorName, false},
		{"unknown falls back to the background's", Choice{Names: []string{"nope"}, Light: true}, "light", true},
		{"broken falls back", Choice{Names: []string{"bad"}}, "dark", true},
	} {
		th, err := c.Choose(tc.choice)
		if th.Name != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("%s: %s, %v", tc.name, th.Name, err)
		}
	}
	if nc := NoColor(); nc.Accent != "" || nc.SelectionBg != "" || nc.Error != "" {
		t.Errorf("NoColor has colours: %+v", nc)
	}
}

func TestNoColorRequested(t *testing.T) {
	for v, want := range map[string]bool{"": false, "1": true, "yes": true, "0": true} {
		t.Setenv("NO_COLOR", v)
		if NoColorRequested() != want {
			t.Errorf("NO_COLOR=%q: %v", v, !want)
		}
	}
}

// A theme file never crashes the loader; what it refuses, it refuses in one line naming the file, and
// what it accepts has colours lipgloss can draw.
func FuzzThemeFile(f *testing.F) {
	f.Add("base: nord\naccent: \"#ebcb8b\"\n")
	f.Add("dark: false\nmuted: \"#888\"\nok: \"12\"\n")
	f.Add("accnet: x\n")
	f.Add("base: [\n")
	f.Add("a: &a [*a, *a]\n")
	f.Fuzz(func(t *testing.T, content string) {
		c := &Catalog{user: map[string]Theme{}, broken: map[string]error{}}
		th, err := c.decode("fuzz", "fuzz.yaml", []byte(content), map[string]string{"fuzz": "fuzz.yaml"}, map[string]bool{})
		if err != nil {
			if msg := err.Error(); !strings.HasPrefix(msg, "fuzz.yaml") || strings.ContainsAny(msg, "\n\r") {
				t.Fatalf("error not one line naming the file: %q", msg)
			}
			return
		}
		if th.Name != "fuzz" || checkColours("fuzz.yaml", nil, th) != nil {
			t.Fatalf("accepted %+v", th)
		}
	})
}
