package ui

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mqscope/mqscope/demo"
	"github.com/mqscope/mqscope/metrics"
)

// --metrics on the TUI: a scrape serves what :lag last showed, the same lag per group, and nothing before
// the view has read anything.
func TestLagViewFeedsPrometheus(t *testing.T) {
	opts, cluster := startDemo(t)
	seeded := cluster.Seeded()
	billing, _ := seeded.Group(demo.Billing)
	sink := metrics.NewCollector()
	opts.Metrics = sink
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sink)

	h := newHarness(t, opts, 140, 30)
	defer h.m.Close()
	h.run(h.m.Init())
	if lag := groupLag(t, reg, demo.Billing); lag != nil {
		t.Fatalf("a scrape before :lag read anything serves lag %v", *lag)
	}
	h.command("lag")
	h.mustShow("lag", "3 groups")
	want := float64(billing.Lag(seeded, demo.Orders) + billing.Lag(seeded, demo.Payments))
	if lag := groupLag(t, reg, demo.Billing); lag == nil || *lag != want {
		t.Fatalf("mqscope_group_lag_messages{group=%q} = %v, want %v (what :lag shows)", demo.Billing, lag, want)
	}
}

// groupLag is the scraped mqscope_group_lag_messages of group, nil when not served.
func groupLag(t *testing.T, reg *prometheus.Registry, group string) *float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, f := range families {
		if f.GetName() != "mqscope_group_lag_messages" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "group" && l.GetValue() == group {
					v := m.GetGauge().GetValue()
					return &v
				}
			}
		}
	}
	return nil
}
