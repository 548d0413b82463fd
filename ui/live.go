package ui

import (
	tea "charm.land/bubbletea/v2"
	"github.com/mqscope/mqscope/ui/common"
)

// The lifecycle of views that run broker work of their own (common.Runner): started with the backend when
// they open or the connection comes back, stopped when they leave the stack or the connection drops.

// startRunner starts v's own work, if it has any, with the backend (nil while not connected).
func (m *Model) startRunner(v common.View) tea.Cmd {
	r, ok := v.(common.Runner)
	if !ok {
		return nil
	}
	if m.conn.state != stateConnected {
		return r.Start(nil)
	}
	return r.Start(m.conn.session.Backend())
}

// startRunners starts every view on the stack: a peek under a message's details keeps going.
func (m *Model) startRunners() tea.Cmd {
	cmds := make([]tea.Cmd, 0, len(m.stack))
	for _, v := range m.stack {
		cmds = append(cmds, m.startRunner(v))
	}
	return tea.Batch(cmds...)
}

// stopRunners stops the views from index from up: they are leaving the stack, or the connection is.
func (m *Model) stopRunners(from int) {
	for _, v := range m.stack[min(max(from, 0), len(m.stack)):] {
		if r, ok := v.(common.Runner); ok {
			r.Stop()
		}
	}
}
