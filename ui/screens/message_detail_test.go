package screens

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/body"
)

// openDetail opens the detail of the browser's selected message and runs its first render, as the shell
// would when it pushes the view.
func openDetail(t *testing.T, v *browser, width, height int) *messageDetail {
	t.Helper()
	push, ok := v.Update(press("enter"))().(common.PushMsg)
	if !ok {
		t.Fatal("enter on a message should push its detail")
	}
	d := push.View.(*messageDetail)
	d.SetSize(width, height)
	runView(d, d.Start(nil))
	return d
}

// runView runs a view's own task and hands the result back to it, as the shell would.
func runView(v common.View, cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	if t, ok := cmd().(common.TaskMsg); ok && t.View == v.ID() {
		return t.Run(context.Background(), nil)()
	}
	return nil
}

func TestMessageDetailShowsEverything(t *testing.T) {
	q := backends.Destination{Name: "jobs.dlq", Kind: backends.Queue}
	v := newBrowser(t, q, 10)
	m := message(0, 3, "jobs.high", `{"job":"resize","size":[640,480],"ok":true,"retry":null}`)
	m.Redelivered, m.DeliveryCount = true, 2
	m.Headers = []backends.Header{
		{Key: "x-first", Value: []byte("1")},
		{Key: "x-death", Value: []byte("[...]"), Typed: []any{map[string]any{
			"queue": "jobs", "reason": "rejected", "count": int64(4), "exchange": "work",
			"routing-keys": []any{"jobs.high"}, "time": at}}},
		{Key: "x-last", Value: []byte("2")},
	}
	m.Properties = &backends.Properties{ContentType: "application/json", DeliveryMode: 2, Priority: 5,
		CorrelationID: "corr-1", MessageID: "msg-9", AppID: "resizer", Exchange: "work", RoutingKey: "jobs.high"}
	deliver(v, m)
	d := openDetail(t, v, 100, 60)
	s := screenOf(d)
	for _, want := range []string{"position", "routing key", "jobs.high", "redelivered", "yes", "delivery count",
		"dead letter · rabbitmq x-death", "from", "jobs", "exchange", "work", "reason", "rejected", "count", "4",
		"properties", "content type", "application/json", "delivery mode", "2 (persistent)", "priority",
		"correlation id", "corr-1", "message id", "msg-9", "app id", "resizer",
		"headers (3)", "body · json · view auto", `"job": "resize"`, `"ok": true`} {
		if !strings.Contains(s, want) {
			t.Fatalf("detail lacks %q:\n%s", want, s)
		}
	}
	headers := s[strings.Index(s, "headers (3)"):]
	if !regexp.MustCompile(`x-first +1\nx-death +\[\.\.\.\]\nx-last +2`).MatchString(headers) {
		t.Fatalf("headers must keep their order:\n%s", s)
	}
	if d.Title() != "#3" {
		t.Fatalf("title %q", d.Title())
	}
}

func TestBodyViewsCycle(t *testing.T) {
	v := newBrowser(t, ordersTopic, 10)
	deliver(v, message(2, 40, "k", `{"id":7,"name":"ada"}`))
	d := openDetail(t, v, 100, 30)
	if !strings.Contains(screenOf(d), `"name": "ada"`) || !strings.Contains(ansiStatus(d), "json") {
		t.Fatalf("auto shows pretty JSON:\n%s", screenOf(d))
	}
	want := map[body.Mode][]string{
		body.JSON: {"body · json · view json", `"name": "ada"`},
		body.Text: {"body · json · view text", `{"id":7,"name":"ada"}`}, // the body is JSON, whichever view shows it
		body.Hex:  {"body · json · view hex", `00000000  7b 22 69 64 22 3a 37 2c`},
		body.Auto: {"body · json · view auto"},
	}
	for _, mode := range []body.Mode{body.JSON, body.Text, body.Hex, body.Auto} {
		runView(d, d.Update(press("v")))
		if d.mode != mode {
			t.Fatalf("v should go to %s, is on %s", mode, d.mode)
		}
		for _, w := range want[mode] {
			if !strings.Contains(screenOf(d), w) {
				t.Fatalf("view %s lacks %q:\n%s", mode, w, screenOf(d))
			}
		}
	}
	if cmd := d.Update(press("v")); cmd != nil {
		t.Fatal("a view rendered once is not rendered again")
	}

	deliver(v, message(2, 41, "k", "plain words, not JSON"))
	v.Update(press("j"))
	d = openDetail(t, v, 100, 30)
	runView(d, d.Update(press("v")))
	if s := screenOf(d); !strings.Contains(s, "not JSON: shown as text") || !strings.Contains(s, "plain words") {
		t.Fatalf("asking for JSON of text says so:\n%s", s)
	}
}

