package screens

import (
	tea "charm.land/bubbletea/v2"
	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/ui/common"
	"strings"
	"testing"
	"time"

	"github.com/mqscope/mqscope/backends"
)

// Issue 11.9: ctrl+r reads a browser again, and a browser on a queue says how old what it shows is.
func TestBrowserReloadsAndSaysItsAge(t *testing.T) {
	q := backends.Destination{Name: "jobs.dlq", Kind: backends.Queue}
	v := newBrowser(t, q, 100)
	v.b, v.effects = shovelCapable{}, &backends.PeekEffects{}
	v.peek()
	deliver(v, message(0, 1, "a", "one"), message(0, 2, "b", "two"))
	v.onBatch(peekBatch{gen: v.gen, done: true})
	if st := v.Status(); !strings.Contains(st, "read 0s ago (ctrl+r reads again)") {
		t.Fatalf("a finished read of a queue should say its age: %q", st)
	}
	if cmd := v.Reload(); cmd == nil || !v.peeking || v.ring.Len() != 0 {
		t.Fatalf("ctrl+r should read again from the start: cmd %v, peeking %v, held %d", cmd != nil, v.peeking, v.ring.Len())
	}
	if st := v.Status(); strings.Contains(st, "ago") {
		t.Fatalf("a read under way has no age: %q", st)
	}
}

// Issue 11.10: placeholders read as placeholders, an empty body is sent only when chosen, and esc asks
// before throwing typed input away.
func TestPublishFormEmptyBodyAndEsc(t *testing.T) {
	v := newPubForm(t, ordersTopic)
	if s := screenOf(v); strings.Contains(s, `{"id"`) || !strings.Contains(s, "(empty: type the body") {
		t.Fatalf("the body's placeholder looks like a value:\n%s", s)
	}
	if cmd := v.Update(tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl}); cmd != nil || v.sending ||
		!strings.Contains(screenOf(v), "the body is empty: ctrl+s again sends it empty") {
		t.Fatalf("ctrl+s on an empty body should ask first:\n%s", screenOf(v))
	}
	if _, ok := v.Update(tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl})().(common.TaskMsg); !ok || !v.sending {
		t.Fatal("a second ctrl+s sends the empty body, as chosen")
	}

	w := newPubForm(t, ordersTopic)
	focusField(t, w, fieldCount)
	clearField(w)
	typeIn(w, "3")
	w.Update(tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl})
	d := w.Update(tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl})().(common.PushMsg).View
	d.SetSize(100, 20)
	if !strings.Contains(screenOf(d), "EMPTY body (0 B), as chosen") {
		t.Fatalf("the confirmation should say the bodies are empty:\n%s", screenOf(d))
	}

	if cmd := w.Update(tea.KeyPressMsg{Code: tea.KeyEscape}); cmd != nil || !strings.Contains(screenOf(w), "esc again throws away") {
		t.Fatalf("esc on a form with input asks first:\n%s", screenOf(w))
	}
	typeIn(w, "x") // any other key goes on editing
	if cmd := w.Update(tea.KeyPressMsg{Code: tea.KeyEscape}); cmd != nil {
		t.Fatal("after editing, esc asks again")
	}
	if _, ok := w.Update(tea.KeyPressMsg{Code: tea.KeyEscape})().(common.PopMsg); !ok {
		t.Fatal("esc twice leaves")
	}
	if _, ok := newPubForm(t, ordersTopic).Update(tea.KeyPressMsg{Code: tea.KeyEscape})().(common.PopMsg); !ok {
		t.Fatal("esc on an untouched form leaves at once")
	}
}

// Issue 11.17: a dead letter on RabbitMQ shows the queue it came from, not the DLQ's routing key, and
// when it died where it has no timestamp.
func TestDeadLettersShowOriginAndDeathTime(t *testing.T) {
	dlq := backends.Destination{Name: "work.dlq", Kind: backends.Queue}
	v := newBrowser(t, dlq, 100)
	died := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	xdeath := []any{map[string]any{"queue": "work", "reason": "rejected", "count": int64(1), "time": died,
		"exchange": "", "routing-keys": []any{"work"}}}
	m := backends.Message{Destination: "work.dlq", Offset: 1, Key: []byte("work.dlq"), Body: []byte("x"),
		Headers: []backends.Header{{Key: "x-death", Typed: xdeath}}, Properties: &backends.Properties{}}
	deliver(v, m)
	s := screenOf(v)
	for _, want := range []string{"ORIGIN", "work ", "2026-03-04T05:06:07.000Z †"} {
		if !strings.Contains(s, want) {
			t.Fatalf("screen lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "ROUTING KEY") || strings.Contains(s, "work.dlq") {
		t.Fatalf("a dead letter shows the DLQ's routing key:\n%s", s)
	}
}

// Issue 11.11: a confirmation on a narrow screen wraps its scope rather than cutting a sentence's end.
func TestConfirmWrapsOnNarrowScreens(t *testing.T) {
	c := common.New(config.Context{Name: "test"})
	d := purgeConfirm(c, actions.PurgePlan{Queue: "jobs", Vhost: "/", Ready: 1200, Unacked: 30})
	d.SetSize(58, 13)
	seen := screenOf(d)
	for range 10 {
		d.Update(press("down"))
		seen += screenOf(d)
	}
	if !strings.Contains(strings.Join(strings.Fields(seen), " "), "they come back if rejected") {
		t.Fatalf("the end of a scope line is lost at 58 columns:\n%s", seen)
	}
}
