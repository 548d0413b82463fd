// Package list is the TUI's list: a sortable, filterable table of one domain type whose columns come
// from package present, that keeps its cursor on the same item across refreshes and opens an item's
// details. Screens that are lists embed it.
package list

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/table"
)

// Column is one column of a list of T: its name, text and when it shows, as every front end has them
// (package present), and what the screen adds.
type Column[T any] struct {
	present.Column[T]
	Look[T]
}

// Look is what the screen adds to a column: colour, sorting, width.
type Look[T any] struct {
	Flex bool // takes the room the others leave
	// DescFirst makes the first sort on this column biggest-first, as one wants for counts.
	DescFirst bool
	Tone      func(T) table.Tone
	Cmp       func(a, b *T) int
}

// WithLooks are the shared columns, each with what the screen adds to it by name, then the columns only
// the screen has (a trend chart).
func WithLooks[T any](shared []present.Column[T], looks map[string]Look[T], own ...Column[T]) []Column[T] {
	cols := make([]Column[T], 0, len(shared)+len(own))
	for _, c := range shared {
		cols = append(cols, Column[T]{Column: c, Look: looks[c.Name]})
	}
	return append(cols, own...)
}

// ColumnIndex is the index of the column named name.
func ColumnIndex[T any](cols []Column[T], name string) int {
	return slices.IndexFunc(cols, func(c Column[T]) bool { return c.Name == name })
}

func (c Column[T]) align() table.Align {
	if c.Right {
		return table.Right
	}
	return table.Left
}

// Spec is what makes a list a list of topics or a list of groups.
type Spec[T any] struct {
	Kind  string
	Noun  func(items []T) string                                     // "topics", "queues", ...: the breadcrumb once data is in; "": items too few to say
	Count func(items []T) int                                        // how many the status counts; nil: every item
	Fetch func(ctx context.Context, b backends.Backend) ([]T, error) // nil: the view that embeds the list loads it
	// Closer, where set, takes a closer look at the items on screen after each Fetch (RabbitMQ queues
	// counted now rather than sampled): work bounded by the screen, not the listing. Note says in the
	// status what it did for the rows on screen.
	Closer  func(ctx context.Context, b backends.Backend, items, onScreen []T) []T
	Note    func(c *common.Common, onScreen []T) string
	Columns []Column[T]
	ID      func(T) string // stable across refreshes: the cursor follows it
	Name    func(T) string // raw name: the filter matches it, ties sort by it
	Detail  func(T) []Field
	// Details, where set, is what d (and enter where an item cannot be browsed) opens instead of Detail: a
	// page that looks closer than the listing (a topic's partitions, a queue's consumers).
	Details func(c *common.Common, it T, listedAt time.Time) common.View
	// Browsable says whether enter can open what an item holds (a topic's messages) on this broker, and
	// Browse opens it; elsewhere enter shows the item's details, as d always does.
	Browsable func(c *common.Common, it T) bool
	Browse    func(c *common.Common, it T) common.View
	// Actions are the keys an item offers beyond browsing and details (P purges a queue), already narrowed
	// to what the broker can do and the context allows.
	Actions func(c *common.Common, it T) []Action
	// ListActions are the keys the list offers whatever is selected, even when it is empty (C creates a
	// topic), narrowed the same way.
	ListActions func(c *common.Common) []Action
}

// Model is a sortable, filterable table of T that keeps its cursor on the same item across refreshes.
type Model[T any] struct {
	common.Base
	c    *common.Common
	spec *Spec[T]

	items   []T
	visible []int // indices into items, filtered and sorted
	shown   []int // indices into spec.columns
	widths  []int // per spec.columns, from all items, so that filtering does not make columns jump

	sortCol  int
	sortDesc bool
	filter   string

	loaded bool
	at     time.Time
	// filterErr says why the filter matches nothing: it is not a regular expression.
	filterErr error

	table table.Model
}

