package common

import (
	"testing"

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
	if !c.ReadOnly || c.Theme.Name != "light" {
		t.Fatalf("read-only %v theme %q", c.ReadOnly, c.Theme.Name)
	}
	c.SetContext(config.Context{Name: "dev"})
	if c.ReadOnly || c.Theme.Name != themes.DefaultName {
		t.Fatalf("after switching: read-only %v theme %q", c.ReadOnly, c.Theme.Name)
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
