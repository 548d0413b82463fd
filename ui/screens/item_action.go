package screens

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// itemAction is a key a list item offers, and what it does: run, or runFrom with the ID of the view
// that offered it, for work that comes back there when it is done.
type itemAction struct {
	binding key.Binding
	run     func() tea.Cmd
	runFrom func(from int) tea.Cmd
}

// do runs the action from the view with ID from.
func (a itemAction) do(from int) tea.Cmd {
	if a.runFrom != nil {
		return a.runFrom(from)
	}
	return a.run()
}
