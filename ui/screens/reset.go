package screens

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/form"
)

// KindResetForm is the Kind of the offset reset form.
const KindResetForm = "reset-offsets"

// resetScope is which partitions a reset moves: per topic, the partitions, or nil for all of them.
type resetScope struct {
	label  string
	topics map[string][]int32
	whole  bool // every partition of every topic of the group: confirmed by typing the group's name
}

// resetForm asks where to move a group's offsets and over which partitions, then plans it: the plan, a
// dry run of old and new offsets, comes up in a confirmation, and nothing moves before y.
type resetForm struct {
	common.Base
	c        *common.Common
	group    groupReport
	returnTo int // the view to come back to once the reset is done
	scopes   []resetScope
	scope    int
	input    textinput.Model
	planning bool
	err      string // why the last plan was refused, already sanitized
}

// newResetForm opens the form for g, scoped at first to partition p.
func newResetForm(c *common.Common, g groupReport, p partitionReport, returnTo int) *resetForm {
	v := &resetForm{Base: common.NewBase(KindResetForm, "reset offsets"), c: c, group: g, returnTo: returnTo, scopes: resetScopes(g, p),
		input: form.NewTextInput(c, "")}
	v.input.Placeholder = "earliest"
	v.input.Focus()
	return v
}

// newGroupResetForm opens the form for the whole of g: every partition of every topic it has offsets for,
// from the lag list where people look.
func newGroupResetForm(c *common.Common, g groupReport, returnTo int) *resetForm {
	v := &resetForm{Base: common.NewBase(KindResetForm, "reset offsets"), c: c, group: g, returnTo: returnTo,
		scopes: []resetScope{wholeGroup(g)}, input: form.NewTextInput(c, "")}
	v.input.Placeholder = "earliest"
	v.input.Focus()
	return v
}

// wholeGroup is the scope of every topic g has offsets for.
func wholeGroup(g groupReport) resetScope {
	all := resetScope{topics: map[string][]int32{}, whole: true}
	var names []string
	for _, q := range g.Partitions {
		if _, seen := all.topics[q.Topic]; !seen {
			all.topics[q.Topic] = nil
			names = append(names, sanitize.Line(q.Topic))
		}
	}
	all.label = "the whole group: every partition of " + strings.Join(names, ", ")
	return all
}

// resetScopes are the choices from narrow to wide: the partition, its topic, every topic of the group.
func resetScopes(g groupReport, p partitionReport) []resetScope {
	topic := sanitize.Line(p.Topic)
	var topics []string
	for _, q := range g.Partitions {
		if !slices.Contains(topics, q.Topic) {
			topics = append(topics, q.Topic)
		}
	}
	scopes := []resetScope{
		{label: fmt.Sprintf("%s[%d] only", topic, p.Partition), topics: map[string][]int32{p.Topic: {p.Partition}}},
		{label: "every partition of " + topic, topics: map[string][]int32{p.Topic: nil}},
	}
	if len(topics) > 1 {
		scopes = append(scopes, wholeGroup(g))
	} else {
		scopes[1].whole = true // the group's only topic: the whole group
	}
	return scopes
}

func (v *resetForm) Capturing() bool { return true } // the target is typed: ":" and "q" are text
func (v *resetForm) SetSize(width, height int) {
	v.Width, v.Height = width, height
	v.input.SetWidth(max(width-14, 1))
}

func (v *resetForm) Status() string {
	if v.planning {
		return v.c.Styles.Accent.Render("planning…")
	}
	return v.c.Styles.Muted.Render("dry run first")
}

var (
	nextScopeKey = key.NewBinding(key.WithKeys("tab", "shift+tab"), key.WithHelp("tab", "scope"))
	planKey      = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "dry run"))
	cancelKey    = key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel"))
)

func (v *resetForm) Keys() []key.Binding { return []key.Binding{planKey, nextScopeKey, cancelKey} }

func (v *resetForm) Update(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		return common.Pop()
	case "tab":
		v.scope = (v.scope + 1) % len(v.scopes)
		return nil
	case "shift+tab":
		v.scope = (v.scope + len(v.scopes) - 1) % len(v.scopes)
		return nil
	case "enter":
		return v.plan()
	}
	var cmd tea.Cmd
	v.input, cmd = v.input.Update(msg)
	return cmd
}

// target is what was typed, or the placeholder's earliest.
func (v *resetForm) target() string {
	if t := strings.TrimSpace(v.input.Value()); t != "" {
		return t
	}
	return v.input.Placeholder
}

func (v *resetForm) View() string {
	s := v.c.Styles
	g := v.group
	label := func(l string) string { return s.Label.Render(fmt.Sprintf("  %-7s ", l)) }
	lines := []string{
		s.Text.Render("Move the committed offsets of ") + s.Accent.Render(sanitize.Line(g.Group)),
		"",
		label("scope") + s.Text.Render(v.scopes[v.scope].label) + s.Muted.Render(fmt.Sprintf("   tab: %d of %d", v.scope+1, len(v.scopes))),
		label("to") + v.input.View(),
		label("") + s.Muted.Render("earliest · latest · OFFSET · @2026-11-26T03:00:00Z · shift:-100 · shift:+100"),
		"",
	}
	if !resettable(g.State) {
		lines = append(lines, s.Warn.Render(fmt.Sprintf("  %s is %s with %d member(s): only an Empty or Dead group can be reset; stop its consumers first.",
			sanitize.Line(g.Group), sanitize.Line(g.State), len(g.Members))))
	}
	if v.err != "" {
		lines = append(lines, s.Error.Render("  "+v.err))
	}
	if v.planning {
		lines = append(lines, s.Accent.Render("  planning…"))
	} else {
		lines = append(lines, s.Muted.Render("  enter shows old → new per partition; nothing moves before you confirm"))
	}
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, v.Width, "…")
	}
	return strings.Join(lines, "\n")
}

// resettable is the broker's rule: a group with members commits its own offsets, so only Empty or Dead
// groups may be moved.
func resettable(state string) bool { return state == "Empty" || state == "Dead" }
