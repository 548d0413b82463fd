package ui

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/mqscope/mqscope/demo"
	"github.com/mqscope/mqscope/ui/screens"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Publishing, replaying and redriving through the TUI on a real broker: the demo cluster through the
// Kafka adapter. Every command runs for real (the progress view's work included); only timers are left
// unfired. What the broker holds afterwards is read back with franz-go, not through mqscope.

func demoShell(t *testing.T, width, height int) (*harness, *demo.Cluster) {
	t.Helper()
	opts, cluster := startDemo(t)
	h := newHarness(t, opts, width, height)
	t.Cleanup(h.m.Close)
	h.run(h.m.Init())
	h.mustShow("● connected")
	return h, cluster
}

func (h *harness) typeText(s string) {
	for _, r := range s {
		h.key(string(r))
	}
}

func (h *harness) press(code rune, mod tea.KeyMod) tea.Cmd {
	return h.send(tea.KeyPressMsg{Code: code, Mod: mod})
}

// readTopic reads the first want records of topic with franz-go, committed ones only.
func readTopic(t *testing.T, cluster *demo.Cluster, topic string, want int64) []*kgo.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(cluster.Bootstrap()...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var out []*kgo.Record
	for int64(len(out)) < want {
		fs := cl.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			t.Fatalf("read %s: %d of %d records, then %v", topic, len(out), want, err)
		}
		out = append(out, fs.Records()...)
	}
	return out
}

// seeded is how many records the demo seeded in topic.
func seeded(cluster *demo.Cluster, topic string) int64 {
	st, _ := cluster.Seeded().Topic(topic)
	return st.Messages()
}

func TestPublishFromTheFormOnTheDemoCluster(t *testing.T) {
	h, cluster := demoShell(t, 140, 30)
	h.filterTo(demo.Orders)
	h.run(h.key("n"))
	if h.m.top().Kind() != screens.KindPublish {
		t.Fatalf("n on a topic opens the form:\n%s", h.screen())
	}
	h.mustShow("New message to orders", "topic         orders")
	h.send(tea.PasteMsg{Content: `{"id": {{seq}}, "note": "from the form"}`}) // pasted into the body
	for range 5 {
		h.press(tea.KeyTab, tea.ModShift) // back to the key
	}
	h.typeText("form-key-{{seq}}")
	h.press(tea.KeyTab, 0)
	h.typeText("origin=tui")
	h.press(tea.KeyTab, 0)
	h.typeText("application/json")
	h.mustShow("✓ the body is valid JSON")
	h.run(h.press('s', tea.ModCtrl))
	h.mustShow("sent 1 message to orders")
	if h.m.top().Kind() != screens.KindDestinations {
		t.Fatalf("sent: back on the topics:\n%s", h.screen())
	}

	// Five more, from the same templates, through the confirmation and the progress view.
	h.run(h.key("n"))
	h.send(tea.PasteMsg{Content: `{"n": {{seq}}}`})
	h.press(tea.KeyTab, tea.ModShift) // rate
	h.press(tea.KeyTab, tea.ModShift) // count
	h.press(tea.KeyBackspace, 0)
	h.typeText("5")
	h.run(h.press('s', tea.ModCtrl))
	h.mustShow("publish to orders?", "sends 5 messages to orders")
	h.run(h.key("y"))
	h.mustShow("publish: sent 5 messages to orders")

	// The browser peeks the one from the form: its key, its header, its body.
	h.run(h.key("enter"))
	h.key("G")
	h.mustShow("form-key-1", `{"id": 1, "note": "from the form"}`)
	records := readTopic(t, cluster, demo.Orders, seeded(cluster, demo.Orders)+6)
	var fromForm, numbered int
	for _, r := range records {
		switch {
		case string(r.Key) == "form-key-1":
			fromForm++
			if string(r.Value) != `{"id": 1, "note": "from the form"}` || len(r.Headers) != 2 ||
				r.Headers[0].Key != "origin" || string(r.Headers[0].Value) != "tui" ||
				r.Headers[1].Key != "content-type" || string(r.Headers[1].Value) != "application/json" {
				t.Errorf("the record from the form: %q %+v", r.Value, r.Headers)
			}
		case r.Key == nil && bytes.HasPrefix(r.Value, []byte(`{"n": `)):
			numbered++
		}
	}
	if fromForm != 1 || numbered != 5 {
		t.Fatalf("orders holds %d from the form and %d numbered, want 1 and 5", fromForm, numbered)
	}
}

