package actions

import "time"

// SnapshotSink takes what a watch read at each refresh: the lag report and the queues' backlogs. The
// Prometheus collector (metrics.Collector) is one, fed by `lag --watch --metrics` and by the TUI's lag
// and backlog views, so a scrape serves what the user last saw, never a read of its own.
type SnapshotSink interface {
	SetLag(LagReport)
	SetBacklog(at time.Time, queues []QueueBacklog)
}
