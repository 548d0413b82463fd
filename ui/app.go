package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/screens"
)

// inputMode says where typed keys go.
type inputMode int

const (
	modeNormal  inputMode = iota
	modeCommand           // the : bar
	modeFilter            // the / bar
)

// Model is the app shell: it owns the connection, the view stack and everything around the screens.
type Model struct {
	opts Options
	c    *common.Common

	conn  connection
	fetch fetchState
	stack []common.View

	mode  inputMode
	input textinput.Model
	help  bool
	// helpOffset is the first line of the help shown, where it does not fit; clamped when drawn.
	helpOffset int
	flash      flash

	spinning  bool
	spinFrame int

	// after schedules msg after d. It is tea.Tick in a program and a recorder in tests, so that no test
	// waits for a timer.
	after func(d time.Duration, msg tea.Msg) tea.Cmd
	// skipped counts refresh ticks skipped because the previous fetch was still running.
	skipped int
}

// New builds the shell for opts. It does no I/O: Init starts the connection.
func New(opts Options) *Model {
	m := &Model{opts: opts, c: common.New(opts.Context), after: tick}
	m.conn.warned = map[string]bool{}
	m.c.Width, m.c.Height = 80, 24 // until the terminal says
	m.c.Connected = m.connectedSession
	m.c.Metrics = opts.Metrics
	m.input = textinput.New()
	m.configure()
	m.stack = []common.View{newRoot(m.c)}
	m.layout()
	return m
}

// newRoot is the view every session and every context starts on.
func newRoot(c *common.Common) common.View { return screens.NewDestinations(c, "destinations") }

func tick(d time.Duration, msg tea.Msg) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return msg })
}

// Init connects and starts the refresh clock.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.connect(), m.after(m.c.Context.RefreshInterval(), refreshTickMsg{}), m.startupNotes(),
		tea.RequestBackgroundColor)
}

// Close releases the connection; Run calls it once the program has ended.
func (m *Model) Close() {
	m.cancelFetch()
	m.stopRunners(0)
	_ = m.conn.session.Close()
	m.conn.session = nil
}

func (m *Model) top() common.View { return m.stack[len(m.stack)-1] }

func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.c.Width, m.c.Height = msg.Width, msg.Height
		m.layout()
	case tea.KeyPressMsg:
		return m, m.handleKey(msg)
	case tea.BackgroundColorMsg:
		return m, m.onBackground(msg)
	case tea.PasteMsg:
		if m.mode != modeNormal {
			return m, m.updateInput(msg)
		}
		if p, ok := m.top().(common.Paster); ok && m.capturing() {
			return m, p.Paste(msg)
		}
	case connectedMsg:
		return m, m.onConnected(msg)
	case retryMsg:
		return m, m.onRetry(msg)
	case refreshTickMsg:
		return m, m.onRefreshTick()
	case fetchedMsg:
		return m, m.onFetched(msg)
	case spinMsg:
		return m, m.onSpin()
	case flashExpiredMsg:
		if msg.id == m.flash.id {
			m.flash = flash{id: m.flash.id}
		}
	case common.PushMsg:
		return m, m.push(msg.View)
	case common.PopMsg:
		return m, m.pop(msg)
	case common.TaskMsg:
		return m, m.onTask(msg)
	case taskDoneMsg:
		return m, m.onTaskDone(msg)
	case common.FlashMsg:
		return m, m.onFlash(msg)
	}
	return m, nil
}

// layout hands every view the area between the two top lines and the two bottom ones.
func (m *Model) layout() {
	w, h := m.bodySize()
	for _, v := range m.stack {
		v.SetSize(w, h)
	}
	m.input.SetWidth(max(m.c.Width-6, 1)) // margin, prompt and cursor
}

// The screen: header, breadcrumbs, body, flash or input line, footer; the body sits one column in, under
// the header's text.
const (
	chromeLines = 4
	margin      = " "
)

func (m *Model) bodySize() (int, int) {
	return max(m.c.Width-2*len(margin), 0), max(m.c.Height-chromeLines, 0)
}

func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.Keys
	if msg.String() == "ctrl+c" {
		if c, ok := m.top().(common.Canceller); ok && c.Cancel() {
			return nil // the work stops; a second ctrl+c quits
		}
		return tea.Quit
	}
	switch {
	case m.capturing():
		return m.top().Update(msg)
	case m.mode != modeNormal:
		return m.handleInputKey(msg)
	case m.help:
		switch {
		case key.Matches(msg, k.Back, k.Help, k.Quit):
			m.help, m.helpOffset = false, 0
		case key.Matches(msg, k.Up):
			m.helpOffset--
		case key.Matches(msg, k.Down):
			m.helpOffset++
		case key.Matches(msg, k.PageUp):
			m.helpOffset -= m.c.Height / 2
		case key.Matches(msg, k.PageDown):
			m.helpOffset += m.c.Height / 2
		}
		return nil
	}
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Help):
		m.help = true
	case key.Matches(msg, k.Command):
		return m.openInput(modeCommand, ":", "")
	case key.Matches(msg, k.Filter):
		return m.openInput(modeFilter, "/", m.top().Filter())
	case key.Matches(msg, k.Back):
		return m.back()
	case key.Matches(msg, k.Refresh):
		return m.refreshNow()
	}
	if cmd := m.top().Update(msg); cmd != nil {
		return cmd
	}
	return m.refusedKey(msg)
}

