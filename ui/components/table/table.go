// Package table is a windowed table: it knows how many rows there are and asks for the cells of the rows it
// is about to draw, and only those. Drawing a screen costs the screen's height whatever the data's size, so
// 100,000 queues scroll as fast as ten.
//
// The table holds no data. Its owner sorts and filters, keeps the rows, and hands over a RowFunc; the table
// keeps the cursor and the scroll offset.
package table

import (
	"github.com/mqscope/mqscope/present"
	"strings"

	"charm.land/lipgloss/v2"
)

// Align places text in its column.
type Align int

const (
	Left Align = iota
	Right
)

// Column is one column. Width is its fixed width in cells; a Flex column takes what the fixed ones leave
// (at least its Width).
type Column struct {
	Title string
	Width int
	Flex  bool
	Align Align
}

// Tone colours a cell by meaning. The cursor row ignores tones: it is drawn in the selection colours.
type Tone int

const (
	Normal Tone = iota
	Muted
	Good
	Warn
	Bad
	toneCount
)

// Cell is one cell's text, already made safe for the terminal, and its tone.
type Cell struct {
	Text string
	Tone Tone
}

// RowFunc returns the cells of row i, one per column.
type RowFunc func(i int) []Cell

// Styles draws the table.
type Styles struct {
	Header lipgloss.Style
	Cursor lipgloss.Style
	Tones  [toneCount]lipgloss.Style
}

// gap is the space between two columns.
const gap = 2

// Model is the table's state.
type Model struct {
	styles  Styles
	columns []Column
	rows    int
	row     RowFunc
	cursor  int
	offset  int // index of the first visible row
	width   int
	height  int // lines, the title line included
}

// New returns an empty table.
func New(styles Styles) Model { return Model{styles: styles} }

// SetStyles replaces the styles (after a theme change).
func (m *Model) SetStyles(s Styles) { m.styles = s }

// SetColumns replaces the columns.
func (m *Model) SetColumns(cols []Column) { m.columns = cols }

// Columns returns the columns.
func (m Model) Columns() []Column { return m.columns }

// SetRows says how many rows there are and how to get one. The cursor stays at its index, clamped; owners
// that track rows by identity move it with SetCursor afterwards.
func (m *Model) SetRows(n int, row RowFunc) {
	m.rows, m.row = n, row
	m.SetCursor(m.cursor)
}

// Len is the number of rows.
func (m Model) Len() int { return m.rows }

// SetSize sets the table's size in cells; height counts the title line.
func (m *Model) SetSize(width, height int) {
	m.width, m.height = max(width, 0), max(height, 0)
	m.SetCursor(m.cursor)
}

// Cursor is the index of the selected row (0 when there are no rows).
func (m Model) Cursor() int { return m.cursor }

// Offset is the index of the first visible row.
func (m Model) Offset() int { return m.offset }

// SetCursor selects row i (clamped) and scrolls just enough to show it.
func (m *Model) SetCursor(i int) {
	m.cursor = clamp(i, 0, m.rows-1)
	page := m.pageSize()
	switch {
	case m.cursor < m.offset:
		m.offset = m.cursor
	case m.cursor >= m.offset+page:
		m.offset = m.cursor - page + 1
	}
	// Never leave blank lines at the bottom while rows above are hidden (after a resize or a shrink).
	m.offset = clamp(m.offset, 0, max(m.rows-page, 0))
}

// MoveBy moves the cursor by delta rows.
func (m *Model) MoveBy(delta int) { m.SetCursor(m.cursor + delta) }

// PageDown moves the cursor one screen down.
func (m *Model) PageDown() { m.MoveBy(m.pageSize()) }

// PageUp moves the cursor one screen up.
func (m *Model) PageUp() { m.MoveBy(-m.pageSize()) }

// Top selects the first row.
func (m *Model) Top() { m.SetCursor(0) }

// Bottom selects the last row.
func (m *Model) Bottom() { m.SetCursor(m.rows - 1) }

// pageSize is the number of rows that fit under the title line.
func (m Model) pageSize() int { return max(m.height-1, 1) }

// Shown is the range of rows on screen now: from (inclusive) to (exclusive).
func (m Model) Shown() (from, to int) { return m.offset, min(m.offset+m.pageSize(), m.rows) }

// View draws the title line and the visible rows, height lines in all (fewer when there are fewer rows).
func (m Model) View() string {
	if m.height == 0 || m.width == 0 {
		return ""
	}
	widths := m.widths()
	var b strings.Builder
	titles := make([]Cell, len(m.columns))
	for i, c := range m.columns {
		titles[i] = Cell{Text: c.Title}
	}
	b.WriteString(m.styles.Header.Render(m.line(titles, widths, nil)))
	end := min(m.offset+m.pageSize(), m.rows)
	for i := m.offset; i < end; i++ {
		b.WriteByte('\n')
		cells := m.row(i)
		if i == m.cursor {
			b.WriteString(m.styles.Cursor.Render(m.line(cells, widths, nil)))
		} else {
			b.WriteString(m.line(cells, widths, &m.styles.Tones))
		}
	}
	return b.String()
}

// widths gives each column its width: fixed columns as asked, flex columns share what is left.
func (m Model) widths() []int {
	widths := make([]int, len(m.columns))
	fixed, flex := 0, 0
	for i, c := range m.columns {
		widths[i] = c.Width
		fixed += c.Width
		if c.Flex {
			flex++
		}
	}
	fixed += gap * max(len(m.columns)-1, 0)
	if spare := m.width - fixed; spare > 0 && flex > 0 {
		for i, c := range m.columns {
			if c.Flex {
				widths[i] += spare / flex
			}
		}
	}
	return widths
}

// line lays cells out in their columns, exactly m.width cells wide. Tones are applied when given.
func (m Model) line(cells []Cell, widths []int, tones *[toneCount]lipgloss.Style) string {
	var b strings.Builder
	for i, c := range m.columns {
		if i > 0 {
			b.WriteString(strings.Repeat(" ", gap))
		}
		var cell Cell
		if i < len(cells) {
			cell = cells[i]
		}
		text := fit(cell.Text, widths[i], c.Align)
		if tones != nil {
			text = tones[cell.Tone].Render(text)
		}
		b.WriteString(text)
	}
	return fit(b.String(), m.width, Left)
}

// fit truncates s to width cells with an ellipsis, or pads it, on the side align says.
func fit(s string, width int, align Align) string {
	if width <= 0 {
		return ""
	}
	s = present.Truncate(s, width, "…")
	w := present.Width(s) // a wide character that did not fit leaves one cell short
	pad := strings.Repeat(" ", width-w)
	if align == Right {
		return pad + s
	}
	return s + pad
}

func clamp(v, lo, hi int) int {
	if hi < lo {
		return lo
	}
	return min(max(v, lo), hi)
}

// TextWidth is the cells s takes on one line: present.Width, the one measure of every table.
func TextWidth(s string) int { return present.Width(s) }

// Placeholder draws one line of text at the top left of an otherwise empty area.
func Placeholder(text string, width, height int) string {
	if height <= 0 {
		return ""
	}
	return lipgloss.NewStyle().Width(width).MaxWidth(width).Render(text)
}
