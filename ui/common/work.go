package common

import tea "charm.land/bubbletea/v2"

// Paster is a capturing view with a text field that takes pasted text (a JSON body, a list of headers).
// The shell hands it tea.PasteMsg while it captures.
type Paster interface {
	Paste(msg tea.PasteMsg) tea.Cmd
}

// Canceller is a view with work in progress that ctrl+c should stop before it ends the program: a move
// of dead letters stops between batches, and its report is worth reading. Cancel returns false when there
// is nothing to stop, and ctrl+c then quits as usual.
type Canceller interface {
	Cancel() bool
}
