package ui

import (
	tea "charm.land/bubbletea/v2"
	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/screens"
)

// openLag opens what "who is behind?" means on this broker, by what it can do: consumer group lag where
// the backend reads lag, else the backlog of its queues.
func (m *Model) openLag() tea.Cmd {
	s := m.conn.session
	if s == nil {
		return m.setFlash(levelError, "not connected yet: :lag needs a live connection to know what the broker offers")
	}
	if s.Allows(actions.VerbLag) {
		return m.navigate(screens.KindLag, func() common.View { return screens.NewLag(m.c) })
	}
	if !s.Allows(actions.VerbBacklog) && s.Allows(actions.VerbList) {
		return m.setFlash(levelError, "nothing lags here: subscribers get what arrives and nothing waits (:topics, enter follows one)")
	}
	if s.Allows(actions.VerbBacklog) {
		return m.navigate(screens.KindLag, func() common.View { return screens.NewBacklog(m.c) })
	}
	return m.setFlash(levelError, "this broker can report neither consumer lag nor queue backlogs")
}
