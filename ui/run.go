package ui

import (
	"context"

	tea "charm.land/bubbletea/v2"
	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/ui/common"
)

// What the shell does for views beyond fetching: run an action the user started, close views, flash.

// taskDoneMsg carries a task's result back to the UI goroutine, with the connection it ran on and the view
// that asked.
type taskDoneMsg struct {
	gen, view int
	apply     func() tea.Cmd
}

// onTask runs a view's task off the UI goroutine, with the live backend and a deadline unless it needs
// neither.
func (m *Model) onTask(msg common.TaskMsg) tea.Cmd {
	b := m.conn.session.Backend()
	if b == nil && !msg.Offline {
		return m.setFlash(levelError, "not connected: try again once the header says connected")
	}
	gen := m.conn.gen
	return func() tea.Msg {
		ctx, cancel := context.Background(), context.CancelFunc(func() {})
		if !msg.Offline {
			ctx, cancel = context.WithTimeout(ctx, fetchTimeout)
		}
		defer cancel()
		return taskDoneMsg{gen: gen, view: msg.View, apply: msg.Run(ctx, b)}
	}
}

// onTaskDone applies a task's result, unless it ran on a context we have left or for a view that is gone.
func (m *Model) onTaskDone(msg taskDoneMsg) tea.Cmd {
	if msg.gen != m.conn.gen || (msg.view != 0 && m.viewByID(msg.view) == nil) {
		return nil
	}
	return msg.apply()
}

// pop closes the views above the one with ID msg.To (the top one when it is not open; the root stays),
// then opens msg.Then, if any.
func (m *Model) pop(msg common.PopMsg) tea.Cmd {
	keep := len(m.stack) - 1 // views to keep
	for i, v := range m.stack {
		if v.ID() == msg.To {
			keep = i + 1
		}
	}
	keep = max(keep, 1)
	if msg.Then != nil {
		m.stopRunners(keep)
		m.stack = m.stack[:min(keep, len(m.stack))]
		return m.push(msg.Then)
	}
	if keep >= len(m.stack) {
		return nil
	}
	m.stopRunners(keep)
	m.stack = m.stack[:keep]
	return m.startFetch()
}

func (m *Model) onFlash(msg common.FlashMsg) tea.Cmd {
	l := map[common.FlashLevel]level{common.FlashInfo: levelInfo, common.FlashWarn: levelWarn, common.FlashError: levelError}
	return m.setFlash(l[msg.Level], msg.Text)
}

// capturing is true while the top view has a text field that wants every key.
func (m *Model) capturing() bool {
	c, ok := m.top().(common.Capturer)
	return ok && c.Capturing() && m.mode == modeNormal && !m.help
}

// connectedBackend is what views see through Common.Backend.
func (m *Model) connectedSession() *actions.Session { return m.conn.session }
