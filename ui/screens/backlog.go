package screens

import (
	"cmp"
	"context"
	"strings"
	"time"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/list"
	"github.com/mqscope/mqscope/ui/components/table"
)

// backlogRow is one queue's backlog: what waits, how fast it moves, when it will be gone.
type backlogRow struct {
	dest
	q       actions.QueueBacklog
	drain   drainEstimate
	history []int64 // messages held at each refresh, oldest first
}

// backlogView is what :lag shows on a broker without consumer groups but with queues (RabbitMQ): per
// queue, what is ready and unacknowledged, who consumes, the rates, and the time to drain.
type backlogView struct {
	*list.Model[backlogRow]
	c       *common.Common
	history map[string]*actions.Ring[int64] // by destination ID; only queues of the latest listing
}

// NewBacklog returns the queue backlog view. Only open it on a backend that lists destinations.
func NewBacklog(c *common.Common) common.View {
	v := &backlogView{c: c, history: map[string]*actions.Ring[int64]{}}
	v.Model = list.New(c, backlogSpec, "backlog")
	v.Model.Resort(drainColumn, true) // growing first, then the longest to drain
	return v
}

func (v *backlogView) Title() string { return "backlog" }

// Load lists the queues and counts the ones on screen now (at most actions.ExactCountsPerRefresh): the
// management API's figures are samples, seconds old.
func (v *backlogView) Load() *common.Load {
	var onScreen []string
	for _, r := range v.Model.OnScreen() {
		onScreen = append(onScreen, r.Name)
	}
	return common.LoadWith(func(ctx context.Context, b backends.Backend) ([]dest, error) {
		queues, err := fetchQueues(ctx, b)
		if err != nil {
			return nil, err
		}
		return actions.ExactCounts(ctx, b, queues, onScreen), nil
	}, v.show)
}

// fetchQueues lists the queues. Streams are left out, as actions.Backlog leaves them: reading a stream
// removes nothing, so its backlog is per consumer, which a listing does not carry.
func fetchQueues(ctx context.Context, b backends.Backend) ([]dest, error) {
	ds, err := actions.ListDestinations(ctx, b, backends.ListOptions{})
	if err != nil {
		return nil, err
	}
	queues := ds[:0:0]
	for _, d := range ds {
		if d.Kind == backends.Queue {
			queues = append(queues, d)
		}
	}
	return queues, nil
}

// show adds the listing to each queue's history and estimates its drain.
func (v *backlogView) show(queues []dest, at time.Time) {
	rows := make([]backlogRow, len(queues))
	backlogs := actions.Backlog(queues) // one for each: fetchQueues lists queues only
	if v.c.Metrics != nil {
		v.c.Metrics.SetBacklog(at, backlogs)
	}
	seen := make(map[string]bool, len(queues))
	for i, d := range queues {
		id := d.ID()
		seen[id] = true
		h, ok := v.history[id]
		if !ok {
			h = actions.NewRing[int64](actions.HistoryPoints)
			v.history[id] = h
		}
		if backends.Known(d.Messages) { // an unknown figure is a gap in the trend, not a drop to 0
			h.Push(d.Messages)
		}
		rows[i] = backlogRow{dest: d, q: backlogs[i], drain: estimateDrain(d), history: ringValues(h)}
	}
	for id := range v.history {
		if !seen[id] {
			delete(v.history, id) // memory follows what is listed
		}
	}
	v.SetItems(rows, at)
}

func ringValues(r *actions.Ring[int64]) []int64 {
	out := make([]int64, r.Len())
	for i := range out {
		out[i] = r.At(i)
	}
	return out
}

// drainEstimate is how long a queue's ready backlog takes to go at the current rates, or where it is going
// instead (actions.Drain).
type drainEstimate struct {
	seconds *float64 // nil: unknown, or it will not drain
	state   actions.DrainState
}

func estimateDrain(d dest) drainEstimate {
	secs, state := actions.Drain(d.Ready, d.Consumers, d.PublishRate, d.DeliverRate, d.AckRate)
	return drainEstimate{seconds: secs, state: state}
}

func (e drainEstimate) String() string {
	switch {
	case e.state != actions.Draining:
		return string(e.state)
	case e.seconds == nil:
		return "—"
	}
	return formatAge(time.Duration(*e.seconds * float64(time.Second)))
}

