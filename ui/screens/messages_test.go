package screens

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/ui/common"
)

var ordersTopic = backends.Destination{Name: "orders", Kind: backends.Topic, Partitions: 6}

func newBrowser(t *testing.T, d backends.Destination, capacity int) *browser {
	t.Helper()
	c := common.New(config.Context{Name: "test"})
	c.MaxMessages = capacity
	v := NewMessages(c, d).(*browser)
	v.SetSize(120, 20)
	return v
}

func message(p int32, off int64, key, body string) backends.Message {
	return backends.Message{Destination: "orders", Partition: p, Offset: off,
		Timestamp: at.Add(time.Duration(off) * time.Second), Key: []byte(key), Body: []byte(body)}
}

// orders makes n messages over partitions 0..2, offsets counting up.
func orders(from, n int) []backends.Message {
	ms := make([]backends.Message, n)
	for i := range ms {
		off := int64(from + i)
		ms[i] = message(int32(off%3), off, fmt.Sprintf("order-%04d", off), fmt.Sprintf(`{"id":%d,"total":%d.50}`, off, off*3))
	}
	return ms
}

// deliver hands v a batch of its current peek, as the reader would.
func deliver(v *browser, msgs ...backends.Message) tea.Cmd {
	return v.onBatch(peekBatch{gen: v.gen, msgs: msgs})
}

func screenOf(v common.View) string { return ansi.Strip(v.View()) }

// keysOf returns the KEY column of the rows on screen.
func keysOf(v *browser) []string {
	var keys []string
	for _, line := range strings.Split(screenOf(v), "\n")[1:] {
		for _, f := range strings.Fields(line) {
			if strings.HasPrefix(f, "order-") {
				keys = append(keys, f)
			}
		}
	}
	return keys
}

func TestBrowserDrawsBatchesAsTheyCome(t *testing.T) {
	v := newBrowser(t, ordersTopic, 100)
	if s := screenOf(v); !strings.Contains(s, "waiting for the connection") {
		t.Fatalf("before any backend:\n%s", s)
	}
	deliver(v, orders(0, 3)...)
	s := screenOf(v)
	for _, want := range []string{"P", "OFFSET", "TIME", "KEY", "SIZE", "BODY",
		"order-0000", "order-0002", `{"id":2,"total":6.50}`, "21 B", "2026-03-04T05:06:09.000Z"} {
		if !strings.Contains(s, want) {
			t.Fatalf("screen lacks %q:\n%s", want, s)
		}
	}
	if st := ansi.Strip(v.Status()); !strings.Contains(st, "3 messages") || !strings.Contains(st, "from -100") {
		t.Fatalf("status %q", st)
	}
	deliver(v, orders(3, 2)...)
	if got := keysOf(v); len(got) != 5 || got[4] != "order-0004" {
		t.Fatalf("after a second batch the rows are %v", got)
	}
	if v.table.Cursor() != 4 {
		t.Fatalf("the last N of a topic is a tail: the cursor should be on the newest, is on row %d", v.table.Cursor())
	}
}

