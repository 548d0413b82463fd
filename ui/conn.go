package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
)

// Deadlines for broker calls. A listing of thousands of queues pages through the management API, so it
// gets longer than a connect.
const (
	connectTimeout = 10 * time.Second
	fetchTimeout   = 30 * time.Second
	maxBackoff     = 30 * time.Second
)

type connState int

const (
	stateConnecting connState = iota
	stateConnected
	stateWaiting // to retry after a failure
)

// connection is the shell's link to the broker.
type connection struct {
	state    connState
	gen      int              // bumped on every context switch: results of an older generation are dropped
	session  *actions.Session // nil while not connected: it refuses everything
	identity backends.Identity
	known    bool          // identity is set: we have been connected at least once in this generation
	attempt  int           // failures in a row
	retryIn  time.Duration // the wait before the next attempt, while waiting
	err      error         // the last failure
	warned   map[string]bool
}

// Messages of the connection and refresh machinery.
type (
	connectedMsg struct {
		gen      int
		session  *actions.Session
		identity backends.Identity
		warnings []string
		err      error
	}
	retryMsg       struct{ gen int }
	refreshTickMsg struct{}
	// fetchedMsg carries a load's result back to the view that asked (view) for the request it answered
	// (seq), so that results for a view that is gone, or superseded by a newer request, are dropped.
	fetchedMsg struct {
		view  int
		seq   uint64
		apply func(at time.Time)
		err   error
		at    time.Time
	}
)

// backoff is the wait before retry number attempt (0-based): 1s, 2s, 4s, ... at most 30s.
func backoff(attempt int) time.Duration {
	if attempt >= 5 {
		return maxBackoff
	}
	return min(time.Second<<attempt, maxBackoff)
}

// connect opens the current context in a command; the result comes back as a connectedMsg.
func (m *Model) connect() tea.Cmd {
	m.conn.state = stateConnecting
	gen, cfg, open := m.conn.gen, m.c.Context, m.opts.Open
	return tea.Batch(m.spin(), func() tea.Msg { return dial(gen, cfg, open) })
}

func dial(gen int, cfg config.Context, open actions.Opener) tea.Msg {
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	s, err := actions.Connect(ctx, open, cfg)
	if err != nil {
		return connectedMsg{gen: gen, err: err}
	}
	id, err := s.Backend().Identity(ctx)
	if err != nil {
		_ = s.Close()
		return connectedMsg{gen: gen, err: fmt.Errorf("ask the broker who it is: %w", err)}
	}
	return connectedMsg{gen: gen, session: s, identity: id, warnings: backends.WarningsOf(s.Backend())}
}

func (m *Model) onConnected(msg connectedMsg) tea.Cmd {
	if msg.gen != m.conn.gen {
		return closeSession(msg.session) // we switched context while it was dialling
	}
	if msg.err != nil {
		return m.connectionLost(msg.err)
	}
	recovered, again := m.conn.err != nil, m.conn.known
	m.conn.state, m.conn.session, m.conn.identity, m.conn.known = stateConnected, msg.session, msg.identity, true
	m.c.Words = present.WordsFor(msg.identity.Kind)
	m.conn.attempt, m.conn.err = 0, nil

	var notes []string
	switch {
	case recovered && again:
		notes = append(notes, "connected again")
	case recovered:
		notes = append(notes, "connected")
	}
	for _, w := range msg.warnings {
		if !m.conn.warned[w] { // a degraded backend says so once, not on every reconnect
			m.conn.warned[w] = true
			notes = append(notes, sanitize.Line(w))
		}
	}
	cmds := []tea.Cmd{m.startFetch(), m.startRunners()}
	if len(notes) > 0 {
		level := levelInfo
		if len(msg.warnings) > 0 {
			level = levelWarn
		}
		cmds = append(cmds, m.setFlash(level, strings.Join(notes, "; ")))
	}
	return tea.Batch(cmds...)
}

// connectionLost drops the backend, keeps the data on screen marked stale, and schedules a reconnect.
func (m *Model) connectionLost(err error) tea.Cmd {
	m.cancelFetch()
	m.stopRunners(0)
	closing := closeSession(m.conn.session)
	m.conn.session = nil
	m.conn.retryIn = backoff(m.conn.attempt)
	m.conn.attempt++
	m.conn.state, m.conn.err = stateWaiting, err
	for _, v := range m.stack {
		v.SetStale(true)
	}
	// The header says when the next attempt is; the flash says what went wrong.
	return tea.Batch(closing, m.setFlash(levelError, oneLine(err)), m.after(m.conn.retryIn, retryMsg{gen: m.conn.gen}))
}

