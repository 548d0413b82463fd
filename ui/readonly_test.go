package ui

import (
	"slices"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	"github.com/mqscope/mqscope/demo"
	"github.com/mqscope/mqscope/ui/common"
)

// In a read-only context no view offers an action that changes the broker: not in its footer or help,
// and its key does nothing. Every view of the demo cluster is visited: topics (on a dead-letter topic),
// the message browser with marks, a message, groups, lag, a group's partitions. The same walk on a
// writable context finds the actions offered, so the check cannot pass by seeing nothing.
func TestReadOnlyOffersNoMutationInAnyView(t *testing.T) {
	demoOpts, _ := startDemo(t)
	for _, readOnly := range []bool{true, false} {
		opts := demoOpts
		opts.Context.ReadOnly = readOnly
		h := newHarness(t, opts, 140, 30)
		offered := map[string]bool{}
		look := func(where string) {
			t.Helper()
			for _, b := range offeredMutations(h) {
				offered[where+": "+b] = true
			}
			if !readOnly {
				return
			}
			for _, b := range h.m.c.Keys.Mutating() {
				for _, k := range b.Keys() {
					depth, kind := len(h.m.stack), h.m.top().Kind()
					for _, msg := range h.run(h.key(k)) {
						if _, ran := msg.(common.TaskMsg); ran {
							t.Errorf("%s: %s (%s) started broker work read-only", where, k, b.Help().Desc)
						}
					}
					if len(h.m.stack) != depth || h.m.top().Kind() != kind {
						t.Errorf("%s: %s (%s) opened %s read-only", where, k, b.Help().Desc, h.m.top().Title())
						h.send(common.PopMsg{})
					}
				}
			}
		}
		h.run(h.m.Init())
		h.mustShow("● connected")
		filter(h, demo.Orders+"-dlt")
		look("topics")
		h.run(h.key("enter"))
		h.mustShow("› " + demo.Orders + "-dlt")
		h.key(" ")
		look("messages")
		h.run(h.key("enter"))
		look("message")
		h.key("esc")
		h.key("esc")
		h.command("groups")
		look("groups")
		h.command("lag")
		h.mustShow("3 groups")
		filter(h, demo.Audit)
		look("lag")
		h.run(h.key("enter"))
		h.mustShow("lag › " + demo.Audit)
		look("partitions")
		h.m.Close()

		got := strings.Join(slices.Sorted(mapKeys(offered)), "; ")
		if readOnly && got != "" {
			t.Errorf("read-only offers: %s", got)
		}
		if !readOnly {
			for _, want := range []string{"topics: purge", "topics: publish", "topics: redrive", "messages: replay",
				"partitions: reset-offsets"} {
				if !offered[want] {
					t.Errorf("writable: %s not offered (offered: %s)", want, got)
				}
			}
		}
	}
}

// offeredMutations names the mutating actions whose keys the top view offers, in its footer and help.
func offeredMutations(h *harness) []string {
	names := map[string]string{}
	k := h.m.c.Keys
	for name, b := range map[string]key.Binding{"reset-offsets": k.ResetOffsets, "purge": k.Purge, "publish": k.Publish,
		"replay": k.Replay, "redrive": k.Redrive} {
		for _, key := range b.Keys() {
			names[key] = name
		}
	}
	var out []string
	for _, b := range h.m.top().Keys() {
		for _, key := range b.Keys() {
			if name, ok := names[key]; ok && b.Enabled() {
				out = append(out, name)
			}
		}
	}
	return out
}

func filter(h *harness, text string) {
	h.key("/")
	for _, r := range text {
		h.key(string(r))
	}
	h.key("enter")
}

func mapKeys(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
