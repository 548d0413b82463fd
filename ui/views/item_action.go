package views

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// itemAction is a key a list item offers, and what it does.
type itemAction struct {
	binding key.Binding
	run     func() tea.Cmd
}
