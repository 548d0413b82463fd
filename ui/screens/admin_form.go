package screens

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/confirm"
	"github.com/mqscope/mqscope/ui/components/form"
)

// KindAdminForm is the Kind of the forms that create topics and queues and edit a topic's configs.
const KindAdminForm = "admin form"

// adminField is one field of an administration form.
type adminField struct {
	label string
	hint  string // under the form while the field has the cursor
	// placeholder says what an empty field means, in parentheses: never something that reads as a value
	// (without colour it looks like typed text).
	placeholder string
	value       string // what the field opens with
	lines       bool   // KEY=VALUE one a line: a text area
}

// adminPlan is what a filled form would do: run, through the session, flashing done once it worked.
// With review set, a confirmation showing those lines (a dry-run diff) comes before it.
type adminPlan struct {
	what   string // "create topic orders": names the change in a failure
	done   string // flashed once it worked
	run    func(ctx context.Context, s *actions.Session) error
	review []string
}

// fieldError is what is wrong with one field of a form.
type fieldError struct {
	field int
	text  string
}

func (e *fieldError) Error() string { return e.text }

func badField(field int, format string, args ...any) *fieldError {
	return &fieldError{field: field, text: sanitize.Line(fmt.Sprintf(format, args...))}
}

// adminForm is a form of a few fields whose values become one change on the broker: a topic or queue to
// create, a topic's configs to change. It checks the fields as they are typed, sends on ctrl+s, stays open
// saying why when the broker refuses, and goes back to the list it was opened from (which reloads) once
// the change is done. Like the publish form, esc on a form with input asks before throwing it away.
type adminForm struct {
	common.Base
	c        *common.Common
	heading  string
	verb     actions.Verb // what the form asks of the session: its read-only refusal shows on the form
	notes    []string     // lines above the fields, already styled and sanitized
	fields   []adminField
	inputs   []*textinput.Model // nil where the field is a text area
	areas    []*textarea.Model
	focus    int
	returnTo int
	plan     func(values []string) (adminPlan, error)

	problem *fieldError
	working bool
	formKeys
	initial []string
}

func newAdminForm(c *common.Common, title, heading string, verb actions.Verb, fields []adminField, returnTo int,
	plan func([]string) (adminPlan, error)) *adminForm {
	v := &adminForm{Base: common.NewBase(KindAdminForm, title), c: c, heading: heading, verb: verb, fields: fields,
		inputs: make([]*textinput.Model, len(fields)), areas: make([]*textarea.Model, len(fields)),
		returnTo: returnTo, plan: plan}
	for i, f := range fields {
		if f.lines {
			a := form.NewTextArea(c)
			a.Placeholder = f.placeholder
			a.SetValue(f.value)
			v.areas[i] = &a
			continue
		}
		in := form.NewTextInput(c, "")
		in.Placeholder = f.placeholder
		in.SetValue(f.value)
		v.inputs[i] = &in
	}
	v.initial = v.values()
	v.focusCurrent()
	v.check()
	return v
}

func (v *adminForm) Capturing() bool { return true } // every key is text: ":" and "q" too

var (
	applyKey  = key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "apply"))
	fieldKeys = key.NewBinding(key.WithKeys("tab", "shift+tab"), key.WithHelp("tab/shift+tab", "field"))
)

func (v *adminForm) Keys() []key.Binding { return []key.Binding{applyKey, fieldKeys, cancelKey} }

func (v *adminForm) Status() string {
	if v.working {
		return v.c.Styles.Accent.Render("working…")
	}
	return ""
}

func (v *adminForm) values() []string {
	out := make([]string, len(v.fields))
	for i := range v.fields {
		out[i] = v.value(i)
	}
	return out
}

func (v *adminForm) value(i int) string {
	if v.inputs[i] != nil {
		return v.inputs[i].Value()
	}
	return v.areas[i].Value()
}

func (v *adminForm) typed() bool {
	for i, s := range v.values() {
		if s != v.initial[i] {
			return true
		}
	}
	return false
}

func (v *adminForm) focusCurrent() tea.Cmd {
	var cmd tea.Cmd
	for i := range v.fields {
		switch {
		case v.inputs[i] != nil && i == v.focus:
			cmd = v.inputs[i].Focus()
		case v.inputs[i] != nil:
			v.inputs[i].Blur()
		case i == v.focus:
			cmd = v.areas[i].Focus()
		default:
			v.areas[i].Blur()
		}
	}
	return cmd
}

func (v *adminForm) move(delta int) tea.Cmd {
	n := len(v.fields)
	v.focus = ((v.focus+delta)%n + n) % n
	return v.focusCurrent()
}

func (v *adminForm) Update(msg tea.KeyPressMsg) tea.Cmd { return v.key(msg, v.working, v) }

// Paste is the shell's: pasted text goes into the current field.
func (v *adminForm) Paste(msg tea.PasteMsg) tea.Cmd { return v.paste(msg, v.working, v) }

func (v *adminForm) oneLine() bool { return v.inputs[v.focus] != nil }

func (v *adminForm) edit(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	if in := v.inputs[v.focus]; in != nil {
		*in, cmd = in.Update(msg)
	} else {
		a := v.areas[v.focus]
		*a, cmd = a.Update(msg)
	}
	v.err = ""
	v.check()
	return cmd
}

// check reads the form and keeps what is wrong with it.
func (v *adminForm) check() (adminPlan, error) {
	p, err := v.plan(v.values())
	v.problem = nil
	errors.As(err, &v.problem)
	return p, err
}

