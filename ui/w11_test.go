package ui

import (
	"github.com/charmbracelet/x/ansi"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/demo"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/screens"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// Issue 11.7: the / bar neither shows nor accepts what the : bar last suggested.
func TestFilterBarHasNoCommandLeftovers(t *testing.T) {
	h := connected(t, Options{})
	h.command("queues")
	h.key("/")
	for _, r := range "ord" {
		h.key(string(r))
	}
	if s := h.screen(); strings.Contains(s, "/ordues") || strings.Contains(s, "/queues") {
		t.Fatalf("the filter bar shows the command bar's completion:\n%s", s)
	}
	h.send(tea.KeyPressMsg{Code: tea.KeyTab})
	if got := h.m.top().Filter(); got != "ord" {
		t.Fatalf("tab in the filter bar accepted a command suggestion: filter %q", got)
	}
	h.key("esc")
	h.key("/")
	if s := h.screen(); strings.Contains(s, "/queues") {
		t.Fatalf("an empty filter bar shows a command:\n%s", s)
	}
}

// Issue 11.8: re: is a regular expression in every list, as in the message browser.
func TestRegexFilterInLists(t *testing.T) {
	h := connected(t, Options{})
	h.key("/")
	for _, r := range "re:^o.*t$" {
		h.key(string(r))
	}
	h.key("enter")
	h.mustShow("orders-dlt", "1 of 3 topics")
	if strings.Contains(h.screen(), "payments") {
		t.Fatalf("re:^o.*t$ matched payments:\n%s", h.screen())
	}
	h.key("esc")
	h.key("/")
	for _, r := range "re:(" {
		h.key(string(r))
	}
	h.mustShow("not a regular expression")
}

// Issue 11.13: a flash belongs to the view that raised it; :queues on Kafka says why it shows topics; a
// key that would change something says why it does nothing in read-only mode.
func TestFlashStaysWithItsView(t *testing.T) {
	h := connected(t, Options{})
	h.command("nosuch")
	h.mustShow("unknown command")
	for _, r := range ":queues" {
		h.key(string(r))
	}
	h.key("enter") // not run: the broker answers below
	h.deliver(someTopics())
	h.mustShow("Kafka has topics, not queues")
	h.send(common.PushMsg{View: screens.NewGroups(h.m.c)}) // its data not back yet
	if s := h.screen(); strings.Contains(s, "Kafka has topics") || strings.Contains(s, "unknown command") {
		t.Fatalf("a flash from another view lingers:\n%s", s)

	}
}

func TestReadOnlyKeySaysWhy(t *testing.T) {
	h := newHarness(t, Options{Context: config.Context{Name: "prod", ReadOnly: true}}, 120, 20)
	h.connect(&bareBackend{}, kafkaIdentity())
	h.deliver(someTopics())
	h.key("P")
	h.mustShow("read-only")
}

// crumbs is the breadcrumb on the second line, without the status on its right.
func (h *harness) crumbs() string {
	f := strings.Fields(strings.Split(h.screen(), "\n")[1])
	out := f[0]
	for i := 1; i+1 < len(f) && f[i] == "›"; i += 2 {
		out += " › " + f[i+1]
	}
	return out
}

// Issue 11.14: : switches the root view, as in k9s; esc goes back within the root.
func TestCommandSwitchesTheRoot(t *testing.T) {
	h := lagHarness(t, config.Context{}, &lagBackend{})
	h.typeCommand("lag")
	h.deliver(lagSnapshot(0))
	if got := h.crumbs(); got != "lag" {
		t.Fatalf(":lag from topics: breadcrumb %q, want lag", got)
	}
	h.key("/")
	for _, r := range "billing" {
		h.key(string(r))
	}
	h.key("enter")
	h.send(h.key("enter")())
	if got := h.crumbs(); got != "lag › billing-service" {
		t.Fatalf("breadcrumb %q", got)
	}
	h.typeCommand("topics")
	h.deliver(someTopics())
	if got := h.crumbs(); got != "topics" {
		t.Fatalf(":topics from a group's lag: breadcrumb %q, want topics", got)
	}
	h.key("esc")
	if got := h.crumbs(); got != "topics" || len(h.m.stack) != 1 {
		t.Fatalf("esc on a root: breadcrumb %q, stack %d", got, len(h.m.stack))
	}
}

// reloadCounter is a view that counts its reloads.
type reloadCounter struct {
	common.Base
	reloads int
}

func (r *reloadCounter) Reload() tea.Cmd                { r.reloads++; return nil }
func (r *reloadCounter) Update(tea.KeyPressMsg) tea.Cmd { return nil }
func (r *reloadCounter) View() string                   { return "" }

// Issue 11.9: ctrl+r reaches a view that reads again by itself (the message browser), not only its Load.
func TestCtrlRReloadsEveryView(t *testing.T) {
	h := connected(t, Options{})
	v := &reloadCounter{Base: common.NewBase("test", "test")}
	h.send(common.PushMsg{View: v})
	h.run(h.key("ctrl+r"))
	if v.reloads != 1 {
		t.Fatalf("ctrl+r reloaded the view %d times, want 1", v.reloads)
	}
}

// Issue 11.11: the help fits down to 60×15: its frame whole, and what does not fit scrolls.
func TestHelpFitsSmallScreens(t *testing.T) {
	h := newHarness(t, Options{}, 60, 15)
	h.connect(&bareBackend{}, kafkaIdentity())
	h.deliver(someTopics())
	h.key("?")
	s := h.screen()
	if !strings.Contains(s, "╭") || !strings.Contains(s, "╰") || !strings.Contains(s, "closes") {
		t.Fatalf("the help's frame or closing hint is cut at 60×15:\n%s", s)
	}
	for _, line := range strings.Split(s, "\n") {
		if w := ansi.StringWidth(line); w > 60 {
			t.Fatalf("a line is %d cells wide:\n%s", w, s)
		}
	}
	if !strings.Contains(s, "Move") && !strings.Contains(s, "↑/↓ scroll") {
		t.Fatalf("the help neither shows everything nor scrolls:\n%s", s)
	}
	seen := s
	for range 40 {
		h.key("down")
		seen += h.screen()
	}
	for _, want := range []string{"General", "Move", "commands  :topics"} {
		if !strings.Contains(seen, want) {
			t.Fatalf("scrolling never shows %q", want)
		}
	}
}

// Issue 11.16: R on a group in the lag and groups lists resets the whole group, after the same dry run, confirmed by
// typing the group's name.
func TestResetWholeGroupFromTheLagList(t *testing.T) {
	for _, list := range []string{"lag", "groups"} {
		t.Run(list, func(t *testing.T) { resetWholeGroupFrom(t, list) })
	}
}

func resetWholeGroupFrom(t *testing.T, list string) {
	opts, _ := startDemo(t)
	h := newHarness(t, opts, 140, 30)
	defer h.m.Close()
	h.run(h.m.Init())
	h.command(list)
	h.filter(demo.Audit)
	h.run(h.key("R"))
	h.mustShow("Move the committed offsets of audit-exporter", "the whole group: every partition of")
	h.run(h.key("enter"))
	h.mustShow("reset audit-exporter to earliest?", "COMMITTED  →  NEW", "type audit-exporter and enter to commit")
	h.run(h.key("y"))
	h.run(h.key("enter"))
	h.mustShow("reset audit-exporter to earliest?") // y and a wrong name do nothing
	h.key("backspace")
	for _, r := range demo.Audit {
		h.key(string(r))
	}
	h.run(h.key("enter"))
	h.mustShow("audit-exporter: ", "offsets committed")
	if got := h.crumbs(); got != list {
		t.Errorf("after the reset: breadcrumb %q, want back on %s", got, list)
	}
}
