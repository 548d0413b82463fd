package common

import (
	tea "charm.land/bubbletea/v2"
	"github.com/mqscope/mqscope/backends"
)

// Runner is a view with work that lasts as long as the view: a peek that streams while the view is open, a
// body decoded in the background. The shell starts it when the view opens, with the live backend or nil
// while there is none, and again with the backend when the connection comes back; it stops it when the
// view leaves the stack or the connection drops. Start does no I/O itself: it returns the tasks (Go, Run)
// that do.
type Runner interface {
	Start(b backends.Backend) tea.Cmd
	Stop()
}

// Reloader is a view whose ctrl+r does more than its Load: the message browser reads again.
type Reloader interface {
	Reload() tea.Cmd
}
