package ui

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/mqscope/mqscope/demo"
	"github.com/mqscope/mqscope/ui/screens"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The message browser on a real broker: the demo cluster through the Kafka adapter. Enter on a topic
// peeks it for real (the commands run, the peek streams through its channel); only timers are left unfired.
func TestBrowseTheDemoCluster(t *testing.T) {
	opts, cluster := startDemo(t)
	seeded := cluster.Seeded()

	h := newHarness(t, opts, 140, 30)
	defer h.m.Close()
	h.run(h.m.Init())

	// orders opens on the last 100 of each partition.
	h.filterTo(demo.Orders)
	h.run(h.key("enter"))
	if h.m.top().Kind() != screens.KindMessages {
		t.Fatalf("enter on a topic should browse it, top is %s:\n%s", h.m.top().Kind(), h.screen())
	}
	orders, _ := seeded.Topic(demo.Orders)
	var want int64
	for _, end := range orders.Ends {
		want += min(end, 100)
	}
	h.mustShow("topics › orders", fmt.Sprintf("%s messages", groupDigits(want)), "from -100",
		"P", "OFFSET", "TIME", "KEY", "SIZE", "BODY", "cust-", `{"created_at":"`)

	// A message: its headers and its body, pretty JSON.
	h.run(h.key("enter"))
	h.mustShow("topics › orders › p", "partition", "offset", "headers (", "content-type", "application/json",
		"body · json · view auto", `"customer_id": "cust-`)
	h.run(h.key("v"))                                        // json
	h.run(h.key("v"))                                        // text
	h.mustShow("body · json · view text", `{"created_at":"`) // a JSON body, whichever view
	h.run(h.key("v"))                                        // hex
	h.mustShow("body · json · view hex", "00000000  7b 22")
	h.key("esc")

	// The filter narrows the list to what matches.
	h.key("/")
	for _, r := range "re:EUR|GBP" {
		h.key(string(r))
	}
	h.key("enter")
	if !strings.Contains(h.screen(), " of "+groupDigits(want)+" messages") {
		t.Fatalf("filtering should say how many match:\n%s", h.screen())
	}
	h.key("esc")

	// The dead letters of orders-dlt show where they came from.
	h.key("esc")
	h.filterTo(demo.OrdersDLT)
	h.run(h.key("enter"))
	h.mustShow("topics › orders-dlt")
	h.run(h.key("enter"))
	h.mustShow("dead letter · spring kafka_dlt", "from", "orders", "group", demo.Billing,
		"exception", "Unsupported currency", "headers (13)", "kafka_dlt-original-topic")
	if origin := regexp.MustCompile(`dead letter · spring kafka_dlt\s+from\s+orders\s+partition\s+\d+\s+offset\s+[\d,]+\s`); !origin.MatchString(h.screen()) {
		t.Fatalf("the origin's partition and offset should be read from the binary headers:\n%s", h.screen())
	}
}

// filterTo puts the destinations list's cursor on name (the first match of the filter).
func (h *harness) filterTo(name string) {
	h.t.Helper()
	h.key("/")
	h.key("esc") // clears what was there
	h.key("/")
	for _, r := range name {
		h.key(string(r))
	}
	h.key("enter")
}

// Follow on a real broker: f picks up after the newest message held, without repeating any, and the
// cursor sticks to the newest.
func TestFollowOnTheDemoCluster(t *testing.T) {
	opts, cluster := startDemo(t)
	h := newHarness(t, opts, 140, 20)
	defer h.m.Close()
	h.run(h.m.Init())
	h.filterTo(demo.Payments)
	h.run(h.key("enter"))
	payments, _ := cluster.Seeded().Topic(demo.Payments)
	var held int64
	for _, end := range payments.Ends {
		held += min(end, 100)
	}
	h.mustShow(fmt.Sprintf("%s messages", groupDigits(held)))

	producer, err := kgo.NewClient(kgo.SeedBrokers(cluster.Bootstrap()...))
	if err != nil {
		t.Fatal(err)
	}
	defer producer.Close()
	for i := 1; i <= 3; i++ {
		rec := &kgo.Record{Topic: demo.Payments, Key: []byte(fmt.Sprintf("follow-%d", i)), Value: []byte(`{"new":true}`)}
		if err := producer.ProduceSync(t.Context(), rec).FirstErr(); err != nil {
			t.Fatalf("produce: %v", err)
		}
	}

	// The follow streams for ever: step through its batches until the last new one is in; then exactly
	// three more are held: nothing was read twice.
	for cmd := h.key("f"); !strings.Contains(h.screen(), "follow-3"); {
		if cmd == nil {
			t.Fatalf("the follow stopped before the new messages came:\n%s", h.screen())
		}
		cmd = h.step(cmd)
	}
	h.mustShow(fmt.Sprintf("following · %s messages", groupDigits(held+3)))
	rows := strings.Split(strings.TrimRight(h.screen(), "\n "), "\n")
	tail := strings.Join(rows[len(rows)-5:], "\n")
	for i := 1; i <= 3; i++ {
		if !strings.Contains(tail, fmt.Sprintf("follow-%d", i)) {
			t.Fatalf("the new messages should be at the bottom, on screen:\n%s", h.screen())
		}
	}
	// The connection drops (a refresh finds the broker gone) and comes back: the follow picks up after
	// what it holds, again without repeats.
	h.send(refreshTickMsg{})
	h.run(h.fail(errors.New("broker went away"))) // closes the old backend too
	h.mustShow("broker went away")
	if rec := (&kgo.Record{Topic: demo.Payments, Key: []byte("follow-4"), Value: []byte(`{}`)}); producer.ProduceSync(t.Context(), rec).FirstErr() != nil {
		t.Fatal("produce follow-4")
	}
	for cmd := h.send(retryMsg{gen: h.m.conn.gen}); !strings.Contains(h.screen(), "follow-4"); {
		if cmd == nil {
			t.Fatalf("after reconnecting the follow should go on:\n%s", h.screen())
		}
		cmd = h.step(cmd)
	}
	h.mustShow(fmt.Sprintf("following · %s messages", groupDigits(held+4)))

	h.key("f")
	if strings.Contains(h.screen(), "following") {
		t.Fatalf("f again stops following:\n%s", h.screen())
	}
}

// step runs cmd like a program would, hands every message to the model, and returns what the model
// answered, without running it.
func (h *harness) step(cmd tea.Cmd) tea.Cmd {
	var next []tea.Cmd
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		default:
			next = append(next, h.send(msg))
		}
	}
	return tea.Batch(next...)
}