// New returns an empty list of T, named title until the data names it.
func New[T any](c *common.Common, spec *Spec[T], title string) *Model[T] {
	l := &Model[T]{Base: common.NewBase(spec.Kind, title), c: c, spec: spec, table: table.New(c.Styles.Table)}
	l.recompute()
	return l
}

func (l *Model[T]) Filter() string { return l.filter }

func (l *Model[T]) Load() *common.Load {
	if l.spec.Fetch == nil {
		return nil
	}
	fetch := l.spec.Fetch
	if closer := l.spec.Closer; closer != nil {
		onScreen := l.OnScreen() // read here, on the UI goroutine
		fetch = func(ctx context.Context, b backends.Backend) ([]T, error) {
			items, err := l.spec.Fetch(ctx, b)
			if err != nil {
				return nil, err
			}
			return closer(ctx, b, items, onScreen), nil
		}
	}
	return common.LoadWith(fetch, l.SetItems)
}

func (l *Model[T]) Title() string {
	if len(l.items) > 0 {
		return l.c.Words.Noun(l.spec.Noun(l.items)) // in the broker's words: NATS has consumers, not groups
	}
	return l.Base.Title()
}

func (l *Model[T]) Keys() []key.Binding {
	k := l.c.Keys
	keys := []key.Binding{k.Open, k.Sort, k.SortReverse}
	if it, ok := l.Selected(); ok && l.canBrowse(it) {
		keys = []key.Binding{k.Browse, k.Details, k.Sort, k.SortReverse}
	}
	for _, a := range l.itemActions() {
		keys = append(keys, a.Binding)
	}
	for _, a := range l.listActions() {
		keys = append(keys, a.Binding)
	}
	return keys
}

func (l *Model[T]) listActions() []Action {
	if l.spec.ListActions == nil {
		return nil
	}
	return l.spec.ListActions(l.c)
}

// itemActions are the selected item's actions.
func (l *Model[T]) itemActions() []Action {
	it, ok := l.Selected()
	if !ok || l.spec.Actions == nil {
		return nil
	}
	return l.spec.Actions(l.c, it)
}

// SetItems takes a fresh listing, fetched at the given time.
func (l *Model[T]) SetItems(items []T, at time.Time) {
	selected, had := l.selectedID()
	l.items, l.loaded, l.Stale, l.at = items, true, false, at
	l.chooseColumns()
	l.recompute()
	if had {
		l.selectID(selected)
	}
}

func (l *Model[T]) SetFilter(text string) {
	selected, had := l.selectedID()
	l.filter = text
	l.recompute()
	if had {
		l.selectID(selected)
	}
}

// Table is the table the list draws, for a screen that moves its cursor.
func (l *Model[T]) Table() *table.Model { return &l.table }

// OnScreen is the items of the rows on screen now, top to bottom: what is worth a closer look at the next
// refresh.
func (l *Model[T]) OnScreen() []T {
	from, to := l.table.Shown()
	out := make([]T, 0, max(to-from, 0))
	for _, i := range l.visible[from:max(to, from)] {
		out = append(out, l.items[i])
	}
	return out
}

func (l *Model[T]) SetSize(width, height int) {
	l.Base.SetSize(width, height)
	l.table.SetSize(width, height)
}

// Selected returns the item under the cursor.
func (l *Model[T]) Selected() (T, bool) {
	if len(l.visible) == 0 {
		var zero T
		return zero, false
	}
	return l.items[l.visible[l.table.Cursor()]], true
}

func (l *Model[T]) selectedID() (string, bool) {
	it, ok := l.Selected()
	if !ok {
		return "", false
	}
	return l.spec.ID(it), true
}

// selectID moves the cursor to the item with this ID, if it is still listed; otherwise the cursor stays at
// its index, which is the nearest neighbour of what went away.
func (l *Model[T]) selectID(id string) {
	for i, idx := range l.visible {
		if l.spec.ID(l.items[idx]) == id {
			l.table.SetCursor(i)
			return
		}
	}
}

