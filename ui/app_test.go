package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/ui/screens"
)

func someTopics() []backends.Destination {
	return []backends.Destination{
		{Name: "orders", Kind: backends.Topic, Partitions: 6, ReplicationFactor: 3, Messages: 1200},
		{Name: "payments", Kind: backends.Topic, Partitions: 3, ReplicationFactor: 3, Messages: 90},
		{Name: "orders-dlt", Kind: backends.Topic, Partitions: 6, ReplicationFactor: 3, Messages: 4},
	}
}

// connected returns a harness whose root view shows someTopics.
func connected(t *testing.T, opts Options) *harness {
	t.Helper()
	h := newHarness(t, opts, 100, 20)
	h.connect(&bareBackend{}, kafkaIdentity())
	h.deliver(someTopics())
	return h
}

func TestHeaderShowsContextBrokerAndReadOnly(t *testing.T) {
	h := newHarness(t, Options{Context: config.Context{Name: "prod", ReadOnly: true}}, 100, 20)
	h.mustShow("mqscope", "prod", "connecting…", "READ-ONLY", "waiting for the broker")
	h.connect(&bareBackend{}, kafkaIdentity())
	h.mustShow("kafka 3.7+", "cluster kfake-demo", "READ-ONLY")
	h.deliver(someTopics())
	h.mustShow("● connected", "topics", "3 topics · updated 05:06:07", "orders-dlt", "1,200")

	h2 := newHarness(t, Options{Context: config.Context{Name: "dev"}}, 100, 20)
	if strings.Contains(h2.screen(), "READ-ONLY") {
		t.Fatal("a writable context shows no READ-ONLY badge")
	}
}

// A refresh tick while the last fetch is still running does nothing but wait for the next tick.
func TestRefreshSkipsWhileInFlight(t *testing.T) {
	h := newHarness(t, Options{Context: config.Context{Refresh: config.Duration(5 * time.Second)}}, 100, 20)
	h.m.Init() // not run: the dial is answered by hand below
	if got := h.timersOf(refreshTickMsg{}); len(got) != 1 || got[0] != 5*time.Second {
		t.Fatalf("Init should schedule one refresh tick at the context's interval, got %v", got)
	}
	h.connect(&bareBackend{}, kafkaIdentity())
	seq := h.m.fetch.seq
	if !h.m.fetch.inflight {
		t.Fatal("connecting should start the first fetch")
	}
	h.send(refreshTickMsg{})
	h.send(refreshTickMsg{})
	if h.m.fetch.seq != seq || h.m.skipped != 2 {
		t.Fatalf("ticks during a fetch must skip: seq %d→%d, skipped %d", seq, h.m.fetch.seq, h.m.skipped)
	}
	if got := h.timersOf(refreshTickMsg{}); len(got) != 3 {
		t.Fatalf("every tick schedules the next one, got %v", got)
	}
	h.deliver(someTopics())
	h.send(refreshTickMsg{})
	if h.m.fetch.seq != seq+1 || !h.m.fetch.inflight {
		t.Fatal("the first tick after the fetch returned should fetch again")
	}
	// ctrl+r while in flight does not start a second one either.
	h.key("ctrl+r")
	if h.m.fetch.seq != seq+1 {
		t.Fatal("ctrl+r must not overlap a running fetch")
	}
}

// A result for a request that has been superseded (the user opened another view) is dropped.
func TestStaleResultIsDropped(t *testing.T) {
	h := connected(t, Options{})
	root := h.m.top()
	h.send(refreshTickMsg{})
	oldSeq := h.m.fetch.seq
	h.run(h.key("enter")) // details of orders-dlt... whatever is under the cursor: a new view, a new fetch
	if len(h.m.stack) != 2 || h.m.fetch.seq == oldSeq {
		t.Fatalf("enter should push a view and fetch for it (stack %d, seq %d)", len(h.m.stack), h.m.fetch.seq)
	}
	late := []backends.Destination{{Name: "late-arrival", Kind: backends.Topic, Partitions: 1}}
	h.send(fetchedMsg{view: root.ID(), seq: oldSeq, apply: h.loaded(root, late), at: at})
	h.key("esc")
	if strings.Contains(h.screen(), "late-arrival") {
		t.Fatalf("a superseded result reached the screen:\n%s", h.screen())
	}
	// And a result after a context switch, for the old context, is dropped too.
	h2 := connected(t, Options{Contexts: ctxs("local", "other"), Open: failingOpener(nil).open})
	seq := h2.m.fetch.seq
	h2.send(refreshTickMsg{})
	h2.command("ctx other")
	h2.send(fetchedMsg{view: h2.m.top().ID(), seq: seq + 1, apply: h2.loaded(h2.m.top(), late), at: at})
	if strings.Contains(h2.screen(), "late-arrival") {
		t.Fatal("a result from the previous context reached the new one")
	}
}

