package list

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// Action is a key a list item offers, and what it does: Run, or RunFrom with the ID of the view that
// offered it, for work that comes back there when it is done.
type Action struct {
	Binding key.Binding
	Run     func() tea.Cmd
	RunFrom func(from int) tea.Cmd
}

// do runs the action from the view with ID from.
func (a Action) do(from int) tea.Cmd {
	if a.RunFrom != nil {
		return a.RunFrom(from)
	}
	return a.Run()
}
