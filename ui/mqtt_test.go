package ui

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/mqtt"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/internal/testkit/mqttfix"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/screens"
)

// A walk through the TUI on a real Mosquitto (one of the test's own, publishing $SYS every second):
// the topic tree, a topic's retained message and what arrives live, a message published from the form
// at QoS 2 and retained, the retained message cleared after a confirmation, the broker's $SYS figures,
// hostile names and payloads escaped, and none of Kafka's words offered. What the broker holds is read
// back with plain paho (mqttfix), never through mqscope.
func TestWalkThroughMQTT(t *testing.T) {
	t.Parallel()
	own := mqttfix.StartOwn(t, mqttfix.OwnOptions{SysInterval: 1})
	f := own.Broker(t)
	p := mqttfix.Unique("tui")
	temp, hostile := p+"/kitchen/temp", p+"/\u202eevil\u200b"
	f.Publish(t, temp, 1, true, "21.5")
	f.Publish(t, hostile, 1, true, "\x1b]0;pwned\x07\x1b[2Jred")

	open := func(ctx context.Context, c config.Context) (backends.Backend, error) {
		return mqtt.Open(ctx, mqtt.Config{URL: c.MQTT.URL})
	}
	h := newHarness(t, Options{Context: config.Context{Name: "devices", MQTT: &config.MQTTConfig{URL: own.URL}}, Open: open}, 120, 30)
	t.Cleanup(h.m.Close)
	h.run(h.m.Init())

	// The topic tree from the retained messages, as MQTT Explorer reads: each level a row, indented, its
	// last level only, a level no topic sits on with the count of topics under it; the last payload
	// beside each topic; names escaped, nothing raw on screen.
	base := strings.TrimPrefix(p, "mqscope-test/")
	h.mustShow("● connected", "mqtt mosquitto version", "RETAINED", "LAST", "2 topics",
		"mqscope-test/ (2)", "  "+base+"/ (2)", "    kitchen/ (1)", "      temp", `    \u202eevil`)
	if !regexp.MustCompile(` {6}temp\s.*21\.5`).MatchString(h.screen()) {
		t.Errorf("the topic temp's row shows no tree name and last payload 21.5:\n%s", h.screen())
	}
	if raw := h.m.View().Content; strings.ContainsAny(raw, "\u202e\u200b\a") || strings.Contains(raw, "\x1b]0;") {
		t.Fatalf("raw characters from the broker reached the screen: %q", raw)
	}
	if s := h.screen(); strings.Contains(s, "PARTITIONS") || strings.Contains(s, "MESSAGES") {
		t.Errorf("an MQTT topic has neither partitions nor a message count beside RETAINED:\n%s", s)
	}

	// The hostile topic's payload: as bytes, escapes and all.
	h.filterTo(sanitize.Line(hostile))
	h.run(h.key("enter"))
	h.mustShow("1b 5d 30 3b")
	if raw := h.m.View().Content; strings.Contains(raw, "\x1b]0;") || strings.Contains(raw, "\a") {
		t.Fatalf("the payload reached the screen raw: %q", raw)
	}
	h.key("esc")

	// A topic: its retained message, no offsets, then what arrives while following.
	h.filterTo(p + "/")
	h.mustShow("2 of 2 topics") // the tree's levels are not topics
	h.filterTo(temp)
	h.run(h.key("enter"))
	h.mustShow("1 message", "retained + live", "21.5", "QOS", "RETAINED")
	if s := h.screen(); strings.Contains(s, "OFFSET") || strings.Contains(s, "start at") || strings.Contains(s, "go to offset") {
		t.Errorf("MQTT has no offsets to show or start at:\n%s", s)
	}
	cmd := h.key("f")
	stop := make(chan struct{})
	go func() { // a device talking: MQTT gives a follower only what arrives once it has subscribed
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
				f.Publish(t, temp, 1, false, "22.0")
			}
		}
	}()
	for !strings.Contains(h.screen(), "22.0") {
		if cmd == nil {
			t.Fatalf("the follow stopped before the live message came:\n%s", h.screen())
		}
		cmd = h.step(cmd)
	}
	close(stop)
	h.key("f")
	h.key("esc")

	// Publish from the form: QoS 2, retained.
	h.run(h.key("n"))
	if h.m.top().Kind() != screens.KindPublish {
		t.Fatalf("n on a topic opens the form:\n%s", h.screen())
	}
	h.mustShow("QoS", "retain")
	if strings.Contains(h.screen(), "key ") {
		t.Errorf("an MQTT message has no key to offer:\n%s", h.screen())
	}
	h.typeText("from the form")
	for range 6 { // body → rate → count → content type → headers → retain → QoS
		h.press(tea.KeyTab, tea.ModShift)
	}
	h.press(tea.KeyBackspace, 0)
	h.typeText("2")
	h.press(tea.KeyTab, 0)
	h.press(tea.KeyBackspace, 0)
	h.press(tea.KeyBackspace, 0)
	h.typeText("yes")
	h.run(h.press('s', tea.ModCtrl))
	h.mustShow("sent 1 message to " + temp)
	held := f.Retained(t, temp)
	if len(held) != 1 || string(held[0].Payload) != "from the form" || held[0].QoS != 2 {
		t.Fatalf("%s retains %q, want the form's message at QoS 2", temp, mqttfix.Bodies(held))
	}

	// Clear it: P asks first; n leaves it, y clears it.
	h.run(h.send(refreshTickMsg{}))
	h.filterTo(temp)
	h.run(h.key("P"))
	h.mustShow("clear the retained message of "+temp+"?", "y clear the retained message")
	h.run(h.key("n"))
	if len(f.Retained(t, temp)) != 1 {
		t.Fatal("n must leave the retained message")
	}
	h.run(h.key("P"))
	h.run(h.key("y"))
	h.mustShow("cleared the retained message of " + temp)
	if held := f.Retained(t, temp); len(held) != 0 {
		t.Fatalf("%s still retains %q", temp, mqttfix.Bodies(held))
	}

	// No lag, groups or queues on offer; the broker's own figures are, dated.
	h.key("?")
	h.mustShow("commands  :topics  :broker  :ctx NAME  :q")
	h.key("?")
	for cmd, says := range map[string]string{"lag": "nothing lags here", "groups": "no consumer groups here"} {
		h.command(cmd)
		h.mustShow(says)
		if k := h.m.top().Kind(); k != screens.KindDestinations {
			t.Fatalf(":%s opened %s", cmd, k)
		}
	}
	h.command("broker")
	h.mustShow("broker statistics", "sampled ", " old · read ", "clients connected", "retained messages", "uptime")
	if row := rowOf(h.screen(), "clients", "connected"); len(row) < 3 || slices.Contains([]string{"0", "?"}, row[2]) {
		t.Errorf("clients connected: %v, want mqscope's own connections counted", row)
	}
}
