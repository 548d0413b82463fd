package screens

import (
	"context"
	"errors"
	"github.com/mqscope/mqscope/present"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/confirm"
	"github.com/mqscope/mqscope/ui/components/progress"
)

var ordersDLT = backends.Destination{Name: "orders-dlt", Kind: backends.Topic, Partitions: 6}

// advising is a broker whose reads mark messages redelivered (a RabbitMQ queue), for the notice.
type advising struct{ sendCapable }

func (advising) PeekEffects(context.Context, string) (backends.PeekEffects, error) {
	return backends.PeekEffects{MarksRedelivered: true, CountsDeliveries: true, DeliveryLimit: 5}, nil
}

func part(p int32) *int32 { return &p }

// letters is a dry run of 40 letters: 35 to three targets (one with a hostile name), 5 staying.
func letters() actions.RedrivePlan {
	return actions.RedrivePlan{Source: "orders-dlt", Letters: 40,
		Routes: []actions.PlannedRoute{
			{Route: actions.Route{Target: backends.Target{Destination: "orders", Partition: part(0)}, Via: "spring kafka_dlt"}, Letters: 20},
			{Route: actions.Route{Target: backends.Target{Destination: "orders", Partition: part(3)}, Via: "spring kafka_dlt"}, Letters: 12},
			{Route: actions.Route{Target: backends.Target{Destination: "pay\x1b[2Jments"}, Via: "kafka connect"}, Letters: 3},
		},
		Kept: []actions.KeptLetters{
			{Reason: "no origin: its headers name none, and no target was given for such letters", Err: actions.ErrNoOrigin, Letters: 4},
			{Target: "gone\u202etxt", Reason: "origin gone\u202etxt no longer exists", Err: actions.ErrOriginGone, Letters: 1},
		},
	}
}

// planned opens the plan of orders-dlt and hands it the dry run, as the planner would.
func planned(t *testing.T, plan actions.RedrivePlan) *redrivePlan {
	t.Helper()
	v := newRedrivePlan(sendingCommon(), ordersDLT, 3)
	v.SetSize(100, 20)
	if v.Start(sendCapable{}) == nil || !v.planning {
		t.Fatal("a broker that gives no notice is planned at once")
	}
	v.onPlan(planResult{gen: v.gen, plan: plan})
	return v
}

func TestGoldenRedrivePlan(t *testing.T) {
	v := planned(t, letters())
	out := v.View()
	mustBeInert(t, "plan", out)
	golden.RequireEqual(t, strip(out))
}

func TestRedriveConfirmsTheExactScopeAndNeedsY(t *testing.T) {
	v := planned(t, letters())
	if k := keyNames(v); k != "enter t p" {
		t.Fatalf("plan keys: %s", k)
	}
	d := v.Update(tea.KeyPressMsg{Code: tea.KeyEnter})().(common.PushMsg).View.(*confirm.Model)
	d.SetSize(100, 20)
	s := screenOf(d)
	for _, want := range []string{"move the letters of orders-dlt back?", "from orders-dlt (topic): 40 letters read just now",
		"moves 35 letters:", "→ orders                               32  spring kafka_dlt",
		`→ pay\e[2Jments                         3  kafka connect`, "keeps 5 letters in orders-dlt",
		"at most the 40 letters planned", "y move 35 letters"} {
		if !strings.Contains(s, want) {
			t.Fatalf("confirmation lacks %q:\n%s", want, s)
		}
	}
	mustBeInert(t, "confirmation", d.View())
	for _, k := range []string{"enter", "x", "Y"} {
		if d.Update(press(k)) != nil {
			t.Fatalf("%s moves nothing", k)
		}
	}
	if _, ok := d.Update(press("n"))().(common.PopMsg); !ok {
		t.Fatal("n goes back")
	}
	pop := d.Update(press("y"))().(common.PopMsg)
	p, ok := pop.Then.(*progress.Model)
	if !ok || pop.To != 3 || p.Task().Total != 40 || p.Task().Title != "redrive orders-dlt" {
		t.Fatalf("y puts the progress where the plan was: %+v", pop)
	}
	if d.Update(press("y")) != nil {
		t.Fatal("a second y does nothing")
	}
}

func TestRedriveMovesNoMoreThanPlanned(t *testing.T) {
	if o := moveOptions(letters()); o.Max != 40 {
		t.Fatalf("max %d, want the 40 planned", o.Max)
	}
	p := letters()
	p.Options.Max = 10
	if o := moveOptions(p); o.Max != 10 {
		t.Fatalf("a smaller --max stays: %d", o.Max)
	}
}

