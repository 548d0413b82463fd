// Package screens holds the TUI's screens. Each is one model that says what it needs fetched and draws what
// it gets; the shell in package ui does the fetching, the stacking and the keys they share.
package screens

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/table"
)

// column is one column of a list of T: its name, text and when it shows, as every front end has them
// (package present), and what the screen adds.
type column[T any] struct {
	present.Column[T]
	look[T]
}

// look is what the screen adds to a column: colour, sorting, width.
type look[T any] struct {
	flex bool // takes the room the others leave
	// descFirst makes the first sort on this column biggest-first, as one wants for counts.
	descFirst bool
	tone      func(T) table.Tone
	cmp       func(a, b *T) int
}

// withLooks are the shared columns, each with what the screen adds to it by name, then the columns only
// the screen has (a trend chart).
func withLooks[T any](shared []present.Column[T], looks map[string]look[T], own ...column[T]) []column[T] {
	cols := make([]column[T], 0, len(shared)+len(own))
	for _, c := range shared {
		cols = append(cols, column[T]{Column: c, look: looks[c.Name]})
	}
	return append(cols, own...)
}

// columnIndex is the index of the column named name.
func columnIndex[T any](cols []column[T], name string) int {
	return slices.IndexFunc(cols, func(c column[T]) bool { return c.Name == name })
}

func (c column[T]) align() table.Align {
	if c.Right {
		return table.Right
	}
	return table.Left
}

// listSpec is what makes a list a list of topics or a list of groups.
type listSpec[T any] struct {
	kind    string
	noun    func(items []T) string                                     // "topics", "queues", ...: the breadcrumb once data is in
	fetch   func(ctx context.Context, b backends.Backend) ([]T, error) // nil: the view that embeds the list loads it
	columns []column[T]
	id      func(T) string // stable across refreshes: the cursor follows it
	name    func(T) string // raw name: the filter matches it, ties sort by it
	detail  func(T) []field
	// browsable says whether enter can open what an item holds (a topic's messages) on this broker, and
	// browse opens it; elsewhere enter shows the item's details, as d always does.
	browsable func(c *common.Common, it T) bool
	browse    func(c *common.Common, it T) common.View
	// actions are the keys an item offers beyond browsing and details (P purges a queue), already narrowed
	// to what the broker can do and the context allows.
	actions func(c *common.Common, it T) []itemAction
}

// list is a sortable, filterable table of T that keeps its cursor on the same item across refreshes.
type list[T any] struct {
	common.Base
	c    *common.Common
	spec *listSpec[T]

	items   []T
	visible []int // indices into items, filtered and sorted
	shown   []int // indices into spec.columns
	widths  []int // per spec.columns, from all items, so that filtering does not make columns jump

	sortCol  int
	sortDesc bool
	filter   string

	loaded bool
	at     time.Time

	table table.Model
}

func newList[T any](c *common.Common, spec *listSpec[T], title string) *list[T] {
	l := &list[T]{Base: common.NewBase(spec.kind, title), c: c, spec: spec, table: table.New(c.Styles.Table)}
	l.recompute()
	return l
}

func (l *list[T]) Filter() string { return l.filter }

func (l *list[T]) Load() *common.Load {
	if l.spec.fetch == nil {
		return nil
	}
	return common.LoadWith(l.spec.fetch, l.SetItems)
}

func (l *list[T]) Title() string {
	if len(l.items) > 0 {
		return l.spec.noun(l.items)
	}
	return l.Base.Title()
}

func (l *list[T]) Keys() []key.Binding {
	k := l.c.Keys
	keys := []key.Binding{k.Open, k.Sort, k.SortReverse}
	if it, ok := l.Selected(); ok && l.canBrowse(it) {
		keys = []key.Binding{k.Browse, k.Details, k.Sort, k.SortReverse}
	}
	for _, a := range l.itemActions() {
		keys = append(keys, a.binding)
	}
	return keys
}

// itemActions are the selected item's actions.
func (l *list[T]) itemActions() []itemAction {
	it, ok := l.Selected()
	if !ok || l.spec.actions == nil {
		return nil
	}
	return l.spec.actions(l.c, it)
}

