package ui

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/sanitize"
)

// What the shell draws around the views: header, breadcrumbs, flash or input line, footer, help overlay.

type level int

const (
	levelInfo level = iota
	levelWarn
	levelError
)

// flash is the message on the line above the footer; it goes away on its own, and shows only on the view
// that was on top when it was raised, so that one screen's error never seems to be about the next one.
type flash struct {
	text  string // already sanitized
	level level
	id    int
	view  int // the ID of the view it is about
}

type flashExpiredMsg struct{ id int }

// How long a flash stays: errors long enough to read twice.
func (l level) lasts() time.Duration {
	if l == levelError {
		return 10 * time.Second
	}
	return 5 * time.Second
}

func (m *Model) setFlash(l level, text string) tea.Cmd {
	m.flash = flash{text: text, level: l, id: m.flash.id + 1, view: m.top().ID()}
	return m.after(l.lasts(), flashExpiredMsg{id: m.flash.id})
}

// The spinner turns while something is being waited for, and stops by itself.
var spin = spinner.MiniDot

type spinMsg struct{}

func (m *Model) busy() bool { return m.conn.state == stateConnecting || m.fetch.inflight }

func (m *Model) spin() tea.Cmd {
	if m.spinning {
		return nil
	}
	m.spinning = true
	return m.after(spin.FPS, spinMsg{})
}

func (m *Model) onSpin() tea.Cmd {
	if !m.busy() {
		m.spinning = false
		return nil
	}
	m.spinFrame = (m.spinFrame + 1) % len(spin.Frames)
	return m.after(spin.FPS, spinMsg{})
}

// applyTheme restyles what the shell owns after a theme change (views read the shared styles themselves).
func (m *Model) applyTheme() {
	s := m.c.Styles
	st := textinput.DefaultStyles(m.c.Theme.Dark)
	st.Focused.Prompt, st.Focused.Text, st.Focused.Suggestion = s.Accent, s.Text, s.Muted
	st.Cursor.Color = m.c.Styles.Accent.GetForeground()
	st.Cursor.Blink = false // a blinking cursor means a timer; nothing here should tick without need
	m.input.SetStyles(st)
}

// headerLine: app, context, broker, cluster, read-only badge on the left; the connection on the right.
func (m *Model) headerLine() string {
	s := m.c.Styles
	sep := s.Muted.Render(" │ ")
	parts := []string{s.AppName.Render("mqscope"), s.Text.Render(sanitize.Line(m.c.Context.Name))}
	if id := m.conn.identity; m.conn.known {
		broker := string(id.Kind)
		if id.Version != "" {
			broker += " " + id.Version
		}
		parts = append(parts, s.Text.Render(sanitize.Line(broker)))
		if id.Cluster != "" {
			parts = append(parts, s.Muted.Render("cluster ")+s.Text.Render(sanitize.Line(id.Cluster)))
		}
	}
	left := " " + strings.Join(parts, sep)
	if m.c.Context.ReadOnly {
		left += "  " + s.ReadOnly.Render("READ-ONLY")
	}
	return spread(left, m.connState()+" ", m.c.Width)
}

func (m *Model) connState() string {
	s := m.c.Styles
	frame := strings.TrimSpace(spin.Frames[m.spinFrame])
	switch {
	case m.conn.state == stateConnecting && m.conn.attempt > 0:
		return s.Warn.Render(frame + " reconnecting…")
	case m.conn.state == stateConnecting:
		return s.Accent.Render(frame + " connecting…")
	case m.conn.state == stateWaiting:
		return s.Error.Render("✕ "+failedHow(m.conn.err)) + s.Muted.Render(" · retry in "+m.conn.retryIn.String())
	case m.fetch.inflight:
		return s.Accent.Render(frame) + s.OK.Render(" connected")
	}
	return s.OK.Render("● connected")
}

// failedHow is the header's word for why the broker is away: a refused login, a vhost that does not exist
// (backends.ConnectError's ErrNotFound) and a broker that did not answer call for different fixes.
func failedHow(err error) string {
	switch {
	case errors.Is(err, backends.ErrAuth):
		return "login refused"
	case errors.Is(err, backends.ErrNotFound): // the broker answered, and has no such vhost
		return "no such vhost"
	}
	return "unreachable"
}

// crumbLine: the view stack as a breadcrumb and the filter on the left, the view's status on the right.
func (m *Model) crumbLine() string {
	s := m.c.Styles
	crumbs := make([]string, len(m.stack))
	for i, v := range m.stack {
		style := s.Crumb
		if i == len(m.stack)-1 {
			style = s.CrumbHere
		}
		crumbs[i] = style.Render(v.Title())
	}
	left := " " + strings.Join(crumbs, s.Muted.Render(" › "))
	if f := m.top().Filter(); f != "" && m.mode != modeFilter {
		left += s.Accent.Render("  /" + sanitize.Line(f))
	}
	return crumbAndStatus(left, m.top().Status(), m.c.Width)
}

// crumbGap is the least room between the crumb and a status cut to fit: with one space, "› nu-q-11027 4
// messages · read 1.0s ago" read as one name.
const crumbGap = 3

// crumbAndStatus lays the crumb on the left and the status on the right of a line width wide. Where are
// we beats how much is there: the crumb keeps up to half the line, and the status gives way from its
// right end (requests, then the time) rather than cut the crumb to "l…".
func crumbAndStatus(left, status string, width int) string {
	right, keep := status+" ", min(lipgloss.Width(left), width/2)
	if lipgloss.Width(right) > width-keep-crumbGap {
		right = ansi.Truncate(right, max(width-keep-crumbGap, 0), "…")
	}
	return spread(left, right, width)
}

