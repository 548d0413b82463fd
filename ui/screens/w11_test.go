package screens

import (
	"strings"
	"testing"

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
