package present

import "github.com/charmbracelet/x/ansi"

// Width is how many terminal cells s takes, measured by grapheme clusters as the TUI's renderer and
// lipgloss measure them. Every table, in the CLI and the TUI, measures with this one function: two
// measures disagreeing on an emoji or a CJK name cut a word or push a column.
func Width(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] == 0x1b { // wide or styled
			return ansi.StringWidth(s)
		}
	}
	return len(s) // plain ASCII, the common case, needs no segmentation
}

// Truncate cuts s to width cells, ending in tail when it cut, measuring as Width does.
func Truncate(s string, width int, tail string) string {
	if Width(s) <= width {
		return s
	}
	return ansi.Truncate(s, width, tail)
}
