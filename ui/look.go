package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
)

// How the TUI looks and which keys it answers: the config file's key bindings, the theme chosen from
// --theme, the context, the file, the terminal's background and NO_COLOR.

// configure applies the options beyond the context: key bindings (CheckConfig has refused bad ones
// before the TUI opened) and what picks the theme.
func (m *Model) configure() {
	if keys, err := common.KeysFor(m.opts.File); err == nil {
		m.c.Keys = keys
	}
	look := common.Look{Themes: m.opts.Themes, Theme: m.opts.Theme, NoColor: m.opts.NoColor}
	if m.opts.File != nil {
		look.FileTheme = m.opts.File.Theme
	}
	m.c.SetLook(look)
	m.applyTheme()
}

// onBackground follows the terminal's background, light or dark, unless a theme is named. Until the
// terminal answers (many never do) the theme is the dark one.
func (m *Model) onBackground(msg tea.BackgroundColorMsg) tea.Cmd {
	m.c.SetBackground(!msg.IsDark())
	m.applyTheme()
	return nil
}

// startupNotes flashes, once, what the config file should not do and a theme that could not be used.
func (m *Model) startupNotes() tea.Cmd {
	notes := make([]string, 0, len(m.opts.Warnings)+1)
	for _, w := range m.opts.Warnings {
		notes = append(notes, sanitize.Line(w))
	}
	if note := m.themeNote(); note != "" {
		notes = append(notes, note)
	}
	if err := m.c.DecodeErr; err != nil {
		notes = append(notes, oneLine(err)+": bodies are decoded without those Protobuf types")
	}
	if len(notes) == 0 {
		return nil
	}
	return m.setFlash(levelWarn, strings.Join(notes, "; "))
}

// checkTheme says so when the theme asked for could not be used, rather than quietly ignoring it.
func (m *Model) checkTheme() tea.Cmd {
	if note := m.themeNote(); note != "" {
		return m.setFlash(levelWarn, note)
	}
	return nil
}

func (m *Model) themeNote() string {
	if m.c.ThemeErr == nil {
		return ""
	}
	return fmt.Sprintf("%s: using %s", oneLine(m.c.ThemeErr), m.c.Theme.Name)
}
