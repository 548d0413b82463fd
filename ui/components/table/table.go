// Package table is a windowed table: it knows how many rows there are and asks for the cells of the rows it
// is about to draw, and only those. Drawing a screen costs the screen's height whatever the data's size, so
// 100,000 queues scroll as fast as ten.
//
// The table holds no data. Its owner sorts and filters, keeps the rows, and hands over a RowFunc; the table
// keeps the cursor and the scroll offset.
package table

import (
	"slices"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/mqscope/mqscope/present"
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
	// Optional says how readily the column gives way when the columns do not fit the width: 0, the
	// default, never (the row's identity and its verdict); otherwise the higher, the sooner. A table too
	// narrow for every column drops optional ones, highest first, rather than cut off those on the right.
	Optional int
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
	l := NewLayout(m.columns, m.width)
	var b strings.Builder
	b.WriteString(m.styles.Header.Render(l.Header()))
	end := min(m.offset+m.pageSize(), m.rows)
	for i := m.offset; i < end; i++ {
		b.WriteByte('\n')
		cells := m.row(i)
		if i == m.cursor {
			b.WriteString(m.styles.Cursor.Render(l.line(cells, nil)))
		} else {
			b.WriteString(l.line(cells, &m.styles.Tones))
		}
	}
	return b.String()
}

// Hidden are the titles of the columns the table's width leaves out, in column order.
func (m Model) Hidden() []string { return NewLayout(m.columns, m.width).Hidden() }

// Layout places columns in a width: which are shown and how wide each is. The table draws with it, and
// so do dialogs that show a few rows without a cursor (a reset's dry run), so that every table on screen
// gives way the same way.
type Layout struct {
	columns []Column
	shown   []int // indices into columns, in order
	widths  []int // per column; 0 for a hidden one
	width   int
}

// NewLayout fits columns into width cells, deciding from width alone, so that a column a narrow screen
// left out comes back as soon as it fits. Columns are taken in the order they give way last: the
// essential ones, then the optional ones lowest Optional first (the leftmost of a rank first); each is
// shown when it fits beside those already taken with every flex column at its Width. A narrow column can
// so show where a wider one of a lower rank does not fit: dropping greedily, highest rank first, hid it
// for nothing once the wider one had to go too. Flex columns then share what is left.
func NewLayout(cols []Column, width int) Layout {
	l := Layout{columns: cols, widths: make([]int, len(cols)), width: max(width, 0)}
	hidden := make([]bool, len(cols))
	for i := range cols {
		hidden[i] = cols[i].Optional > 0
	}
	for _, i := range byKeepOrder(cols) {
		if cols[i].Optional == 0 {
			continue // essential: shown whatever the width, cut on the right when too wide
		}
		hidden[i] = false
		if need(cols, hidden) > l.width {
			hidden[i] = true
		}
	}
	flex := 0
	for i, c := range cols {
		if hidden[i] {
			continue
		}
		l.shown = append(l.shown, i)
		l.widths[i] = c.Width
		if c.Flex {
			flex++
		}
	}
	if spare := l.width - need(cols, hidden); spare > 0 && flex > 0 {
		for _, i := range l.shown {
			if cols[i].Flex {
				l.widths[i] += spare / flex
			}
		}
	}
	return l
}

// byKeepOrder are the indices of cols in the order they are kept: lowest Optional first (0, essential,
// before any), the leftmost of a rank first.
func byKeepOrder(cols []Column) []int {
	order := make([]int, len(cols))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cols[a].Optional - cols[b].Optional })
	return order
}

// need is the cells the columns not hidden take at their widths, with the gaps between them.
func need(cols []Column, hidden []bool) int {
	total, n := 0, 0
	for i, c := range cols {
		if !hidden[i] {
			total += c.Width
			n++
		}
	}
	return total + gap*max(n-1, 0)
}

// Width is the cells column i takes: its Width, more for a flex column given what is spare, 0 for a
// column left out.
func (l Layout) Width(i int) int { return l.widths[i] }

// Hidden are the titles of the columns left out, in column order.
func (l Layout) Hidden() []string {
	var out []string
	for i, c := range l.columns {
		if !slices.Contains(l.shown, i) {
			out = append(out, c.Title)
		}
	}
	return out
}

// Header is the title line, unstyled.
func (l Layout) Header() string {
	titles := make([]Cell, len(l.columns))
	for i, c := range l.columns {
		titles[i] = Cell{Text: c.Title}
	}
	return l.line(titles, nil)
}

// Line lays cells (one per column, hidden ones included) out in the shown columns, unstyled.
func (l Layout) Line(cells []Cell) string { return l.line(cells, nil) }

// line lays cells out in their columns, exactly the layout's width. Tones are applied when given.
func (l Layout) line(cells []Cell, tones *[toneCount]lipgloss.Style) string {
	var b strings.Builder
	for n, i := range l.shown {
		if n > 0 {
			b.WriteString(strings.Repeat(" ", gap))
		}
		var cell Cell
		if i < len(cells) {
			cell = cells[i]
		}
		text := fit(cell.Text, l.widths[i], l.columns[i].Align)
		if tones != nil {
			text = tones[cell.Tone].Render(text)
		}
		b.WriteString(text)
	}
	return fit(b.String(), l.width, Left)
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
