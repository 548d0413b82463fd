package cli

import (
	"io"
	"math"
	"time"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/present"
)

// lagView prints lag reports: a row per group, then, when asked, a row per partition.
type lagView struct {
	partitions bool
	words      present.Words // the broker's names for groups, partitions, offsets; zero: Kafka's
}

func (v lagView) render(w io.Writer, format outputFormat, r actions.LagReport) error {
	if format == outputJSON {
		return writeJSONLines(w, r.Groups, func(g actions.GroupReport) any { return groupLagJSON(g, r.At) })
	}
	if err := writeTable(w, r.Groups, columnsOf(present.Worded(present.GroupLag, v.words))); err != nil || !v.partitions {
		return err
	}
	var rows []present.PartitionRow
	for _, g := range r.Groups {
		for _, p := range g.Partitions {
			rows = append(rows, present.PartitionRow{Group: g.Group, PartitionReport: p})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return err
	}
	return writeTable(w, rows, columnsOf(present.Worded(present.PartitionLag, v.words)))
}

type groupReport = actions.GroupReport

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
	LagSource  *string            `json:"lag_seconds_source"` // "exact" or "estimate"; null with lag_seconds
	Status     *string            `json:"status"`             // null: no verdict (nothing committed to judge)
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
	LagSource  *string  `json:"lag_seconds_source"`
	Status     *string  `json:"status"`
	Member     string   `json:"member"`
	// The lag broken down, where the broker does (NATS); null elsewhere.
	Deliveries *deliveriesLine `json:"deliveries"`
}

type deliveriesLine struct {
	Pending     int64 `json:"pending"`
	Unacked     int64 `json:"unacked"`
	Redelivered int64 `json:"redelivered"`
	Delivered   int64 `json:"delivered"`
}

func groupLagJSON(g groupReport, at time.Time) any {
	line := groupLagLine{
		At: at.UTC().Format(time.RFC3339Nano), Group: g.Group, State: g.State, Members: len(g.Members),
		Lag: g.Lag, MaxLag: g.MaxLag, LagSeconds: millis(g.LagSeconds), LagSource: source(g.LagSource), Status: verdict(g.Status),
		Partitions: make([]partitionLagLine, len(g.Partitions)),
	}
	for i, p := range g.Partitions {
		pl := partitionLagLine{Topic: p.Topic, Partition: p.Partition, Start: p.Start, End: p.End, Lag: p.Lag,
			LagSeconds: millis(p.LagSeconds), LagSource: source(p.LagSource), Status: verdict(p.Status), Member: p.Member}
		if p.Committed >= 0 {
			pl.Committed = &p.Committed
		}
		if d := p.Deliveries; d != nil {
			pl.Deliveries = &deliveriesLine{Pending: d.Pending, Unacked: d.Unacked, Redelivered: d.Redelivered,
				Delivered: d.Delivered}
		}
		line.Partitions[i] = pl
	}
	return line
}

// verdict is a status, null where there is none.
func verdict(s actions.Status) *string {
	if s == actions.StatusNone {
		return nil
	}
	text := string(s)
	return &text
}

// source is where a lag in seconds comes from, null while there is none.
func source(s actions.LagSource) *string {
	if s == "" {
		return nil
	}
	text := string(s)
	return &text
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

var backlogColumns = columnsOf(present.Backlog)

// backlogLine is one line of `lag -o json` on RabbitMQ; counts, rates and drain_seconds are null where
// unknown (drain_seconds also where drain says it will not drain).
type backlogLine struct {
	At           string   `json:"at"` // when the figures were read (RFC 3339, UTC)
	Queue        string   `json:"queue"`
	Vhost        string   `json:"vhost"`
	Ready        *int64   `json:"ready"` // counts are null where the broker could not give them
	Unacked      *int64   `json:"unacked"`
	Delayed      *int64   `json:"delayed,omitempty"` // SQS: not visible yet, for a delay
	Consumers    *int     `json:"consumers"`
	PublishRate  *float64 `json:"publish_rate"`
	DeliverRate  *float64 `json:"deliver_rate"`
	AckRate      *float64 `json:"ack_rate"`
	DrainSeconds *float64 `json:"drain_seconds"`
	Drain        *string  `json:"drain"` // growing, steady, stalled or idle; null when drain_seconds tells
	Growing      bool     `json:"growing"`
	// Counts says where ready and consumers come from: "exact" (counted now, for queues named on the
	// command line) or "sampled" (the management API's figures, up to its statistics interval old).
	Counts string `json:"counts"`
}

func backlogJSON(at time.Time) func(backlog) any {
	stamp := at.UTC().Format(time.RFC3339Nano)
	return func(q backlog) any { return backlogLineOf(q, stamp) }
}

func backlogLineOf(q backlog, at string) backlogLine {
	line := backlogLine{At: at, Queue: q.Queue, Vhost: q.Vhost, Ready: countJSON(q.Ready), Unacked: countJSON(q.Unacked), Consumers: countJSON(q.Consumers),
		PublishRate: q.PublishRate, DeliverRate: q.DeliverRate, AckRate: q.AckRate,
		DrainSeconds: millis(q.DrainSeconds), Drain: drainState(q.Drain), Growing: q.Drain == actions.DrainGrowing,
		Counts: map[bool]string{true: "exact", false: "sampled"}[q.CountsExact]}
	if q.Approximate {
		line.Counts, line.Delayed = "approximate", countJSON(q.Delayed)
	}
	return line
}

func drainState(s actions.DrainState) *string {
	if s == actions.Draining {
		return nil
	}
	text := string(s)
	return &text
}
