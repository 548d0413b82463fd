// Package metrics exposes mqscope's lag snapshots to Prometheus. A scrape never asks a broker anything: the
// watch loop hands each refresh's snapshot to a Collector, which serves the last one with its age, so many
// scrapers cost what one watch costs.
package metrics

import (
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
)

// Statuses are the verdicts a group or partition can have; each is one series of the status gauges, 1 for
// the current verdict and 0 for the others, so that a query can match on the label without knowing which
// verdicts exist. "…" (too few commits seen to judge) is spelled "pending" in a label. No verdict
// (actions.StatusNone: nothing committed) has no series: every one reads 0, so nothing reads OK.
var Statuses = []actions.Status{actions.StatusOK, actions.StatusWarn, actions.StatusErr, actions.StatusStop,
	actions.StatusStall, actions.StatusRewind, actions.StatusPending}

// DrainStates are a queue's drain states, one series each of mqscope_queue_drain_state.
var DrainStates = []actions.DrainState{actions.Draining, actions.DrainGrowing, actions.DrainSteady,
	actions.DrainStalled, actions.DrainIdle}

func statusLabel(s actions.Status) string {
	if s == actions.StatusPending {
		return "pending"
	}
	return string(s)
}

func drainLabel(s actions.DrainState) string {
	if s == actions.Draining {
		return "draining"
	}
	return string(s)
}

var (
	groupLabels     = []string{"group"}
	partitionLabels = []string{"group", "topic", "partition"}
	queueLabels     = []string{"vhost", "queue"}

	descGroupLag = prometheus.NewDesc("mqscope_group_lag_messages",
		"Messages the consumer group has not consumed, over all its partitions.", groupLabels, nil)
	descGroupMaxLag = prometheus.NewDesc("mqscope_group_max_partition_lag_messages",
		"The consumer group's worst partition lag in messages.", groupLabels, nil)
	descGroupLagSeconds = prometheus.NewDesc("mqscope_group_lag_seconds",
		"Age of the oldest message the group has not consumed (its worst partition's); absent while unknown. "+
			"source is exact (read from the record) or estimate (from how fast the log end moves).",
		append(groupLabels, "source"), nil)
	descGroupMembers = prometheus.NewDesc("mqscope_group_members",
		"Members of the consumer group.", groupLabels, nil)
	descGroupStatus = prometheus.NewDesc("mqscope_group_status",
		"The group's verdict: 1 for the current one, 0 for the others; all 0 while it has none (nothing committed).", append(groupLabels, "status"), nil)
	descPartitionLag = prometheus.NewDesc("mqscope_partition_lag_messages",
		"Messages of the partition the group has not consumed.", partitionLabels, nil)
	descPartitionLagSeconds = prometheus.NewDesc("mqscope_partition_lag_seconds",
		"Age of the first message of the partition the group has not consumed; absent while unknown.",
		append(partitionLabels, "source"), nil)
	descPartitionStatus = prometheus.NewDesc("mqscope_partition_status",
		"The partition's verdict: 1 for the current one, 0 for the others.", append(partitionLabels, "status"), nil)
	descQueueReady = prometheus.NewDesc("mqscope_queue_ready_messages",
		"Messages ready for delivery in the queue; absent while unknown.", queueLabels, nil)
	descQueueUnacked = prometheus.NewDesc("mqscope_queue_unacked_messages",
		"Messages delivered and not yet acknowledged; absent while unknown.", queueLabels, nil)
	descQueueConsumers = prometheus.NewDesc("mqscope_queue_consumers",
		"Consumers of the queue; absent while unknown.", queueLabels, nil)
	descQueueDrain = prometheus.NewDesc("mqscope_queue_drain_seconds",
		"Time the ready messages take to go at the current rates; absent when unknown or not draining "+
			"(see mqscope_queue_drain_state).", queueLabels, nil)
	descQueueDrainState = prometheus.NewDesc("mqscope_queue_drain_state",
		"Where the queue's backlog is going: 1 for the current state, 0 for the others.", append(queueLabels, "state"), nil)
	descSnapshotAge = prometheus.NewDesc("mqscope_snapshot_age_seconds",
		"How long ago the snapshot served was taken: every figure here is that old.", nil, nil)
	descSnapshotTime = prometheus.NewDesc("mqscope_snapshot_timestamp_seconds",
		"When the snapshot served was taken, in Unix seconds.", nil, nil)
)

