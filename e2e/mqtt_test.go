package e2e

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mqscope/mqscope/cli"
	"github.com/mqscope/mqscope/internal/testkit/mqttfix"
	"github.com/mqscope/mqscope/sanitize"
)

// TestMQTTTopicTree: ls shows the topics holding retained messages, with their QoS and size, and a topic
// a message arrives on during the listing's window, counted as seen.
func TestMQTTTopicTree(t *testing.T) {
	f := mqttfix.New(t)
	p := mqttfix.Unique("tree")
	f.Publish(t, p+"/kitchen/temp", 2, true, "21.5")
	f.Publish(t, p+"/hall/temp", 1, true, "old", "19")
	hostile, long := p+"/hostile", p+"/long"
	f.Publish(t, hostile, 1, true, "\x1b]0;pwned\x07\x1b[2Jred")
	f.Publish(t, long, 1, true, strings.Repeat("é", 50)) // 100 bytes: the preview keeps 64, whole runes
	live := p + "/door"
	f.Track(live)
	stop := make(chan struct{})
	defer close(stop)
	go func() { // a device talking while the listing listens
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
				f.Publish(t, live, 0, false, "open")
			}
		}
	}()
	r := mqscope(t, "--mqtt", f.URL, "ls", "-o", "json")
	if r.code != 0 {
		t.Fatalf("ls: exit %d: %s", r.code, r.stderr)
	}
	rows := byName(jsonLines(t, r.stdout), "name")
	for topic, want := range map[string]map[string]any{
		p + "/kitchen/temp": {"retained": true, "qos": 2.0, "last_size": 4.0, "last_payload": "21.5"},
		p + "/hall/temp":    {"retained": true, "qos": 1.0, "last_size": 2.0, "last_payload": "19"},
		live:                {"retained": false, "qos": 0.0, "last_size": 4.0, "last_payload": "open"},
		long:                {"retained": true, "last_size": 100.0, "last_payload": strings.Repeat("é", 32)},
		hostile:             {"retained": true, "last_payload": "\x1b]0;pwned\x07\x1b[2Jred"},
	} {
		row, ok := rows[topic]
		if !ok {
			t.Fatalf("%s not listed", topic)
		}
		m := row["mqtt"].(map[string]any)
		for k, v := range want {
			if m[k] != v {
				t.Errorf("%s: %s = %v, want %v (%v)", topic, k, m[k], v, m)
			}
		}
		if wantMsgs := map[bool]float64{true: 1, false: 0}[want["retained"].(bool)]; row["messages"] != wantMsgs {
			t.Errorf("%s: messages = %v, want %v", topic, row["messages"], wantMsgs)
		}
	}
	if seen := rows[live]["mqtt"].(map[string]any)["seen"].(float64); seen < 1 {
		t.Errorf("%s: seen %v messages in the window, want some", live, seen)
	}

	// The table: the last payload escaped, never raw; a preview cut short says so.
	r = mqscope(t, "--mqtt", f.URL, "ls")
	if r.code != 0 {
		t.Fatalf("ls: exit %d: %s", r.code, r.stderr)
	}
	if strings.ContainsAny(r.stdout, "\x1b\x07") {
		t.Fatalf("a payload reached the terminal raw: %q", r.stdout)
	}
	for _, want := range []string{"LAST", sanitize.Line("\x1b]0;pwned\x07\x1b[2Jred"), strings.Repeat("é", 32) + "…"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("ls lacks %q:\n%s", want, r.stdout)
		}
	}
}

// TestMQTTPeekWildcardTail: a peek of a filter with + and # gives the retained messages it matches, and
// with --follow what arrives after, on every topic it matches and none it does not.
func TestMQTTPeekWildcardTail(t *testing.T) {
	f := mqttfix.New(t)
	p := mqttfix.Unique("tail")
	f.Publish(t, p+"/a/temp", 1, true, "held-a")
	f.Publish(t, p+"/b/humidity", 1, true, "held-b")

	r := mqscope(t, "--mqtt", f.URL, "peek", p+"/+/temp", "-o", "json")
	if r.code != 0 {
		t.Fatalf("peek: exit %d: %s", r.code, r.stderr)
	}
	if got := jsonBodies(jsonLines(t, r.stdout)); !slices.Equal(got, []string{"held-a"}) {
		t.Fatalf("peek %s/+/temp = %q, want the one retained message it matches", p, got)
	}

	cmd, out, stderr := mqscopeProcess(t, "--mqtt", f.URL, "peek", p+"/#", "--follow", "-o", "json", "-n", "4")
	lines := make(chan string, 8)
	go func() {
		buf := make([]byte, 64<<10)
		var acc string
		for {
			n, err := out.Read(buf)
			acc += string(buf[:n])
			for i := strings.IndexByte(acc, '\n'); i >= 0; i = strings.IndexByte(acc, '\n') {
				lines <- acc[:i]
				acc = acc[i+1:]
			}
			if err != nil {
				close(lines)
				return
			}
		}
	}()
	var got []string
	next := func() {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("peek --follow ended after %q: %s", got, stderr)
			}
			got = append(got, jsonBodies(jsonLines(t, l))...)
		case <-time.After(10 * time.Second):
			t.Fatalf("peek --follow gave %q, then nothing: %s", got, stderr)
		}
	}
	next()
	next() // both retained messages: the subscription is in place
	f.Publish(t, p+"-elsewhere/x", 1, false, "not-matched")
	f.Publish(t, p+"/c/deep/er", 2, false, "live-1")
	f.Publish(t, p+"/a/temp", 0, false, "live-2")
	next()
	next()
	cmd.Wait()
	slices.Sort(got[:2])
	if want := []string{"held-a", "held-b", "live-1", "live-2"}; !slices.Equal(got, want) {
		t.Fatalf("peek %s/# --follow = %q, want %q", p, got, want)
	}
}