// refusedKey says why a key that changes things did nothing: the session's refusal (read-only, not
// connected), phrased for the TUI. Views do not offer these keys where they are refused, so without a word
// the key would seem broken.
func (m *Model) refusedKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.Keys
	verbs := []struct {
		binding key.Binding
		verb    actions.Verb
	}{
		{k.Purge, actions.VerbPurge}, {k.Delete, actions.VerbDelete}, {k.Create, actions.VerbCreate},
		{k.EditConfig, actions.VerbAlterConfig}, {k.ResetOffsets, actions.VerbReset}, {k.Publish, actions.VerbPublish},
		{k.Replay, actions.VerbReplay}, {k.Redrive, actions.VerbRedrive},
	}
	for _, v := range verbs {
		if !key.Matches(msg, v.binding) {
			continue
		}
		err := m.conn.session.Can(v.verb)
		switch {
		case errors.Is(err, actions.ErrReadOnly):
			return m.setFlash(levelWarn, common.ErrorLine(err))
		case errors.Is(err, backends.ErrNotSupported):
			return m.setFlash(levelWarn, v.binding.Help().Key+": "+common.NotAvailable(m.conn.identity.Kind, v.verb))
		case err == nil && !m.offers(msg):
			return m.setFlash(levelWarn, fmt.Sprintf("%s does not apply to %s; %s lists the keys that do",
				keyName(v.binding), sanitize.Line(m.top().Title()), k.Help.Help().Key))
		}
	}
	return nil
}

// offers says whether the top view has a binding of its own for the key, used or not: such a key did
// what the view meant, even when that was nothing to see.
func (m *Model) offers(msg tea.KeyPressMsg) bool {
	for _, b := range m.top().Keys() {
		if key.Matches(msg, b) {
			return true
		}
	}
	return false
}

// keyName is a binding as the help shows it: "e (edit configs)".
func keyName(b key.Binding) string { return b.Help().Key + " (" + b.Help().Desc + ")" }

// back clears the filter first, then pops the view stack; the root view stays.
func (m *Model) back() tea.Cmd {
	if m.top().Filter() != "" {
		m.top().SetFilter("")
		return nil
	}
	if len(m.stack) == 1 {
		return nil
	}
	m.stopRunners(len(m.stack) - 1)
	m.stack = m.stack[:len(m.stack)-1]
	return m.startFetch() // the view we are back on shows what it had while it reloads
}

// push opens v on top of the stack and loads it.
func (m *Model) push(v common.View) tea.Cmd {
	w, h := m.bodySize()
	v.SetSize(w, h)
	m.stack = append(m.stack, v)
	return tea.Batch(m.startFetch(), m.startRunner(v))
}

// navigate makes the view of the given kind the root, as k9s's : does: the stack is left behind, and esc
// goes back only within the new root. A root already of that kind is kept, with what it shows.
func (m *Model) navigate(kind string, open func() common.View) tea.Cmd {
	if m.stack[0].Kind() == kind {
		m.stopRunners(1)
		m.stack = m.stack[:1]
		return m.startFetch()
	}
	m.stopRunners(0)
	m.stack = m.stack[:0]
	return m.push(open())
}

func (m *Model) openInput(mode inputMode, prompt, value string) tea.Cmd {
	m.mode = mode
	m.input.Prompt = prompt
	m.input.SetValue(value)
	m.input.CursorEnd()
	// The input keeps its matched suggestions while ShowSuggestions is off, so the filter bar would show and
	// accept the command bar's last completion: clear them with suggestions on, then switch them off.
	m.input.ShowSuggestions = true
	if mode == modeCommand {
		m.input.SetSuggestions(m.commandSuggestions())
	} else {
		m.input.SetSuggestions(nil)
		m.input.ShowSuggestions = false
	}
	return m.input.Focus()
}

func (m *Model) closeInput() {
	m.mode = modeNormal
	m.input.Blur()
}

func (m *Model) handleInputKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "enter":
		line := m.input.Value()
		mode := m.mode
		m.closeInput()
		if mode == modeCommand {
			return m.runCommand(line)
		}
		return nil // the filter is already applied, keystroke by keystroke
	case "esc":
		if m.mode == modeFilter {
			m.top().SetFilter("")
		}
		m.closeInput()
		return nil
	}
	return m.updateInput(msg)
}

func (m *Model) updateInput(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	if m.mode == modeFilter {
		m.top().SetFilter(m.input.Value())
	}
	return cmd
}

func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = "mqscope · " + sanitize.Line(m.c.Context.Name)
	return v
}

func (m *Model) render() string {
	w, h := m.bodySize()
	body := m.top().View()
	if !m.conn.known && m.conn.err != nil {
		body = m.notConnected(w)
	}
	if m.help {
		body = m.helpOverlay(body, w, h)
	}
	lines := []string{m.headerLine(), m.crumbLine()}
	lines = append(lines, fitLines(body, margin, w, h)...)
	lines = append(lines, m.bottomLine(), m.footerLine())
	return strings.Join(lines, "\n")
}

// notConnected is the body while the first connection fails: why, whole, wrapped to the screen (the
// bottom line has room for its start only, and the fix comes last), and what can be done meanwhile.
func (m *Model) notConnected(width int) string {
	s := m.c.Styles
	lines := []string{""}
	for _, l := range common.Wrap(oneLine(m.conn.err), max(width-2, 10)) {
		lines = append(lines, " "+s.Error.Render(l))
	}
	lines = append(lines, "", " "+s.Muted.Render("mqscope tries again by itself; :ctx NAME switches context, q quits"))
	return strings.Join(lines, "\n")
}

// fetchState is the one broker call in flight for the screen, if any.
type fetchState struct {
	seq      uint64 // the latest request; results for older ones are dropped
	inflight bool
	cancel   context.CancelFunc
}
