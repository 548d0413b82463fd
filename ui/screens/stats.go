package screens

import (
	"cmp"
	"context"
	"time"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/list"
)

// KindStats is the Kind of the broker statistics view.
const KindStats = "broker"

type statRow = present.StatRow

// NewStats returns the view of the figures the broker publishes about itself (MQTT's $SYS). Only open it
// on a backend that publishes them. Its first load waits for the broker's next update (at most
// actions.StatsWait, behind a spinner), which dates the figures; later loads take the latest at once.
func NewStats(c *common.Common) common.View {
	return &statsView{Model: list.New(c, statSpec, "broker statistics"), c: c}
}

// statsView is the statistics as a list, whose status line says how old they are: the broker's sample,
// never live counts.
type statsView struct {
	*list.Model[statRow]
	c      *common.Common
	stats  backends.BrokerStats
	at     time.Time
	loaded bool
}

func (v *statsView) Load() *common.Load {
	return common.LoadWith(func(ctx context.Context, b backends.Backend) (backends.BrokerStats, error) {
		return actions.ReadBrokerStats(ctx, b, actions.StatsWait)
	}, func(s backends.BrokerStats, at time.Time) {
		v.stats, v.at, v.loaded = s, at, true
		v.Model.SetItems(present.StatRows(s), at)
	})
}

// Status is the sample's time and age when read: "sampled 04:01:02, 0.3s old · read 04:01:02".
func (v *statsView) Status() string {
	if !v.loaded {
		return v.Model.Status()
	}
	s := v.c.Styles
	status := s.Muted.Render(present.StatsSampled(v.stats, v.at) + " · read " + v.at.Format("15:04:05"))
	if v.Stale {
		status = s.Warn.Render("stale") + s.Muted.Render(" · ") + status
	}
	return status
}

var statSpec = &list.Spec[statRow]{
	Kind:  KindStats,
	Noun:  func([]statRow) string { return "broker statistics" },
	ID:    func(r statRow) string { return r.Name },
	Name:  func(r statRow) string { return r.Name },
	Fetch: nil, // the view loads: it keeps the sample's time
	Detail: func(r statRow) []list.Field {
		return []list.Field{{Label: r.Name, Value: r.Value}}
	},
	Columns: list.WithLooks(present.Stats, map[string]list.Look[statRow]{
		"FIGURE": {Flex: true, Cmp: func(a, b *statRow) int { return cmp.Compare(a.Order, b.Order) }},
	}),
}
