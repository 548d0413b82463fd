package common

import (
	tea "charm.land/bubbletea/v2"
	"github.com/mqscope/mqscope/backends"
)

// Runner is a view with work that outlives one Run: a peek that streams for as long as the view is open, a
// body decoded in the background. The shell starts it when the view opens, with the live backend or nil
// while there is none, and again with the backend when the connection comes back; it stops it when the
// view leaves the stack or the connection drops. Start does no I/O itself: it returns the commands that
// do, and they address their results to the view with ViewMsg.
type Runner interface {
	Start(b backends.Backend) tea.Cmd
	Stop()
}

// Receiver is a view that takes back what its own commands produced, wrapped in a ViewMsg, so that the
// shell can hand it over, or drop it when the view is gone.
type Receiver interface {
	Receive(msg tea.Msg) tea.Cmd
}

// ViewMsg carries Msg to the view whose ID is View.
type ViewMsg struct {
	View int
	Msg  tea.Msg
}

// Wrap returns a command that runs fn off the UI goroutine and addresses its result to the view id.
func Wrap(id int, fn func() tea.Msg) tea.Cmd {
	return func() tea.Msg { return ViewMsg{View: id, Msg: fn()} }
}
