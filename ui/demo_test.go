package ui

import (
	"strconv"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/demo"
)

// The shell on a real backend: the demo cluster (in-process kfake, three brokers) through the Kafka
// adapter. Every command the shell returns runs for real; only timers are left unfired.
func TestOnTheDemoCluster(t *testing.T) {
	opts, cluster := startDemo(t)
	seeded := cluster.Seeded()

	h := newHarness(t, opts, 140, 30)
	defer h.m.Close()
	h.run(h.m.Init())

	h.mustShow("● connected", "kafka", "cluster mqscope-demo", "topics")
	for _, st := range seeded.Topics {
		switch on := strings.Contains(h.screen(), st.Name+" "); {
		case st.Internal && on:
			t.Errorf("internal topic %s should be hidden", st.Name)
		case !st.Internal && !on:
			t.Errorf("topic %s missing", st.Name)
		case !st.Internal:
			if line := lineWith(h.screen(), st.Name+" "); !strings.HasSuffix(line, " "+groupDigits(st.Messages())) {
				t.Errorf("%s should show %d messages: %q", st.Name, st.Messages(), line)
			}
		}
	}

	h.command("groups")
	h.mustShow("groups", demo.Billing, demo.Shipping, demo.Audit, "Stable", "Empty")

	h.key("/")
	for _, r := range "ship" {
		h.key(string(r))
	}
	h.key("enter")
	h.run(h.key("enter"))
	h.mustShow("groups › "+demo.Shipping, "coordinator", "127.0.0.1:")

	// A refresh tick loads again, and the view keeps showing the same group.
	h.run(h.send(refreshTickMsg{}))
	h.mustShow("groups › " + demo.Shipping)
}

func lineWith(screen, s string) string {
	for _, line := range strings.Split(screen, "\n") {
		if strings.Contains(line, s) {
			return strings.TrimRight(line, " ")
		}
	}
	return ""
}

// groupDigits writes n as the views do: 1234567 → "1,234,567".
func groupDigits(n int64) string {
	digits := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i := range len(digits) {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(digits[i])
	}
	return b.String()
}