// bottomLine is the : or / input while typing, else the flash.
func (m *Model) bottomLine() string {
	if m.mode != modeNormal {
		return fitLine(" "+m.input.View(), m.c.Width)
	}
	s := m.c.Styles
	f := m.flash
	if f.view != m.top().ID() {
		f = flash{}
	}
	if f.text == "" && m.conn.err != nil {
		// While the broker is away, why stays on screen after the flash has gone.
		f = flash{text: oneLine(m.conn.err), level: levelError}
	}
	if f.text == "" {
		return ""
	}
	style := map[level]lipgloss.Style{levelInfo: s.OK, levelWarn: s.Warn, levelError: s.Error}[f.level]
	return fitLine(" "+style.Render(f.text), m.c.Width)
}

// footerLine shows the keys that matter most here, from the key map.
func (m *Model) footerLine() string {
	k := m.c.Keys
	// ? first: on a narrow screen the line is cut at the right, and help is the key that shows the rest.
	bindings := append([]key.Binding{k.Help}, m.top().Keys()...)
	if len(m.stack) > 1 || m.top().Filter() != "" {
		bindings = append(bindings, k.Back)
	}
	bindings = append(bindings, k.Filter, k.Command, k.Quit)
	if m.capturing() {
		bindings = m.top().Keys() // a text field takes the shell's keys as text: only its own work
	}
	h := help.New()
	h.Styles = m.c.Styles.Help
	h.SetWidth(max(m.c.Width-1, 1))
	// bubbles' help adds every further key when the line fills up exactly and its "…" does not fit: cut
	// it here too, or the line runs past the edge and the terminal wraps it.
	return fitLine(" "+h.ShortHelpView(bindings), m.c.Width)
}

// helpOverlay draws the full key map in a box over the body.
func (m *Model) helpOverlay(body string, width, height int) string {
	k := m.c.Keys
	groups := []struct {
		title    string
		bindings []key.Binding
	}{
		{"General", k.Global()},
		{"Move", k.Navigation()},
		{m.top().Title(), m.top().Keys()},
	}
	s := m.c.Styles
	var cols []string
	for _, g := range groups {
		if len(g.bindings) == 0 {
			continue
		}
		keyWidth := 0
		for _, b := range g.bindings {
			keyWidth = max(keyWidth, lipgloss.Width(b.Help().Key))
		}
		lines := []string{s.CrumbHere.Render(g.title)}
		for _, b := range g.bindings {
			pad := strings.Repeat(" ", keyWidth-lipgloss.Width(b.Help().Key))
			lines = append(lines, s.Help.FullKey.Render(b.Help().Key)+pad+"  "+s.Help.FullDesc.Render(b.Help().Desc))
		}
		cols = append(cols, strings.Join(lines, "\n"))
	}
	// Side by side where they fit, else one under the other; what does not fit in height scrolls.
	content := lipgloss.JoinHorizontal(lipgloss.Top, interleave(cols, "    ")...)
	if lipgloss.Width(content) > width-4 {
		content = strings.Join(cols, "\n\n")
	}
	content += "\n\n" + s.Muted.Render("commands  :"+strings.Join(m.offeredCommands(), "  :")+"  :q")
	lines := strings.Split(content, "\n")
	boxWidth := 0 // of every line, not only those shown: the box keeps its size while it scrolls
	for _, l := range lines {
		boxWidth = max(boxWidth, lipgloss.Width(l))
	}
	room := max(height-3, 1) // the frame, and the closing hint
	m.helpOffset = min(max(m.helpOffset, 0), max(len(lines)-room, 0))
	closing := "esc or ? closes this help"
	if len(lines) > room {
		closing = fmt.Sprintf("↑/↓ scroll (%d–%d of %d) · esc or ? closes", m.helpOffset+1, m.helpOffset+room, len(lines))
		lines = lines[m.helpOffset : m.helpOffset+room]
	}
	lines = append(lines, s.Muted.Render(closing))
	boxWidth = min(max(boxWidth, lipgloss.Width(closing)), max(width-4, 1))
	for i, l := range lines {
		l = ansi.Truncate(l, boxWidth, "…")
		lines[i] = l + strings.Repeat(" ", boxWidth-lipgloss.Width(l))
	}
	box := s.HelpBox.Render(strings.Join(lines, "\n"))
	x := max((width-lipgloss.Width(box))/2, 0)
	y := max((height-lipgloss.Height(box))/2, 0)
	dimmed := s.Muted.Render(ansi.Strip(body)) // the view stays visible behind, quietly
	layers := lipgloss.NewCompositor(lipgloss.NewLayer(dimmed), lipgloss.NewLayer(box).X(x).Y(y).Z(1))
	return lipgloss.NewCanvas(width, height).Compose(layers).Render()
}

func interleave(items []string, sep string) []string {
	out := make([]string, 0, 2*len(items))
	for i, it := range items {
		if i > 0 {
			out = append(out, sep)
		}
		out = append(out, it)
	}
	return out
}

// spread puts left and right on one line of width cells, cutting left when both do not fit.
func spread(left, right string, width int) string {
	room := width - lipgloss.Width(right)
	if room < 1 {
		return fitLine(left, width)
	}
	left = ansi.Truncate(left, room-1, "…")
	return left + strings.Repeat(" ", room-lipgloss.Width(left)) + right
}

// fitLine cuts s to width cells.
func fitLine(s string, width int) string { return ansi.Truncate(s, max(width, 0), "…") }

// fitLines makes body exactly height lines, none wider than width, each after margin.
func fitLines(body, margin string, width, height int) []string {
	lines := strings.Split(body, "\n")
	if body == "" {
		lines = nil
	}
	out := make([]string, height)
	for i := range out {
		if i < len(lines) {
			out[i] = margin + fitLine(lines[i], width)
		}
	}
	return out
}