func (l *Model[T]) Update(msg tea.KeyPressMsg) tea.Cmd {
	k := l.c.Keys
	switch {
	case k.MoveTable(&l.table, msg):
	case key.Matches(msg, k.Sort):
		l.nextSort()
	case key.Matches(msg, k.SortReverse):
		l.Resort(l.sortCol, !l.sortDesc)
	case key.Matches(msg, k.Browse) && l.canBrowseSelected(): // the help shows Browse here
		it, _ := l.Selected()
		return common.Push(l.spec.Browse(l.c, it))
	case key.Matches(msg, k.Open, k.Details):
		if it, ok := l.Selected(); ok && l.spec.Details != nil {
			return common.Push(l.spec.Details(l.c, it, l.at))
		}
		if it, ok := l.Selected(); ok && l.spec.Detail != nil {
			return common.Push(newDetail(l.c, l, it))
		}
	default:
		for _, a := range append(l.itemActions(), l.listActions()...) {
			if key.Matches(msg, a.Binding) {
				return a.do(l.ID())
			}
		}
	}
	return nil
}

func (l *Model[T]) canBrowse(it T) bool {
	return l.spec.Browsable != nil && l.spec.Browsable(l.c, it)
}

func (l *Model[T]) canBrowseSelected() bool {
	it, ok := l.Selected()
	return ok && l.canBrowse(it)
}

// nextSort moves the sort to the next shown column that can sort.
func (l *Model[T]) nextSort() {
	pos := slices.Index(l.shown, l.sortCol)
	for step := 1; step <= len(l.shown); step++ {
		c := l.shown[(pos+step)%len(l.shown)]
		if l.spec.Columns[c].Cmp != nil {
			l.Resort(c, l.spec.Columns[c].DescFirst)
			return
		}
	}
}

func (l *Model[T]) Resort(col int, desc bool) {
	selected, had := l.selectedID()
	l.sortCol, l.sortDesc = col, desc
	l.recompute()
	if had {
		l.selectID(selected)
	}
}

// chooseColumns shows the columns the data fills and sizes them to fit every item.
func (l *Model[T]) chooseColumns() {
	l.shown = l.shown[:0]
	l.widths = make([]int, len(l.spec.Columns))
	for i, c := range l.spec.Columns {
		title, means := l.c.Words.Title(c.Name)
		if !means || !c.Shown(l.items) {
			continue
		}
		l.shown = append(l.shown, i)
		w := table.TextWidth(title) // the sorted column adds room for its arrow
		for i := range l.items {
			w = max(w, table.TextWidth(c.Cell(l.items[i])))
		}
		l.widths[i] = min(w, maxColumnWidth)
		if c.Flex { // it takes what the others leave, but keeps enough to tell names apart
			l.widths[i] = min(w, minFlexWidth)
		}
	}
	if !slices.Contains(l.shown, l.sortCol) {
		l.sortCol, l.sortDesc = 0, false
	}
}

// maxColumnWidth keeps one long value from pushing the name column off the screen; minFlexWidth is what
// the name column keeps on a narrow screen, where the columns on the right give way.
const (
	maxColumnWidth = 32
	minFlexWidth   = 20
)

