package table

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

func newTable(rows, width, height int, calls *int) Model {
	m := New(Styles{})
	m.SetColumns([]Column{{Title: "NAME", Width: 4, Flex: true}, {Title: "N", Width: 6, Align: Right}})
	m.SetRows(rows, func(i int) []Cell {
		*calls++
		return []Cell{{Text: fmt.Sprintf("row-%d", i)}, {Text: fmt.Sprint(i)}}
	})
	m.SetSize(width, height)
	return m
}

// The table asks for the rows it shows and no others: drawing 100,000 rows on a 20-line screen costs 19
// rows (one line is the title).
func TestViewAsksOnlyForVisibleRows(t *testing.T) {
	calls := 0
	m := newTable(100_000, 40, 20, &calls)
	m.SetCursor(50_000)
	calls = 0
	out := m.View()
	if calls != 19 {
		t.Fatalf("View asked for %d rows, want 19", calls)
	}
	lines := strings.Split(out, "\n")
	if len(lines) != 20 {
		t.Fatalf("View has %d lines, want 20", len(lines))
	}
	if !strings.Contains(lines[len(lines)-1], "row-50000") {
		t.Fatalf("the cursor row should be the last visible one, got %q", lines[len(lines)-1])
	}
}

func TestCursorScrollsAndClamps(t *testing.T) {
	calls := 0
	m := newTable(100, 40, 11, &calls) // 10 rows visible
	m.MoveBy(15)
	if m.Cursor() != 15 || m.Offset() != 6 {
		t.Fatalf("cursor %d offset %d, want 15 and 6", m.Cursor(), m.Offset())
	}
	m.MoveBy(-12)
	if m.Cursor() != 3 || m.Offset() != 3 {
		t.Fatalf("cursor %d offset %d, want 3 and 3", m.Cursor(), m.Offset())
	}
	m.Bottom()
	if m.Cursor() != 99 || m.Offset() != 90 {
		t.Fatalf("bottom: cursor %d offset %d, want 99 and 90", m.Cursor(), m.Offset())
	}
	m.PageUp()
	if m.Cursor() != 89 {
		t.Fatalf("page up: cursor %d, want 89", m.Cursor())
	}
	// Fewer rows after a refresh: the cursor clamps and the window does not leave blank lines at the end.
	m.SetRows(5, m.row)
	if m.Cursor() != 4 || m.Offset() != 0 {
		t.Fatalf("after shrink: cursor %d offset %d, want 4 and 0", m.Cursor(), m.Offset())
	}
	m.SetRows(0, m.row)
	if m.Cursor() != 0 || strings.Count(m.View(), "\n") != 0 {
		t.Fatalf("empty table: cursor %d, view %q", m.Cursor(), m.View())
	}
}

// Every line is exactly the table's width: long cells end in an ellipsis, wide characters count double.
func TestLinesFitTheWidth(t *testing.T) {
	m := New(Styles{Cursor: lipgloss.NewStyle().Reverse(true)})
	m.SetColumns([]Column{{Title: "NAME", Width: 8, Flex: true}, {Title: "TYPE", Width: 5}, {Title: "N", Width: 3, Align: Right}})
	names := []string{"short", "a-very-long-queue-name-that-does-not-fit", "注文注文注文注文注文注文注文注文"}
	m.SetRows(len(names), func(i int) []Cell {
		return []Cell{{Text: names[i]}, {Text: "quorum"}, {Text: "7"}}
	})
	m.SetSize(30, 10)
	for i, line := range strings.Split(m.View(), "\n") {
		if w := ansi.StringWidth(line); w != 30 {
			t.Errorf("line %d is %d cells wide, want 30: %q", i, w, line)
		}
	}
	plain := ansi.Strip(m.View())
	for _, want := range []string{"a-very-long-queue…  quor…", "注文注文注文注文… ", "  7"} {
		if !strings.Contains(plain, want) {
			t.Errorf("missing %q in\n%s", want, plain)
		}
	}
}

// A table too narrow for its columns drops the optional ones, the highest rank first (the rightmost of a
// rank first), and keeps what names a row and its verdict whatever the width.
func TestNarrowTableDropsOptionalColumnsFirst(t *testing.T) {
	cols := []Column{{Title: "GROUP", Width: 8, Flex: true}, {Title: "STATE", Width: 6, Optional: 2},
		{Title: "PARTS", Width: 5, Optional: 5}, {Title: "LAG", Width: 5}, {Title: "MAX", Width: 5, Optional: 3},
		{Title: "STATUS", Width: 6}, {Title: "TREND", Width: 10, Optional: 1}}
	for _, tc := range []struct {
		width  int
		hidden []string
	}{
		{70, nil},                                        // 45 + 12 of gaps: everything
		{55, []string{"PARTS"}},                          // 57 → 50
		{45, []string{"PARTS", "MAX"}},                   // → 43
		{34, []string{"PARTS", "MAX", "TREND"}},          // TREND (12 with its gap) must go; STATE still fits
		{30, []string{"STATE", "PARTS", "TREND"}},        // 23 essential, and MAX's 7 fit to the cell
		{24, []string{"STATE", "PARTS", "MAX", "TREND"}}, // → 23
		{10, []string{"STATE", "PARTS", "MAX", "TREND"}}, // the essential ones are cut, never dropped
	} {
		l := NewLayout(cols, tc.width)
		if got := l.Hidden(); !slices.Equal(got, tc.hidden) {
			t.Errorf("width %d hides %v, want %v", tc.width, got, tc.hidden)
		}
		head := l.Header()
		if w := ansi.StringWidth(head); w != tc.width {
			t.Errorf("width %d: header is %d cells: %q", tc.width, w, head)
		}
		if tc.width >= 23 && !strings.Contains(head, "STATUS") {
			t.Errorf("width %d lost the verdict: %q", tc.width, head)
		}
	}
}

// The layout is decided from the width alone, so no column stays out that would fit: at every width, each
// hidden optional column is one that does not fit beside those shown. Dropping greedily, highest rank
// first, left the narrow ones out for good once a wide one had to go too ("+3 cols" with room to spare).
func TestEveryHiddenColumnTrulyDoesNotFit(t *testing.T) {
	cols := []Column{{Title: "GROUP", Width: 8, Flex: true}, {Title: "STATE", Width: 6, Optional: 2},
		{Title: "PARTS", Width: 5, Optional: 5}, {Title: "LAG", Width: 5}, {Title: "MAX", Width: 5, Optional: 3},
		{Title: "STATUS", Width: 6}, {Title: "TREND", Width: 25, Optional: 1}}
	for width := 1; width <= 100; width++ {
		l := NewLayout(cols, width)
		hidden := make([]bool, len(cols))
		for i, c := range cols {
			hidden[i] = slices.Contains(l.Hidden(), c.Title)
		}
		for i, c := range cols {
			if !hidden[i] {
				continue
			}
			hidden[i] = false
			if n := need(cols, hidden); n <= width {
				t.Errorf("width %d hides %s (hidden %v) though the columns with it take %d", width, c.Title, l.Hidden(), n)
			}
			hidden[i] = true
		}
	}
}