func TestRedriveOptionsReplan(t *testing.T) {
	v := planned(t, letters())
	v.Update(press("t"))
	if !v.Capturing() || !strings.Contains(screenOf(v), "send letters without an origin to:") {
		t.Fatalf("t asks for --to:\n%s", screenOf(v))
	}
	typeIn(v, "orders")
	v.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	if v.opts.To != "orders" || !v.planning || v.plan != nil || !strings.Contains(screenOf(v), "without an origin → orders") {
		t.Fatalf("--to plans again:\n%s", screenOf(v))
	}
	if hasKey(v, "x") {
		t.Fatal("a topic has no original exchange to choose")
	}

	q := newRedrivePlan(sendingCommon(), backends.Destination{Name: "work.dlq", Kind: backends.Queue}, 3)
	q.SetSize(100, 20)
	q.Start(sendCapable{})
	q.onPlan(planResult{gen: q.gen, plan: actions.RedrivePlan{Source: "work.dlq"}})
	if !strings.Contains(screenOf(q), "nothing to move: no letter waits in work.dlq") || hasKey(q, "enter") {
		t.Fatalf("an empty plan offers no move:\n%s", screenOf(q))
	}
	q.Update(press("x"))
	if !q.opts.UseOriginalExchange || !q.planning || !strings.Contains(screenOf(q), "original exchange on") {
		t.Fatalf("x switches to the original exchange and plans again:\n%s", screenOf(q))
	}
}

// Where reading marks letters redelivered, the plan says so first and reads only after a y, once per
// destination for the browser and the plan together.
func TestRedrivePlanAsksBeforeReadingARabbitQueue(t *testing.T) {
	c := sendingCommon()
	q := backends.Destination{Name: "work.dlq", Kind: backends.Queue, Type: "quorum"}
	v := newRedrivePlan(c, q, 3)
	v.SetSize(100, 20)
	connectTo(c, advising{}, false)
	if v.Start(advising{}) == nil || !v.asking {
		t.Fatal("first, what does reading do")
	}
	v.onEffects(effectsResult{gen: v.gen, effects: backends.PeekEffects{MarksRedelivered: true, CountsDeliveries: true, DeliveryLimit: 5}})
	s := screenOf(v)
	if v.planning || !strings.Contains(s, "Reading work.dlq is not free.") || !strings.Contains(s, "Delivery limit: 5") ||
		keyNames(v) != "y" {
		t.Fatalf("the notice, and nothing read:\n%s", s)
	}
	v.Update(press("p"))
	if v.planning {
		t.Fatal("only y reads")
	}
	v.Update(press("y"))
	if !v.planning || !c.PeekAcked[peekAckKey(c, q)] {
		t.Fatal("y reads, and is remembered")
	}
	b := NewMessages(c, q).(*browser)
	b.effects = &backends.PeekEffects{MarksRedelivered: true}
	if !b.acked() {
		t.Fatal("the browser does not ask again")
	}
}

func TestRedriveOfferedWhereTheBrokerMovesOutsideReadOnly(t *testing.T) {
	c := sendingCommon()
	l := newDestsOn(t, c, 120, 10, []backends.Destination{ordersDLT, {Name: "amq.topic", Kind: backends.Exchange}})
	l.Table().SetCursor(1) // orders-dlt; amq.topic sorts first
	if k := keyNames(l); !strings.Contains(k, "n D") {
		t.Fatalf("destination keys: %s", k)
	}
	if v, ok := l.Update(press("D"))().(common.PushMsg).View.(*redrivePlan); !ok || v.returnTo != l.ID() {
		t.Fatal("D opens the plan, coming back to the list")
	}
	if v, ok := l.Update(press("n"))().(common.PushMsg).View.(*publishForm); !ok || v.returnTo != l.ID() {
		t.Fatal("n opens the form")
	}
	l.Table().SetCursor(0)
	if k := keyNames(l); hasKey(l, "D") || !hasKey(l, "n") {
		t.Fatalf("an exchange takes a new message and holds no letters: %s", k)
	}
	connectTo(c, capable{}, false) // peeks and purges; neither publishes nor moves
	l.Table().SetCursor(1)
	if k := keyNames(l); hasKey(l, "D") || hasKey(l, "n") {
		t.Fatalf("no capability, no key: %s", k)
	}
	connectTo(c, sendCapable{}, false)
	connectTo(c, c.Backend(), true)
	if k := keyNames(l); hasKey(l, "D") || hasKey(l, "n") || l.Update(press("D")) != nil || l.Update(press("n")) != nil {
		t.Fatalf("read-only: %s", k)
	}
	// Should a plan be confirmed all the same, the actions refuse the move.
	task := redriveTask(c, letters())
	if err := task.Run(context.Background(), sendCapable{}, func(progress.Counts) {}); !errors.Is(err, actions.ErrReadOnly) {
		t.Fatalf("redrive read-only: %v", err)
	}
}