func ansiStatus(v common.View) string { return strings.ToLower(v.Status()) }

// A JSON body is highlighted: keys, strings, numbers and literals each in their theme colour.
func TestJSONIsHighlighted(t *testing.T) {
	v := newBrowser(t, ordersTopic, 10)
	deliver(v, message(0, 1, "k", `{"n":1,"s":"x","b":true,"z":null}`))
	d := openDetail(t, v, 100, 30)
	raw := d.View()
	for _, c := range []string{"7dcfff", "9ece6a", "ff9e64", "bb9af7"} { // dark theme JSON colours, as RGB
		if !strings.Contains(raw, rgb(c)) {
			t.Fatalf("no colour #%s in the JSON body:\n%q", c, raw)
		}
	}
}

// rgb is how a colour #rrggbb appears in a truecolor SGR sequence: "r;g;b".
func rgb(hex string) string {
	n, _ := strconv.ParseUint(hex, 16, 32)
	return fmt.Sprintf("%d;%d;%d", n>>16, n>>8&0xff, n&0xff)
}

// The pane draws only its rows: scrolling moves through the whole body, one screen at a time.
func TestDetailScrollsThroughALongBody(t *testing.T) {
	v := newBrowser(t, ordersTopic, 10)
	var body bytes.Buffer
	for i := range 500 {
		body.WriteString(strings.Repeat("x", 10) + " line " + strconv.Itoa(i) + "\n")
	}
	deliver(v, message(0, 1, "k", body.String()))
	d := openDetail(t, v, 80, 20)
	if n := strings.Count(screenOf(d), "\n") + 1; n > 20 {
		t.Fatalf("the pane drew %d lines in 20", n)
	}
	d.Update(press("G"))
	if s := screenOf(d); !strings.Contains(s, "line 499") {
		t.Fatalf("the end of the body should be on screen after G:\n%s", s)
	}
	d.Update(press("g"))
	if !strings.Contains(screenOf(d), "partition") {
		t.Fatal("g goes back to the top")
	}
}

// A 5 MiB body: the browser holds its first MiB, previews its first bytes, decodes its first 256 KiB, and
// says so; copying says how much went.
func TestHugeBodyIsBounded(t *testing.T) {
	v := newBrowser(t, ordersTopic, 10)
	huge := bytes.Repeat([]byte("0123456789abcdef"), 5<<20/16)
	deliver(v, message(0, 1, "big", string(huge)))
	e, _ := v.selected()
	if len(e.msg.Body) != holdBody || e.size != 5<<20 {
		t.Fatalf("held %d of %d bytes, want %d of %d", len(e.msg.Body), e.size, holdBody, 5<<20)
	}
	if s := screenOf(v); !strings.Contains(s, "5.0 MiB") {
		t.Fatalf("the list shows the size:\n%s", s)
	}
	if len(e.preview) > present.PreviewBytes+len("…") {
		t.Fatalf("the preview is %d bytes, want at most %d and …", len(e.preview), present.PreviewBytes)
	}
	d := openDetail(t, v, 100, 30)
	if s := screenOf(d); !strings.Contains(s, "showing the first 256.0 KiB of 5.0 MiB (5,242,880 bytes)") {
		t.Fatalf("the detail says what it shows:\n%s", s)
	}
	text, flash := copied(t, d.Update(press("c")))
	if len(text) != holdBody || !strings.Contains(flash, "sent the first 1,048,576 of 5,242,880 bytes") {
		t.Fatalf("copied %d bytes, flash %q", len(text), flash)
	}
}

// copied runs a copy command: what went to the clipboard, and what the flash said.
func copied(t *testing.T, cmd tea.Cmd) (clip, flash string) {
	t.Helper()
	batch, ok := cmd().(tea.BatchMsg)
	if !ok {
		t.Fatalf("copy should be a batch of the clipboard and a flash")
	}
	for _, c := range batch {
		switch msg := c().(type) {
		case common.FlashMsg:
			flash = msg.Text
		default:
			if v := reflect.ValueOf(msg); v.Kind() == reflect.String { // tea's unexported clipboard message
				clip = v.String()
			}
		}
	}
	return clip, flash
}

