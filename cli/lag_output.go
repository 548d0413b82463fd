package cli

import (
	"fmt"
	"io"
	"math"
	"time"

	"github.com/mqscope/mqscope/actions"
)

// lagView prints lag reports: a row per group, then, when asked, a row per partition.
type lagView struct {
	partitions bool
}

func (v lagView) render(w io.Writer, format outputFormat, r actions.LagReport) error {
	if format == outputJSON {
		return writeJSONLines(w, r.Groups, func(g actions.GroupReport) any { return groupLagJSON(g, r.At) })
	}
	if err := writeTable(w, r.Groups, groupLagColumns); err != nil || !v.partitions {
		return err
	}
	var rows []partitionRow
	for _, g := range r.Groups {
		for _, p := range g.Partitions {
			rows = append(rows, partitionRow{group: g.Group, PartitionReport: p})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return err
	}
	return writeTable(w, rows, partitionLagColumns)
}

type groupReport = actions.GroupReport

var groupLagColumns = []column[groupReport]{
	{head: "GROUP", cell: func(g groupReport) string { return g.Group }},
	{head: "STATE", cell: func(g groupReport) string { return g.State }},
	{head: "MEMBERS", right: true, cell: func(g groupReport) string { return itoa(len(g.Members)) }},
	{head: "PARTITIONS", right: true, cell: func(g groupReport) string { return itoa(len(g.Partitions)) }},
	{head: "LAG", right: true, cell: func(g groupReport) string { return itoa(g.Lag) }},
	{head: "MAX-LAG", right: true, cell: func(g groupReport) string { return itoa(g.MaxLag) }},
	{head: "LAG-TIME", right: true, cell: func(g groupReport) string { return lagTime(g.LagSeconds) }},
	{head: "STATUS", cell: func(g groupReport) string { return string(g.Status) }},
}

// partitionRow is one partition of one group.
type partitionRow struct {
	group string
	actions.PartitionReport
}

var partitionLagColumns = []column[partitionRow]{
	{head: "GROUP", cell: func(p partitionRow) string { return p.group }},
	{head: "TOPIC", cell: func(p partitionRow) string { return p.Topic }},
	{head: "PARTITION", right: true, cell: func(p partitionRow) string { return itoa(int64(p.Partition)) }},
	{head: "COMMITTED", right: true, cell: func(p partitionRow) string { return offset(p.Committed) }},
	{head: "END", right: true, cell: func(p partitionRow) string { return itoa(p.End) }},
	{head: "LAG", right: true, cell: func(p partitionRow) string { return itoa(p.Lag) }},
	{head: "LAG-TIME", right: true, cell: func(p partitionRow) string { return lagTime(p.LagSeconds) }},
	{head: "STATUS", cell: func(p partitionRow) string { return string(p.Status) }},
	{head: "MEMBER", cell: func(p partitionRow) string { return p.Member }},
}

// offset is a committed offset, or "-" where nothing is committed.
func offset(o int64) string {
	if o < 0 {
		return "-"
	}
	return itoa(o)
}

// lagTime is a lag in seconds for people: 4.2s, 37s, 4m05s, 2h03m, 3d04h; "-" while unknown.
func lagTime(secs *float64) string {
	if secs == nil {
		return "-"
	}
	s := *secs
	d := time.Duration(s * float64(time.Second))
	switch {
	case s == 0:
		return "0s"
	case s < 10:
		return fmt.Sprintf("%.1fs", s)
	case s < 60:
		return fmt.Sprintf("%ds", int(s))
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(s)%60)
	case s < 86400:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%02dh", int(d.Hours())/24, int(d.Hours())%24)
}

// groupLagLine is one line of `lag -o json` on Kafka; every field is always present, lag_seconds null
// while unknown.
type groupLagLine struct {
	At         string             `json:"at"`
	Group      string             `json:"group"`
	State      string             `json:"state"`
	Members    int                `json:"members"`
	Lag        int64              `json:"lag"`
	MaxLag     int64              `json:"max_lag"`
	LagSeconds *float64           `json:"lag_seconds"`
	Status     string             `json:"status"`
	Partitions []partitionLagLine `json:"partitions"`
}

type partitionLagLine struct {
	Topic      string   `json:"topic"`
	Partition  int32    `json:"partition"`
	Committed  *int64   `json:"committed"` // null where the group committed nothing
	Start      int64    `json:"start"`
	End        int64    `json:"end"`
	Lag        int64    `json:"lag"`
	LagSeconds *float64 `json:"lag_seconds"`
	Status     string   `json:"status"`
	Member     string   `json:"member"`
}

func groupLagJSON(g groupReport, at time.Time) any {
	line := groupLagLine{
		At: at.UTC().Format(time.RFC3339Nano), Group: g.Group, State: g.State, Members: len(g.Members),
		Lag: g.Lag, MaxLag: g.MaxLag, LagSeconds: millis(g.LagSeconds), Status: string(g.Status),
		Partitions: make([]partitionLagLine, len(g.Partitions)),
	}
	for i, p := range g.Partitions {
		pl := partitionLagLine{Topic: p.Topic, Partition: p.Partition, Start: p.Start, End: p.End, Lag: p.Lag,
			LagSeconds: millis(p.LagSeconds), Status: string(p.Status), Member: p.Member}
		if p.Committed >= 0 {
			pl.Committed = &p.Committed
		}
		line.Partitions[i] = pl
	}
	return line
}

// millis rounds seconds to the millisecond: finer is noise.
func millis(secs *float64) *float64 {
	if secs == nil {
		return nil
	}
	r := math.Round(*secs*1000) / 1000
	return &r
}

type backlog = actions.QueueBacklog

var backlogColumns = []column[backlog]{
	{head: "QUEUE", cell: func(q backlog) string { return q.Queue }},
	{head: "READY", right: true, cell: func(q backlog) string { return itoa(q.Ready) }},
	{head: "UNACKED", right: true, cell: func(q backlog) string { return itoa(q.Unacked) }},
	{head: "CONSUMERS", right: true, cell: func(q backlog) string { return itoa(q.Consumers) }},
	{head: "PUBLISH/S", right: true, cell: func(q backlog) string { return rate(q.PublishRate) }},
	{head: "DELIVER/S", right: true, cell: func(q backlog) string { return rate(q.DeliverRate) }},
	{head: "ACK/S", right: true, cell: func(q backlog) string { return rate(q.AckRate) }},
	{head: "DRAIN", right: true, cell: drainCell},
}

func drainCell(q backlog) string {
	if q.Growing {
		return "growing"
	}
	return lagTime(q.DrainSeconds)
}

// backlogLine is one line of `lag -o json` on RabbitMQ; rates and drain_seconds are null where unknown
// (drain_seconds also while growing).
type backlogLine struct {
	At           string   `json:"at"` // when the figures were read (RFC 3339, UTC)
	Queue        string   `json:"queue"`
	Vhost        string   `json:"vhost"`
	Ready        int64    `json:"ready"`
	Unacked      int64    `json:"unacked"`
	Consumers    int      `json:"consumers"`
	PublishRate  *float64 `json:"publish_rate"`
	DeliverRate  *float64 `json:"deliver_rate"`
	AckRate      *float64 `json:"ack_rate"`
	DrainSeconds *float64 `json:"drain_seconds"`
	Growing      bool     `json:"growing"`
}

func backlogJSON(at time.Time) func(backlog) any {
	stamp := at.UTC().Format(time.RFC3339Nano)
	return func(q backlog) any { return backlogLineOf(q, stamp) }
}

func backlogLineOf(q backlog, at string) backlogLine {
	return backlogLine{At: at, Queue: q.Queue, Vhost: q.Vhost, Ready: q.Ready, Unacked: q.Unacked, Consumers: q.Consumers,
		PublishRate: q.PublishRate, DeliverRate: q.DeliverRate, AckRate: q.AckRate,
		DrainSeconds: millis(q.DrainSeconds), Growing: q.Growing}
}
