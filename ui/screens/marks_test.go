package screens

import (
	"context"
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/confirm"
	"github.com/mqscope/mqscope/ui/components/progress"
)

func sendingBrowser(t *testing.T, capacity int) *browser {
	t.Helper()
	v := newBrowser(t, ordersTopic, capacity)
	connectTo(v.c, sendCapable{}, false)
	deliver(v, orders(0, 10)...)
	v.table.Top()
	return v
}

func space() tea.KeyPressMsg { return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "} }

// markedKeys are the KEY column of the marked rows.
func markedKeys(v *browser) []string {
	var keys []string
	for _, line := range strings.Split(screenOf(v), "\n")[1:] {
		if strings.HasPrefix(line, "●") {
			for _, f := range strings.Fields(line) {
				if strings.HasPrefix(f, "order-") {
					keys = append(keys, f)
				}
			}
		}
	}
	return keys
}

func TestMarkingInTheBrowser(t *testing.T) {
	v := sendingBrowser(t, 100)
	v.Update(space())
	v.Update(space()) // marks a run: the cursor moves down after each
	if got := markedKeys(v); strings.Join(got, " ") != "order-0000 order-0001" || v.table.Cursor() != 2 {
		t.Fatalf("space marks and moves down: %v, cursor %d\n%s", got, v.table.Cursor(), screenOf(v))
	}
	if !strings.Contains(strip(v.Status()), "2 marked") {
		t.Fatalf("status: %q", strip(v.Status()))
	}
	v.table.SetCursor(5)
	v.Update(press("M")) // from the last marked (row 1) to here
	if got := markedKeys(v); len(got) != 6 || got[5] != "order-0005" {
		t.Fatalf("M marks the range: %v", got)
	}
	v.table.SetCursor(3)
	v.Update(space()) // unmarks
	if got := markedKeys(v); len(got) != 5 || strings.Contains(strings.Join(got, " "), "order-0003") {
		t.Fatalf("space again unmarks: %v", got)
	}

	// A filter hides rows but keeps their marks; A marks what is shown, and again unmarks it.
	v.SetFilter("order-000[02468]")
	v.SetFilter("re:order-000[02468]")
	v.Update(press("A"))
	v.SetFilter("")
	if got := markedKeys(v); strings.Join(got, " ") != "order-0000 order-0001 order-0002 order-0004 order-0005 order-0006 order-0008" {
		t.Fatalf("A under a filter: %v", got)
	}
	v.Update(press("A"))
	if len(markedKeys(v)) != 10 {
		t.Fatalf("A marks every row: %v", markedKeys(v))
	}
	v.Update(press("A"))
	if len(markedKeys(v)) != 0 || len(v.marks.set) != 0 {
		t.Fatalf("A when all are marked unmarks: %v", markedKeys(v))
	}
}

// Marks go with the messages the bounded window lets go.
func TestMarksLeaveWithTheirMessages(t *testing.T) {
	v := sendingBrowser(t, 10)
	v.Update(space())
	v.Update(space())
	deliver(v, orders(10, 1)...) // order-0000 leaves the window
	if got := markedKeys(v); strings.Join(got, " ") != "order-0001" || len(v.marks.set) != 1 {
		t.Fatalf("marks after the window moved: %v", got)
	}
	if es := v.marked(); len(es) != 1 || string(es[0].msg.Key) != "order-0001" {
		t.Fatalf("marked: %d", len(es))
	}
}

func TestReplayAsksWhereThenConfirmsTheScope(t *testing.T) {
	v := sendingBrowser(t, 100)
	v.table.SetCursor(2)
	v.Update(space())
	v.Update(space())
	v.Update(press("r"))
	if v.prompt == nil || !strings.Contains(screenOf(v), "replay 2 messages to (topic or queue):") {
		t.Fatalf("r asks where:\n%s", screenOf(v))
	}
	if k := keyNames(v); k != "enter esc" {
		t.Fatalf("the prompt's footer is its own: %s", k)
	}
	typeIn(v, "orders")
	if msg := v.Update(tea.KeyPressMsg{Code: tea.KeyEnter})(); !isFlash(msg, common.FlashError, "both the source and the target") {
		t.Fatalf("not into itself: %#v", msg)
	}
	v.Update(press("r"))
	typeIn(v, "orders-replay")
	d := v.Update(tea.KeyPressMsg{Code: tea.KeyEnter})().(common.PushMsg).View.(*confirm.Model)
	d.SetSize(110, 20)
	for _, want := range []string{"replay to orders-replay?", "copies 2 messages of orders (topic) to orders-replay",
		"the messages: p2@2, p0@3", "orders is left as it was", "y copy 2 messages"} {
		if !strings.Contains(screenOf(d), want) {
			t.Fatalf("confirmation lacks %q:\n%s", want, screenOf(d))
		}
	}
	if d.Update(press("r")) != nil || d.Update(tea.KeyPressMsg{Code: tea.KeyEnter}) != nil {
		t.Fatal("only y copies")
	}
	connectTo(v.c, v.c.Backend(), true) // the actions refuse the copy read-only, even if it got this far
	pop := d.Update(press("y"))().(common.PopMsg)
	p, ok := pop.Then.(*progress.Model)
	if pop.To != v.ID() || !ok || p.Task().Total != 2 || p.Task().Title != "replay to orders-replay" {
		t.Fatalf("y opens the progress over the browser: %+v", pop)
	}
	if err := p.Task().Run(context.Background(), sendCapable{}, func(progress.Counts) {}); !errors.Is(err, actions.ErrReadOnly) {
		t.Fatalf("replay read-only: %v", err)
	}
}

func TestReplayWithoutMarksTakesTheOneUnderTheCursorButNeverACutOne(t *testing.T) {
	v := sendingBrowser(t, 100)
	v.table.SetCursor(4)
	v.Update(press("r"))
	if !strings.Contains(screenOf(v), "replay 1 message to") {
		t.Fatalf("no marks: the message under the cursor:\n%s", screenOf(v))
	}
	v.Update(tea.KeyPressMsg{Code: tea.KeyEscape})
	v.budget = 0 // from now on bodies are held cut
	big := message(0, 99, "big", strings.Repeat("x", trimmedBody+10))
	deliver(v, big)
	v.table.Bottom()
	if msg := v.Update(press("r"))(); !isFlash(msg, common.FlashError, "p0@99 is held cut") || v.prompt != nil {
		t.Fatalf("a cut message is not copied short: %#v", msg)
	}
}

// Read-only, the browser offers no marks, no replay, no new message and no redrive, and the keys do
// nothing; the help is built from the same list.
func TestBrowserOffersNoSendingReadOnly(t *testing.T) {
	v := sendingBrowser(t, 100)
	v.dest = backends.Destination{Name: "orders-dlt", Kind: backends.Topic}
	for _, k := range []string{"space", "M", "A", "r", "n", "D"} {
		if !strings.Contains(" "+keyNames(v)+" ", " "+k+" ") {
			t.Fatalf("%s offered outside read-only: %s", k, keyNames(v))
		}
	}
	connectTo(v.c, v.c.Backend(), true)
	v.refreshRows()
	for _, k := range strings.Fields(keyNames(v)) {
		if strings.Contains(" space M A r n D ", " "+k+" ") {
			t.Fatalf("%s offered read-only: %s", k, keyNames(v))
		}
	}
	for _, k := range []tea.KeyPressMsg{space(), press("M"), press("A"), press("r"), press("n"), press("D")} {
		if cmd := v.Update(k); cmd != nil {
			t.Fatalf("%s does something read-only", k.String())
		}
	}
	if len(v.marks.set) != 0 || v.prompt != nil || v.markColumn() != nil {
		t.Fatalf("read-only: nothing marked, no prompt, no mark column:\n%s", screenOf(v))
	}
}