// SetItems takes a fresh listing, fetched at the given time.
func (l *list[T]) SetItems(items []T, at time.Time) {
	selected, had := l.selectedID()
	l.items, l.loaded, l.Stale, l.at = items, true, false, at
	l.chooseColumns()
	l.recompute()
	if had {
		l.selectID(selected)
	}
}

func (l *list[T]) SetFilter(text string) {
	selected, had := l.selectedID()
	l.filter = text
	l.recompute()
	if had {
		l.selectID(selected)
	}
}

func (l *list[T]) SetSize(width, height int) {
	l.Base.SetSize(width, height)
	l.table.SetSize(width, height)
}

// Selected returns the item under the cursor.
func (l *list[T]) Selected() (T, bool) {
	if len(l.visible) == 0 {
		var zero T
		return zero, false
	}
	return l.items[l.visible[l.table.Cursor()]], true
}

func (l *list[T]) selectedID() (string, bool) {
	it, ok := l.Selected()
	if !ok {
		return "", false
	}
	return l.spec.id(it), true
}

// selectID moves the cursor to the item with this ID, if it is still listed; otherwise the cursor stays at
// its index, which is the nearest neighbour of what went away.
func (l *list[T]) selectID(id string) {
	for i, idx := range l.visible {
		if l.spec.id(l.items[idx]) == id {
			l.table.SetCursor(i)
			return
		}
	}
}

func (l *list[T]) Update(msg tea.KeyPressMsg) tea.Cmd {
	k := l.c.Keys
	switch {
	case key.Matches(msg, k.Up):
		l.table.MoveBy(-1)
	case key.Matches(msg, k.Down):
		l.table.MoveBy(1)
	case key.Matches(msg, k.PageUp):
		l.table.PageUp()
	case key.Matches(msg, k.PageDown):
		l.table.PageDown()
	case key.Matches(msg, k.Top):
		l.table.Top()
	case key.Matches(msg, k.Bottom):
		l.table.Bottom()
	case key.Matches(msg, k.Sort):
		l.nextSort()
	case key.Matches(msg, k.SortReverse):
		l.resort(l.sortCol, !l.sortDesc)
	case key.Matches(msg, k.Browse) && l.canBrowseSelected(): // the help shows Browse here
		it, _ := l.Selected()
		return common.Push(l.spec.browse(l.c, it))
	case key.Matches(msg, k.Open, k.Details):
		if it, ok := l.Selected(); ok && l.spec.detail != nil {
			return common.Push(newDetail(l.c, l, it))
		}
	default:
		for _, a := range l.itemActions() {
			if key.Matches(msg, a.binding) {
				return a.do(l.ID())
			}
		}
	}
	return nil
}

func (l *list[T]) canBrowse(it T) bool {
	return l.spec.browsable != nil && l.spec.browsable(l.c, it)
}

func (l *list[T]) canBrowseSelected() bool {
	it, ok := l.Selected()
	return ok && l.canBrowse(it)
}

// nextSort moves the sort to the next shown column that can sort.
func (l *list[T]) nextSort() {
	pos := slices.Index(l.shown, l.sortCol)
	for step := 1; step <= len(l.shown); step++ {
		c := l.shown[(pos+step)%len(l.shown)]
		if l.spec.columns[c].cmp != nil {
			l.resort(c, l.spec.columns[c].descFirst)
			return
		}
	}
}

func (l *list[T]) resort(col int, desc bool) {
	selected, had := l.selectedID()
	l.sortCol, l.sortDesc = col, desc
	l.recompute()
	if had {
		l.selectID(selected)
	}
}

// chooseColumns shows the columns the data fills and sizes them to fit every item.
func (l *list[T]) chooseColumns() {
	l.shown = l.shown[:0]
	l.widths = make([]int, len(l.spec.columns))
	for i, c := range l.spec.columns {
		if !c.Shown(l.items) {
			continue
		}
		l.shown = append(l.shown, i)
		w := lipgloss.Width(c.Name) + 2 // room for the sort arrow
		for i := range l.items {
			w = max(w, textWidth(c.Cell(l.items[i])))
		}
		l.widths[i] = min(w, maxColumnWidth)
		if c.flex { // it takes what the others leave, but keeps enough to tell names apart
			l.widths[i] = min(w, minFlexWidth)
		}
	}
	if !slices.Contains(l.shown, l.sortCol) {
		l.sortCol, l.sortDesc = 0, false
	}
}

