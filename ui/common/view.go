package common

import (
	"context"
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/mqscope/mqscope/backends"
)

// Fetch is the broker call that fills a view. The shell runs it in a tea.Cmd, off the UI goroutine, with a
// deadline, never two at once for the same screen, and hands the result back to the view that asked.
type Fetch func(ctx context.Context, b backends.Backend) (any, error)

// View is one screen of the view stack. Views do no I/O: they say what to fetch and draw what they get.
type View interface {
	// ID tells this view apart from every other, so that a late result for a view that is gone is dropped.
	ID() int
	// Kind names the sort of view ("destinations", "groups"): commands jump back to a view of that kind.
	Kind() string
	// Title is the view's breadcrumb.
	Title() string
	// Status is a short summary for the right of the breadcrumb line (counts, sort order, age).
	Status() string

	// Fetch returns the call that (re)loads the view, or nil when it needs none.
	Fetch() Fetch
	// SetData hands over what Fetch returned, fetched at the given time.
	SetData(data any, at time.Time)
	// SetStale marks the data on screen as old: the last fetch failed.
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

// PushMsg asks the shell to open View on top of the stack.
type PushMsg struct{ View View }

// Push returns the command that opens v.
func Push(v View) tea.Cmd { return func() tea.Msg { return PushMsg{View: v} } }

var lastID atomic.Int64

// NextID returns a new view ID.
func NextID() int { return int(lastID.Add(1)) }