// failingOpener counts its calls, records the contexts it was asked for, and fails with err (nil: succeeds
// with a bareBackend).
type opener struct {
	mu    sync.Mutex
	calls []string
	err   error
}

func failingOpener(err error) *opener { return &opener{err: err} }

func (o *opener) open(_ context.Context, c config.Context) (backends.Backend, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls = append(o.calls, c.Name)
	if o.err != nil {
		return nil, o.err
	}
	return &bareBackend{}, nil
}

// When the broker goes away the data stays on screen, marked stale, and reconnects go through the opener
// at 1s, 2s, 4s, ... 30s; when it answers again, the view carries on.
func TestReconnectBackoff(t *testing.T) {
	unreachable := backends.Unreachable(backends.Kafka, "127.0.0.1:1", errors.New("connection refused"))
	o := failingOpener(unreachable)
	opts := Options{Open: o.open}
	h := connected(t, opts)
	first := h.m.conn.session.Backend().(*bareBackend)

	h.send(refreshTickMsg{})
	h.run(h.fail(fmt.Errorf("list destinations: %w", unreachable)))
	if first.closed.Load() != 1 {
		t.Fatal("the dead connection should be closed")
	}
	h.mustShow("orders-dlt", "stale", "✕ unreachable", "cannot reach kafka 127.0.0.1:1", "retry in 1s")
	h.send(flashExpiredMsg{id: h.m.flash.id})
	h.mustShow("cannot reach kafka 127.0.0.1:1") // the reason stays while the broker is away

	for range 6 { // each retry dials through the opener, fails, and waits longer
		h.run(h.send(h.timers[len(h.timers)-1].msg))
	}
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30}
	got := h.timersOf(retryMsg{})
	if len(got) != len(want) {
		t.Fatalf("retries scheduled at %v, want %v seconds", got, want)
	}
	for i := range want {
		if got[i] != want[i]*time.Second {
			t.Fatalf("retry %d after %v, want %v (all: %v)", i, got[i], want[i]*time.Second, got)
		}
	}
	if len(o.calls) != 6 {
		t.Fatalf("the opener was called %d times, want 6", len(o.calls))
	}
	h.mustShow("orders-dlt", "retry in 30s")

	// The broker is back.
	o.err = nil
	h.runOnce(h.send(h.timers[len(h.timers)-1].msg))
	if h.m.conn.state != stateConnected || h.m.conn.attempt != 0 {
		t.Fatalf("state %v attempt %d after the broker came back", h.m.conn.state, h.m.conn.attempt)
	}
	h.mustShow("connected again")
	h.deliver(append(someTopics(), backends.Destination{Name: "new-topic", Kind: backends.Topic, Partitions: 1}))
	if s := h.screen(); strings.Contains(s, "stale") || !strings.Contains(s, "new-topic") {
		t.Fatalf("fresh data should replace the stale:\n%s", s)
	}
	// A new outage starts the schedule from 1s again.
	h.send(refreshTickMsg{})
	h.run(h.fail(unreachable))
	if got := h.timersOf(retryMsg{}); got[len(got)-1] != time.Second {
		t.Fatalf("a new outage should retry after 1s, got %v", got[len(got)-1])
	}
}

func TestDegradedWarningShownOnce(t *testing.T) {
	h := newHarness(t, Options{}, 100, 20)
	warning := "management API unreachable: rates and dead-letter policies are not shown"
	h.connect(&bareBackend{}, kafkaIdentity(), warning)
	h.mustShow(warning)
	h.send(flashExpiredMsg{id: h.m.flash.id})
	if strings.Contains(h.screen(), warning) {
		t.Fatal("the flash should expire")
	}
	h.run(h.fail(errors.New("boom")))
	h.connect(&bareBackend{}, kafkaIdentity(), warning)
	if strings.Contains(h.screen(), warning) {
		t.Fatal("the same warning should not come back on every reconnect")
	}
}

