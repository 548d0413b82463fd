package present

import (
	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/sanitize"
)

type groupReport = actions.GroupReport

// GroupLag are the columns of a lag report, a row per consumer group.
var GroupLag = []Column[groupReport]{
	{Name: "GROUP", Text: func(g groupReport) string { return sanitize.Line(g.Group) }},
	{Name: "STATE", Optional: 2, Text: func(g groupReport) string { return sanitize.Line(g.State) }},
	{Name: "MEMBERS", Optional: 4, Right: true, Text: func(g groupReport) string { return Int(len(g.Members)) }},
	{Name: "PARTITIONS", Optional: 5, Right: true, Text: func(g groupReport) string { return Int(len(g.Partitions)) }},
	{Name: "LAG", Right: true, Text: func(g groupReport) string { return Int(g.Lag) }},
	{Name: "MAX-LAG", Optional: 3, Right: true, Text: func(g groupReport) string { return Int(g.MaxLag) }},
	{Name: "LAG-TIME", Right: true, Text: func(g groupReport) string { return LagTime(g.LagSeconds, g.LagSource) }},
	{Name: "STATUS", Text: func(g groupReport) string { return Verdict(g.Status) }},
}

// PartitionRow is one partition of one group's lag.
type PartitionRow struct {
	Group string
	actions.PartitionReport
}

// PartitionLag are the columns of a lag report, a row per partition of a group.
var PartitionLag = []Column[PartitionRow]{
	{Name: "GROUP", Optional: 6, Text: func(p PartitionRow) string { return sanitize.Line(p.Group) }},
	{Name: "TOPIC", Text: func(p PartitionRow) string { return sanitize.Line(p.Topic) }},
	{Name: "PARTITION", Right: true, Text: func(p PartitionRow) string { return Int(p.Partition) }},
	{Name: "COMMITTED", Optional: 3, Right: true, Text: func(p PartitionRow) string { return Offset(p.Committed) }},
	{Name: "END", Optional: 4, Right: true, Text: func(p PartitionRow) string { return Int(p.End) }},
	{Name: "LAG", Right: true, Text: func(p PartitionRow) string { return Int(p.Lag) }},
	{Name: "PENDING", Optional: 2, Right: true, Applies: hasDeliveries, Text: func(p PartitionRow) string { return Int(p.Deliveries.Pending) }},
	{Name: "UNACKED", Optional: 2, Right: true, Applies: hasDeliveries, Text: func(p PartitionRow) string { return Int(p.Deliveries.Unacked) }},
	{Name: "REDELIVERED", Optional: 5, Right: true, Applies: hasDeliveries,
		Text: func(p PartitionRow) string { return Int(p.Deliveries.Redelivered) }},
	{Name: "LAG-TIME", Right: true, Text: func(p PartitionRow) string { return LagTime(p.LagSeconds, p.LagSource) }},
	{Name: "STATUS", Text: func(p PartitionRow) string { return Verdict(p.Status) }},
	{Name: "MEMBER", Optional: 1, Text: func(p PartitionRow) string { return orUnknown(sanitize.Line(p.Member)) }},
}

// Verdict is a group's or partition's status, Unknown where there is none (nothing committed to judge).
func Verdict(s actions.Status) string {
	if s == actions.StatusNone {
		return Unknown
	}
	return string(s)
}

// Estimated marks a figure that is an estimate rather than a measurement.
const Estimated = "≈"

// LagTime is a lag in seconds, marked Estimated where it is interpolated rather than read from the record
// the group has yet to consume.
func LagTime(secs *float64, source actions.LagSource) string {
	if secs != nil && source == actions.LagEstimate {
		return Estimated + Seconds(secs)
	}
	return Seconds(secs)
}

// Offset is a committed offset, or Unknown where nothing is committed.
func Offset(o int64) string {
	if o < 0 {
		return Unknown
	}
	return Int(o)
}

type backlog = actions.QueueBacklog

// Backlog are the columns of a queue backlog, on brokers without consumer groups: a row per queue.
var Backlog = []Column[backlog]{
	{Name: "QUEUE", Text: func(q backlog) string { return sanitize.Line(q.Queue) }},
	{Name: "VHOST", Optional: 6, Applies: func(q backlog) bool { return q.Vhost != "" }, Text: func(q backlog) string { return sanitize.Line(q.Vhost) }},
	{Name: "READY", Right: true, Applies: sampledOrExact, Text: func(q backlog) string { return Count(q.Ready) }},
	{Name: "UNACKED", Optional: 1, Right: true, Applies: sampledOrExact, Text: func(q backlog) string { return Count(q.Unacked) }},
	{Name: "CONSUMERS", Optional: 2, Right: true, Applies: sampledOrExact, Text: func(q backlog) string { return Count(q.Consumers) }},
	{Name: "PUBLISH/S", Optional: 3, Right: true, Applies: sampledOrExact, Text: func(q backlog) string { return Rate(q.PublishRate) }},
	{Name: "DELIVER/S", Optional: 3, Right: true, Applies: sampledOrExact, Text: func(q backlog) string { return Rate(q.DeliverRate) }},
	{Name: "ACK/S", Optional: 4, Right: true, Applies: sampledOrExact, Text: func(q backlog) string { return Rate(q.AckRate) }},
	{Name: "DRAIN", Right: true, Applies: sampledOrExact, Text: Drain},
	// SQS: its own approximate counts, and no consumers or rates to judge a drain by.
	{Name: "VISIBLE", Right: true, Applies: approxBacklog, Text: func(q backlog) string { return approx(q.Ready) }},
	{Name: "IN-FLIGHT", Optional: 1, Right: true, Applies: approxBacklog, Text: func(q backlog) string { return approx(q.Unacked) }},
	{Name: "DELAYED", Optional: 2, Right: true, Applies: approxBacklog, Text: func(q backlog) string { return approx(q.Delayed) }},
}

func sampledOrExact(q backlog) bool { return !q.Approximate }
func approxBacklog(q backlog) bool  { return q.Approximate }

func approx(n int64) string {
	if n < 0 {
		return Unknown
	}
	return "~" + Count(n)
}

// Drain is how long a queue's backlog takes to go at the current rates, or where it is going instead:
// growing, steady, stalled, idle.
func Drain(q backlog) string {
	if q.Drain != actions.Draining {
		return string(q.Drain)
	}
	return Seconds(q.DrainSeconds)
}

func orUnknown(s string) string {
	if s == "" {
		return Unknown
	}
	return s
}

// hasDeliveries is true where the broker breaks a lag down into pending and unacknowledged (NATS).
func hasDeliveries(p PartitionRow) bool { return p.Deliveries != nil }