func TestQueuesOpenAtTheEarliestAndShowDeliveries(t *testing.T) {
	q := backends.Destination{Name: "jobs", Kind: backends.Queue, Type: "quorum"}
	v := newBrowser(t, q, 100)
	if v.fromText != "earliest" || v.from.Kind != backends.Earliest {
		t.Fatalf("a queue opens at %q", v.fromText)
	}
	m := message(0, 1, "jobs.high", "work")
	m.DeliveryCount, m.Redelivered = 3, true
	m2 := message(0, 2, "jobs.low", "more")
	m.Properties, m2.Properties = &backends.Properties{}, &backends.Properties{} // as RabbitMQ delivers them
	deliver(v, m, m2)
	if v.table.Cursor() != 0 {
		t.Fatal("a queue read from the earliest starts at the top")
	}
	s := screenOf(v)
	for _, want := range []string{"OFFSET", "ROUTING KEY", "DELIVERIES", "jobs.high", "3"} {
		if !strings.Contains(s, want) {
			t.Fatalf("screen lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, " P ") {
		t.Fatalf("a queue has no partition column:\n%s", s)
	}
	if cmd := v.toggleFollow(); v.follow || cmd == nil {
		t.Fatal("a queue cannot be followed, and says so")
	}
}

// The browser holds at most its capacity: the oldest go, the rows follow, and the status says so.
func TestBrowserHoldsABoundedWindow(t *testing.T) {
	v := newBrowser(t, ordersTopic, 5)
	deliver(v, orders(0, 4)...)
	deliver(v, orders(4, 8)...)
	if v.ring.Len() != 5 || len(v.visible) != 5 {
		t.Fatalf("holds %d, shows %d; want 5", v.ring.Len(), len(v.visible))
	}
	if got := keysOf(v); strings.Join(got, " ") != "order-0007 order-0008 order-0009 order-0010 order-0011" {
		t.Fatalf("rows %v, want the newest five", got)
	}
	if st := ansi.Strip(v.Status()); !strings.Contains(st, "newest 5 of 12 read") {
		t.Fatalf("status %q should say what was dropped", st)
	}
}

// Past its byte budget the browser holds new bodies cut short; as old ones go, room comes back.
func TestBrowserHoldsBoundedBytes(t *testing.T) {
	v := newBrowser(t, ordersTopic, 4)
	v.budget = 3 * trimmedBody
	body := strings.Repeat("b", 2*trimmedBody)
	for i := range 4 {
		deliver(v, message(0, int64(i), "", body))
	}
	var cut []int64
	for i := range v.ring.Len() {
		if e := v.ring.At(i); len(e.msg.Body) < e.size {
			cut = append(cut, e.msg.Offset)
		}
	}
	if fmt.Sprint(cut) != "[1 2 3]" || v.held > v.budget+2*trimmedBody {
		t.Fatalf("cut %v, held %d: the first body fits, the rest are held cut", cut, v.held)
	}
	for i := 4; i < 8; i++ {
		deliver(v, message(0, int64(i), "", "small"))
	}
	if v.held != 4*len("small") {
		t.Fatalf("held %d bytes after the big ones went, want %d", v.held, 4*len("small"))
	}
}

func TestBatchesOfAnOlderPeekAreDropped(t *testing.T) {
	v := newBrowser(t, ordersTopic, 100)
	v.gen = 7
	if cmd := v.onBatch(peekBatch{gen: 6, msgs: orders(0, 3)}); cmd != nil || v.ring.Len() != 0 {
		t.Fatalf("a stale batch was taken (%d held) or read on from", v.ring.Len())
	}
	if cmd := v.onBatch(peekBatch{gen: 6, done: true, err: fmt.Errorf("boom")}); cmd != nil || v.err != nil {
		t.Fatal("the end of a stale peek must not touch the view")
	}
	deliver(v, orders(0, 1)...)
	if v.ring.Len() != 1 {
		t.Fatal("a batch of the current peek is taken")
	}
}

func TestPeekErrorsShowOnOneLineRedacted(t *testing.T) {
	v := newBrowser(t, ordersTopic, 100)
	deliver(v, orders(0, 2)...)
	cmd := v.onBatch(peekBatch{gen: v.gen, done: true,
		err: fmt.Errorf("fetch from amqp://admin:s3cret@rabbit:5672/: broker said \x1b[2Jno")})
	if cmd == nil {
		t.Fatal("an error flashes")
	}
	s := screenOf(v)
	if strings.Contains(s, "s3cret") || strings.Contains(s, "\x1b[2J") || !strings.Contains(s, `\e[2Jno`) {
		t.Fatalf("the error line must be redacted and escaped:\n%s", s)
	}
	if !strings.Contains(s, "order-0001") {
		t.Fatalf("what came before the error stays:\n%s", s)
	}
}

func TestFilterOverKeyHeadersAndBody(t *testing.T) {
	v := newBrowser(t, ordersTopic, 100)
	ms := orders(0, 6)
	ms[1].Headers = []backends.Header{{Key: "trace-id", Value: []byte("ABC-Special")}}
	ms[2].Body = []byte(`{"note":"SPECIAL offer"}`)
	ms[4].Key = []byte("special-key")
	big := []byte(strings.Repeat("x", filterBytes) + "special")
	ms[5].Body = big // the word lies past what the filter looks at
	deliver(v, ms...)

	v.SetFilter("special")
	if got := offsets(v); got != "1 2 4" {
		t.Fatalf("substring filter (any case) matched offsets %s, want 1 2 4", got)
	}
	if st := ansi.Strip(v.Status()); !strings.Contains(st, "3 of 6 messages") {
		t.Fatalf("status %q", st)
	}
	v.SetFilter(`re:^order-000[03]$`)
	if got := offsets(v); got != "0 3" {
		t.Fatalf("regex filter matched %s, want 0 3", got)
	}
	deliver(v, orders(13, 1)...) // order-0013: a new batch is filtered as it comes
	deliver(v, message(0, 30, "order-0003", "again"))
	if got := offsets(v); got != "0 3 30" {
		t.Fatalf("after a batch the filter matched %s, want 0 3 30", got)
	}
	v.SetFilter("re:([")
	if s := screenOf(v); !strings.Contains(s, "not a regular expression") {
		t.Fatalf("a bad regex says so:\n%s", s)
	}
	v.SetFilter("ünïcode")
	if len(v.visible) != 0 {
		t.Fatal("a non-ASCII filter matches nothing here")
	}
	v.SetFilter("")
	if len(v.visible) != v.ring.Len() {
		t.Fatal("clearing the filter shows everything again")
	}
}

func offsets(v *browser) string {
	var out []string
	for _, seq := range v.visible {
		out = append(out, fmt.Sprint(v.at(seq).msg.Offset))
	}
	return strings.Join(out, " ")
}

func TestFollowKeepsTheCursorAtTheBottom(t *testing.T) {
	v := newBrowser(t, ordersTopic, 1000)
	v.follow = true
	deliver(v, orders(0, 50)...)
	if v.table.Cursor() != 49 {
		t.Fatalf("following, the cursor is on row %d, want the last (49)", v.table.Cursor())
	}
	deliver(v, orders(50, 10)...)
	if v.table.Cursor() != 59 || !strings.Contains(screenOf(v), "order-0059") {
		t.Fatalf("following, the cursor is on row %d, want 59, and the newest on screen", v.table.Cursor())
	}
	v.Update(press("k")) // the user looks up: the cursor stays with the message
	deliver(v, orders(60, 5)...)
	if e, _ := v.selected(); e.msg.Offset != 58 {
		t.Fatalf("after moving up, the cursor should stay on offset 58, is on %d", e.msg.Offset)
	}
	v.Update(press("G"))
	deliver(v, orders(65, 5)...)
	if v.table.Cursor() != 69 {
		t.Fatalf("back at the bottom, the cursor follows again: row %d", v.table.Cursor())
	}
	if st := ansi.Strip(v.Status()); !strings.Contains(st, "following") {
		t.Fatalf("status %q", st)
	}
}

func TestWithoutFollowTheCursorStaysOnItsMessage(t *testing.T) {
	v := newBrowser(t, ordersTopic, 8)
	deliver(v, orders(0, 6)...)
	v.Update(press("G"))
	v.Update(press("k")) // offset 4
	deliver(v, orders(6, 2)...)
	if e, _ := v.selected(); e.msg.Offset != 4 {
		t.Fatalf("cursor on offset %d, want 4", e.msg.Offset)
	}
	deliver(v, orders(8, 6)...) // offset 4 is forgotten: the cursor goes to the oldest held
	if e, _ := v.selected(); e.msg.Offset != 6 {
		t.Fatalf("cursor on offset %d, want 6, the oldest still held", e.msg.Offset)
	}
}

// Peeking a classic or quorum queue marks messages redelivered: the browser asks once, plainly, before the
// first peek of that destination. The effects answer is sent to the model directly, as the command that
// asks the broker would.
func TestRedeliveredNoticeIsConfirmedOnce(t *testing.T) {
	q := backends.Destination{Name: "jobs", Kind: backends.Queue, Type: "quorum"}
	v := newBrowser(t, q, 100)
	effects := backends.PeekEffects{MarksRedelivered: true, CountsDeliveries: true, DeliveryLimit: 5,
		Notice: "Peeking returns each message to the queue: consumers see redelivered=true."}
	answer := func(v *browser) tea.Cmd {
		v.asking, v.gen = true, v.gen+1 // the question is out
		return v.onEffects(effectsResult{gen: v.gen, effects: effects})
	}
	answer(v)
	s := screenOf(v)
	for _, want := range []string{"Peeking jobs is not free", "consumers see redelivered=true", "Delivery limit: 5", "y peek it", "esc go back"} {
		if !strings.Contains(s, want) {
			t.Fatalf("the notice lacks %q:\n%s", want, s)
		}
	}
	if !v.confirm || v.peeking || keyHelp(v.Keys()) != "y" {
		t.Fatalf("waiting for y: confirm %v peeking %v keys %s", v.confirm, v.peeking, keyHelp(v.Keys()))
	}
	v.Update(press("j")) // any other key does nothing
	if !v.confirm {
		t.Fatal("only y accepts")
	}
	v.Update(press("y"))
	if v.confirm || !v.c.PeekAcked["test\x00"+q.ID()] {
		t.Fatal("y accepts and remembers it")
	}

	again := NewMessages(v.c, q).(*browser) // the same queue, opened again in this session
	again.SetSize(120, 20)
	answer(again)
	if again.confirm {
		t.Fatal("the notice is shown once per destination")
	}
	other := NewMessages(v.c, backends.Destination{Name: "other", Kind: backends.Queue}).(*browser)
	answer(other)
	if !other.confirm {
		t.Fatal("another queue asks again")
	}
}

func keyHelp(bs []key.Binding) string {
	var keys []string
	for _, b := range bs {
		keys = append(keys, b.Help().Key)
	}
	return strings.Join(keys, " ")
}
