package ui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/confirm"
)

// working is a view with work in progress, for the shell's side of ctrl+c.
type working struct {
	*confirm.Model
	running bool
	cancels int
}

func (w *working) Cancel() bool {
	if !w.running {
		return false
	}
	w.running = false
	w.cancels++
	return true
}

// ctrl+c stops the work on screen first (a move stops between batches and its report is worth reading);
// with nothing to stop, it quits.
func TestCtrlCCancelsWorkBeforeQuitting(t *testing.T) {
	h := newHarness(t, Options{}, 80, 20)
	w := &working{Model: confirm.New(h.m.c, "work", nil, "do", nil), running: true}
	h.send(common.PushMsg{View: w})
	if cmd := h.key("ctrl+c"); cmd != nil || w.cancels != 1 {
		t.Fatalf("the first ctrl+c cancels the work: %d cancels", w.cancels)
	}
	cmd := h.key("ctrl+c")
	if cmd == nil {
		t.Fatal("nothing left to cancel: ctrl+c quits")
	}
	if _, quit := cmd().(tea.QuitMsg); !quit {
		t.Fatal("ctrl+c should quit")
	}
}

// A confirmation gives way to the work it confirmed in one step: the views above the anchor close and
// the new one opens there.
func TestPopToThenReplacesTheViewsAbove(t *testing.T) {
	h := newHarness(t, Options{}, 80, 20)
	root := h.m.top()
	a := confirm.New(h.m.c, "plan", nil, "go", nil)
	b := confirm.New(h.m.c, "confirm", nil, "go", nil)
	c := confirm.New(h.m.c, "progress", nil, "go", nil)
	h.send(common.PushMsg{View: a})
	h.send(common.PushMsg{View: b})
	h.run(common.PopToThen(root.ID(), c))
	if len(h.m.stack) != 2 || h.m.stack[0] != root || h.m.top() != c {
		t.Fatalf("stack: %d views, top %s", len(h.m.stack), h.m.top().Title())
	}
}