// submit does the change, or first shows its review; a form with a problem says which field to fix.
func (v *adminForm) submit() tea.Cmd {
	p, err := v.check()
	if v.problem != nil {
		return common.Flash(common.FlashError, "fix the "+v.fields[v.problem.field].label+" first: "+v.problem.text)
	}
	if err != nil {
		v.err = common.ErrorLine(err)
		return nil
	}
	if err := v.c.Session().Can(v.verb); err != nil {
		v.err = common.ErrorLine(err)
		return nil
	}
	if p.review != nil {
		return common.Push(adminReview(v.c, p, v.returnTo))
	}
	v.working, v.left, v.err = true, false, ""
	session := v.c.Session()
	// For no view in particular: the form may be gone by the answer, the flash is not.
	return common.Run(0, func(ctx context.Context, _ backends.Backend) (struct{}, error) {
		return struct{}{}, p.run(ctx, session)
	}, func(_ struct{}, err error) tea.Cmd {
		v.working = false
		switch {
		case err != nil:
			v.err = common.ErrorLine(err)
			return common.Flash(common.FlashError, p.what+": "+v.err)
		case v.left:
			return common.Flash(common.FlashInfo, p.done)
		}
		return tea.Batch(common.PopTo(v.returnTo), common.Flash(common.FlashInfo, p.done))
	})
}

// adminReview shows what a change will do (a dry-run diff) and does it on y, then goes back to the list,
// which reloads.
func adminReview(c *common.Common, p adminPlan, returnTo int) *confirm.Model {
	session := c.Session()
	return confirm.New(c, p.what, p.review, p.what, func() tea.Cmd {
		return common.Run(0, func(ctx context.Context, _ backends.Backend) (struct{}, error) {
			return struct{}{}, p.run(ctx, session)
		}, func(_ struct{}, err error) tea.Cmd {
			if err != nil {
				return tea.Batch(common.Pop(), flashFailure(p.what, err))
			}
			return tea.Batch(common.PopTo(returnTo), common.Flash(common.FlashInfo, p.done))
		})
	})
}

// labelWidth is the label column: the longest label, indented two cells and followed by one, so that
// a value or a placeholder never runs into it ("replication factor(empty: ...").
func (v *adminForm) labelWidth() int {
	longest := 0
	for _, f := range v.fields {
		longest = max(longest, ansi.StringWidth(f.label))
	}
	return 2 + longest + 1
}

func (v *adminForm) SetSize(width, height int) {
	v.Width, v.Height = width, height
	w := max(width-v.labelWidth(), 10)
	for i := range v.fields {
		if v.inputs[i] != nil {
			v.inputs[i].SetWidth(max(w-2, 1))
			continue
		}
		v.areas[i].SetWidth(w)
		v.areas[i].SetHeight(v.areaHeight())
	}
}

// areaHeight shares what the single-line fields, the notes and the status leave among the text areas.
func (v *adminForm) areaHeight() int {
	areas, singles := 0, 0
	for i := range v.fields {
		if v.areas[i] != nil {
			areas++
		} else {
			singles++
		}
	}
	room := v.Height - 2 - len(v.notes) - singles - 3 - v.hintHeight()
	return min(max(room/max(areas, 1), 2), 12)
}

func (v *adminForm) View() string {
	s := v.c.Styles
	readOnly := ""
	// Not offered there; should it open all the same, the session refuses it.
	if errors.Is(v.c.Session().Can(v.verb), actions.ErrReadOnly) {
		readOnly = s.Error.Render("  (read-only: refused)")
	}
	lines := append([]string{s.Text.Render(v.heading) + readOnly, ""}, v.notes...)
	if len(v.notes) > 0 {
		lines = append(lines, "")
	}
	for i, f := range v.fields {
		style := s.Label
		switch {
		case v.problem != nil && v.problem.field == i:
			style = s.Error
		case i == v.focus:
			style = s.Accent
		}
		label := style.Render(fmt.Sprintf("  %-*s ", v.labelWidth()-3, f.label))
		if v.inputs[i] != nil {
			lines = append(lines, label+v.inputs[i].View())
			continue
		}
		for j, l := range strings.Split(v.areas[i].View(), "\n") {
			if j > 0 {
				label = strings.Repeat(" ", v.labelWidth())
			}
			lines = append(lines, label+l)
		}
	}
	lines = append(lines, "", v.statusLine())
	for _, l := range v.hintLines(v.focus) {
		lines = append(lines, s.Muted.Render("  "+l))
	}
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, max(v.Width, 1), "…")
	}
	return strings.Join(lines, "\n")
}

// hintLines is a field's hint wrapped to the width: cut at 80 columns, the configs' hint lost what a
// deleted line does ("delete it to ta…").
func (v *adminForm) hintLines(field int) []string {
	return common.Wrap(v.fields[field].hint, max(v.Width-2, 10))
}

// hintHeight is the most lines any field's hint takes, kept free under the text areas whichever field
// has the cursor.
func (v *adminForm) hintHeight() int {
	most := 1
	for i := range v.fields {
		most = max(most, len(v.hintLines(i)))
	}
	return most
}

func (v *adminForm) statusLine() string {
	s := v.c.Styles
	switch {
	case v.err != "":
		return s.Error.Render("  ✗ " + v.err)
	case v.problem != nil:
		return s.Error.Render("  ✗ " + v.fields[v.problem.field].label + ": " + v.problem.text)
	}
	return ""
}

// keyValueLines reads KEY=VALUE lines (blank lines skipped) of field; a line without = is its problem.
func keyValueLines(field int, text string) (map[string]string, error) {
	out := map[string]string{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, val, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, badField(field, "line %d %q: want KEY=VALUE", i+1, line)
		}
		if _, twice := out[k]; twice {
			return nil, badField(field, "line %d: %s is given twice", i+1, k)
		}
		out[k] = strings.TrimSpace(val)
	}
	return out, nil
}
