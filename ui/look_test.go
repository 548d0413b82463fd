package ui

import (
	"image/color"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/themes"
)

func configFile(t *testing.T, yaml string) *config.File {
	t.Helper()
	f, err := config.Parse("/c.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// A binding from the config file changes what the key does and what the help and footer say, together.
func TestRebindingChangesHandlerAndHelp(t *testing.T) {
	h := connected(t, Options{File: configFile(t, "keys:\n  help: [h]\n  sort: [o, ctrl+o]\n  quit: [Q]\n")})
	h.mustShow("o/ctrl+o sort column", "h help", "Q quit")
	if strings.Contains(h.screen(), "? help") || strings.Contains(h.screen(), "s sort") {
		t.Fatalf("the footer still shows the old keys:\n%s", h.screen())
	}
	h.key("?")
	if strings.Contains(h.screen(), "General") {
		t.Fatal("? still opens the help")
	}
	h.key("h")
	h.mustShow("General", "o/ctrl+o", "sort column")
	h.key("h")
	h.key("s")
	if !strings.Contains(h.screen(), "NAME ▲") {
		t.Fatal("s still sorts")
	}
	h.key("o")
	h.mustShow("KIND ▲") // the next column
	if cmd := h.key("q"); cmd != nil {
		if _, quit := cmd().(tea.QuitMsg); quit {
			t.Fatal("q still quits")
		}
	}
	if _, quit := h.key("Q")().(tea.QuitMsg); !quit {
		t.Fatal("Q does not quit")
	}
}

// The theme follows the terminal's background, unless one is named.
func TestThemeFollowsTheBackground(t *testing.T) {
	white := tea.BackgroundColorMsg{Color: color.RGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}}
	black := tea.BackgroundColorMsg{Color: color.RGBA{A: 0xff}}
	h := newHarness(t, Options{}, 100, 20)
	if h.m.c.Theme.Name != "dark" {
		t.Fatalf("before the terminal answers: %s", h.m.c.Theme.Name)
	}
	h.send(white)
	if h.m.c.Theme.Name != "light" {
		t.Fatalf("on white: %s", h.m.c.Theme.Name)
	}
	h.send(black)
	if h.m.c.Theme.Name != "dark" {
		t.Fatalf("on black: %s", h.m.c.Theme.Name)
	}
	named := newHarness(t, Options{Context: config.Context{Name: "x", Theme: "nord"}}, 100, 20)
	named.send(white)
	if named.m.c.Theme.Name != "nord" {
		t.Fatalf("a named theme gave way to the background: %s", named.m.c.Theme.Name)
	}
	file := newHarness(t, Options{File: configFile(t, "theme: dracula\n"), Theme: "light"}, 100, 20)
	if file.m.c.Theme.Name != "light" {
		t.Fatalf("--theme should beat the file's theme: %s", file.m.c.Theme.Name)
	}
}

// The program asks the terminal for its background when it starts.
func TestInitAsksForTheBackground(t *testing.T) {
	h := newHarness(t, Options{Open: failingOpener(nil).open}, 100, 20)
	found := false
	var walk func(tea.Cmd)
	walk = func(c tea.Cmd) {
		if c == nil {
			return
		}
		if msg := c(); msg != nil {
			if b, ok := msg.(tea.BatchMsg); ok {
				for _, sub := range b {
					walk(sub)
				}
			} else if sameType(msg, tea.RequestBackgroundColor()) {
				found = true
			}
		}
	}
	walk(h.m.Init())
	if !found {
		t.Fatal("Init does not ask for the background colour")
	}
}

// ansiColour is an SGR sequence that sets a foreground or background colour.
var ansiColour = regexp.MustCompile(`\x1b\[[0-9;]*(3[0-9]|4[0-9]|9[0-7]|10[0-7])[;m]`)

// NO_COLOR: not a single colour on the screen, whatever theme is named, and the cursor row still shows.
func TestNoColorDrawsNoColour(t *testing.T) {
	h := connected(t, Options{NoColor: true, Theme: "dracula", Context: config.Context{Name: "x", ReadOnly: true}})
	h.key("?")
	h.key("?")
	out := h.m.View().Content
	if ansiColour.MatchString(out) {
		t.Fatalf("colour under NO_COLOR: %q", ansiColour.FindString(out))
	}
	if !strings.Contains(out, "\x1b[7m") && !strings.Contains(out, ";7m") && !strings.Contains(out, "[1;7") {
		t.Fatalf("the cursor row is not reversed:\n%q", out)
	}
	if h.m.c.Theme.Name != themes.NoColorName {
		t.Fatalf("theme %s", h.m.c.Theme.Name)
	}
	coloured := connected(t, Options{Theme: "dracula"})
	if !ansiColour.MatchString(coloured.m.View().Content) {
		t.Fatal("the check sees no colour even with a theme")
	}
}

// The config file's warnings and a theme that could not be used show once, on the flash line.
func TestStartupWarningsFlashOnce(t *testing.T) {
	h := newHarness(t, Options{Warnings: []string{"config file /c.yaml can be read by others (mode 0644); run chmod 600 /c.yaml"},
		Theme: "nope"}, 160, 20)
	h.m.Init()
	h.mustShow("config file /c.yaml can be read by others", `no theme called "nope"`)
}
