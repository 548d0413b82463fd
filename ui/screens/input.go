package screens

import (
	"charm.land/bubbles/v2/textinput"
	"github.com/mqscope/mqscope/ui/common"
)

// newTextInput is a one-line input in the theme's colours, with a steady cursor (a blinking one needs a
// timer, and nothing here ticks without need).
func newTextInput(c *common.Common, prompt string) textinput.Model {
	s := c.Styles
	in := textinput.New()
	st := textinput.DefaultStyles(c.Theme.Dark)
	st.Focused.Prompt, st.Focused.Text, st.Focused.Placeholder = s.Accent, s.Text, s.Muted
	st.Cursor.Color, st.Cursor.Blink = s.Accent.GetForeground(), false
	in.SetStyles(st)
	in.Prompt = prompt
	return in
}
