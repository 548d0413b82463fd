package common

import (
	"context"

	tea "charm.land/bubbletea/v2"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
)

// TaskMsg is the one way a view has broker work done that it started itself: a peek, a plan, a purge, the
// next batch of a stream. The shell runs it off the UI goroutine (with the live backend and a deadline,
// unless it is Go's), then applies its result on the UI goroutine, where it may change the view and return
// what to do next. A result is dropped when the connection it ran on is gone, or the view that asked is.
// Views stay free of I/O: they say what to run, not how.
type TaskMsg struct {
	// View is the view that asked; 0 keeps the result for as long as the connection lasts (work whose end
	// only flashes, or outlives the form that started it).
	View int
	// Offline is true for work that needs no backend from the shell (Go's).
	Offline bool
	run     func(ctx context.Context, b backends.Backend) (apply func() tea.Cmd)
}

// Run runs the task: the shell calls it off the UI goroutine, and the returned apply on it.
func (t TaskMsg) Run(ctx context.Context, b backends.Backend) (apply func() tea.Cmd) {
	return t.run(ctx, b)
}

// Run returns the command that asks the shell to run fn with the live backend and hand its result to done,
// for the view with ID view (0: for no view in particular).
func Run[T any](view int, fn func(ctx context.Context, b backends.Backend) (T, error), done func(data T, err error) tea.Cmd) tea.Cmd {
	return func() tea.Msg {
		return TaskMsg{View: view, run: func(ctx context.Context, b backends.Backend) func() tea.Cmd {
			data, err := fn(ctx, b)
			return func() tea.Cmd { return done(data, err) }
		}}
	}
}

// Go returns the command that runs fn off the UI goroutine and hands its result to apply, if the view
// with ID view is still open. It is for work a view runs on what it already holds (a stream it started, a
// body to decode), with deadlines of its own.
func Go[T any](view int, fn func() T, apply func(T) tea.Cmd) tea.Cmd {
	return func() tea.Msg {
		return TaskMsg{View: view, Offline: true, run: func(context.Context, backends.Backend) func() tea.Cmd {
			data := fn()
			return func() tea.Cmd { return apply(data) }
		}}
	}
}

// PopMsg asks the shell to close views: every view above the one with ID To, or just the top one when To
// is 0 or no longer open; then to open Then, if set, in their place.
type PopMsg struct {
	To   int
	Then View
}

// Pop closes the top view.
func Pop() tea.Cmd { return func() tea.Msg { return PopMsg{} } }

// PopTo closes every view above the view with this ID.
func PopTo(id int) tea.Cmd { return func() tea.Msg { return PopMsg{To: id} } }

// PopToThen closes every view above the view with this ID and opens v on top of it, in one step: a
// confirmation gives way to the work it confirmed.
func PopToThen(id int, v View) tea.Cmd { return func() tea.Msg { return PopMsg{To: id, Then: v} } }

// FlashLevel is how loudly the flash line speaks.
type FlashLevel int

const (
	FlashInfo FlashLevel = iota
	FlashWarn
	FlashError
)

// FlashMsg asks the shell to show Text (already sanitized) on the flash line.
type FlashMsg struct {
	Level FlashLevel
	Text  string
}

// Flash returns the command that shows text on the flash line.
func Flash(level FlashLevel, text string) tea.Cmd {
	return func() tea.Msg { return FlashMsg{Level: level, Text: text} }
}

// Capturer is implemented by views with a text field. While Capturing is true the shell hands the view
// every key but ctrl+c, so that ":", "/", "?" or "q" can be typed; esc is the view's to handle too.
type Capturer interface {
	Capturing() bool
}

// Session is the live connection, for a view to ask what it may offer (Can, Allows) and to reach a
// mutation; nil, which refuses everything, while disconnected or outside the shell. Ask for it on the UI
// goroutine and hand it to the work that runs the mutation (never to call the broker from a view: I/O goes
// through Load and tasks).
func (c *Common) Session() *actions.Session {
	if c.Connected == nil {
		return nil
	}
	return c.Connected()
}

// Backend is the live session's backend, for the reading actions; nil while disconnected.
func (c *Common) Backend() backends.Backend { return c.Session().Backend() }

// Allows reports whether the live session may do v: for offering an action.
func (c *Common) Allows(v actions.Verb) bool { return c.Session().Allows(v) }
