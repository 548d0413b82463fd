package ui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/redact"
	"github.com/mqscope/mqscope/ui/components/progress"
)

// deadLetterQueue declares queue with dead letters going to dlq through the default exchange.
func (r *rabbit) deadLetterQueue(queue, dlq string) {
	r.do("PUT", "/queues/"+r.vhost+"/"+queue, fmt.Sprintf(
		`{"durable":true,"arguments":{"x-dead-letter-exchange":"","x-dead-letter-routing-key":%q}}`, dlq))
}

func (r *rabbit) publish(queue, payload string) {
	r.do("POST", "/exchanges/"+r.vhost+"/amq.default/publish",
		fmt.Sprintf(`{"properties":{},"routing_key":%q,"payload":%q,"payload_encoding":"string"}`, queue, payload))
}

// take removes up to n messages from queue through the management API and returns their payloads;
// reject makes the broker dead-letter them instead, as a consumer's reject with requeue=false does.
func (r *rabbit) take(queue string, n int, reject bool) []string {
	r.t.Helper()
	mode := "ack_requeue_false"
	if reject {
		mode = "reject_requeue_false"
	}
	req, err := http.NewRequest("POST", r.api+"/queues/"+r.vhost+"/"+queue+"/get",
		strings.NewReader(fmt.Sprintf(`{"count":%d,"ackmode":%q,"encoding":"auto"}`, n, mode)))
	if err != nil {
		r.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatalf("get %s: %v", queue, redact.Text(err.Error()))
	}
	defer resp.Body.Close()
	var got []struct{ Payload string }
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		r.t.Fatalf("get %s: %v", queue, err)
	}
	out := make([]string, len(got))
	for i, m := range got {
		out[i] = m.Payload
	}
	slices.Sort(out)
	return out
}

// Dead letters the broker itself made, from two queues, plus one with no origin at all, go back through
// the TUI: the notice first (reading a queue marks its messages redelivered), the plan per origin, the
// confirmation, the move, the report; then each origin holds exactly its own letters again.
func TestRedriveOnRabbitMQ(t *testing.T) {
	t.Parallel()
	r := newRabbit(t)
	r.do("PUT", "/queues/"+r.vhost+"/work.dlq", `{"durable":true}`)
	r.deadLetterQueue("work", "work.dlq")
	r.deadLetterQueue("other", "work.dlq")
	for i := range 5 {
		r.publish("work", fmt.Sprintf("work %d", i))
	}
	for i := range 3 {
		r.publish("other", fmt.Sprintf("other %d", i))
	}
	if n := len(r.take("work", 5, true)) + len(r.take("other", 3, true)); n != 8 {
		t.Fatalf("rejected %d, want 8", n)
	}
	r.publish("work.dlq", "orphan") // no x-death: the queue's name points to work

	h := r.harness(t)
	if _, ok := h.m.conn.session.Backend().(backends.Mover); !ok {
		t.Fatal("the RabbitMQ adapter cannot move messages")
	}
	h.filter("work.dlq")
	h.run(h.key("D"))
	h.mustShow("redrive work.dlq", "Reading work.dlq is not free.", "y read them and plan")
	h.run(h.key("y"))
	h.mustShow("read 9 letters of work.dlq just now: 9 would move, 0 would stay",
		"other", "rabbitmq x-death", "naming convention X.dlq")
	h.run(h.key("enter"))
	h.mustShow("from work.dlq (queue): 9 letters read just now", "moves 9 letters:", "→ work", "→ other", "y move 9 letters")
	h.run(h.key("y"))
	h.mustShow("every letter moved", "moved    9", "kept     0", "failed   0")
	if h.m.top().Kind() != progress.Kind {
		t.Fatalf("the report stays on screen:\n%s", h.screen())
	}

	work, other := r.take("work", 20, false), r.take("other", 20, false)
	if strings.Join(work, ",") != "orphan,work 0,work 1,work 2,work 3,work 4" || strings.Join(other, ",") != "other 0,other 1,other 2" {
		t.Fatalf("back at their origins: work %v, other %v", work, other)
	}
	if left := r.take("work.dlq", 20, false); len(left) != 0 {
		t.Fatalf("the dead-letter queue still holds %v", left)
	}
}