func TestCommands(t *testing.T) {
	h := connected(t, Options{Contexts: ctxs("local", "staging")})
	h.command("frobnicate")
	h.mustShow(`unknown command "frobnicate"`, ":topics")

	h.command("ctx nope")
	h.mustShow(`no context named "nope" (known: local, staging)`)
	if h.m.conn.gen != 0 || h.m.conn.state != stateConnected {
		t.Fatal("an unknown context must not disturb the connection")
	}
	h.command("ctx")
	h.mustShow("contexts: local, staging (current: local)")

	// The backend cannot list groups: :groups says so and opens nothing.
	h.command("groups")
	h.mustShow("this broker has no consumer groups")
	if len(h.m.stack) != 1 {
		t.Fatal(":groups must not open a view the backend cannot fill")
	}

	// :topics and :queues both lead to the destinations view.
	h.run(h.key("enter"))
	if len(h.m.stack) != 2 {
		t.Fatal("enter should open the details")
	}
	h.command("queues")
	if len(h.m.stack) != 1 || h.m.top().Kind() != screens.KindDestinations {
		t.Fatal(":queues should go back to the destinations view")
	}

	// esc in the bar cancels; q in the bar is text, not quit.
	h.key(":")
	if cmd := h.key("q"); cmd != nil && isQuit(cmd) {
		t.Fatal("q typed in the command bar must not quit")
	}
	h.key("esc")
	if h.m.mode != modeNormal {
		t.Fatal("esc should close the command bar")
	}
	if msgs := h.command("q"); !containsQuit(msgs) {
		t.Fatal(":q should quit")
	}
}

func isQuit(cmd tea.Cmd) bool {
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

func containsQuit(msgs []tea.Msg) bool {
	for _, m := range msgs {
		if _, ok := m.(tea.QuitMsg); ok {
			return true
		}
	}
	return false
}

func TestQuitKeys(t *testing.T) {
	for _, k := range []string{"q", "ctrl+c"} {
		h := connected(t, Options{})
		if cmd := h.key(k); cmd == nil || !isQuit(cmd) {
			t.Fatalf("%s should quit", k)
		}
	}
}

// :ctx NAME closes the backend, opens the new context through the opener, and starts over on it.
func TestSwitchContext(t *testing.T) {
	o := failingOpener(nil)
	h := connected(t, Options{Contexts: ctxs("local", "staging"), Open: o.open})
	old := h.m.conn.session.Backend().(*bareBackend)
	h.command("ctx staging")
	if old.closed.Load() != 1 {
		t.Fatal("the old backend should be closed")
	}
	if len(o.calls) != 1 || o.calls[0] != "staging" {
		t.Fatalf("opener calls: %v", o.calls)
	}
	if h.m.conn.state != stateConnected || h.m.c.Context.Name != "staging" {
		t.Fatalf("state %v context %q", h.m.conn.state, h.m.c.Context.Name)
	}
	h.mustShow("│ staging │ bare")
	if strings.Contains(h.screen(), "orders-dlt") {
		t.Fatal("the new context should not show the old one's topics")
	}
	// A dial of the old generation that answers late is closed, not used.
	late := &bareBackend{}
	h.run(h.send(connectedMsg{gen: 0, session: actions.NewSession(late, config.Context{}), identity: kafkaIdentity()}))
	if late.closed.Load() != 1 || h.m.conn.session.Backend() == late {
		t.Fatal("a late connection from the previous context should be closed and ignored")
	}
}

func TestFilterAndBack(t *testing.T) {
	h := connected(t, Options{})
	h.key("/")
	for _, r := range "dlt" {
		h.key(string(r))
	}
	h.mustShow("1 of 3 topics", "orders-dlt")
	if strings.Contains(h.screen(), "payments") {
		t.Fatal("the filter should hide payments")
	}
	h.key("enter")
	h.mustShow("/dlt", "esc back")
	h.run(h.key("enter"))
	h.mustShow("topics › orders-dlt")
	h.key("esc")
	h.mustShow("/dlt")
	h.key("esc")
	if s := h.screen(); strings.Contains(s, "/dlt") || !strings.Contains(s, "payments") {
		t.Fatalf("the second esc clears the filter:\n%s", s)
	}
	h.key("esc") // nothing left to pop: the root stays
	if len(h.m.stack) != 1 {
		t.Fatal("the root view cannot be popped")
	}
}

// The help is built from the key map: rebinding a key changes the help.
func TestHelpComesFromTheKeyMap(t *testing.T) {
	h := connected(t, Options{})
	h.m.c.Keys.Sort.SetKeys("o")
	h.m.c.Keys.Sort.SetHelp("o", "order by next column")
	h.key("?")
	h.mustShow("General", "command", "order by next column", "esc or ? closes this help")
	h.key("?")
	if strings.Contains(h.screen(), "General") {
		t.Fatal("? should close the help")
	}
	h.key("o")
	h.mustShow("KIND ▲") // the next column
}

// No byte of broker text reaches the terminal raw, wherever it is drawn: table, header, flash.
func TestHostileTextIsEscapedEverywhere(t *testing.T) {
	h := newHarness(t, Options{}, 120, 20)
	h.connect(&bareBackend{}, backends.Identity{Kind: backends.Kafka, Version: "3\x1b[8m", Cluster: "c\x1b]52;c;Zm9v\x07"})
	h.deliver([]backends.Destination{
		{Name: "q\x1b]0;pwned\x07", Kind: backends.Queue},
		{Name: "rtl\u202eevil", Kind: backends.Queue},
	})
	h.send(refreshTickMsg{})
	h.fail(errors.New("broker said \x1b[2J\x9b31m"))
	out := h.m.View().Content
	for _, want := range []string{`q\e]0;pwned\x07`, `rtl\u202eevil`, `3\e[8m`, `c\e]52;c;Zm9v\x07`, `\e[2J\x9b31m`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing escaped %q in\n%s", want, ansi.Strip(out))
		}
	}
	assertOnlySGR(t, out)
}