func TestRedriveReportEscapesWhatTheBrokerSaid(t *testing.T) {
	c := sendingCommon()
	r := actions.RedriveReport{Source: "orders-dlt", MoveReport: backends.MoveReport{Moved: 30, Kept: 4, Failed: 1,
		PerTarget: map[string]int64{"orders": 28, "pay\x1b]0;x\x07ments": 2},
		Failures: []backends.MoveFailure{
			{Partition: 2, Offset: 17, Reason: "no origin: its headers name none"},
			{Partition: 4, Offset: 1234, Target: "gone\u202etxt", Reason: "refused: \x1b[31mTOPIC_AUTHORIZATION_FAILED"},
		}},
		Warnings: []string{"targets are not checked: amqp://guest:hunter2@rabbit:5672/ unreachable"}}
	rep := redriveOutcome(c, "orders-dlt", r, nil, false)
	out := strings.Join(rep.Lines, "\n")
	mustBeInert(t, "report", out)
	s := strip(out)
	for _, want := range []string{"done: some letters stayed in orders-dlt", "moved    30", "kept     4", "failed   1",
		"orders                                          28", `pay\e]0;x\x07ments`, "LETTERS THAT STAYED (the first 2)",
		"2           17  –                        no origin: its headers name none",
		`4        1,234  gone\u202etxt`, `refused: \e[31mTOPIC_AUTHORIZATION_FAILED`, "amqp://guest:xxxxx@rabbit"} {
		if !strings.Contains(s, want) {
			t.Fatalf("report lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "hunter2") || rep.Level != common.FlashWarn {
		t.Fatalf("password shown, or level %v", rep.Level)
	}
	if rep := redriveOutcome(c, "orders-dlt", r, context.Canceled, true); !strings.Contains(strip(rep.Lines[0]),
		"cancelled: what moved is at its target, the rest is still in orders-dlt") || rep.Level != common.FlashError {
		t.Fatalf("cancelled: %q", strip(rep.Lines[0]))
	}
	doubt := actions.RedriveReport{Source: "orders-dlt", MoveReport: backends.MoveReport{InDoubt: 500, CommitInDoubt: true}}
	rep = redriveOutcome(c, "orders-dlt", doubt, context.Canceled, true)
	if s := strip(strings.Join(rep.Lines, "\n")); !strings.Contains(s, "cancelled: 0 moved for certain, 500 in doubt (a commit "+
		"was under way when the redrive stopped; run redrive again — it moves each letter exactly once)") || !strings.Contains(s, "in doubt 500") {
		t.Fatalf("cancelled during a commit:\n%s", s)
	}
	// A cancel whose stop went wrong says what went wrong; a plain cancel's error is not repeated.
	trouble := errors.New("the part under way did not finish within 1m0s; delete it by hand")
	if s := strip(strings.Join(redriveOutcome(c, "orders-dlt", doubt, trouble, true).Lines, "\n")); !strings.Contains(s, trouble.Error()) {
		t.Fatalf("cancelled, and the stop went wrong:\n%s", s)
	}
	if s := strip(strings.Join(rep.Lines, "\n")); strings.Contains(s, "canceled") {
		t.Fatalf("cancelled: the interruption's own error shown:\n%s", s)
	}
	// Cut off by the broker, not cancelled: the counts lead, as after a cancel, and the error follows.
	lost := errors.New("transaction of 500 letters: the commit was cut off, so whether it went through is not known: EOF")
	cut := redriveOutcome(c, "orders-dlt", doubt, lost, false)
	if s := strip(strings.Join(cut.Lines, "\n")); !strings.HasPrefix(s, "stopped: 0 moved for certain, 500 in doubt (a commit "+
		"was under way when the redrive stopped;") || !strings.Contains(s, lost.Error()) || cut.Level != common.FlashError {
		t.Fatalf("cut off during a commit:\n%s", s)
	}
	// The in-doubt figure stands in the same column as moved, kept and failed.
	if s := strip(strings.Join(rep.Lines, "\n")); !strings.Contains(s, "moved    0\nkept     0\nfailed   0\nin doubt 500") {
		t.Fatalf("the figures are not in one column:\n%s", s)
	}
	// A shovel deleted mid-part leaves an upper bound in doubt, and it reads as one.
	bound := actions.RedriveReport{Source: "orders-dlq", MoveReport: backends.MoveReport{Moved: 5000, InDoubt: 1000, InDoubtAtMost: true}}
	if s := strip(strings.Join(redriveOutcome(c, "orders-dlq", bound, trouble, true).Lines, "\n")); !strings.Contains(s,
		"up to 1000 in doubt (they may be in both places;") || !strings.Contains(s, "in doubt up to 1,000") {
		t.Fatalf("cancelled, a shovel deleted mid-part:\n%s", s)
	}
	done := actions.RedriveReport{MoveReport: backends.MoveReport{Moved: 3, PerTarget: map[string]int64{"orders": 3}}}
	if rep := redriveOutcome(c, "orders-dlt", done, nil, false); rep.Level != common.FlashInfo || len(rep.Lines) == 0 {
		t.Fatal("a complete move still shows its report")
	}
	// Cancelled during a server-side move's last part, which moved every letter left: done, not cancelled.
	if rep := redriveOutcome(c, "orders-dlt", done, nil, true); rep.Level != common.FlashInfo ||
		!strings.Contains(strip(rep.Lines[0]), "every letter moved") {
		t.Fatalf("a move that ended complete after a cancel: %q", strip(rep.Lines[0]))
	}
}

// The progress view at a fixed size and clock, from the events the work reports.
func TestGoldenRedriveProgress(t *testing.T) {
	v, clock := progressOf(t, redriveTask(sendingCommon(), letters()))
	if v.Start(sendCapable{}) == nil || v.State() != progress.Running {
		t.Fatal("the work starts with the backend")
	}
	*clock = clock.Add(3 * time.Second)
	v.Progress(progress.Counts{Done: 12, Kept: 2, Failed: 1})
	out := v.View()
	mustBeInert(t, "progress", out)
	golden.RequireEqual(t, strip(out))
}

func progressOf(t *testing.T, tk progress.Task) (*progress.Model, *time.Time) {
	t.Helper()
	v := progress.New(sendingCommon(), tk, 3)
	clock := at
	v.SetClock(func() time.Time { return clock })
	v.SetSize(100, 16)
	return v, &clock
}

// hasKey reports whether v offers the key shown as name.
func hasKey(v common.View, name string) bool {
	for _, k := range strings.Fields(keyNames(v)) {
		if k == name {
			return true
		}
	}
	return false
}

// shovelCapable is a broker that can move messages itself (RabbitMQ with its shovel plugin).
type shovelCapable struct{ sendCapable }

func (shovelCapable) ServerMove(context.Context, backends.MoveRequest, string, func(backends.MoveProgress)) (backends.MoveReport, error) {
	return backends.MoveReport{}, errNotHere
}

// Where the broker can move the letters itself and the plan sends every one to one queue, s offers the
// server-side move; the confirmation says who moves them. A plan with several targets offers nothing.
func TestRedriveOffersServerSide(t *testing.T) {
	c := common.New(config.Context{Name: "test"})
	connectTo(c, shovelCapable{}, false)
	v := newRedrivePlan(c, backends.Destination{Name: "orders.dlq", Kind: backends.Queue}, 3)
	v.SetSize(120, 20)
	v.Start(shovelCapable{})
	oneQueue := actions.RedrivePlan{Source: "orders.dlq", Letters: 7, Routes: []actions.PlannedRoute{
		{Route: actions.Route{Target: backends.Target{Destination: "orders"}, Via: "rabbitmq x-death"}, Letters: 7}}}
	v.onPlan(planResult{gen: v.gen, plan: oneQueue})
	if !hasKey(v, "s") || !strings.Contains(screenOf(v), "server-side off (s)") {
		t.Fatalf("a one-queue plan on a broker with a shovel offers s:\n%s", screenOf(v))
	}
	v.Update(press("s"))
	if !v.opts.ServerSide || !v.plan.Options.ServerSide || !strings.Contains(screenOf(v), "server-side on (s)") {
		t.Fatalf("s turns the server-side move on:\n%s", screenOf(v))
	}
	d := redriveConfirm(c, *v.plan, v.dest, 3)
	d.SetSize(120, 30)
	if got := d.View(); !strings.Contains(got, "shovel plugin moves them") {
		t.Errorf("the confirmation should say the broker moves them:\n%s", got)
	}

	w := planned(t, letters()) // several targets, some kept
	if hasKey(w, "s") {
		t.Error("a plan with several targets offers no server-side move")
	}
}

// At 60 columns the dry run's sentences wrap rather than lose their ends ("nothing has moved" was cut) and
// its table keeps LETTERS; no line runs past the screen.
func TestRedrivePlanFitsSixtyColumns(t *testing.T) {
	v := planned(t, letters())
	v.SetSize(58, 40)
	out := strip(v.View())
	for _, want := range []string{"nothing has moved", "LETTERS", "TARGET"} {
		if !strings.Contains(out, want) {
			t.Errorf("the plan at 60 columns lacks %q:\n%s", want, out)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if w := present.Width(line); w > 58 {
			t.Errorf("a line is %d cells: %q", w, line)
		}
	}
}
