package screens

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/ui/common"
)

func f(x float64) *float64 { return &x }

func queues(jobsReady int64) []backends.Destination {
	return []backends.Destination{
		// Drains at 50 acks/s against 10 published: 1,000 ready / 40 = 25 s (unacked ones are with consumers).
		{Name: "jobs", Kind: backends.Queue, Type: "quorum", Vhost: "/", Messages: jobsReady + 200, Ready: jobsReady,
			Unacked: 200, Consumers: 3, PublishRate: f(10), DeliverRate: f(55), AckRate: f(50)},
		// More arrives than leaves.
		{Name: "emails", Kind: backends.Queue, Type: "classic", Vhost: "/", Messages: 500, Ready: 500,
			Consumers: 1, PublishRate: f(20), DeliverRate: f(5), AckRate: f(5)},
		// The broker reports no rates at all: the time is unknown.
		{Name: "audit", Kind: backends.Queue, Type: "classic", Vhost: "/", Messages: 7, Ready: 7, Consumers: 1},
		{Name: "empty", Kind: backends.Queue, Type: "classic", Vhost: "/"},
		// Exchanges hold nothing: the backlog view leaves them out (fetchQueues does; here they are not given).
	}
}

func newBacklog(t *testing.T) *backlogView {
	t.Helper()
	v := NewBacklog(common.New(config.Context{Name: "test"})).(*backlogView)
	v.SetSize(140, 12)
	return v
}

func TestBacklogColumnsDrainAndOrder(t *testing.T) {
	v := newBacklog(t)
	setData(t, v, queues(1000), at)
	screen := ansi.Strip(v.View())
	header := strings.Join(strings.Fields(strings.Split(screen, "\n")[0]), " ")
	if header != "QUEUE VHOST READY UNACKED CONSUMERS PUBLISH/S DELIVER/S ACK/S DRAIN ▼ TREND" {
		t.Fatalf("header: %s", header)
	}
	// Growing first, then the longest to drain, then unknown rates and idle queues (by messages).
	var order []string
	for _, line := range strings.Split(screen, "\n")[1:5] {
		order = append(order, strings.Fields(line)[0])
	}
	if strings.Join(order, " ") != "emails jobs audit empty" {
		t.Fatalf("order %v:\n%s", order, screen)
	}
	for name, drain := range map[string]string{"emails": "growing", "jobs": "25s", "empty": "idle", "audit": "-"} {
		if !contains(strings.Fields(lineOf(screen, name+" ")), drain) {
			t.Errorf("%s should drain in %q: %s", name, drain, lineOf(screen, name+" "))
		}
	}
	for _, cell := range []string{"10.0", "55.0", "50.0", "1,000", "200"} {
		if !strings.Contains(lineOf(screen, "jobs "), cell) {
			t.Errorf("jobs lacks %s: %s", cell, lineOf(screen, "jobs "))
		}
	}
}

func TestBacklogTrendFollowsRefreshes(t *testing.T) {
	v := newBacklog(t)
	for _, ready := range []int64{1000, 800, 600, 400} {
		setData(t, v, queues(ready), at)
	}
	row := lineOf(ansi.Strip(v.View()), "jobs ")
	if !strings.HasSuffix(strings.TrimSpace(row), "█▆▃▁ 600–1,200") {
		t.Fatalf("a shrinking backlog shows a falling trend: %q", row)
	}
	setData(t, v, queues(0)[1:], at) // jobs is gone
	if _, ok := v.history["//queue/jobs"]; ok || len(v.history) != 3 {
		t.Fatalf("histories of queues no longer listed are dropped: %v", v.history)
	}
}

func TestEstimateDrain(t *testing.T) {
	cases := []struct {
		d    backends.Destination
		want string
	}{
		{backends.Destination{Ready: 600, Consumers: 1, DeliverRate: f(10)}, "1m00s"}, // no ack rate: deliveries
		{backends.Destination{Ready: 600, PublishRate: f(1)}, "growing"},
		{backends.Destination{Ready: 600, Consumers: 1, PublishRate: f(5), AckRate: f(5)}, "steady"}, // not shrinking, not growing
		{backends.Destination{Ready: 20, PublishRate: f(0)}, "stalled"},                              // no consumers, 0.0/s in
		{backends.Destination{Ready: 600, Consumers: 1}, "—"},
		{backends.Destination{Unacked: 5, Consumers: 1, PublishRate: f(3), AckRate: f(3)}, "0s"}, // nothing ready
		{backends.Destination{Consumers: 1, PublishRate: f(0), AckRate: f(0)}, "idle"},
	}
	for _, c := range cases {
		if got := estimateDrain(c.d).String(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.d, got, c.want)
		}
	}
}

// An empty list's status counts what it lists, as the other views do ("0 topics"), not the view's name:
// an empty backlog read "0 backlog". A listing empty of destinations keeps the name the user asked for.
func TestEmptyListsCountWhatTheyList(t *testing.T) {
	v := newBacklog(t)
	setData(t, v, []backends.Destination{}, at)
	if st := ansi.Strip(v.Status()); !strings.HasPrefix(st, "0 queues · ") {
		t.Errorf("empty backlog: status %q, want it to start with '0 queues · '", st)
	}
	for _, title := range []string{"queues", "streams"} {
		d := NewDestinations(common.New(config.Context{Name: "test"}), title)
		d.SetSize(140, 12)
		setData(t, d, []backends.Destination{}, at)
		if st := ansi.Strip(d.Status()); !strings.HasPrefix(st, "0 "+title+" · ") {
			t.Errorf("empty :%s: status %q", title, st)
		}
	}
}