func TestCopyFromTheList(t *testing.T) {
	v := newBrowser(t, ordersTopic, 10)
	deliver(v, message(0, 1, "k", "hello\x1b]52;c;ZXZpbA==\x07"))
	clip, flash := copied(t, v.Update(press("c")))
	if clip != "hello\x1b]52;c;ZXZpbA==\x07" || flash != "sent 21 bytes to the terminal's clipboard (tmux: set -g set-clipboard on)" {
		t.Fatalf("clip %q flash %q", clip, flash)
	}
}

// Hostile bytes in keys, headers and bodies show escaped in the list and the detail: nothing that would
// move the cursor, set a title, write the clipboard or reorder text reaches the terminal.
func TestGoldenHostileMessages(t *testing.T) {
	v := newBrowser(t, ordersTopic, 100)
	v.SetSize(100, 12)
	hostile := message(0, 9999, "cust-\x1b[31m9999\x1b[0m", "{\"name\":\"Mallory \u202eredro\u202c\",\"x\":\"\\u001b[2J\"}")
	hostile.Headers = []backends.Header{
		{Key: "x-display-name", Value: []byte("\x1b]0;pwned\x07\x1b[2J\u202egnp.exe")},
		{Key: "x-\x1b]52;c;ZXZpbA==\x07clip", Value: []byte("\xff\xfe not utf-8")},
	}
	osc52 := message(1, 7, "clip\x1b]52;c;ZXZpbA==\x07", "copy me \x1b]52;c;ZXZpbA==\x07 then \u202eevil\u202c text")
	invalid := message(2, 8, "\xff\xfekey", "bad \xff\xfe bytes \xc3\x28 here")
	huge := message(0, 10000, "huge", "\x1b[2J"+strings.Repeat("A", 5<<20))
	deliver(v, hostile, osc52, invalid, huge)

	list := v.View()
	mustBeInert(t, "list", list)
	d := openDetailAt(t, v, 0, 100, 24)
	detail := d.View()
	mustBeInert(t, "detail", detail)
	hugeDetail := openDetailAt(t, v, 3, 100, 24).View()
	mustBeInert(t, "huge detail", hugeDetail)

	screens := strings.Join([]string{
		"── list " + strings.Repeat("─", 92), strip(list),
		"── detail of p0 @ 9,999 " + strings.Repeat("─", 76), strip(detail),
		"── detail of the 5 MiB body " + strings.Repeat("─", 72), strip(hugeDetail),
	}, "\n")
	golden.RequireEqual(t, screens)
}

func openDetailAt(t *testing.T, v *browser, row, width, height int) *messageDetail {
	t.Helper()
	v.table.SetCursor(row)
	return openDetail(t, v, width, height)
}

func strip(s string) string { return ansi.Strip(s) }

// mustBeInert fails when raw output holds anything but styling: an OSC, a screen or cursor command, a
// bell, a bidi control, or invalid UTF-8.
func mustBeInert(t *testing.T, what, raw string) {
	t.Helper()
	if !utf8.ValidString(raw) {
		t.Fatalf("%s: invalid UTF-8 reached the terminal", what)
	}
	for _, bad := range []string{"\x1b]", "\x07", "\x1b[2J", "\x1b[31m9999", "\u202e", "\u202c", "\xc2\x9b"} {
		if strings.Contains(raw, bad) {
			t.Fatalf("%s: %q reached the terminal:\n%q", what, bad, raw)
		}
	}
}

