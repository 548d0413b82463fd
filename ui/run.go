package ui

import (
	"cmp"
	"context"

	tea "charm.land/bubbletea/v2"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/ui/common"
)

// What the shell does for views beyond fetching: run an action the user started, close views, flash.

// runDoneMsg carries a run's result back to the view's Done, on the UI goroutine.
type runDoneMsg struct {
	gen  int
	done func(data any, err error) tea.Cmd
	data any
	err  error
}

// onRun runs the view's broker work off the UI goroutine with the live backend and a deadline.
func (m *Model) onRun(msg common.RunMsg) tea.Cmd {
	b := m.conn.backend
	if b == nil {
		return m.setFlash(levelError, "not connected: try again once the header says connected")
	}
	gen, timeout := m.conn.gen, cmp.Or(msg.Timeout, fetchTimeout)
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		data, err := msg.Run(ctx, b)
		return runDoneMsg{gen: gen, done: msg.Done, data: data, err: err}
	}
}

func (m *Model) onRunDone(msg runDoneMsg) tea.Cmd {
	if msg.gen != m.conn.gen || msg.done == nil {
		return nil // it ran on a context we have left
	}
	return msg.done(msg.data, msg.err)
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
func (m *Model) connectedBackend() backends.Backend { return m.conn.backend }
