package screens

import (
	"context"
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/confirm"
	"github.com/mqscope/mqscope/ui/components/progress"
)

// sendCapable stands for a broker that can publish and move messages, for the checks that decide what is
// offered; view tests never call it (the broker tests in package ui do the sending for real).
type sendCapable struct{ capable }

func (sendCapable) Publish(context.Context, []backends.Outgoing) ([]error, error) {
	return nil, errNotHere
}
func (sendCapable) Move(context.Context, backends.MoveRequest, backends.Router, func(backends.MoveProgress)) (backends.MoveReport, error) {
	return backends.MoveReport{}, errNotHere
}

func sendingCommon() *common.Common {
	c := common.New(config.Context{Name: "test"})
	connectTo(c, sendCapable{}, false)
	return c
}

func newPubForm(t *testing.T, d dest) *publishForm {
	t.Helper()
	v := newPublishForm(sendingCommon(), d, 7)
	v.SetSize(100, 24)
	return v
}

// typeIn types text into the field that has the cursor; "\n" is enter.
func typeIn(v common.View, text string) {
	for _, r := range text {
		if r == '\n' {
			v.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
			continue
		}
		v.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// focusField moves the form's cursor to f with tab.
func focusField(t *testing.T, v *publishForm, f formField) {
	t.Helper()
	for range len(v.fields) {
		if v.current() == f {
			return
		}
		v.Update(tea.KeyPressMsg{Code: tea.KeyTab})
	}
	t.Fatalf("no field %v in the form", f)
}

func clearField(v *publishForm) {
	for range 40 {
		v.Update(tea.KeyPressMsg{Code: tea.KeyBackspace})
	}
}

func TestPublishFormChecksAsYouType(t *testing.T) {
	v := newPubForm(t, ordersTopic)
	if v.current() != fieldBody || !strings.Contains(screenOf(v), "topic         orders") {
		t.Fatalf("the form opens on the body, the topic filled in:\n%s", screenOf(v))
	}
	typeIn(v, "{\"id\": {{seq}},\n \"note\": }")
	s := screenOf(v)
	if !strings.Contains(s, "! body: line 2, column 10: invalid character '}' looking for beginning of value") {
		t.Fatalf("a body that looks like JSON and is not is a warning, with where:\n%s", s)
	}
	if _, bad := v.blocking(); bad {
		t.Fatal("without a JSON content type a bad body can still be sent")
	}

	focusField(t, v, fieldContentType)
	typeIn(v, "application/json")
	if p, bad := v.blocking(); !bad || p.field != fieldBody || !strings.Contains(screenOf(v), "✗ body: line 2, column 10") {
		t.Fatalf("a JSON content type makes the bad body block the send:\n%s", screenOf(v))
	}
	if msg := v.Update(tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl})(); !isFlash(msg, common.FlashError, "fix the body first") {
		t.Fatalf("ctrl+s with a blocking problem sends nothing and says why: %#v", msg)
	}

	focusField(t, v, fieldBody)
	v.Update(tea.KeyPressMsg{Code: tea.KeyBackspace})
	typeIn(v, "null}")
	if _, bad := v.blocking(); bad || !strings.Contains(screenOf(v), "✓ the body is valid JSON") {
		t.Fatalf("fixed:\n%s", screenOf(v))
	}

	focusField(t, v, fieldHeaders)
	typeIn(v, "trace-id=abc-{{seq}}\nbroken")
	if p, bad := v.blocking(); !bad || p.field != fieldHeaders || !strings.Contains(p.text, "line 2") {
		t.Fatalf("a header without = is named by its line: %+v", p)
	}
	v.Update(tea.KeyPressMsg{Code: tea.KeyBackspace})
	typeIn(v, "=")

	focusField(t, v, fieldCount)
	clearField(v)
	typeIn(v, "0")
	if p, bad := v.blocking(); !bad || p.field != fieldCount {
		t.Fatalf("count 0: %+v", p)
	}
	clearField(v)
	typeIn(v, "25")
	focusField(t, v, fieldRate)
	typeIn(v, "-3")
	if p, bad := v.blocking(); !bad || p.field != fieldRate {
		t.Fatalf("a negative rate: %+v", p)
	}
	clearField(v)
	typeIn(v, "50")
	focusField(t, v, fieldKey)
	typeIn(v, "order-{{seq}}")

	opts, problems := v.options()
	if len(problems) != 0 {
		t.Fatalf("problems left: %+v", problems)
	}
	if opts.Target.Destination != "orders" || string(opts.Key) != "order-{{seq}}" || opts.Count != 25 || opts.Rate != 50 ||
		string(opts.Body) != "{\"id\": {{seq}},\n \"note\": null}" {
		t.Fatalf("options: %+v", opts)
	}
	want := []backends.Header{{Key: "trace-id", Value: []byte("abc-{{seq}}")}, {Key: "broken", Value: []byte("")},
		{Key: "content-type", Value: []byte("application/json")}}
	if len(opts.Headers) != 3 || opts.Headers[0].Key != want[0].Key || string(opts.Headers[0].Value) != string(want[0].Value) ||
		opts.Headers[2].Key != "content-type" || string(opts.Headers[2].Value) != "application/json" || opts.Properties != nil {
		t.Fatalf("a topic's content type goes as a header, after the ones typed: %+v", opts.Headers)
	}
}

func isFlash(msg tea.Msg, level common.FlashLevel, text string) bool {
	f, ok := msg.(common.FlashMsg)
	return ok && f.Level == level && strings.Contains(f.Text, text)
}

// Queues take AMQP properties and no key; exchanges a routing key; pasted text lands in the field.
func TestPublishFormFollowsTheDestination(t *testing.T) {
	q := newPubForm(t, dest{Name: "jobs", Kind: backends.Queue})
	if strings.Contains(screenOf(q), "  key ") || !strings.Contains(screenOf(q), "properties") {
		t.Fatalf("a queue has properties and no key:\n%s", screenOf(q))
	}
	focusField(t, q, fieldContentType)
	typeIn(q, "application/vnd.order+json")
	focusField(t, q, fieldProperties)
	q.Paste(tea.PasteMsg{Content: "priority=7\ncorrelation_id=c-1"})
	focusField(t, q, fieldBody)
	q.Paste(tea.PasteMsg{Content: `{"ok": true}`})

	opts, problems := q.options()
	if len(problems) != 0 || opts.Properties == nil || opts.Properties.ContentType != "application/vnd.order+json" ||
		opts.Properties.Priority != 7 || opts.Properties.CorrelationID != "c-1" || len(opts.Headers) != 0 ||
		opts.Target.Destination != "jobs" || string(opts.Body) != `{"ok": true}` {
		t.Fatalf("queue options: %+v %+v %v", opts, opts.Properties, problems)
	}
	focusField(t, q, fieldProperties)
	typeIn(q, "\npriority=high")
	if p, bad := q.blocking(); !bad || p.field != fieldProperties || !strings.Contains(p.text, "line 3") {
		t.Fatalf("a bad property: %+v", p)
	}

	x := newPubForm(t, dest{Name: "orders.x", Kind: backends.Exchange})
	focusField(t, x, fieldKey)
	typeIn(x, "eu.created")
	opts, _ = x.options()
	if opts.Target.Exchange == nil || *opts.Target.Exchange != "orders.x" || opts.Target.RoutingKey != "eu.created" ||
		opts.Key != nil || !strings.Contains(screenOf(x), "routing key") {
		t.Fatalf("exchange target: %+v\n%s", opts.Target, screenOf(x))
	}
}

// A body longer than the screen (and than the text area's own default cap) is kept whole.
func TestPublishFormKeepsALongBody(t *testing.T) {
	v := newPubForm(t, dest{Name: "jobs", Kind: backends.Queue})
	long := strings.Repeat("line\n", 150)
	v.Paste(tea.PasteMsg{Content: long})
	typeIn(v, "\n\nend")
	if got := v.value(fieldBody); got != long+"\n\nend" {
		t.Fatalf("%d lines kept", strings.Count(got, "\n"))
	}
}

// A name a text field would change is sent exactly as listed, and drawn escaped.
func TestPublishFormKeepsAHostileNameExact(t *testing.T) {
	name := "evil\x1b]0;pwned\x07\u202e"
	v := newPubForm(t, dest{Name: name, Kind: backends.Topic})
	out := v.View()
	mustBeInert(t, "form", out)
	if !strings.Contains(strip(out), `evil\e]0;pwned\x07\u202e  (sent as listed)`) {
		t.Fatalf("the name is shown escaped:\n%s", strip(out))
	}
	if opts, _ := v.options(); opts.Target.Destination != name {
		t.Fatalf("the target is the name as listed: %q", opts.Target.Destination)
	}
	for range len(v.fields) {
		v.Update(tea.KeyPressMsg{Code: tea.KeyTab})
		if v.current() == fieldTo {
			t.Fatal("tab never stops on a destination that cannot be edited")
		}
	}
}

func TestPublishOneAtOnceManyAfterAConfirmation(t *testing.T) {
	v := newPubForm(t, ordersTopic)
	typeIn(v, "hello {{seq}}")
	connected := v.c.Connected
	v.c.Connected = nil
	if v.Update(tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl}) != nil || !strings.Contains(screenOf(v), "not connected") {
		t.Fatalf("no connection, no send:\n%s", screenOf(v))
	}
	v.c.Connected = connected
	run, ok := v.Update(tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl})().(common.TaskMsg)
	if !ok || run.View != 0 || !v.sending || !strings.Contains(strip(v.Status()), "sending") {
		t.Fatal("one message is sent at once, through the shell")
	}
	if v.Update(press("x")) != nil || strings.Contains(v.value(fieldBody), "x") {
		t.Fatal("the form waits while the message is on its way")
	}
	cmd := v.sent("orders", actions.SendReport{Failed: 1, Errors: []actions.ErrorCount{{Error: "unknown topic \x1b[2Jorders", Count: 1}}}, nil)
	if v.sending || !strings.Contains(screenOf(v), `✗ not sent: unknown topic \e[2Jorders`) || !isFlash(cmd(), common.FlashError, "not sent") {
		t.Fatalf("a refused message keeps the form open and says why, escaped:\n%s", screenOf(v))
	}
	// Left while sending: the answer only flashes, it closes nothing.
	run = v.Update(tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl})().(common.TaskMsg)
	if _, ok := v.Update(tea.KeyPressMsg{Code: tea.KeyEscape})().(common.PopMsg); !ok {
		t.Fatal("esc leaves while sending")
	}
	if msg := v.sent("orders", actions.SendReport{Sent: 1}, nil)(); run.View != 0 || !isFlash(msg, common.FlashInfo, "sent 1 message to orders") {
		t.Fatalf("the answer after leaving: %#v", msg)
	}
	run = v.Update(tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl})().(common.TaskMsg)
	msgs := v.sent("orders", actions.SendReport{Sent: 1}, nil)().(tea.BatchMsg)
	if pop, ok := msgs[0]().(common.PopMsg); !ok || pop.To != 7 || !isFlash(msgs[1](), common.FlashInfo, "sent 1 message to orders") {
		t.Fatal("sent: back where the form was opened, saying so")
	}

	focusField(t, v, fieldCount)
	clearField(v)
	typeIn(v, "1000")
	focusField(t, v, fieldRate)
	typeIn(v, "200")
	d, ok := v.Update(tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl})().(common.PushMsg).View.(*confirm.Model)
	if !ok {
		t.Fatal("many messages ask first")
	}
	d.SetSize(100, 20)
	for _, want := range []string{"publish to orders?", "sends 1,000 messages to orders, at 200 a second (about 5s)",
		"y send 1,000 messages"} {
		if !strings.Contains(screenOf(d), want) {
			t.Fatalf("confirmation lacks %q:\n%s", want, screenOf(d))
		}
	}
	if d.Update(press("x")) != nil {
		t.Fatal("only y sends")
	}
	pop, ok := d.Update(press("y"))().(common.PopMsg)
	if p, isProgress := pop.Then.(*progress.Model); !ok || pop.To != 7 || !isProgress || p.Task().Total != 1000 {
		t.Fatalf("y replaces the form and the dialog with the progress of 1,000: %+v", pop)
	}
}

// The form is not offered read-only; should it be open all the same, the actions' guard refuses.
func TestPublishRefusedReadOnly(t *testing.T) {
	v := newPubForm(t, ordersTopic)
	connectTo(v.c, v.c.Backend(), true)
	if !strings.Contains(screenOf(v), "read-only: sending is refused") {
		t.Fatalf("the form says so:\n%s", screenOf(v))
	}
	typeIn(v, "x")
	run := v.Update(tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl})().(common.TaskMsg)
	opts, _ := v.options()
	if _, err := publishOne(v.c.Session(), opts)(context.Background(), sendCapable{}); !errors.Is(err, actions.ErrReadOnly) {
		t.Fatalf("publish read-only: %v", err)
	}
	run.Run(context.Background(), sendCapable{})() // the shell's run of the same work, and its answer
	if !strings.Contains(screenOf(v), "publish refused") {
		t.Fatalf("the refusal shows:\n%s", screenOf(v))
	}
	// The task of many messages is refused the same way.
	if err := publishTask(v.c, opts).Run(context.Background(), sendCapable{}, func(progress.Counts) {}); !errors.Is(err, actions.ErrReadOnly) {
		t.Fatalf("publish task read-only: %v", err)
	}
}
