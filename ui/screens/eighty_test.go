package screens

import (
	"strings"
	"testing"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/ui/common"
)

// Views drawn on an 80-column terminal, the size people meet first: what they show is whole.

// at80 is the width a view gets on an 80-column terminal: the shell keeps a column on each side.
const at80 = 80 - 2

// mustFit fails unless every line of screen is at most width cells.
func mustFit(t *testing.T, screen string, width int) {
	t.Helper()
	for _, line := range strings.Split(screen, "\n") {
		if w := present.Width(line); w > width {
			t.Errorf("a line is %d cells wide, more than %d: %q", w, width, line)
		}
	}
}

// At 80 columns the browser's TIME gives up its year and milliseconds, and BODY takes what is left: it
// had 12 cells beside a 24-cell time, too few for a small JSON body. Wider, the full time comes back.
func TestBrowserAt80ColumnsGivesTheBodyRoom(t *testing.T) {
	v := newBrowser(t, ordersTopic, 100)
	deliver(v, orders(0, 8)...)
	v.SetSize(at80, 20)
	s := screenOf(v)
	mustFit(t, s, at80)
	for _, want := range []string{`{"id":7,"total":21.50}`, "03-04 05:06:14", "order-0007", "21 B"} {
		if !strings.Contains(s, want) {
			t.Errorf("at 80 columns the browser lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "2026-03-04T") {
		t.Errorf("at 80 columns TIME keeps its full form:\n%s", s)
	}
	v.SetSize(140, 20)
	if s := screenOf(v); !strings.Contains(s, "2026-03-04T05:06:14.000Z") {
		t.Errorf("at 140 columns TIME lacks its full form:\n%s", s)
	}
}

// The group-delete dialog at 80 columns says all of what to type and how to leave: the line asking for
// the name ended "esc canc…" for a 14-letter group.
func TestGroupDeleteAt80ColumnsAsksWhole(t *testing.T) {
	c := common.New(config.Context{Name: "demo"})
	d := groupDeleteConfirm(c, group{Name: "audit-exporter", Topics: []string{"customers", "inventory-events"}}, 0)
	d.SetSize(at80, 20)
	s := screenOf(d)
	mustFit(t, s, at80)
	if strings.Contains(s, "…") {
		t.Errorf("the dialog cuts a line:\n%s", s)
	}
	asked := strings.Join(strings.Fields(strings.NewReplacer("│", " ", "╭", " ", "╰", " ", "─", " ", "╮", " ", "╯", " ").Replace(s)), " ")
	for _, want := range []string{"type audit-exporter and enter to delete group audit-exporter · esc cancel",
		"its consumers start again where their offset reset policy says (earliest or latest)"} {
		if !strings.Contains(asked, want) {
			t.Errorf("the dialog does not say %q:\n%s", want, s)
		}
	}
}

// The notice before peeking a quorum queue keeps its dead-letter exchange's name whole at 80 columns:
// the wrap broke lines after hyphens, leaving "orders-dead-" on one line and the rest on the next.
func TestPeekNoticeAt80ColumnsKeepsNamesWhole(t *testing.T) {
	const exchange = `"orders-dead-letter-exchange.v2"`
	v := newBrowser(t, backends.Destination{Name: "orders-work", Kind: backends.Queue, Type: "quorum"}, 100)
	v.effects = &backends.PeekEffects{MarksRedelivered: true, CountsDeliveries: true, DeliveryLimit: 3,
		Notice: "Peeking takes each message and gives it back: consumers will see it as redelivered. Each " +
			"give-back also counts toward this quorum queue's delivery limit of 3, past which a message is " +
			"dead-lettered (exchange " + exchange + "). So mqscope never gives back a message with fewer than two deliveries left."}
	v.confirm = true
	v.SetSize(at80, 20)
	s := screenOf(v)
	mustFit(t, s, at80)
	if !strings.Contains(s, exchange) {
		t.Errorf("the notice breaks %s across lines:\n%s", exchange, s)
	}
	if !strings.Contains(s, "Delivery limit: 3.") {
		t.Errorf("the notice lacks the delivery limit:\n%s", s)
	}
}