// TestMQTTPublishEachQoSAndClear: publish at QoS 0, 1 and 2 arrives at that QoS; a retained one is the
// topic's retained message until purge clears it, and the purge is a mutating verb read-only refuses.
func TestMQTTPublishEachQoSAndClear(t *testing.T) {
	f := mqttfix.New(t)
	p := mqttfix.Unique("qos")
	seen := f.Subscribe(t, p+"/#")
	for _, q := range []string{"0", "1", "2"} {
		f.Track(p + "/q" + q)
		if r := mqscope(t, "--mqtt", f.URL, "publish", p+"/q"+q, "--qos", q, "--body", "at "+q); r.code != 0 {
			t.Fatalf("publish --qos %s: exit %d: %s", q, r.code, r.stderr)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(seen()) < 3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	got := map[string]byte{}
	for _, m := range seen() {
		got[string(m.Payload)] = m.QoS
	}
	for _, q := range []byte{0, 1, 2} {
		body := "at " + string('0'+q)
		if qos, ok := got[body]; !ok || qos != q {
			t.Errorf("%q arrived %v at QoS %d, want QoS %d", body, ok, qos, q)
		}
	}

	topic := p + "/kept"
	f.Track(topic)
	if r := mqscope(t, "--mqtt", f.URL, "publish", topic, "--retain", "--qos", "2", "--body", "kept"); r.code != 0 {
		t.Fatalf("publish --retain: exit %d: %s", r.code, r.stderr)
	}
	if held := mqttfix.Bodies(f.Retained(t, topic)); !slices.Equal(held, []string{"kept"}) {
		t.Fatalf("%s retains %q, want kept", topic, held)
	}
	oneLine(t, mqscope(t, "--mqtt", f.URL, "--read-only", "purge", topic, "--yes"), 1)
	if held := mqttfix.Bodies(f.Retained(t, topic)); len(held) != 1 {
		t.Fatalf("a refused purge changed %s: it retains %q", topic, held)
	}
	// In MQTT's words: a topic and its retained message, not a queue's ready and unacked ones.
	r := mqscope(t, "--mqtt", f.URL, "purge", topic)
	if r.code != cli.ExitUsage || squeeze(r.stdout) != "TOPIC RETAINED REMOVES\n"+topic+" 1 1\n" ||
		r.stderr != "mqscope: would clear the retained message of "+topic+"; add --yes to purge\n" {
		t.Errorf("purge preview: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := mqscope(t, "--mqtt", f.URL, "purge", topic, "--yes"); r.code != 0 || squeeze(r.stdout) != "TOPIC RETAINED REMOVED\n"+topic+" 1 1\n" {
		t.Fatalf("purge: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	if held := f.Retained(t, topic); len(held) != 0 {
		t.Fatalf("%s still retains %q after purge", topic, mqttfix.Bodies(held))
	}
}

// TestMQTTHostileShownEscaped: a topic name with bidi and zero-width characters and a payload with
// terminal escapes reach the terminal escaped, in ls and in peek.
func TestMQTTHostileShownEscaped(t *testing.T) {
	f := mqttfix.New(t)
	topic := mqttfix.Unique("hostile") + "/\u202eevil\u200b"
	f.Publish(t, topic, 1, true, "\x1b]0;pwned\x07\x1b[2Jred")
	for _, args := range [][]string{{"ls"}, {"peek", topic}} {
		r := mqscope(t, append([]string{"--mqtt", f.URL}, args...)...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
		}
		if strings.ContainsAny(r.stdout, "\x1b\x07\u202e\u200b") {
			t.Errorf("%v wrote raw control characters: %q", args, r.stdout)
		}
		// peek's TOPIC column may cut the name short; ls shows it whole.
		if args[0] == "ls" && !strings.Contains(r.stdout, sanitize.Line(topic)) {
			t.Errorf("%v does not show the topic escaped: %q", args, r.stdout)
		}
	}
	if r := mqscope(t, "--mqtt", f.URL, "peek", topic); !strings.Contains(r.stdout, "1b 5d 30 3b") {
		t.Errorf("peek does not show the escape payload as bytes: %q", r.stdout)
	}
}

// TestMQTTNoLagGroupsRedrive: what MQTT does not have is refused in one line each.
func TestMQTTNoLagGroupsRedrive(t *testing.T) {
	f := mqttfix.New(t)
	f.Publish(t, mqttfix.Unique("nolag")+"/x", 1, true, "x")
	for _, args := range [][]string{{"lag"}, {"groups"}, {"redrive", "a", "--to", "b"}} {
		msg := oneLine(t, mqscope(t, append([]string{"--mqtt", f.URL}, args...)...), 1)
		if !strings.Contains(msg, "not supported") && !strings.Contains(msg, "cannot") &&
			!strings.Contains(msg, "no consumer groups") {
			t.Errorf("%v: %q does not say the broker lacks it", args, msg)
		}
	}
}

func jsonBodies(rows []map[string]any) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r["value"].(string))
	}
	return out
}
