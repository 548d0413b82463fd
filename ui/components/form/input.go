// Package form holds what the TUI's forms are made of: text fields in the theme's colours and the check
// that a typed JSON body is JSON, saying where it is not.
package form

import (
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	"github.com/mqscope/mqscope/ui/common"
)

// NewTextInput is a one-line input in the theme's colours, with a steady cursor (a blinking one needs a
// timer, and nothing here ticks without need).
func NewTextInput(c *common.Common, prompt string) textinput.Model {
	s := c.Styles
	in := textinput.New()
	st := textinput.DefaultStyles(c.Theme.Dark)
	st.Focused.Prompt, st.Focused.Text, st.Focused.Placeholder = s.Accent, s.Text, s.Muted
	st.Cursor.Color, st.Cursor.Blink = s.Accent.GetForeground(), false
	in.SetStyles(st)
	in.Prompt = prompt
	return in
}

// NewTextArea is a multi-line field in the theme's colours, without line numbers or a blinking cursor.
func NewTextArea(c *common.Common) textarea.Model {
	s := c.Styles
	a := textarea.New()
	st := textarea.DefaultStyles(c.Theme.Dark)
	st.Focused.Text, st.Focused.Prompt, st.Focused.Placeholder = s.Text, s.Accent, s.Muted
	st.Blurred.Text, st.Blurred.Prompt, st.Blurred.Placeholder = s.Text, s.Muted, s.Muted
	st.Focused.CursorLine, st.Focused.EndOfBuffer, st.Blurred.EndOfBuffer = s.Text, s.Muted, s.Muted
	st.Cursor.Color, st.Cursor.Blink = s.Accent.GetForeground(), false
	a.SetStyles(st)
	a.ShowLineNumbers = false
	a.Prompt = "│ "
	a.MaxHeight = 0 // the height is the layout's; a body may be longer than the screen (up to 10,000 lines)
	return a
}