// Collector serves the last snapshot it was given. The zero value is not usable: use NewCollector.
type Collector struct {
	now func() time.Time

	mu     sync.Mutex
	at     time.Time
	groups []actions.GroupReport
	queues []actions.QueueBacklog
}

// NewCollector makes a Collector with no snapshot yet: it serves nothing until the first one.
func NewCollector() *Collector { return &Collector{now: time.Now} }

// SetLag replaces the snapshot by a lag report (Kafka consumer groups and their likes).
func (c *Collector) SetLag(r actions.LagReport) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at, c.groups, c.queues = r.At, r.Groups, nil
}

// SetBacklog replaces the snapshot by queues' backlogs read at at.
func (c *Collector) SetBacklog(at time.Time, queues []actions.QueueBacklog) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at, c.groups, c.queues = at, nil, queues
}

// Describe sends every descriptor the collector can produce.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descGroupLag, descGroupMaxLag, descGroupLagSeconds, descGroupMembers,
		descGroupStatus, descPartitionLag, descPartitionLagSeconds, descPartitionStatus, descQueueReady,
		descQueueUnacked, descQueueConsumers, descQueueDrain, descQueueDrainState, descSnapshotAge, descSnapshotTime} {
		ch <- d
	}
}

// Collect sends the last snapshot; it reads nothing from a broker.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	at, groups, queues := c.at, c.groups, c.queues
	c.mu.Unlock()
	if at.IsZero() {
		return
	}
	gauge(ch, descSnapshotAge, c.now().Sub(at).Seconds())
	gauge(ch, descSnapshotTime, float64(at.UnixNano())/1e9)
	for _, g := range groups {
		collectGroup(ch, g)
	}
	for _, q := range queues {
		collectQueue(ch, q)
	}
}

func collectGroup(ch chan<- prometheus.Metric, g actions.GroupReport) {
	gauge(ch, descGroupLag, float64(g.Lag), g.Group)
	gauge(ch, descGroupMaxLag, float64(g.MaxLag), g.Group)
	gauge(ch, descGroupMembers, float64(len(g.Members)), g.Group)
	if g.LagSeconds != nil {
		gauge(ch, descGroupLagSeconds, *g.LagSeconds, g.Group, string(g.LagSource))
	}
	for _, s := range Statuses {
		gauge(ch, descGroupStatus, oneIf(g.Status == s), g.Group, statusLabel(s))
	}
	for _, p := range g.Partitions {
		part := strconv.Itoa(int(p.Partition))
		gauge(ch, descPartitionLag, float64(p.Lag), g.Group, p.Topic, part)
		if p.LagSeconds != nil {
			gauge(ch, descPartitionLagSeconds, *p.LagSeconds, g.Group, p.Topic, part, string(p.LagSource))
		}
		for _, s := range Statuses {
			gauge(ch, descPartitionStatus, oneIf(p.Status == s), g.Group, p.Topic, part, statusLabel(s))
		}
	}
}

func collectQueue(ch chan<- prometheus.Metric, q actions.QueueBacklog) {
	if backends.Known(q.Ready) {
		gauge(ch, descQueueReady, float64(q.Ready), q.Vhost, q.Queue)
	}
	if backends.Known(q.Unacked) {
		gauge(ch, descQueueUnacked, float64(q.Unacked), q.Vhost, q.Queue)
	}
	if backends.Known(q.Consumers) {
		gauge(ch, descQueueConsumers, float64(q.Consumers), q.Vhost, q.Queue)
	}
	if q.DrainSeconds != nil {
		gauge(ch, descQueueDrain, *q.DrainSeconds, q.Vhost, q.Queue)
	}
	if q.Drain == actions.Draining && q.DrainSeconds == nil {
		return // rates unknown: no state is known either
	}
	for _, s := range DrainStates {
		gauge(ch, descQueueDrainState, oneIf(q.Drain == s), q.Vhost, q.Queue, drainLabel(s))
	}
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

func oneIf(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
