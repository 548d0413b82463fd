package screens

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/mqscope/mqscope/ui/common"
)

func TestWhereShowsOnlyWhatTheExpressionHoldsFor(t *testing.T) {
	v := newBrowser(t, ordersTopic, 100)
	amounts := []string{`{"amount":3}`, `{"amount":7}`, `{"amount":5}`, `not json`, `{"amount":"many"}`, `{"amount":12}`}
	for i, body := range amounts {
		deliver(v, message(0, int64(i), "order", body))
	}
	v.SetFilter("") // no text filter: the where alone decides

	v.Update(press("w"))
	if !v.Capturing() {
		t.Fatal("w opens a prompt")
	}
	if cmd := typeLine(v, "value.amount > 5"); cmd != nil {
		t.Fatalf("a good expression flashes nothing, got %v", cmd())
	}
	if got := offsets(v); got != "1 5" {
		t.Fatalf("value.amount > 5 showed offsets %q, want 1 5 (a string amount or a non-JSON body does not match)", got)
	}
	if st := ansi.Strip(v.Status()); !strings.Contains(st, "where value.amount > 5: matched 2 of 6 scanned") ||
		!strings.Contains(st, "2 of 6 messages") {
		t.Fatalf("status %q", st)
	}

	// What arrives later is evaluated as it comes.
	deliver(v, message(0, 6, "order", `{"amount":9}`), message(0, 7, "order", `{"amount":1}`))
	if got := offsets(v); got != "1 5 6" {
		t.Fatalf("after a batch the where showed %q, want 1 5 6", got)
	}
	if st := ansi.Strip(v.Status()); !strings.Contains(st, "matched 3 of 8 scanned") {
		t.Fatalf("status after a batch %q", st)
	}

	// The / filter narrows within what the where shows.
	v.SetFilter("9")
	if got := offsets(v); got != "6" {
		t.Fatalf("filter within the where showed %q, want 6", got)
	}
	v.SetFilter("")

	// A mistake flashes the compiler's line; the UI and the shown set stay.
	v.Update(press("w"))
	cmd := typeLine(v, strings.Repeat("\b", len("value.amount > 5"))+"value.amount >")
	if cmd == nil || !isFlash(cmd(), common.FlashError, `--where "value.amount >"`) || v.Capturing() {
		t.Fatal("a bad expression is one error flash, and the prompt closes")
	}
	if got := offsets(v); got != "1 5 6" || !strings.Contains(ansi.Strip(v.Status()), "where value.amount > 5:") {
		t.Fatalf("a bad expression changed what shows: %q, status %q", got, ansi.Strip(v.Status()))
	}

	// An empty expression clears it.
	v.Update(press("w"))
	typeLine(v, strings.Repeat("\b", len("value.amount > 5")))
	if len(v.visible) != v.ring.Len() || strings.Contains(ansi.Strip(v.Status()), "where") {
		t.Fatalf("clearing the where shows all %d, shows %d; status %q", v.ring.Len(), len(v.visible), ansi.Strip(v.Status()))
	}
}

func TestBadWhereKeepsEveryMessage(t *testing.T) {
	v := newBrowser(t, ordersTopic, 100)
	deliver(v, orders(0, 4)...)
	v.Update(press("w"))
	cmd := typeLine(v, "value.total >>> 3")
	if cmd == nil || !isFlash(cmd(), common.FlashError, "--where") {
		t.Fatal("a bad expression flashes")
	}
	if len(v.visible) != 4 || v.where != nil {
		t.Fatalf("a bad expression with none set keeps all 4, shows %d", len(v.visible))
	}
}