// textWidth is the cells s takes on one line; ASCII, the common case, skips grapheme segmentation.
func textWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}

// maxColumnWidth keeps one long value from pushing the name column off the screen; minFlexWidth is what
// the name column keeps on a narrow screen, where the columns on the right give way.
const (
	maxColumnWidth = 32
	minFlexWidth   = 20
)

// recompute filters and sorts, and hands the result to the table.
func (l *list[T]) recompute() {
	if len(l.shown) == 0 {
		l.chooseColumns()
	}
	needle := strings.ToLower(l.filter)
	l.visible = l.visible[:0]
	for i, it := range l.items {
		// Match what the user sees: a name with an escape sequence shows (and is typed) as "\e[…".
		if needle == "" || strings.Contains(strings.ToLower(sanitize.Line(l.spec.name(it))), needle) {
			l.visible = append(l.visible, i)
		}
	}
	by, desc := l.spec.columns[l.sortCol].cmp, l.sortDesc
	name, id := l.spec.name, l.spec.id
	// Ties break by name, then ID: a total order, so rows never swap places between refreshes and the
	// faster unstable sort is enough.
	slices.SortFunc(l.visible, func(a, b int) int {
		x, y := &l.items[a], &l.items[b]
		c := 0
		if by != nil {
			c = by(x, y)
		}
		if desc {
			c = -c
		}
		if c != 0 {
			return c
		}
		return cmp.Or(strings.Compare(name(*x), name(*y)), strings.Compare(id(*x), id(*y)))
	})
	l.table.SetColumns(l.columns())
	l.table.SetRows(len(l.visible), l.row)
}

func (l *list[T]) columns() []table.Column {
	cols := make([]table.Column, len(l.shown))
	for i, ci := range l.shown {
		c := l.spec.columns[ci]
		title := c.Name
		if ci == l.sortCol {
			title += map[bool]string{false: " ▲", true: " ▼"}[l.sortDesc]
		}
		cols[i] = table.Column{Title: title, Width: l.widths[ci], Flex: c.flex, Align: c.align()}
	}
	return cols
}

// row gives the table the cells of visible row i: the only place items are formatted for the screen.
func (l *list[T]) row(i int) []table.Cell {
	it := l.items[l.visible[i]]
	cells := make([]table.Cell, len(l.shown))
	for j, ci := range l.shown {
		c := l.spec.columns[ci]
		cells[j].Text = c.Cell(it)
		if c.tone != nil && c.AppliesTo(it) {
			cells[j].Tone = c.tone(it)
		}
	}
	return cells
}

func (l *list[T]) Status() string {
	s := l.c.Styles
	var parts []string
	if !l.loaded {
		return s.Muted.Render("loading…")
	}
	noun := l.Title()
	if len(l.items) == 1 {
		noun = strings.TrimSuffix(noun, "s")
	}
	count := fmt.Sprintf("%s %s", formatInt(int64(len(l.items))), noun)
	if l.filter != "" {
		count = fmt.Sprintf("%s of %s", formatInt(int64(len(l.visible))), count)
	}
	parts = append(parts, count)
	parts = append(parts, "updated "+l.at.Format("15:04:05"))
	status := s.Muted.Render(strings.Join(parts, " · "))
	if l.Stale {
		status = s.Warn.Render("stale") + s.Muted.Render(" · ") + status
	}
	return status
}

func (l *list[T]) View() string {
	s := l.c.Styles
	switch {
	case !l.loaded:
		return placeholder(s.Muted.Render("waiting for the broker…"), l.Width, l.Height)
	case len(l.items) == 0:
		return placeholder(s.Muted.Render("nothing here yet"), l.Width, l.Height)
	case len(l.visible) == 0:
		return placeholder(s.Muted.Render(fmt.Sprintf("nothing matches %q (esc clears the filter)", l.filter)), l.Width, l.Height)
	}
	l.table.SetStyles(s.Table) // the theme may have changed since the table was made
	return l.table.View()
}

// placeholder draws one line of text at the top left of an otherwise empty area.
func placeholder(text string, width, height int) string {
	if height <= 0 {
		return ""
	}
	return lipgloss.NewStyle().Width(width).MaxWidth(width).Render(text)
}
