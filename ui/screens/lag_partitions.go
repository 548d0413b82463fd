package screens

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/list"
	"github.com/mqscope/mqscope/ui/components/table"
)

// KindLagPartitions is the Kind of one group's partitions in the lag view.
const KindLagPartitions = "lag-partitions"

// lagPartitions is one group's partitions, judged by the same session as the lag view it came from.
type lagPartitions struct {
	*list.Model[partitionReport]
	c       *common.Common
	s       *lagSession
	group   string
	seen    int
	gone    bool // the latest snapshot no longer has the group
	peeking bool // an exact lag is being read: x twice does not start two peeks

	width, height int
}

func newLagPartitions(c *common.Common, s *lagSession, group string) *lagPartitions {
	v := &lagPartitions{c: c, s: s, group: group}
	v.Model = list.New(c, v.spec(), sanitize.Line(group))
	v.Model.Resort(list.ColumnIndex(v.spec().Columns, "TOPIC"), false) // the group is the breadcrumb's
	v.sync()
	return v
}

func (v *lagPartitions) Title() string      { return sanitize.Line(v.group) }
func (v *lagPartitions) Load() *common.Load { return v.s.load(v.sync) }

func (v *lagPartitions) sync() {
	if v.seen == v.s.version {
		return
	}
	v.seen = v.s.version
	g, ok := v.s.group(v.group)
	v.gone = !ok && v.s.version > 0
	if ok {
		v.SetItems(g.Partitions, v.s.report.At)
	}
}

func (v *lagPartitions) Status() string {
	// The requests a refresh takes are the whole snapshot's, shown on the lag view; left out here, where
	// the group's name takes the room at 80 columns.
	status := v.Model.Status()
	if v.gone {
		status = v.c.Styles.Warn.Render("no longer listed") + v.c.Styles.Muted.Render(" · ") + status
	}
	return status
}

func (v *lagPartitions) SetSize(width, height int) {
	v.width, v.height = width, height
	v.Model.SetSize(width, height-chartLines(height))
}

// canPeek and canReset say whether the backend offers exact lag and offset resets; resets are also
// withheld in a read-only context.
func (v *lagPartitions) canPeek() bool { return v.c.Allows(actions.VerbExactLag) }

func (v *lagPartitions) canReset() bool { return v.c.Allows(actions.VerbReset) }

func (v *lagPartitions) canListPending() bool { return v.c.Allows(actions.VerbPending) }

func (v *lagPartitions) Keys() []key.Binding {
	k := v.c.Keys
	var keys []key.Binding
	if v.canPeek() {
		keys = append(keys, common.Relabel(k.Open, "messages from the committed "+v.c.Words.Position))
	}
	keys = append(keys, k.Sort, k.SortReverse)
	if v.canPeek() {
		keys = append(keys, k.ExactLag)
	}
	if v.canReset() {
		keys = append(keys, k.ResetOffsets)
	}
	if v.canListPending() {
		keys = append(keys, k.Pending)
	}
	return keys
}

func (v *lagPartitions) Update(msg tea.KeyPressMsg) tea.Cmd {
	v.sync()
	k := v.c.Keys
	switch {
	case key.Matches(msg, k.ExactLag) && v.canPeek():
		return v.peekExact()
	case key.Matches(msg, k.ResetOffsets) && v.canReset():
		return v.openReset()
	case key.Matches(msg, k.Pending) && v.canListPending():
		if p, ok := v.Model.Selected(); ok {
			return common.Push(newPending(v.c, p.Topic, v.group))
		}
		return nil
	case key.Matches(msg, k.Open) && v.canPeek():
		if p, ok := v.Model.Selected(); ok {
			return common.Push(browseFrom(v.c, p.Topic, p.Partition, position(p)))
		}
		return nil
	}
	return v.Model.Update(msg)
}

func (v *lagPartitions) View() string {
	v.sync()
	table := v.Model.View()
	g, ok := v.s.group(v.group)
	if !ok || chartLines(v.height) == 0 {
		return table
	}
	return padLines(table, v.height-chartLines(v.height)) + "\n" + lagChart(v.c, v.s, g, v.width, v.height)
}

// spec is per view: the GROUP column is this view's group, and EXACT reads this view's session.
func (v *lagPartitions) spec() *list.Spec[partitionReport] {
	exact := func(p partitionReport) (time.Duration, bool) { return v.s.exactLag(v.group, p) }
	shared := present.Via(present.PartitionLag, func(p partitionReport) present.PartitionRow {
		return present.PartitionRow{Group: v.group, PartitionReport: p}
	})
	cols := list.WithLooks(shared, map[string]list.Look[partitionReport]{
		"TOPIC": {Flex: true, Cmp: func(a, b *partitionReport) int {
			return cmp.Or(strings.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition))
		}},
		"PARTITION": {Cmp: func(a, b *partitionReport) int {
			return cmp.Or(cmp.Compare(a.Partition, b.Partition), strings.Compare(a.Topic, b.Topic))
		}},
		"COMMITTED": {DescFirst: true,
			Tone: func(p partitionReport) table.Tone { return map[bool]table.Tone{true: table.Muted}[p.Committed < 0] },
			Cmp:  func(a, b *partitionReport) int { return cmp.Compare(a.Committed, b.Committed) }},
		"END":      {DescFirst: true, Cmp: func(a, b *partitionReport) int { return cmp.Compare(a.End, b.End) }},
		"LAG":      intLook(func(p partitionReport) int64 { return p.Lag }),
		"LAG-TIME": lagTimeLook(partitionJudged),
		"STATUS":   statusLook(partitionJudged),
		"MEMBER": {Tone: func(p partitionReport) table.Tone { return map[bool]table.Tone{true: table.Muted}[p.Member == ""] },
			Cmp: func(a, b *partitionReport) int { return strings.Compare(a.Member, b.Member) }},
	})
	// EXACT, the screen's own, stands beside the estimate it replaces.
	cols = slices.Insert(cols, list.ColumnIndex(cols, "LAG-TIME")+1, list.Column[partitionReport]{
		Column: present.Column[partitionReport]{Name: "EXACT", Optional: 1, Right: true,
			Applies: func(p partitionReport) bool { _, ok := exact(p); return ok },
			Text: func(p partitionReport) string {
				d, _ := exact(p)
				return formatAge(d)
			}},
		Look: list.Look[partitionReport]{DescFirst: true, Cmp: func(a, b *partitionReport) int {
			x, okx := exact(*a)
			y, oky := exact(*b)
			return cmp.Or(cmp.Compare(boolRank(okx), boolRank(oky)), cmp.Compare(x, y))
		}},
	})
	return &list.Spec[partitionReport]{
		Kind:    KindLagPartitions,
		Noun:    func([]partitionReport) string { return v.c.Words.Parts },
		ID:      func(p partitionReport) string { return p.Topic + "/" + strconv.Itoa(int(p.Partition)) },
		Name:    func(p partitionReport) string { return p.Topic },
		Columns: cols,
	}
}

