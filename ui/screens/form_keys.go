package screens

import (
	tea "charm.land/bubbletea/v2"

	"github.com/mqscope/mqscope/ui/common"
)

// formKeys are the keys of a form of fields (the publish form, the create and config forms) and what
// they change on it.
type formKeys struct {
	left       bool   // esc while the form's work was under way: the answer only flashes
	discarding bool   // esc on a form with input asked discardQuestion: a second esc throws it away
	err        string // the line under the fields: why the last try failed, or the question; sanitized
}

// fieldForm is a form as its keys drive it.
type fieldForm interface {
	typed() bool   // a field differs from what the form opened with
	oneLine() bool // the current field is a one-line input, which enter leaves for the next
	move(delta int) tea.Cmd
	submit() tea.Cmd
	edit(msg tea.Msg) tea.Cmd
}

// key handles msg on f. While f's work is under way (busy) only esc does anything: it leaves, and the
// answer comes as a flash. Otherwise esc leaves, asking first when something was typed; tab and shift+tab
// move between the fields, enter moves on from a one-line field, ctrl+s submits, and any other key edits
// the current field.
func (k *formKeys) key(msg tea.KeyPressMsg, busy bool, f fieldForm) tea.Cmd {
	if busy {
		if msg.String() == "esc" {
			k.left = true
			return common.Pop()
		}
		return nil
	}
	if msg.String() != "esc" && k.discarding {
		k.discarding, k.err = false, ""
	}
	switch msg.String() {
	case "esc":
		if f.typed() && !k.discarding {
			k.discarding, k.err = true, discardQuestion
			return nil
		}
		return common.Pop()
	case "tab":
		return f.move(1)
	case "shift+tab":
		return f.move(-1)
	case "ctrl+s":
		return f.submit()
	case "enter":
		if f.oneLine() {
			return f.move(1)
		}
	}
	return f.edit(msg)
}

// paste puts pasted text into f's current field, unless its work is under way.
func (k *formKeys) paste(msg tea.PasteMsg, busy bool, f fieldForm) tea.Cmd {
	if busy {
		return nil
	}
	return f.edit(msg)
}