// assertOnlySGR fails on any control sequence other than colours and attributes (CSI ... m), and on any
// C0/C1 control other than newline: only the UI's own styling may reach the terminal.
func assertOnlySGR(t *testing.T, s string) {
	t.Helper()
	if seq, ok := firstForeignControl(s); ok {
		t.Fatalf("control %q reached the view", seq)
	}
}

func firstForeignControl(s string) (string, bool) {
	state := byte(ansi.NormalState)
	for len(s) > 0 {
		seq, _, n, next := ansi.DecodeSequence(s, state, nil)
		state = next
		r, _ := utf8.DecodeRuneInString(seq)
		sgr := strings.HasPrefix(seq, "\x1b[") && strings.HasSuffix(seq, "m")
		control := r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == utf8.RuneError || isBidi(r)
		if !sgr && seq != "\n" && control {
			return seq, true
		}
		s = s[n:]
	}
	return "", false
}

func isBidi(r rune) bool { return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) }

// The checker itself must catch what it is there to catch.
func TestForeignControlDetector(t *testing.T) {
	for _, bad := range []string{"a\x1b]0;x\x07b", "\x1b[2J", "x\x9b31m", "\u202e", "\r", "\x1b[?1049h"} {
		if _, ok := firstForeignControl("\x1b[1mok\x1b[m\n" + bad); !ok {
			t.Errorf("missed %q", bad)
		}
	}
	if seq, ok := firstForeignControl("\x1b[38;2;1;2;3mfine\x1b[m\nline 注文"); ok {
		t.Errorf("flagged %q in a clean string", seq)
	}
}

func TestThemeFromTheContext(t *testing.T) {
	h := newHarness(t, Options{Context: config.Context{Name: "x", Theme: "light"}}, 100, 20)
	if h.m.c.Theme.Name != "light" {
		t.Fatalf("theme %q, want light", h.m.c.Theme.Name)
	}
	h = newHarness(t, Options{Context: config.Context{Name: "x", Theme: "solarised"}}, 100, 20)
	h.m.Init()
	h.mustShow(`no theme called "solarised" (there are dark, dracula, light, nord): using dark`)
}

// A first connection that fails fills the body with why, whole and wrapped (the bottom line has room for
// its start only, and the fix comes last), and the header names the failure: a refused login is no
// unreachable broker.
func TestFirstConnectionFailureSaysWhyInFull(t *testing.T) {
	h := newHarness(t, Options{}, 80, 24)
	refused := backends.AuthFailed(backends.RabbitMQ, "amqp://guest:xxxxx@127.0.0.1:5672/",
		errors.New("username or password not allowed (check the user name and password)"))
	h.send(connectedMsg{gen: h.m.conn.gen, err: refused})
	h.mustShow("✕ login refused", "check the user name and password)", "tries again by itself")
	if strings.Contains(h.screen(), "waiting for the broker") {
		t.Fatal("the body still says it is waiting for the broker")
	}
	unreachable := backends.Unreachable(backends.RabbitMQ, "127.0.0.1:5999", errors.New("connection refused"))
	h.send(connectedMsg{gen: h.m.conn.gen, err: unreachable})
	h.mustShow("✕ unreachable", "cannot reach rabbitmq 127.0.0.1:5999")
}
