package screens

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/chart"
	"github.com/mqscope/mqscope/ui/components/list"
	"github.com/mqscope/mqscope/ui/components/table"
)

// KindLag is the Kind of the consumer lag view (and of the backlog view that stands in for it on brokers
// without consumer groups).
const KindLag = "lag"

type (
	groupReport     = actions.GroupReport
	partitionReport = actions.PartitionReport
)

// lagSession is what the lag view and its drill-downs share: one tracker that sees every snapshot,
// whichever of the views fetched it (lag in seconds and verdicts are judged across snapshots, so a view
// with a tracker of its own would start blind), and the latest judged report.
type lagSession struct {
	// judging guards the tracker, which fetches use off the UI goroutine: a fetch the shell abandoned may
	// still be judging when the next one starts.
	judging sync.Mutex
	tracker *actions.LagTracker

	report  actions.LagReport
	times   *actions.Ring[time.Time] // when each snapshot was taken, to put times on the histories
	version int                      // counts reports, so that a view knows when to redraw from report
	exact   map[exactKey]exactLag
	sink    actions.SnapshotSink // takes every report shown, for Prometheus; nil for none
}

func newLagSession(sink actions.SnapshotSink) *lagSession {
	return &lagSession{
		sink:    sink,
		tracker: actions.NewLagTracker(),
		times:   actions.NewRing[time.Time](actions.HistoryPoints),
		exact:   map[exactKey]exactLag{},
	}
}

// fetch takes one snapshot of every group and judges it, off the UI goroutine (judging thousands of
// partitions takes milliseconds). Drill-down views fetch every group too: the tracker forgets what a
// snapshot leaves out, and the lag view behind them should find its histories whole.
func (s *lagSession) fetch(ctx context.Context, b backends.Backend) (actions.LagReport, error) {
	snap, err := actions.LagSnapshot(ctx, b, nil)
	if err != nil {
		return actions.LagReport{}, err
	}
	return s.judge(s.tracker.Date(ctx, b, snap)), nil
}

func (s *lagSession) judge(snap backends.LagSnapshot) actions.LagReport {
	s.judging.Lock()
	defer s.judging.Unlock()
	return s.tracker.Observe(snap)
}

// show takes a judged report, what fetch returns.
func (s *lagSession) show(r actions.LagReport) {
	s.report = r
	if s.sink != nil {
		s.sink.SetLag(r)
	}
	s.times.Push(s.report.At)
	s.version++
	s.forgetMovedExact()
}

// load is the load of every view the session serves: each shows the report, then syncs its list.
func (s *lagSession) load(sync func()) *common.Load {
	return common.LoadWith(s.fetch, func(r actions.LagReport, _ time.Time) {
		s.show(r)
		sync()
	})
}

// group finds a group in the latest report.
func (s *lagSession) group(name string) (groupReport, bool) {
	for _, g := range s.report.Groups {
		if g.Group == name {
			return g, true
		}
	}
	return groupReport{}, false
}

// historySpan is how long ago the oldest of the newest n snapshots was taken.
func (s *lagSession) historySpan(n int) time.Duration {
	held := s.times.Len()
	n = min(n, held)
	if n < 2 {
		return 0
	}
	return s.times.At(held - 1).Sub(s.times.At(held - n))
}

// lagView is the live table of consumer groups with a chart of the selected group's lag below it.
type lagView struct {
	*list.Model[groupReport]
	c    *common.Common
	s    *lagSession
	seen int // the session version the list shows

	width, height int // the list's and the chart's
}

// NewLag returns the consumer lag view. Only open it on a backend that is a backends.LagReader.
func NewLag(c *common.Common) common.View {
	v := &lagView{c: c, s: newLagSession(c.Metrics)}
	v.Model = list.New(c, groupLagSpec, "lag")
	v.Model.Resort(statusColumn, true) // worst first, then furthest behind in time
	return v
}

func (v *lagView) Title() string      { return "lag" }
func (v *lagView) Load() *common.Load { return v.s.load(v.sync) }
func (v *lagView) Status() string     { return lagStatus(v.c, v.Model.Status(), v.s) }

// sync shows the session's latest report, whichever view fetched it.
func (v *lagView) sync() {
	if v.seen == v.s.version {
		return
	}
	v.seen = v.s.version
	v.SetItems(v.s.report.Groups, v.s.report.At)
}

func (v *lagView) SetSize(width, height int) {
	v.width, v.height = width, height
	v.Model.SetSize(width, height-chartLines(height))
}

func (v *lagView) Keys() []key.Binding {
	k := v.c.Keys
	keys := []key.Binding{common.Relabel(k.Open, v.c.Words.Parts), k.Details, k.Sort, k.SortReverse}
	if v.c.Allows(actions.VerbReset) {
		keys = append(keys, common.Relabel(k.ResetOffsets, "reset the "+v.c.Words.Group))
	}
	return keys
}

func (v *lagView) Update(msg tea.KeyPressMsg) tea.Cmd {
	v.sync()
	if key.Matches(msg, v.c.Keys.Open) {
		if g, ok := v.Model.Selected(); ok {
			return common.Push(newLagPartitions(v.c, v.s, g.Group))
		}
		return nil
	}
	if key.Matches(msg, v.c.Keys.ResetOffsets) && v.c.Allows(actions.VerbReset) {
		if g, ok := v.Model.Selected(); ok && len(g.Partitions) > 0 {
			return common.Push(newGroupResetForm(v.c, g, v.ID()))
		}
		return nil
	}
	return v.Model.Update(msg)
}

