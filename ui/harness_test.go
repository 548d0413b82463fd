package ui

import (
	"context"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/kafka"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/demo"
	"github.com/mqscope/mqscope/internal/testkit/demofix"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/uitest"
)

// at is the fixed fetch time of test data, so that screens are the same on every run.
var at = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// timer is a tea.Tick the model asked for. Tests fire timers by sending their message: nothing waits.
type timer struct {
	d   time.Duration
	msg tea.Msg
}

// harness drives a Model the way a tea.Program would, minus the terminal and the clock.
type harness struct {
	t      *testing.T
	m      *Model
	timers []timer
}

func newHarness(t *testing.T, opts Options, width, height int) *harness {
	t.Helper()
	if opts.Context.Name == "" {
		opts.Context.Name = "local"
	}
	h := &harness{t: t, m: New(opts)}
	h.m.after = func(d time.Duration, msg tea.Msg) tea.Cmd {
		h.timers = append(h.timers, timer{d, msg})
		return nil
	}
	h.send(tea.WindowSizeMsg{Width: width, Height: height})
	return h
}

// send delivers msg and returns the command the model answered with, without running it.
func (h *harness) send(msg tea.Msg) tea.Cmd {
	_, cmd := h.m.Update(msg)
	return cmd
}

// run executes cmd like a program would, feeding every message back, until nothing is left to do. Timers
// are recorded, not waited for; broker calls run for real.
func (h *harness) run(cmd tea.Cmd) []tea.Msg {
	var seen []tea.Msg
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		default:
			seen = append(seen, msg)
			queue = append(queue, h.send(msg))
		}
	}
	return seen
}

// runOnce executes cmd and delivers what it produces, but not what the model answers with: the test takes
// over from there.
func (h *harness) runOnce(cmd tea.Cmd) {
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		default:
			h.send(msg)
		}
	}
}

// key presses one key: "esc", "enter", "ctrl+c", or a single character.
func (h *harness) key(k string) tea.Cmd {
	return h.send(keyMsg(k))
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "ctrl+r":
		return tea.KeyPressMsg{Code: 'r', Mod: tea.ModCtrl}
	case "ctrl+s":
		return tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	}
	r := []rune(k)
	if len(r) != 1 {
		panic("keyMsg: unknown key " + k)
	}
	return tea.KeyPressMsg{Code: r[0], Text: k}
}

// command types ":line" and enter, and runs what it starts.
func (h *harness) command(line string) []tea.Msg {
	h.key(":")
	for _, r := range line {
		h.key(string(r))
	}
	return h.run(h.key("enter"))
}

// connect answers the pending dial with b, as if the broker had answered.
func (h *harness) connect(b backends.Backend, id backends.Identity, warnings ...string) tea.Cmd {
	return h.send(connectedMsg{gen: h.m.conn.gen, session: actions.NewSession(b, h.m.c.Context), identity: id, warnings: warnings})
}

// deliver answers the fetch in flight with data, through the top view's own load: the broker answers
// with data.
func (h *harness) deliver(data any) tea.Cmd {
	h.t.Helper()
	if !h.m.fetch.inflight {
		h.t.Fatal("deliver: no fetch in flight")
	}
	return h.send(fetchedMsg{view: h.m.top().ID(), seq: h.m.fetch.seq, apply: h.loaded(h.m.top(), data), at: at})
}

// loaded runs v's load against a broker that answers with data, and returns what applies it.
func (h *harness) loaded(v common.View, data any) func(time.Time) {
	h.t.Helper()
	apply, err := uitest.Load(v, data)
	if err != nil {
		h.t.Fatal(err)
	}
	return apply
}

// fail answers the fetch in flight with err.
func (h *harness) fail(err error) tea.Cmd {
	return h.send(fetchedMsg{view: h.m.top().ID(), seq: h.m.fetch.seq, err: err, at: at})
}

// screen is what the terminal would show, without colours.
func (h *harness) screen() string { return ansi.Strip(h.m.View().Content) }

// timersOf returns the durations of the recorded timers whose message has the type of like.
func (h *harness) timersOf(like tea.Msg) []time.Duration {
	var ds []time.Duration
	for _, tm := range h.timers {
		if sameType(tm.msg, like) {
			ds = append(ds, tm.d)
		}
	}
	return ds
}

func sameType(a, b tea.Msg) bool { return reflect.TypeOf(a) == reflect.TypeOf(b) }

func (h *harness) mustShow(want ...string) {
	h.t.Helper()
	s := h.screen()
	for _, w := range want {
		if !strings.Contains(s, w) {
			h.t.Fatalf("screen lacks %q:\n%s", w, s)
		}
	}
}

// bareBackend is a connection that can do nothing beyond the contract's minimum: it stands for any broker
// without a given capability, so that the UI's capability checks can be seen refusing.
type bareBackend struct{ closed atomic.Int32 }

func (b *bareBackend) Identity(context.Context) (backends.Identity, error) {
	return backends.Identity{Kind: "bare"}, nil
}
func (b *bareBackend) Close() error { b.closed.Add(1); return nil }

func kafkaIdentity() backends.Identity {
	return backends.Identity{Kind: backends.Kafka, Version: "3.7+", Cluster: "kfake-demo"}
}

func ctxs(names ...string) []config.Context {
	cs := make([]config.Context, len(names))
	for i, n := range names {
		cs[i] = config.Context{Name: n, Kafka: &config.KafkaConfig{Brokers: []string{n + ":9092"}}}
	}
	return cs
}

// startDemo starts a still demo cluster for one test and the Options that connect the shell to it through
// the Kafka adapter.
func startDemo(t *testing.T) (Options, *demo.Cluster) {
	t.Helper()
	cluster := demofix.Start(t)
	open := func(ctx context.Context, c config.Context) (backends.Backend, error) {
		return kafka.Open(ctx, kafka.Config{Brokers: c.Kafka.Brokers})
	}
	c := config.Context{Name: "demo", Kafka: &config.KafkaConfig{Brokers: cluster.Bootstrap()}}
	return Options{Context: c, Open: open}, cluster
}
