package common

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
	"github.com/mqscope/mqscope/themes"
	"github.com/mqscope/mqscope/ui/components/table"
)

// Styles are the lipgloss styles every view draws with, all derived from one theme.
type Styles struct {
	Text   lipgloss.Style
	Muted  lipgloss.Style
	Accent lipgloss.Style
	Error  lipgloss.Style
	Warn   lipgloss.Style
	OK     lipgloss.Style

	AppName   lipgloss.Style // "mqscope" at the left of the header
	ReadOnly  lipgloss.Style // the READ-ONLY badge
	Crumb     lipgloss.Style // an earlier view in the breadcrumb
	CrumbHere lipgloss.Style // the current view

	Table table.Styles
	Help  help.Styles

	HelpBox lipgloss.Style // the frame of the ? overlay
	Label   lipgloss.Style // the left column of a detail view
}

// NewStyles derives the styles from a theme.
func NewStyles(t themes.Theme) Styles {
	fg := func(c themes.Color) lipgloss.Style { return lipgloss.NewStyle().Foreground(col(c)) }
	s := Styles{
		Text:   fg(t.Foreground),
		Muted:  fg(t.Muted),
		Accent: fg(t.Accent),
		Error:  fg(t.Error),
		Warn:   fg(t.Warning),
		OK:     fg(t.OK),

		AppName:   fg(t.Accent).Bold(true),
		ReadOnly:  lipgloss.NewStyle().Foreground(col(t.ReadOnlyFg)).Background(col(t.ReadOnlyBg)).Bold(true).Padding(0, 1),
		Crumb:     fg(t.Muted),
		CrumbHere: fg(t.Accent).Bold(true),

		HelpBox: lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(col(t.Border)).Padding(0, 1),
		Label:   fg(t.Muted),
	}
	s.Table = table.Styles{
		Header: fg(t.Header).Bold(true),
		Cursor: lipgloss.NewStyle().Foreground(col(t.SelectionFg)).Background(col(t.SelectionBg)).Bold(true),
	}
	s.Table.Tones[table.Normal] = s.Text
	s.Table.Tones[table.Muted] = s.Muted
	s.Table.Tones[table.Good] = s.OK
	s.Table.Tones[table.Warn] = s.Warn
	s.Table.Tones[table.Bad] = s.Error
	if t.SelectionBg == "" {
		// A theme without colours (NO_COLOR) still has to show where the cursor is.
		s.Table.Cursor = s.Table.Cursor.Reverse(true)
	}
	s.Help = help.Styles{
		Ellipsis:       s.Muted,
		ShortKey:       fg(t.Accent),
		ShortDesc:      s.Muted,
		ShortSeparator: fg(t.Border),
		FullKey:        fg(t.Accent),
		FullDesc:       s.Text,
		FullSeparator:  fg(t.Border),
	}
	return s
}

// col turns a theme colour into a lipgloss one; "" is the terminal's default colour.
func col(c themes.Color) color.Color {
	if c == "" {
		return lipgloss.NoColor{}
	}
	return lipgloss.Color(string(c))
}
