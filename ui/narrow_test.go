package ui

import (
	"strings"
	"testing"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/present"
)

// On a narrow terminal the lag tables keep what people open them for (the group or partition, its lag,
// its lag in seconds and its verdict) and drop the rest first; the status line says how many columns
// gave way. Before column priorities, 80 columns cut STATUS off the right edge.
func TestNarrowLagKeepsTheVerdict(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {60, 15}} {
		h := newHarness(t, Options{Context: config.Context{}}, size[0], size[1])
		h.connect(&lagBackend{}, kafkaIdentity())
		h.deliver(someTopics())
		h.typeCommand("lag")
		h.deliver(lagSnapshot(0))
		head := lineWith(h.screen(), "GROUP")
		for _, col := range []string{"GROUP", "LAG", "LAG-TIME", "STATUS"} {
			if !strings.Contains(head, col) {
				t.Errorf("%dx%d: the lag view lost %s: %q", size[0], size[1], col, head)
			}
		}
		if strings.Contains(head, "…") {
			t.Errorf("%dx%d: a column title is cut: %q", size[0], size[1], head)
		}
		h.mustShow("+")          // "+N cols": some columns gave way, and the user is told
		h.send(h.key("enter")()) // the push, without running the fetch it starts
		h.deliver(lagSnapshot(1))
		h.mustShow("lag › billing-service") // the crumb is not cut for the status's sake
		head = lineWith(h.screen(), "TOPIC")
		for _, col := range []string{"TOPIC", "PARTITION", "LAG", "STATUS"} {
			if !strings.Contains(head, col) {
				t.Errorf("%dx%d: the partitions view lost %s: %q", size[0], size[1], col, head)
			}
		}
		for _, line := range strings.Split(h.screen(), "\n") {
			if w := present.Width(line); w > size[0] {
				t.Errorf("%dx%d: a line is %d cells wide: %q", size[0], size[1], w, line)
			}
		}
	}
}

// On Redis the lag tables read in Redis's words: a group reads a STREAM, has CONSUMERS and READ entries;
// no PARTITION, COORDINATOR or MEMBER column, and enter opens its streams. (They said TOPIC, PARTITIONS
// and COMMITTED before.)
func TestRedisLagInRedisWords(t *testing.T) {
	h := newHarness(t, Options{Context: config.Context{}}, 120, 30)
	h.connect(&lagBackend{}, backends.Identity{Kind: backends.Redis, Version: "7.0.15"})
	h.deliver(someTopics())
	h.typeCommand("lag")
	h.deliver(lagSnapshot(0))
	head := lineWith(h.screen(), "GROUP")
	for _, gone := range []string{"PARTITIONS", "MAX-LAG"} {
		if strings.Contains(head, gone) {
			t.Errorf("the Redis lag view shows %s: %q", gone, head)
		}
	}
	h.mustShow("CONSUMERS", "enter streams")
	h.send(h.key("enter")())
	h.deliver(lagSnapshot(1))
	head = lineWith(h.screen(), "GROUP")
	for _, want := range []string{"STREAM", "READ", "ADDED", "LAG-TIME", "STATUS"} {
		if !strings.Contains(head, want) {
			t.Errorf("the Redis partitions view lacks %s: %q", want, head)
		}
	}
	for _, gone := range []string{"TOPIC", "PARTITION", "COMMITTED", "MEMBER"} {
		if strings.Contains(head, gone) {
			t.Errorf("the Redis partitions view shows %s: %q", gone, head)
		}
	}
	h.mustShow("3 streams · updated")
}

// On NATS a group is a consumer: the lag view counts consumers and titles its first column CONSUMER.
func TestNATSLagCountsConsumers(t *testing.T) {
	h := newHarness(t, Options{Context: config.Context{}}, 120, 30)
	h.connect(&lagBackend{}, backends.Identity{Kind: backends.NATS, Version: "2.10"})
	h.deliver(someTopics())
	h.typeCommand("lag")
	h.deliver(lagSnapshot(0))
	h.mustShow("2 consumers · updated", "CONSUMER")
	if strings.Contains(h.screen(), "groups") {
		t.Errorf("the NATS lag view speaks of groups:\n%s", h.screen())
	}
}

// At 80 columns the backlog view's status line is whole: with four queues on screen, all counted at the
// refresh, it ended "4 on screen counted now, other…". It now says so in the queue list's words.
func TestNarrowBacklogStatusIsWhole(t *testing.T) {
	h := newHarness(t, Options{Context: config.Context{}}, 80, 24)
	h.connect(&queueBackend{}, backends.Identity{Kind: backends.RabbitMQ, Version: "3.10.8"})
	h.deliver(someTopics())
	h.typeCommand("lag")
	var queues []backends.Destination
	for _, name := range []string{"billing-retry", "invoices-archive-exchange-very-long-name-queue", "orders-dead-letters", "shipping"} {
		queues = append(queues, backends.Destination{Name: name, Kind: backends.Queue, Vhost: "polish-tryout", Messages: 3, Ready: 3,
			CountsExact: true})
	}
	h.deliver(queues)
	status := lineWith(h.screen(), "updated")
	if !strings.HasPrefix(strings.TrimSpace(status), "backlog") || !strings.HasSuffix(status, "· counted now") || strings.Contains(status, "…") {
		t.Errorf("the status line is not whole at 80 columns: %q", status)
	}
	if w := present.Width(status); w > 80 {
		t.Errorf("the status line is %d cells wide: %q", w, status)
	}
}

// A status cut to fit beside the crumb keeps a gap: at 80 columns the browser's line read
// "destinations › nu-q-11027 4 messages · read 1.0s ago (ctrl+r reads again) · fr…", the queue's name and
// the count run together.
func TestCutStatusKeepsAGapAfterTheCrumb(t *testing.T) {
	left := " destinations › nu-q-11027"
	line := crumbAndStatus(left, "4 messages · read 1.0s ago (ctrl+r reads again) · from earliest", 80)
	if !strings.HasPrefix(line, left+"   ") || !strings.HasSuffix(line, "…") || present.Width(line) != 80 {
		t.Errorf("%q", line)
	}
}