func (m *Model) onRetry(msg retryMsg) tea.Cmd {
	if msg.gen != m.conn.gen || m.conn.state != stateWaiting {
		return nil
	}
	return m.connect()
}

// switchContext closes the current backend and opens cfg, starting over on a fresh destinations view.
func (m *Model) switchContext(cfg config.Context) tea.Cmd {
	m.cancelFetch()
	closing := closeSession(m.conn.session)
	m.conn = connection{gen: m.conn.gen + 1, warned: map[string]bool{}}
	m.c.SetContext(cfg)
	m.applyTheme()
	m.stopRunners(0)
	m.stack = m.stack[:0]
	m.help = false
	root := m.push(newRoot(m.c)) // before the flash, which belongs to the new root
	flash := m.setFlash(levelInfo, "switching to context "+sanitize.Line(cfg.Name))
	if bad := m.checkTheme(); bad != nil {
		flash = bad
	}
	return tea.Batch(closing, root, m.connect(), flash)
}

// closeSession closes s off the UI goroutine: a dead broker can make Close slow.
func closeSession(s *actions.Session) tea.Cmd {
	if s == nil {
		return nil
	}
	return func() tea.Msg {
		_ = s.Close()
		return nil
	}
}

// startFetch loads the top view, superseding whatever was in flight.
func (m *Model) startFetch() tea.Cmd {
	v := m.top()
	load := v.Load()
	if m.conn.state != stateConnected || load == nil {
		return nil
	}
	m.cancelFetch()
	m.fetch.seq++
	ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
	m.fetch.inflight, m.fetch.cancel = true, cancel
	seq, id, b := m.fetch.seq, v.ID(), m.conn.session.Backend()
	return tea.Batch(m.spin(), func() tea.Msg {
		defer cancel()
		apply, err := load.Run(ctx, b)
		return fetchedMsg{view: id, seq: seq, apply: apply, err: err, at: time.Now()}
	})
}

// cancelFetch abandons the fetch in flight; its result, when it comes, is dropped.
func (m *Model) cancelFetch() {
	if !m.fetch.inflight {
		return
	}
	m.fetch.cancel()
	m.fetch.seq++
	m.fetch.inflight, m.fetch.cancel = false, nil
}

func (m *Model) onFetched(msg fetchedMsg) tea.Cmd {
	if msg.seq != m.fetch.seq || !m.fetch.inflight {
		return nil // superseded: the user moved on, or the context changed
	}
	m.fetch.inflight, m.fetch.cancel = false, nil
	v := m.viewByID(msg.view)
	if v == nil {
		return nil
	}
	if msg.err != nil {
		v.SetStale(true)
		if errors.Is(msg.err, backends.ErrNotSupported) || errors.As(msg.err, new(common.ElsewhereError)) {
			return m.setFlash(levelError, oneLine(msg.err)) // the broker is fine; it cannot do this, or it is not to blame
		}
		return m.connectionLost(msg.err)
	}
	msg.apply(msg.at)
	return nil
}

// onRefreshTick reloads the top view, unless the last load is still running: refreshes never pile up.
func (m *Model) onRefreshTick() tea.Cmd {
	next := m.after(m.c.Context.RefreshInterval(), refreshTickMsg{})
	if m.conn.state != stateConnected {
		return next
	}
	if m.fetch.inflight {
		m.skipped++
		return next
	}
	return tea.Batch(next, m.startFetch())
}

// refreshNow is ctrl+r: a fetch now, unless one is running.
func (m *Model) refreshNow() tea.Cmd {
	switch {
	case m.conn.state != stateConnected:
		return m.setFlash(levelInfo, "not connected: reconnecting on its own")
	}
	var reload tea.Cmd
	if r, ok := m.top().(common.Reloader); ok {
		reload = r.Reload()
	}
	if m.fetch.inflight {
		return reload
	}
	return tea.Batch(m.startFetch(), reload)
}

func (m *Model) viewByID(id int) common.View {
	for _, v := range m.stack {
		if v.ID() == id {
			return v
		}
	}
	return nil
}

// oneLine makes an error fit for the flash line: passwords redacted, nothing raw from the broker.
func oneLine(err error) string { return common.ErrorLine(err) }
