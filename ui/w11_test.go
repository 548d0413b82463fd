package ui

import (
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