func TestReplayMarkedOnTheDemoCluster(t *testing.T) {
	h, cluster := demoShell(t, 140, 30)
	h.filterTo(demo.Orders)
	h.run(h.key("enter"))
	h.key("g")
	for range 3 {
		h.key(" ")
	}
	h.mustShow("3 marked")
	h.key("r")
	h.typeText(demo.Payments)
	h.run(h.key("enter"))
	h.mustShow("replay to payments?", "copies 3 messages of orders (topic) to payments", "orders is left as it was")
	h.run(h.key("y"))
	h.mustShow("replay: sent 3 messages from orders to payments")
	if h.m.top().Kind() != screens.KindMessages {
		t.Fatalf("back in the browser:\n%s", h.screen())
	}

	// Exactly three payments now carry an order's key, headers and body, byte for byte.
	orders := map[string]*kgo.Record{}
	for _, r := range readTopic(t, cluster, demo.Orders, seeded(cluster, demo.Orders)) {
		orders[string(r.Key)+"\x00"+string(r.Value)] = r
	}
	copies := 0
	for _, r := range readTopic(t, cluster, demo.Payments, seeded(cluster, demo.Payments)+3) {
		o, ok := orders[string(r.Key)+"\x00"+string(r.Value)]
		if !ok {
			continue
		}
		copies++
		if fmt.Sprint(o.Headers) != fmt.Sprint(r.Headers) {
			t.Errorf("headers of the copy: %v, want %v", r.Headers, o.Headers)
		}
	}
	if copies != 3 {
		t.Fatalf("payments holds %d copies of orders, want 3", copies)
	}
}

func TestRedriveOnTheDemoCluster(t *testing.T) {
	h, cluster := demoShell(t, 140, 30)
	n := seeded(cluster, demo.OrdersDLT)
	h.filterTo(demo.OrdersDLT)
	h.run(h.key("D"))
	h.mustShow("topics › redrive orders-dlt", fmt.Sprintf("read %d letters of orders-dlt just now: %d would move, 0 would stay",
		n, n), "orders     0  spring kafka_dlt")
	h.run(h.key("enter"))
	h.mustShow("move the letters of orders-dlt back?", fmt.Sprintf("moves %d letters:", n), "→ orders", "letters stay in orders-dlt", "mqscope-redrive.orders-dlt", fmt.Sprintf("y move %d letters", n))
	h.run(h.key("n"))
	if h.m.top().Kind() != screens.KindRedrive {
		t.Fatal("n goes back to the plan")
	}
	h.run(h.key("enter"))
	h.run(h.key("y"))
	h.mustShow("topics › redrive orders-dlt", "every letter moved", fmt.Sprintf("moved    %d", n), "kept     0",
		fmt.Sprintf("redrive orders-dlt: moved %d, kept 0, failed 0", n))

	// Every letter is back in orders, in the partition its headers name, with its key and body.
	back := map[string]int32{}
	for _, r := range readTopic(t, cluster, demo.Orders, seeded(cluster, demo.Orders)+n) {
		back[string(r.Key)+"\x00"+string(r.Value)] = r.Partition
	}
	for _, l := range readTopic(t, cluster, demo.OrdersDLT, n) {
		var want int32 = -1
		for _, hd := range l.Headers {
			if hd.Key == "kafka_dlt-original-partition" {
				want = int32(binary.BigEndian.Uint32(hd.Value))
			}
		}
		if p, ok := back[string(l.Key)+"\x00"+string(l.Value)]; !ok || p != want {
			t.Errorf("letter %s@%d: in orders %v, partition %d, want %d", l.Topic, l.Offset, ok, p, want)
		}
	}

	// A second redrive finds nothing left to move.
	h.key("esc")
	h.run(h.key("D"))
	h.mustShow("nothing to move: no letter waits in orders-dlt")
	if strings.Contains(h.screen(), "enter move") {
		t.Fatalf("nothing to move, no move offered:\n%s", h.screen())
	}
}
