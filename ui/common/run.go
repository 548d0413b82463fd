package common

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/mqscope/mqscope/backends"
)

// RunMsg asks the shell for broker work outside the refresh cycle: something the user started, such as a
// peek, a plan or a purge. The shell runs Run in a tea.Cmd with the live backend and a deadline, then
// calls Done with the result on the UI goroutine, where it may change the view and return what to do next.
// Views stay free of I/O: they say what to run, not how.
type RunMsg struct {
	Run     func(ctx context.Context, b backends.Backend) (any, error)
	Done    func(data any, err error) tea.Cmd
	Timeout time.Duration // 0: the shell's fetch deadline
}

// Run returns the command that asks the shell to run fn and hand its result to done.
func Run(fn func(ctx context.Context, b backends.Backend) (any, error), done func(data any, err error) tea.Cmd) tea.Cmd {
	return func() tea.Msg { return RunMsg{Run: fn, Done: done} }
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

// Backend is the live connection, for a view to ask what the broker can do (never to call it: I/O goes
// through Fetch and Run); nil while disconnected or outside the shell.
func (c *Common) Backend() backends.Backend {
	if c.Connected == nil {
		return nil
	}
	return c.Connected()
}
