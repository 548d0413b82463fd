package common

import (
	"context"
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/mqscope/mqscope/backends"
)

// View is one screen of the view stack. Views do no I/O: they say what to load and draw what they get.
// Embed Base for the defaults, so that a view writes only what it does differently; a view that is a list
// embeds the list.
type View interface {
	// ID tells this view apart from every other, so that a late result for a view that is gone is dropped.
	ID() int
	// Kind names the sort of view ("destinations", "groups"): commands jump back to a view of that kind.
	Kind() string
	// Title is the view's breadcrumb.
	Title() string
	// Status is a short summary for the right of the breadcrumb line (counts, sort order, age).
	Status() string

	// Load is what (re)loads the view on every refresh, or nil when it needs none.
	Load() *Load
	// SetStale marks the data on screen as old: the last load failed.
	SetStale(stale bool)

	// SetFilter narrows the view to what matches text ("" shows everything).
	SetFilter(text string)
	Filter() string

	// SetSize gives the view its area.
	SetSize(width, height int)
	// Update handles a key the shell did not take. It may return PushMsg to open another view.
	Update(msg tea.KeyPressMsg) tea.Cmd
	// View draws the view in exactly its area.
	View() string
	// Keys are the view's own bindings, for the help and the footer.
	Keys() []key.Binding
}

// Base supplies the defaults of View: an ID, a kind and a title fixed when the view is made, no load, no
// filter, no status, no keys of its own; it keeps the area and the stale flag for the view to read.
type Base struct {
	id          int
	kind, title string

	Width, Height int
	Stale         bool
}

// NewBase returns the defaults for a view of this kind and title.
func NewBase(kind, title string) Base { return Base{id: NextID(), kind: kind, title: title} }

func (b *Base) ID() int                   { return b.id }
func (b *Base) Kind() string              { return b.kind }
func (b *Base) Title() string             { return b.title }
func (b *Base) Status() string            { return "" }
func (b *Base) Load() *Load               { return nil }
func (b *Base) SetStale(stale bool)       { b.Stale = stale }
func (b *Base) SetFilter(string)          {}
func (b *Base) Filter() string            { return "" }
func (b *Base) SetSize(width, height int) { b.Width, b.Height = width, height }
func (b *Base) Keys() []key.Binding       { return nil }

// Load is a broker call and what to do with its result, typed alike so that nothing is cast. The shell
// runs it off the UI goroutine with a deadline, never two at once for the same screen, and applies the
// result on the UI goroutine only if it is still the latest load of a view still open.
type Load struct {
	run func(ctx context.Context, b backends.Backend) (apply func(at time.Time), err error)
}

// LoadWith returns the load that calls fetch and hands its result, and when it was fetched, to apply.
func LoadWith[T any](fetch func(ctx context.Context, b backends.Backend) (T, error), apply func(data T, at time.Time)) *Load {
	return &Load{run: func(ctx context.Context, b backends.Backend) (func(time.Time), error) {
		data, err := fetch(ctx, b)
		if err != nil {
			return nil, err
		}
		return func(at time.Time) { apply(data, at) }, nil
	}}
}

// Run fetches; it returns what applies the result, fetched at the given time, to be called on the UI
// goroutine. The shell calls it.
func (l *Load) Run(ctx context.Context, b backends.Backend) (apply func(at time.Time), err error) {
	return l.run(ctx, b)
}

// ElsewhereError is a load that failed somewhere other than the broker (the schema registry refused or
// did not answer): the shell says so and keeps the broker's connection, which redialling would not mend.
type ElsewhereError struct{ Err error }

func (e ElsewhereError) Error() string { return e.Err.Error() }
func (e ElsewhereError) Unwrap() error { return e.Err }

// PushMsg asks the shell to open View on top of the stack.
type PushMsg struct{ View View }

// Push returns the command that opens v.
func Push(v View) tea.Cmd { return func() tea.Msg { return PushMsg{View: v} } }

var lastID atomic.Int64

// NextID returns a new view ID.
func NextID() int { return int(lastID.Add(1)) }
