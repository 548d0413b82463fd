package screens

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/decode"
	"github.com/mqscope/mqscope/internal/testkit/srfix"
	"github.com/mqscope/mqscope/ui/common"
)

// settle runs v's own commands in cmd, and those their results return, until none is left, as the shell
// would (tea.Batch included). Only for commands that need no stream: a peek's next read is not one.
func settle(v common.View, cmd tea.Cmd) {
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch m := c().(type) {
		case tea.BatchMsg:
			queue = append(queue, m...)
		case common.TaskMsg:
			if m.View == v.ID() {
				queue = append(queue, m.Run(context.Background(), nil)())
			}
		}
	}
}

// take hands v a batch as onBatch does, and settles the checking and the schema fetches it starts.
func take(v *browser, msgs ...backends.Message) {
	v.add(msgs)
	settle(v, tea.Batch(v.checkWhere(), v.fetchSchemas()))
}

func TestWhereShowsOnlyWhatTheExpressionHoldsFor(t *testing.T) {
	v := newBrowser(t, ordersTopic, 100)
	amounts := []string{`{"amount":3}`, `{"amount":7}`, `{"amount":5}`, `not json`, `{"amount":"many"}`, `{"amount":12}`}
	for i, body := range amounts {
		take(v, message(0, int64(i), "order", body))
	}
	v.SetFilter("") // no text filter: the where alone decides

	v.Update(press("w"))
	if !v.Capturing() {
		t.Fatal("w opens a prompt")
	}
	check := typeLine(v, "value.amount > 5")
	// Nothing is evaluated in Update: until the command's verdicts come, nothing shows, and the status says
	// how far it got.
	if got := offsets(v); got != "" {
		t.Fatalf("before any verdict the where showed %q", got)
	}
	if st := ansi.Strip(v.Status()); !strings.Contains(st, "where: 0/6 checked, 0 match (value.amount > 5)") {
		t.Fatalf("status before the check %q", st)
	}
	if s := screenOf(v); !strings.Contains(s, "checking where value.amount > 5: no match yet") {
		t.Fatalf("screen before the check:\n%s", s)
	}
	settle(v, check)
	if got := offsets(v); got != "1 5" {
		t.Fatalf("value.amount > 5 showed offsets %q, want 1 5 (a string amount or a non-JSON body does not match)", got)
	}
	if st := ansi.Strip(v.Status()); !strings.Contains(st, "where: 6/6 checked, 2 match (value.amount > 5)") ||
		!strings.Contains(st, "2 of 6 messages") {
		t.Fatalf("status %q", st)
	}

	// What arrives later is checked as it comes, in a command too.
	v.add([]backends.Message{message(0, 6, "order", `{"amount":9}`), message(0, 7, "order", `{"amount":1}`)})
	if got := offsets(v); got != "1 5" {
		t.Fatalf("arrivals showed before they were checked: %q", got)
	}
	settle(v, v.checkWhere())
	if got := offsets(v); got != "1 5 6" {
		t.Fatalf("after a batch the where showed %q, want 1 5 6", got)
	}
	if st := ansi.Strip(v.Status()); !strings.Contains(st, "8/8 checked, 3 match") {
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
	if got := offsets(v); got != "1 5 6" || !strings.Contains(ansi.Strip(v.Status()), "(value.amount > 5)") {
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
	if len(v.visible) != 4 || v.w.where != nil {
		t.Fatalf("a bad expression with none set keeps all 4, shows %d", len(v.visible))
	}
}

// What a newer w, or clearing it, left behind is dropped when it comes back; the messages let go while it
// was checking are not counted.
func TestStaleWhereResultsAreDropped(t *testing.T) {
	v := newBrowser(t, ordersTopic, 100)
	take(v, orders(0, 10)...) // totals 1.50, 4.50, … 28.50
	v.SetFilter("")

	v.Update(press("w"))
	first := typeLine(v, "value.total > 20")
	v.Update(press("w"))
	second := typeLine(v, strings.Repeat("\b", 20)+"value.id < 2")
	settle(v, first) // the first expression's verdicts: of a run left behind
	if got, st := offsets(v), ansi.Strip(v.Status()); got != "" || !strings.Contains(st, "where: 0/10 checked, 0 match (value.id < 2)") {
		t.Fatalf("a stale run's verdicts were taken: offsets %q, status %q", got, st)
	}
	settle(v, second)
	if got, st := offsets(v), ansi.Strip(v.Status()); got != "0 1" || !strings.Contains(st, "10/10 checked, 2 match") {
		t.Fatalf("the current run: offsets %q, status %q", got, st)
	}

	v.Update(press("w"))
	third := typeLine(v, strings.Repeat("\b", 20)+"value.id > 100")
	v.Update(press("w"))
	typeLine(v, strings.Repeat("\b", 20)) // cleared before its verdicts came
	settle(v, third)
	if len(v.visible) != 10 || strings.Contains(ansi.Strip(v.Status()), "where") {
		t.Fatalf("verdicts of a cleared where hid messages: %d shown, status %q", len(v.visible), ansi.Strip(v.Status()))
	}

	// A restart (ctrl+r, p) drops what is held and what was being checked.
	v.Update(press("w"))
	fourth := typeLine(v, "value.id >= 0")
	v.restart(v.from, v.fromText, nil)
	take(v, orders(0, 3)...)
	settle(v, fourth)
	if got, st := offsets(v), ansi.Strip(v.Status()); got != "0 1 2" || !strings.Contains(st, "3/3 checked, 3 match") {
		t.Fatalf("after a restart: offsets %q, status %q", got, st)
	}
}

// A schema registry that does not answer must not stop the UI: Update and View never wait on it. The where
// expression and the previews wait in commands; keys work meanwhile; the match shows once it answers.
func TestWhereWithAHangingRegistryKeepsTheUIGoing(t *testing.T) {
	reg := srfix.Start(t)
	answer := make(chan struct{})
	asked := make(chan struct{}, 1)
	reg.Intercept(func(http.ResponseWriter, *http.Request) bool {
		select {
		case asked <- struct{}{}:
		default:
		}
		<-answer
		return false
	})
	var once bool
	release := func() {
		if !once {
			once = true
			close(answer)
		}
	}
	t.Cleanup(release) // before the registry closes, which waits for its handlers
	client, err := decode.NewRegistryWith(reg.URL(), decode.RegistryOptions{Timeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	v := newBrowser(t, ordersTopic, 100)
	v.c.Registry = client
	v.SetSize(200, 20)
	wire := func(js string) string { return string(srfix.Wire(srfix.JSONOrderID, nil, []byte(js))) }

	// Each step runs on this goroutine's stand-in for the UI; had it asked the registry, asked would come
	// first and the step would never end.
	onUI := func(what string, step func()) {
		t.Helper()
		done := make(chan struct{})
		go func() { defer close(done); step() }()
		select {
		case <-done:
		case <-asked:
			t.Fatalf("%s waited on the schema registry", what)
		}
	}
	var fetch, check tea.Cmd
	onUI("a batch arriving", func() {
		fetch = deliver(v, message(0, 0, "a", wire(`{"id":"o-1","qty":7}`)), message(0, 1, "b", `{"qty":2}`), message(0, 2, "c", wire(`{"id":"o-3","qty":1}`)))
	})
	var screen string
	onUI("drawing the list", func() { screen = screenOf(v) })
	if !strings.Contains(screen, "not decoded: schema id 6: schema not fetched yet") || !strings.Contains(screen, `{"qty":2}`) {
		t.Fatalf("previews before the schema came:\n%s", screen)
	}
	onUI("w", func() { v.Update(press("w")) })
	onUI("typing the expression", func() { check = typeLine(v, "value.qty > 5") })
	if check == nil {
		t.Fatal("w should start checking")
	}
	_ = fetch // the previews' fetch: left unrun, the where's check fetches the schema too

	// The check runs, and waits on the registry; the UI goes on.
	applied := make(chan func() tea.Cmd)
	go func() {
		task := check().(common.TaskMsg)
		applied <- task.Run(context.Background(), nil)
	}()
	<-asked
	onUI("w while checking", func() { v.Update(press("w")) })
	if !v.Capturing() {
		t.Fatal("w opens its prompt while the check waits")
	}
	onUI("esc", func() { v.Update(tea.KeyPressMsg{Code: tea.KeyEscape}) })
	if st := ansi.Strip(v.Status()); v.Capturing() || !strings.Contains(st, "0/3 checked, 0 match") || offsets(v) != "" {
		t.Fatalf("while the registry is silent: status %q, offsets %q", st, offsets(v))
	}

	release()
	settle(v, (<-applied)())
	if got, st := offsets(v), ansi.Strip(v.Status()); got != "0" || !strings.Contains(st, "3/3 checked, 1 match") {
		t.Fatalf("once the registry answered: offsets %q, status %q", got, st)
	}
	if s := screenOf(v); !strings.Contains(s, `{"id":"o-1","qty":7}`) || strings.Contains(s, "not decoded") {
		t.Fatalf("the preview once the schema came:\n%s", s)
	}
}

// A body no decoder could read is checked on its bytes, and the status line says how many were: "0
// match" alone would hide that the registry did not know their schema.
func TestWhereCountsWhatItCouldNotDecode(t *testing.T) {
	reg := srfix.Start(t)
	client, err := decode.NewRegistry(reg.URL())
	if err != nil {
		t.Fatal(err)
	}
	v := newBrowser(t, ordersTopic, 100)
	v.c.Registry = client
	take(v, message(0, 0, "a", string(srfix.Wire(srfix.UnknownSchemaID, nil, []byte(`{"qty":3}`)))),
		message(0, 1, "b", string(srfix.Wire(srfix.JSONOrderID, nil, []byte(`{"id":"o-1","qty":3}`)))),
		message(0, 2, "c", `{"qty":3}`))
	v.Update(press("w"))
	settle(v, typeLine(v, "value.qty == 3"))
	if got, st := offsets(v), ansi.Strip(v.Status()); got != "1 2" || !strings.Contains(st, "3/3 checked, 2 match, 1 not decoded") {
		t.Fatalf("offsets %q, status %q", got, st)
	}
	v.Update(press("w"))
	settle(v, typeLine(v, strings.Repeat("\b", 20)+"key == \"a\"")) // reads no value: nothing to decode
	if st := ansi.Strip(v.Status()); !strings.Contains(st, "3/3 checked, 1 match (key") {
		t.Fatalf("status %q", st)
	}
}
