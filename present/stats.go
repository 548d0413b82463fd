package present

import (
	"fmt"
	"time"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/sanitize"
)

// StatRow is one line of a broker's statistics: what it is and its value, as published.
type StatRow struct {
	Name, Value string
	Key         string // the JSON key; "" for the lines that are not counts (version, uptime)
	Order       int    // the row's place, as the broker's figures are read: version, uptime, clients, ...
}

// Stats are the columns of a broker's statistics.
var Stats = []Column[StatRow]{
	{Name: "FIGURE", Text: func(r StatRow) string { return r.Name }},
	{Name: "VALUE", Right: true, Text: func(r StatRow) string { return r.Value }},
}

// StatRows are the statistics as rows: version and uptime, then each count the broker published.
func StatRows(s backends.BrokerStats) []StatRow {
	var rows []StatRow
	if s.Version != "" {
		rows = append(rows, StatRow{Name: "version", Value: sanitize.Line(s.Version)})
	}
	if s.Uptime > 0 {
		rows = append(rows, StatRow{Name: "uptime", Value: Duration(s.Uptime)})
	}
	for _, f := range s.Figures {
		rows = append(rows, StatRow{Name: f.Name, Value: Int(f.Value), Key: f.Key})
	}
	for i := range rows {
		rows[i].Order = i
	}
	return rows
}

// StatsSampled says in a few words when the figures were taken: "sampled 04:01:02, 3.1s old", or that
// nobody knows.
func StatsSampled(s backends.BrokerStats, now time.Time) string {
	if s.SampledAt.IsZero() {
		return "sample time unknown"
	}
	return fmt.Sprintf("sampled %s, %s old", s.SampledAt.Format("15:04:05"), Elapsed(now.Sub(s.SampledAt)))
}

// StatsAge says how old the figures are at now, and where they come from: "published by the broker at
// 04:01:02Z, 3.1s ago (it publishes every 10s); from $SYS/broker/...". Figures with no sample time say
// that their age is unknown; they are never shown as live.
func StatsAge(s backends.BrokerStats, now time.Time, waited time.Duration) string {
	src := sanitize.Line(s.Source)
	if s.SampledAt.IsZero() {
		return fmt.Sprintf("as the broker last published them on %s, at an unknown time: no update came in %s",
			src, Elapsed(waited))
	}
	every := ""
	if s.Interval > 0 {
		every = fmt.Sprintf(" (it publishes every %s)", Elapsed(s.Interval.Round(100*time.Millisecond)))
	}
	return fmt.Sprintf("as the broker published them on %s at %s, %s ago%s", src,
		s.SampledAt.UTC().Format("15:04:05Z"), Elapsed(now.Sub(s.SampledAt)), every)
}