// recompute filters and sorts, and hands the result to the table.
func (l *Model[T]) recompute() {
	if len(l.shown) == 0 {
		l.chooseColumns()
	}
	match, err := common.CompileMatch(l.filter)
	l.filterErr = err
	l.visible = l.visible[:0]
	for i, it := range l.items {
		// Match what the user sees: a name with an escape sequence shows (and is typed) as "\e[…".
		if match == nil && err == nil || match != nil && match([]byte(sanitize.Line(l.spec.Name(it)))) {
			l.visible = append(l.visible, i)
		}
	}
	by, desc := l.spec.Columns[l.sortCol].Cmp, l.sortDesc
	name, id := l.spec.Name, l.spec.ID
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

func (l *Model[T]) columns() []table.Column {
	cols := make([]table.Column, len(l.shown))
	for i, ci := range l.shown {
		c := l.spec.Columns[ci]
		title, _ := l.c.Words.Title(c.Name) // in the broker's words: STREAM, not TOPIC, on Redis
		width := l.widths[ci]
		if ci == l.sortCol {
			title += map[bool]string{false: " ▲", true: " ▼"}[l.sortDesc]
			width = max(width, table.TextWidth(title))
		}
		cols[i] = table.Column{Title: title, Width: width, Flex: c.Flex, Align: c.align(), Optional: c.Optional}
	}
	return cols
}

// row gives the table the cells of visible row i: the only place items are formatted for the screen.
func (l *Model[T]) row(i int) []table.Cell {
	it := l.items[l.visible[i]]
	cells := make([]table.Cell, len(l.shown))
	for j, ci := range l.shown {
		c := l.spec.Columns[ci]
		cells[j].Text = c.Cell(it)
		if c.Tone != nil && c.AppliesTo(it) {
			cells[j].Tone = c.Tone(it)
		}
	}
	return cells
}

func (l *Model[T]) Status() string {
	s := l.c.Styles
	var parts []string
	if !l.loaded {
		return s.Muted.Render("loading…")
	}
	noun := l.countNoun()
	total := len(l.items)
	if l.spec.Count != nil { // rows the screen adds (a topic tree's levels) are not counted
		total = l.spec.Count(l.items)
	}
	if total == 1 {
		noun = strings.TrimSuffix(noun, "s")
	}
	count := fmt.Sprintf("%s %s", present.Int(int64(total)), noun)
	if l.filter != "" {
		count = fmt.Sprintf("%s of %s", present.Int(int64(l.countVisible())), count)
	}
	parts = append(parts, count)
	if hidden := len(l.table.Hidden()); hidden > 0 { // d shows every field; a wider screen every column
		parts = append(parts, fmt.Sprintf("+%d col%s", hidden, map[bool]string{true: "", false: "s"}[hidden == 1]))
	}
	parts = append(parts, "updated "+l.at.Format("15:04:05"))
	if l.spec.Note != nil {
		if note := l.spec.Note(l.c, l.OnScreen()); note != "" {
			parts = append(parts, note)
		}
	}
	status := s.Muted.Render(strings.Join(parts, " · "))
	if l.Stale {
		status = s.Warn.Render("stale") + s.Muted.Render(" · ") + status
	}
	return status
}

// countNoun names what the status counts: the spec's noun, in the broker's words, for an empty list too
// (whose title may be the view's name: an empty backlog read "0 backlog"), else the title.
func (l *Model[T]) countNoun() string {
	if noun := l.spec.Noun(l.items); noun != "" {
		return l.c.Words.Noun(noun)
	}
	return l.Base.Title()
}

// countVisible is how many of the rows the filter leaves the status counts (Spec.Count).
func (l *Model[T]) countVisible() int {
	if l.spec.Count == nil {
		return len(l.visible)
	}
	items := make([]T, len(l.visible))
	for i, v := range l.visible {
		items[i] = l.items[v]
	}
	return l.spec.Count(items)
}

func (l *Model[T]) View() string {
	s := l.c.Styles
	switch {
	case !l.loaded:
		return table.Placeholder(s.Muted.Render("waiting for the broker…"), l.Width, l.Height)
	case len(l.items) == 0:
		return table.Placeholder(s.Muted.Render("nothing here yet"), l.Width, l.Height)
	case l.filterErr != nil:
		return table.Placeholder(s.Error.Render(sanitize.Line(l.filterErr.Error())), l.Width, l.Height)
	case len(l.visible) == 0:
		return table.Placeholder(s.Muted.Render(fmt.Sprintf("nothing matches %q (esc clears the filter)", l.filter)), l.Width, l.Height)
	}
	l.table.SetStyles(s.Table) // the theme may have changed since the table was made
	return l.table.View()
}