// rank orders estimates from harmless to worst: unknown and idle, by time to drain, steady, stalled,
// growing.
func (e drainEstimate) rank() (int, float64) {
	switch e.state {
	case actions.DrainGrowing:
		return 4, 0
	case actions.DrainStalled:
		return 3, 0
	case actions.DrainSteady:
		return 2, 0
	}
	if e.seconds == nil || e.state == actions.DrainIdle {
		return 0, 0
	}
	return 1, *e.seconds
}

func cmpDrain(a, b drainEstimate) int {
	ra, sa := a.rank()
	rb, sb := b.rank()
	return cmp.Or(cmp.Compare(ra, rb), cmp.Compare(sa, sb))
}

// bad is a backlog that will not go away at these rates.
func (e drainEstimate) bad() bool {
	return e.state == actions.DrainGrowing || e.state == actions.DrainStalled
}

func (e drainEstimate) tone() table.Tone {
	switch {
	case e.bad():
		return table.Bad
	case e.state == actions.DrainSteady:
		return table.Warn
	case e.seconds == nil || *e.seconds == 0:
		return table.Muted
	case *e.seconds > 3600:
		return table.Warn
	}
	return table.Normal
}

// drainColumn is where the backlog view sorts at first: growing and stalled, then the longest to drain.
var drainColumn = list.ColumnIndex(backlogSpec.Columns, "DRAIN")

var backlogSpec = &list.Spec[backlogRow]{
	Kind: KindLag,
	Noun: func([]backlogRow) string { return "queues" },
	// Which counts on screen are current, in the queue list's words: at 80 columns the status said "4 on
	// screen counted now, others sampled" and lost its end.
	Note: func(c *common.Common, onScreen []backlogRow) string {
		ds := make([]dest, len(onScreen))
		for i, r := range onScreen {
			ds[i] = r.dest
		}
		return countsNote(c, ds)
	},
	ID:      func(r backlogRow) string { return r.ID() },
	Name:    func(r backlogRow) string { return r.Name },
	Actions: func(c *common.Common, r backlogRow) []list.Action { return purgeActions(c, r.dest) },
	Details: func(c *common.Common, r backlogRow, at time.Time) common.View {
		return newDestinationDetails(c, r.dest, at)
	},
	Detail: func(r backlogRow) []list.Field {
		return append(destinationFields(r.dest), list.Field{Label: "time to drain", Value: r.drain.String(), Tone: r.drain.tone()})
	},
	Columns: list.WithLooks(present.Via(present.Backlog, func(r backlogRow) actions.QueueBacklog { return r.q }), map[string]list.Look[backlogRow]{
		"QUEUE":     {Flex: true, Cmp: func(a, b *backlogRow) int { return strings.Compare(a.Name, b.Name) }},
		"VHOST":     {Cmp: func(a, b *backlogRow) int { return strings.Compare(a.Vhost, b.Vhost) }},
		"READY":     intLook(func(r backlogRow) int64 { return r.Ready }),
		"UNACKED":   intLook(func(r backlogRow) int64 { return r.Unacked }),
		"CONSUMERS": intLook(func(r backlogRow) int64 { return int64(r.Consumers) }),
		"PUBLISH/S": rateLook(func(r backlogRow) *float64 { return r.PublishRate }),
		"DELIVER/S": rateLook(func(r backlogRow) *float64 { return r.DeliverRate }),
		"ACK/S":     rateLook(func(r backlogRow) *float64 { return r.AckRate }),
		"DRAIN": {DescFirst: true, Tone: func(r backlogRow) table.Tone { return r.drain.tone() },
			Cmp: func(a, b *backlogRow) int {
				return cmp.Or(cmpDrain(a.drain, b.drain), cmp.Compare(a.Messages, b.Messages))
			}},
	}, list.Column[backlogRow]{
		Column: present.Column[backlogRow]{Name: "TREND", Optional: 5, Text: func(r backlogRow) string { return trend(r.history) }},
		Look:   list.Look[backlogRow]{Tone: func(r backlogRow) table.Tone { return map[bool]table.Tone{true: table.Bad}[r.drain.bad()] }},
	}),
}
