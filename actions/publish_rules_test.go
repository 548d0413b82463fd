package actions

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/config"
)

func TestParseHeader(t *testing.T) {
	h, err := ParseHeader("trace-id=a=b")
	if err != nil || h.Key != "trace-id" || string(h.Value) != "a=b" {
		t.Errorf("got %+v, %v", h, err)
	}
	h, err = ParseHeader("empty=")
	if err != nil || h.Key != "empty" || h.Value == nil || len(h.Value) != 0 {
		t.Errorf("an empty value: got %+v, %v", h, err)
	}
	for _, bad := range []string{"novalue", "=v"} {
		if _, err := ParseHeader(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestSetProperty(t *testing.T) {
	var p *backends.Properties
	var err error
	for _, s := range []string{"content_type=application/json", "delivery-mode=2", "priority=9", "expiration=60000",
		"message_id=m-1", "app_id=mqscope", "correlation_id=c", "reply_to=r", "type=t", "user_id=guest",
		"content_encoding=gzip"} {
		if p, err = SetProperty(p, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	want := backends.Properties{ContentType: "application/json", DeliveryMode: 2, Priority: 9, Expiration: "60000",
		MessageID: "m-1", AppID: "mqscope", CorrelationID: "c", ReplyTo: "r", Type: "t", UserID: "guest", ContentEncoding: "gzip"}
	if *p != want {
		t.Errorf("got %+v\nwant %+v", *p, want)
	}
	for _, bad := range []string{"delivery_mode=3", "priority=300", "expiration=soon", "colour=red", "content_type"} {
		if _, err := SetProperty(nil, bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestJSONContentTypes(t *testing.T) {
	for ct, want := range map[string]bool{
		"application/json": true, "application/json; charset=utf-8": true, "application/vnd.api+json": true,
		"text/plain": false, "": false, "application/jsonx": false,
	} {
		if IsJSONContentType(ct) != want {
			t.Errorf("IsJSONContentType(%q) = %v", ct, !want)
		}
	}
}

func TestCheckRefusesBadJSONBeforeSending(t *testing.T) {
	dest := backends.Target{Destination: "orders"}
	ok := []PublishOptions{
		{Target: dest, Body: []byte("not json")}, // no JSON asked for
		{Target: dest, JSON: true, Body: []byte(`{"n":{{seq}},"id":"{{uuid}}"}`)},
		{Target: dest, Properties: &backends.Properties{ContentType: "application/json"}, Body: []byte(`[1,2]`)},
	}
	for _, o := range ok {
		if err := o.Check(); err != nil {
			t.Errorf("%s: %v", o.Body, err)
		}
	}
	bad := []PublishOptions{
		{Target: dest, JSON: true, Body: []byte(`{"n":{{seq}}`)},
		{Target: dest, Properties: &backends.Properties{ContentType: "application/json"}, Body: []byte(`{'a':1}`)},
		{Target: dest, Count: -1},
		{Target: dest, Rate: -1},
		{Body: []byte("x")},
	}
	for _, o := range bad {
		if err := o.Check(); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	err := PublishOptions{Target: dest, JSON: true, Body: []byte(`{"n":1,}`)}.Check()
	if err == nil || !strings.Contains(err.Error(), "message 1: the body is not valid JSON (at byte 8") {
		t.Errorf("the error says where: %v", err)
	}
}

// Every message of a run gets its own expansion; parts without placeholders are shared, not copied.
func TestDraftExpandsKeyHeadersAndBody(t *testing.T) {
	d := newDraft(PublishOptions{
		Key:     []byte("order-{{seq}}"),
		Headers: []backends.Header{{Key: "fixed", Value: []byte("v")}, {Key: "id", Value: []byte("{{uuid}}")}},
		Body:    []byte(`{"seq":{{seq}}}`),
	})
	now := time.Now()
	a, _ := d.message(1, now)
	b, _ := d.message(2, now)
	if string(a.Key) != "order-1" || string(b.Key) != "order-2" || string(b.Body) != `{"seq":2}` {
		t.Errorf("key %q %q, body %q", a.Key, b.Key, b.Body)
	}
	if string(a.Headers[0].Value) != "v" || string(a.Headers[1].Value) == string(b.Headers[1].Value) || len(a.Headers[1].Value) != 36 {
		t.Errorf("headers %q %q", a.Headers, b.Headers)
	}

	static := PublishOptions{Key: []byte("k"), Body: []byte("same")}
	d = newDraft(static)
	m, _ := d.message(7, now)
	if &m.Body[0] != &static.Body[0] || &m.Key[0] != &static.Key[0] {
		t.Error("a static body or key is copied for every message")
	}
	if m.Key == nil {
		t.Error("a key was given but none is sent")
	}
	m, _ = newDraft(PublishOptions{Body: []byte("x")}).message(1, now)
	if m.Key != nil {
		t.Errorf("no key was given but %q is sent", m.Key)
	}

	d = newDraft(PublishOptions{JSON: true, Body: []byte(`{{now}}`)}) // a bare time is not JSON
	if _, err := d.message(3, now); err == nil || !strings.Contains(err.Error(), "message 3") {
		t.Errorf("an invalid expansion: %v", err)
	}
}

func TestRangeReader(t *testing.T) {
	at := func(p int32, off int64, ts int) backends.Message {
		return backends.Message{Partition: p, Offset: off, Timestamp: time.Unix(int64(ts), 0)}
	}
	run := func(o ReplayOptions, msgs ...backends.Message) (taken []int64, stopped bool) {
		r := rangeReader{opts: o, passed: map[int32]bool{}}
		for _, m := range msgs {
			switch r.judge(m) {
			case inRange:
				taken = append(taken, m.Offset)
			case pastRange:
				return taken, true
			}
		}
		return taken, false
	}
	until := func(p backends.Position) *backends.Position { return &p }

	taken, stopped := run(ReplayOptions{Limit: 2}, at(0, 1, 0), at(0, 2, 0), at(0, 3, 0))
	if len(taken) != 2 || !stopped {
		t.Errorf("limit 2: took %v, stopped %v", taken, stopped)
	}
	// Offset 5 on partition 0 does not end partition 1.
	taken, stopped = run(ReplayOptions{Until: until(backends.Position{Kind: backends.AtOffset, Offset: 5})},
		at(0, 4, 0), at(0, 5, 0), at(1, 3, 0), at(1, 7, 0))
	if len(taken) != 2 || taken[1] != 3 || stopped {
		t.Errorf("until offset 5 over two partitions: took %v, stopped %v", taken, stopped)
	}
	// When the partitions read are named, the read ends once every one is past.
	taken, stopped = run(ReplayOptions{Partitions: []int32{0}, Until: until(backends.Position{Kind: backends.AtOffset, Offset: 5})},
		at(0, 4, 0), at(0, 5, 0), at(0, 6, 0))
	if len(taken) != 1 || !stopped {
		t.Errorf("until offset 5 on partition 0: took %v, stopped %v", taken, stopped)
	}
	// A time bound skips later messages but reads on: another partition may hold earlier ones.
	taken, _ = run(ReplayOptions{Until: until(backends.Position{Kind: backends.AtTime, Time: time.Unix(10, 0)})},
		at(0, 1, 9), at(0, 2, 10), at(1, 1, 5))
	if len(taken) != 2 || taken[1] != 1 {
		t.Errorf("until a time: took %v", taken)
	}
	// The limit counts what is copied, not what is skipped.
	taken, _ = run(ReplayOptions{Limit: 1, Until: until(backends.Position{Kind: backends.AtTime, Time: time.Unix(10, 0)})},
		at(0, 1, 11), at(1, 1, 5), at(1, 2, 6))
	if len(taken) != 1 || taken[0] != 1 {
		t.Errorf("limit after skips: took %v", taken)
	}
}

func TestReplayCheck(t *testing.T) {
	to := backends.Target{Destination: "copy"}
	for _, o := range []ReplayOptions{
		{Source: "orders"},
		{Source: "orders", To: backends.Target{Destination: "orders"}},
		{Source: "orders", To: to, Until: &backends.Position{Kind: backends.LastN, N: 3}},
		{Source: "orders", To: to, Limit: -1},
	} {
		if err := o.Check(); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	if err := (ReplayOptions{Source: "orders", To: to}).Check(); err != nil {
		t.Error(err)
	}
}

func TestGuardRefusesBeforeAnything(t *testing.T) {
	ro := NewSession(nil, config.Context{Name: "prod", ReadOnly: true})
	// A nil backend: the refusal must come before the backend is looked at.
	_, err := ro.Publish(t.Context(), PublishOptions{Target: backends.Target{Destination: "q"}}, nil)
	if !errors.Is(err, ErrReadOnly) || !strings.HasPrefix(err.Error(), "publish refused") {
		t.Errorf("publish: %v", err)
	}
	_, err = ro.PublishFile(t.Context(), strings.NewReader(""), "f", backends.Target{Destination: "q"}, 0, nil)
	if !errors.Is(err, ErrReadOnly) {
		t.Errorf("publish --from-file: %v", err)
	}
	_, err = ro.Replay(t.Context(), ReplayOptions{Source: "a", To: backends.Target{Destination: "b"}}, nil)
	if !errors.Is(err, ErrReadOnly) || !strings.HasPrefix(err.Error(), "replay refused") {
		t.Errorf("replay: %v", err)
	}
	_, err = ro.ReplayFile(t.Context(), strings.NewReader(""), "f", backends.Target{Destination: "q"}, 0, nil)
	if !errors.Is(err, ErrReadOnly) {
		t.Errorf("replay --from-file: %v", err)
	}
	_, err = ro.ReplayMessages(t.Context(), nil, backends.Target{Destination: "q"}, nil)
	if !errors.Is(err, ErrReadOnly) {
		t.Errorf("replay of marked messages: %v", err)
	}
	_, err = ro.Redrive(t.Context(), "dlq", RedriveOptions{}, nil)
	if !errors.Is(err, ErrReadOnly) || !strings.HasPrefix(err.Error(), "redrive refused") {
		t.Errorf("redrive: %v", err)
	}
}

func TestReadRecordsNamesTheBadLine(t *testing.T) {
	in := `{"destination":"a","partition":0,"offset":0,"timestamp":null,"key":null,"headers":[],"value":"x","value_encoding":"utf8"}` +
		"\n\n" + `{"value": 1}` + "\n"
	var n int
	err := ReadRecords(strings.NewReader(in), "dump.jsonl", func(backends.Message) error { n++; return nil })
	if n != 1 || err == nil || !strings.HasPrefix(err.Error(), "dump.jsonl line 3, column 11: not a message record") {
		t.Errorf("read %d, %v", n, err)
	}
	// The last line needs no newline.
	n = 0
	err = ReadRecords(strings.NewReader(strings.TrimSuffix(strings.SplitAfter(in, "\n")[0], "\n")), "f", func(m backends.Message) error {
		n++
		if string(m.Body) != "x" || m.Key != nil {
			t.Errorf("message %+v", m)
		}
		return nil
	})
	if n != 1 || err != nil {
		t.Errorf("read %d, %v", n, err)
	}
}

// The token bucket lets the first message go at once, then one every 1/rate, and saves up at most burst
// tokens while idle.
func TestLimiter(t *testing.T) {
	t0 := time.Unix(1000, 0)
	l := newLimiter(100, 5, t0)
	if d := l.take(t0); d != 0 {
		t.Fatalf("the first message waits %s", d)
	}
	if d := l.take(t0); d != 10*time.Millisecond {
		t.Errorf("the second waits %s, want 10ms", d)
	}
	if d := l.take(t0.Add(4 * time.Millisecond)); d != 6*time.Millisecond {
		t.Errorf("4 ms later it waits %s, want 6ms", d)
	}
	if d := l.take(t0.Add(10 * time.Millisecond)); d != 0 {
		t.Errorf("at 10 ms it waits %s", d)
	}
	// A second idle saves up 5 tokens, not 100.
	later := t0.Add(time.Second)
	for i := range 5 {
		if d := l.take(later); d != 0 {
			t.Fatalf("saved token %d waits %s", i, d)
		}
	}
	if d := l.take(later); d != 10*time.Millisecond {
		t.Errorf("after the burst it waits %s, want 10ms", d)
	}
}

// A line longer than the cap is an error as soon as it passes the cap, whatever follows; a line at the
// cap is read whole.
func TestReadLineIsCapped(t *testing.T) {
	br := bufio.NewReaderSize(strings.NewReader(strings.Repeat("x", 100)+"\nok"), 16)
	if _, err := readLine(br, 99); !errors.Is(err, errLineTooLong) {
		t.Errorf("a 101-byte line under a cap of 99: %v", err)
	}
	br = bufio.NewReaderSize(strings.NewReader(strings.Repeat("x", 100)+"\nok"), 16)
	if line, err := readLine(br, 101); err != nil || len(line) != 101 {
		t.Errorf("a 101-byte line under a cap of 101: %d bytes, %v", len(line), err)
	}
	if line, err := readLine(br, 101); !errors.Is(err, io.EOF) || string(line) != "ok" {
		t.Errorf("the last line: %q, %v", line, err)
	}
}
