package common

import (
	"regexp"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"

	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/themes"
)

// A theme without colours (what NO_COLOR will select) must still show the cursor row.
func TestColourlessThemeStillMarksTheCursor(t *testing.T) {
	if !NewStyles(themes.Theme{}).Table.Cursor.GetReverse() {
		t.Fatal("with no selection colour the cursor row should be drawn reversed")
	}
	if NewStyles(themes.Default()).Table.Cursor.GetReverse() {
		t.Fatal("a coloured theme draws the cursor in its selection colours, not reversed")
	}
}

func TestContextSetsThemeAndReadOnly(t *testing.T) {
	c := New(config.Context{Name: "prod", ReadOnly: true, Theme: "light"})
	if !c.Context.ReadOnly || c.Theme.Name != "light" {
		t.Fatalf("read-only %v theme %q", c.Context.ReadOnly, c.Theme.Name)
	}
	c.SetContext(config.Context{Name: "dev"})
	if c.Context.ReadOnly || c.Theme.Name != themes.DefaultName {
		t.Fatalf("after switching: read-only %v theme %q", c.Context.ReadOnly, c.Theme.Name)
	}
}

// Every binding has help text and no two bindings the shell handles at the same level share a key.
func TestKeyMapIsConsistent(t *testing.T) {
	k := DefaultKeyMap()
	all := append(append(k.Global(), k.Navigation()...), k.Open, k.Sort, k.SortReverse)
	seen := map[string]string{}
	for _, b := range all {
		if b.Help().Key == "" || b.Help().Desc == "" {
			t.Errorf("binding %v has no help", b.Keys())
		}
		for _, key := range b.Keys() {
			if other, dup := seen[key]; dup {
				t.Errorf("key %q is bound to both %q and %q", key, other, b.Help().Desc)
			}
			seen[key] = b.Help().Desc
		}
	}
}

func TestThemeFollowsLookAndBackground(t *testing.T) {
	c := New(config.Context{Name: "a"})
	if c.Theme.Name != "dark" {
		t.Fatalf("before the terminal answers: %s", c.Theme.Name)
	}
	c.SetBackground(true)
	if c.Theme.Name != "light" {
		t.Fatalf("light background: %s", c.Theme.Name)
	}
	c.SetLook(Look{FileTheme: "nord"})
	if c.Theme.Name != "nord" {
		t.Fatalf("file theme: %s", c.Theme.Name)
	}
	c.SetContext(config.Context{Name: "b", Theme: "dracula"})
	if c.Theme.Name != "dracula" {
		t.Fatalf("context theme beats the file's: %s", c.Theme.Name)
	}
	c.SetLook(Look{Theme: "light", FileTheme: "nord"})
	if c.Theme.Name != "light" {
		t.Fatalf("--theme beats the context's: %s", c.Theme.Name)
	}
	c.SetLook(Look{Theme: "nope"})
	if c.Theme.Name != "light" || c.ThemeErr == nil || !strings.Contains(c.ThemeErr.Error(), `no theme called "nope"`) {
		t.Fatalf("unknown theme: %s, %v", c.Theme.Name, c.ThemeErr)
	}
	c.SetLook(Look{Theme: "dracula", NoColor: true})
	if c.Theme.Name != themes.NoColorName || c.ThemeErr != nil {
		t.Fatalf("NO_COLOR: %s", c.Theme.Name)
	}
}

// Under NO_COLOR nothing is drawn in colour: no foreground or background sequence at all.
func TestNoColorStylesDrawNoColour(t *testing.T) {
	s := NewStyles(themes.NoColor())
	for _, st := range []lipgloss.Style{s.Text, s.Muted, s.Accent, s.Error, s.Warn, s.OK, s.AppName, s.ReadOnly,
		s.Crumb, s.CrumbHere, s.Table.Header, s.Table.Cursor, s.HelpBox, s.Label, s.Help.ShortKey, s.Help.FullDesc} {
		out := st.Render("text")
		if colour.MatchString(out) {
			t.Errorf("colour in %q", out)
		}
	}
	if !colour.MatchString(NewStyles(themes.Default()).Error.Render("x")) {
		t.Fatal("the pattern does not see colours")
	}
}

// colour matches an SGR sequence that sets a foreground or background colour.
var colour = regexp.MustCompile(`\x1b\[[0-9;]*(3[0-9]|4[0-9]|9[0-7]|10[0-7])[;m]`)

func TestSchemaRegistryFromContext(t *testing.T) {
	c := New(config.Context{Name: "k", Kafka: &config.KafkaConfig{Brokers: []string{"k:1"}, SchemaRegistry: config.RegistryURL("http://sr:8081")}})
	if c.Registry == nil {
		t.Fatal("no registry")
	}
	c.SetContext(config.Context{Name: "r"})
	if c.Registry != nil {
		t.Fatal("registry kept across contexts")
	}
}