func TestGoToAndStartAt(t *testing.T) {
	v := newBrowser(t, ordersTopic, 100)
	deliver(v, orders(0, 30)...) // partitions 0..2, offsets 0..29
	v.Update(press("o"))
	if !v.Capturing() {
		t.Fatal("the prompt takes every key while open")
	}
	typeLine(v, "1:16") // partition 1 holds 1, 4, ..., 28
	if e, _ := v.selected(); e.msg.Partition != 1 || e.msg.Offset != 16 {
		t.Fatalf("go to 1:16 selected p%d @ %d", e.msg.Partition, e.msg.Offset)
	}
	v.Update(press("o"))
	typeLine(v, "@"+at.Add(20500*time.Millisecond).Format(time.RFC3339Nano))
	if e, _ := v.selected(); e.msg.Offset != 21 {
		t.Fatalf("go to a time selected offset %d, want 21, the first at or after it", e.msg.Offset)
	}
	if cmd := func() tea.Cmd { v.Update(press("o")); return typeLine(v, "nonsense") }(); cmd == nil || v.prompt != nil {
		t.Fatal("a bad target flashes and closes the prompt")
	}

	// An offset that is not held reads again from there, in that partition only.
	v.Update(press("o"))
	typeLine(v, "2:5000")
	if v.ring.Len() != 0 || v.from.Kind != backends.AtOffset || v.from.Offset != 5000 ||
		len(v.partitions) != 1 || v.partitions[0] != 2 {
		t.Fatalf("go to an offset not held should restart there: from %+v partitions %v held %d", v.from, v.partitions, v.ring.Len())
	}
	if st := strings.ToLower(ansi.Strip(v.Status())); !strings.Contains(st, "from 2:5000 in partition 2") {
		t.Fatalf("status %q", st)
	}

	v.Update(press("p"))
	if v.prompt.input.Value() != "2:5000" {
		t.Fatalf("the start prompt opens on the current position, has %q", v.prompt.input.Value())
	}
	typeLine(v, "\b\b\b\b\b\b@-15m")
	if v.from.Kind != backends.AtTime || len(v.partitions) != 0 || v.fromText != "@-15m" {
		t.Fatalf("start at @-15m: from %+v partitions %v text %q", v.from, v.partitions, v.fromText)
	}
	v.Update(press("p"))
	typeLine(v, "q") // q is typed, not quit
	if v.fromText != "@-15m" {
		t.Fatal("a bad position changes nothing")
	}
	v.Update(press("p"))
	v.Update(tea.KeyPressMsg{Code: tea.KeyEscape})
	if v.prompt != nil {
		t.Fatal("esc closes the prompt")
	}
}

// typeLine types s into the open prompt (\b is backspace) and presses enter.
func typeLine(v *browser, s string) tea.Cmd {
	for _, r := range s {
		if r == '\b' {
			v.Update(tea.KeyPressMsg{Code: tea.KeyBackspace})
			continue
		}
		v.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return v.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
}

// The origin of a Spring dead letter, read from the binary headers Spring writes.
func TestSpringDeadLetterOrigin(t *testing.T) {
	v := newBrowser(t, backends.Destination{Name: "orders-dlt", Kind: backends.Topic}, 10)
	m := message(4, 0, "cust-0002", `{}`)
	m.Headers = []backends.Header{
		{Key: "kafka_dlt-original-topic", Value: []byte("orders")},
		{Key: "kafka_dlt-original-partition", Value: binary.BigEndian.AppendUint32(nil, 4)},
		{Key: "kafka_dlt-original-offset", Value: binary.BigEndian.AppendUint64(nil, 11)},
		{Key: "kafka_dlt-original-consumer-group", Value: []byte("billing-service")},
		{Key: "kafka_dlt-exception-fqcn", Value: []byte("java.lang.IllegalArgumentException")},
		{Key: "kafka_dlt-exception-message", Value: []byte("Unsupported currency 'XXX'")},
	}
	deliver(v, m)
	s := screenOf(openDetail(t, v, 120, 40))
	for _, want := range []string{"dead letter · spring kafka_dlt", "from", "orders", "group", "billing-service",
		"exception", "java.lang.IllegalArgumentException: Unsupported currency 'XXX'",
		`\x00\x00\x00\x04  (int32 4)`, "(int64 11)"} {
		if !strings.Contains(s, want) {
			t.Fatalf("detail lacks %q:\n%s", want, s)
		}
	}
}

// On a 60-column screen a long header name does not push every value into wrapping: the label column
// takes at most a third of the width (a 33-cell header made the time wrap its " UTC" onto a line of its own).
func TestNarrowDetailKeepsValuesOnOneLine(t *testing.T) {
	v := newBrowser(t, backends.Destination{Name: "orders-dlt", Kind: backends.Topic}, 10)
	m := message(4, 0, "cust-0002", `{}`)
	m.Headers = []backends.Header{{Key: "kafka_dlt-original-consumer-group", Value: []byte("billing-service")}}
	deliver(v, m)
	s := screenOf(openDetail(t, v, 58, 13))
	if line := lineOf(s, "time  "); !strings.HasSuffix(strings.TrimSpace(line), "UTC") {
		t.Fatalf("the time wraps at 60 columns:\n%s", s)
	}
}

// A size under a KiB is said once ("283 B"); above, with the exact count ("5.0 MiB (5,242,880 bytes)").
func TestSizeTextSaysBytesOnce(t *testing.T) {
	for size, want := range map[int]string{283: "283 B", 1023: "1023 B", 5 << 20: "5.0 MiB (5,242,880 bytes)"} {
		if got := sizeText(size); got != want {
			t.Errorf("%d: %q, want %q", size, got, want)
		}
	}
}