func partitionJudged(p partitionReport) judged { return judged{p.Status, p.LagSeconds, p.Lag} }

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// exactKey names one partition of one group.
type exactKey struct {
	group, topic string
	partition    int32
}

// exactLag is the timestamp of the record at a group's position, read by a peek: it holds for as long as
// the position has not moved.
type exactLag struct {
	offset int64
	ts     time.Time
}

// position is where the group will read next: its committed offset, or the log start when it has
// committed nothing or its offset fell out of retention.
func position(p partitionReport) int64 { return max(p.Committed, p.Start) }

// exactLag is how long before the latest snapshot the record at the group's position was written, when a
// peek has read it and the position has not moved since.
func (s *lagSession) exactLag(group string, p partitionReport) (time.Duration, bool) {
	e, ok := s.exact[exactKey{group, p.Topic, p.Partition}]
	if !ok || e.offset != position(p) {
		return 0, false
	}
	return max(s.report.At.Sub(e.ts), 0), true
}

// forgetMovedExact drops exact figures whose group has moved on, or gone.
func (s *lagSession) forgetMovedExact() {
	if len(s.exact) == 0 {
		return
	}
	still := map[exactKey]bool{}
	for _, g := range s.report.Groups {
		for _, p := range g.Partitions {
			k := exactKey{g.Group, p.Topic, p.Partition}
			if e, ok := s.exact[k]; ok && e.offset == position(p) {
				still[k] = true
			}
		}
	}
	for k := range s.exact {
		if !still[k] {
			delete(s.exact, k)
		}
	}
}

// peekExact reads the one record at the selected partition's position and takes its timestamp: the exact
// lag, where the column beside it is an estimate.
func (v *lagPartitions) peekExact() tea.Cmd {
	p, ok := v.Model.Selected()
	if !ok || v.peeking {
		return nil
	}
	where := fmt.Sprintf("%s[%d]", sanitize.Line(p.Topic), p.Partition)
	if p.Lag == 0 {
		return common.Flash(common.FlashInfo, where+" is caught up: no record waits, so its exact lag is 0s")
	}
	k, from := exactKey{v.group, p.Topic, p.Partition}, position(p)
	v.peeking = true
	one, _ := v.s.group(v.group)
	one.Partitions = []partitionReport{p}
	return tea.Batch(common.Flash(common.FlashInfo, fmt.Sprintf("reading %s at offset %s…", where, present.Int(from))),
		common.Run(v.ID(), func(ctx context.Context, b backends.Backend) (exactRead, error) {
			now := time.Now()
			g, err := actions.ExactLag(ctx, b, one, now)
			if err != nil {
				return exactRead{}, err
			}
			return exactRead{secs: g.Partitions[0].LagSeconds, now: now}, nil
		}, func(r exactRead, err error) tea.Cmd {
			v.peeking = false
			return v.exactRead(k, from, where, r, err)
		}))
}

// exactRead is what the peek found: the record's age when it was read, nil when the record was gone.
type exactRead struct {
	secs *float64
	now  time.Time
}

func (v *lagPartitions) exactRead(k exactKey, from int64, where string, r exactRead, err error) tea.Cmd {
	switch {
	case err != nil:
		return common.Flash(common.FlashError, common.ErrorLine(err))
	case r.secs == nil:
		return common.Flash(common.FlashWarn, fmt.Sprintf(
			"no record with a timestamp at offset %s of %s (deleted, compacted away or untimed): the estimate stands",
			present.Int(from), where))
	}
	ts := r.now.Add(-time.Duration(*r.secs * float64(time.Second)))
	v.s.exact[k] = exactLag{offset: from, ts: ts}
	v.seen = -1 // show the EXACT column now
	return common.Flash(common.FlashInfo, fmt.Sprintf("%s: the record at offset %s was written %s UTC, %s ago",
		where, present.Int(from), ts.UTC().Format("2006-01-02 15:04:05"), formatAge(r.now.Sub(ts))))
}

// openReset opens the offset reset form for this group, scoped at first to the selected partition.
func (v *lagPartitions) openReset() tea.Cmd {
	p, ok := v.Model.Selected()
	g, found := v.s.group(v.group)
	if !ok || !found {
		return nil
	}
	return common.Push(newResetForm(v.c, g, p, v.ID()))
}