func (v *lagView) View() string {
	v.sync()
	table := v.Model.View()
	g, ok := v.Model.Selected()
	if !ok || chartLines(v.height) == 0 {
		return table
	}
	return padLines(table, v.height-chartLines(v.height)) + "\n" + lagChart(v.c, v.s, g, v.width, v.height)
}

// statusColumn is where the lag view sorts at first: worst first.
var statusColumn = list.ColumnIndex(groupLagSpec.Columns, "STATUS")

var groupLagSpec = &list.Spec[groupReport]{
	Kind: KindLag,
	Noun: func([]groupReport) string { return "groups" },
	ID:   func(g groupReport) string { return g.Group },
	Name: func(g groupReport) string { return g.Group },
	Details: func(c *common.Common, g groupReport, at time.Time) common.View {
		return newGroupDetails(c, backends.ConsumerGroup{Name: g.Group, State: g.State, Members: len(g.Members)}, at)
	},
	Columns: list.WithLooks(present.GroupLag, map[string]list.Look[groupReport]{
		"GROUP": {Flex: true, Cmp: func(a, b *groupReport) int { return strings.Compare(a.Group, b.Group) }},
		"STATE": {Tone: func(g groupReport) table.Tone { return stateTone(group{State: g.State}) },
			Cmp: func(a, b *groupReport) int { return strings.Compare(a.State, b.State) }},
		"MEMBERS":    intLook(func(g groupReport) int64 { return int64(len(g.Members)) }),
		"PARTITIONS": intLook(func(g groupReport) int64 { return int64(len(g.Partitions)) }),
		"LAG":        intLook(func(g groupReport) int64 { return g.Lag }),
		"MAX-LAG":    intLook(func(g groupReport) int64 { return g.MaxLag }),
		"LAG-TIME":   lagTimeLook(groupJudged),
		"STATUS":     statusLook(groupJudged),
	}, list.Column[groupReport]{
		Column: present.Column[groupReport]{Name: "TREND", Optional: 1, Text: func(g groupReport) string { return trend(g.History) }},
		Look:   list.Look[groupReport]{Tone: func(g groupReport) table.Tone { return statusTone(g.Status) }},
	}),
}

// judged is what the lag view and its partitions both sort and colour by: the verdict, the lag in seconds
// and in messages.
type judged struct {
	status actions.Status
	secs   *float64
	lag    int64
}

func groupJudged(g groupReport) judged { return judged{g.Status, g.LagSeconds, g.Lag} }

// lagTimeLook is the LAG-TIME column: furthest behind first, unknown below any known figure.
func lagTimeLook[T any](of func(T) judged) list.Look[T] {
	return list.Look[T]{DescFirst: true, Tone: func(x T) table.Tone { return lagSecondsTone(of(x).secs) },
		Cmp: func(a, b *T) int {
			x, y := of(*a), of(*b)
			return cmp.Or(cmpSeconds(x.secs, y.secs), cmp.Compare(x.lag, y.lag))
		}}
}

// statusLook is the STATUS column: worst verdict first, then furthest behind.
func statusLook[T any](of func(T) judged) list.Look[T] {
	return list.Look[T]{DescFirst: true, Tone: func(x T) table.Tone { return statusTone(of(x).status) },
		Cmp: func(a, b *T) int {
			x, y := of(*a), of(*b)
			return cmp.Or(cmp.Compare(statusRank(x.status), statusRank(y.status)),
				cmpSeconds(x.secs, y.secs), cmp.Compare(x.lag, y.lag))
		}}
}

// sparkWidth is a row's trend: at the default refresh, each cell is about ten seconds of the last five
// minutes.
const sparkWidth = 16

// trend is a row's TREND cell: the sparkline, then the lowest and highest values it spans, so that flat
// lag reads as flat and a rise reads with its size.
func trend(values []int64) string {
	return strings.TrimRight(chart.Sparkline(values, sparkWidth)+" "+chart.Span(values, sparkWidth, compactInt), " ")
}

// statusTone colours a verdict: OK is healthy, WARN is a lag that is not going down, pending is not judged
// yet (nor is a group with nothing committed, which has no verdict), the rest are errors.
func statusTone(s actions.Status) table.Tone {
	switch s {
	case actions.StatusOK:
		return table.Good
	case actions.StatusPending, actions.StatusNone:
		return table.Muted
	case actions.StatusWarn:
		return table.Warn
	}
	return table.Bad
}

// statusRank orders verdicts from healthy to worst: a stopped consumer is worse than a slow one.
func statusRank(s actions.Status) int {
	switch s {
	case actions.StatusNone: // no verdict: nothing to judge, so nothing to worry about first
		return -1
	case actions.StatusOK:
		return 0
	case actions.StatusPending:
		return 1
	case actions.StatusWarn:
		return 2
	case actions.StatusErr:
		return 3
	case actions.StatusStall, actions.StatusRewind:
		return 4
	}
	return 5 // STOP
}

// cmpSeconds orders lag in seconds with unknown below any known figure.
func cmpSeconds(a, b *float64) int { return cmpRate(a, b) }

func lagSecondsTone(s *float64) table.Tone {
	if s == nil || *s < 1 {
		return table.Muted
	}
	return table.Normal
}

// lagStatus adds what the snapshot cost to a list's status: the broker requests one refresh takes.
func lagStatus(c *common.Common, status string, s *lagSession) string {
	if s.version == 0 {
		return status
	}
	return status + c.Styles.Muted.Render(fmt.Sprintf(" · %d requests per refresh", s.report.Requests))
}
