package screens

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/confirm"
	"github.com/mqscope/mqscope/ui/components/table"
)

// plan asks actions.PlanReset for the dry run of what the form describes, one plan per topic, and shows
// it for confirmation. The target is read here first, so that a typo is answered without a round trip.
func (v *resetForm) plan() tea.Cmd {
	if v.planning {
		return nil
	}
	target, err := actions.ParseResetTarget(v.target())
	if err != nil {
		v.err = common.ErrorLine(err)
		return nil
	}
	v.planning, v.err = true, ""
	group, specs := v.group.Group, topicSpecs(v.scopes[v.scope])
	return common.Run(v.ID(), func(ctx context.Context, b backends.Backend) ([]actions.ResetPlan, error) {
		plans := make([]actions.ResetPlan, 0, len(specs))
		for _, spec := range specs {
			p, err := actions.PlanReset(ctx, b, group, spec, target)
			if err != nil {
				return nil, err
			}
			plans = append(plans, p)
		}
		return plans, nil
	}, v.planned)
}

// topicSpecs writes a scope as PlanReset takes it: "TOPIC" or "TOPIC:0,2", sorted by topic.
func topicSpecs(s resetScope) []string {
	var specs []string
	for topic, parts := range s.topics {
		spec := topic
		if len(parts) > 0 {
			ids := make([]string, len(parts))
			for i, p := range parts {
				ids[i] = strconv.Itoa(int(p))
			}
			spec += ":" + strings.Join(ids, ",")
		}
		specs = append(specs, spec)
	}
	slices.Sort(specs)
	return specs
}

// planned shows the dry run; for a group that is not inactive it shows it with the planner's refusal
// instead of a y.
func (v *resetForm) planned(plans []actions.ResetPlan, err error) tea.Cmd {
	v.planning = false
	if err != nil || len(plans) == 0 {
		if err == nil {
			err = fmt.Errorf("the planner returned nothing to reset")
		}
		v.err = common.ErrorLine(err)
		return common.Flash(common.FlashError, v.err)
	}
	first := plans[0]
	title := fmt.Sprintf("reset %s to %s", sanitize.Line(first.Group), sanitize.Line(first.Target.String()))
	moves := 0
	for _, p := range plans {
		moves += len(p.Partitions)
	}
	verb := fmt.Sprintf("commit %d offset%s for %s", moves, plural(int64(moves)), sanitize.Line(first.Group))
	d := confirm.New(v.c, title, nil, verb, func() tea.Cmd { return v.execute(plans) })
	d.Reflow(resetLines(v.c, plans))
	if err := first.CheckInactive(); err != nil {
		d.Refuse(common.ErrorLine(err))
	} else if v.scopes[v.scope].whole {
		d.TypeToConfirm(sanitize.Line(first.Group)) // the whole group, as k9s asks before a delete
	}
	return common.Push(d)
}

// execute applies the plans once confirmed, back on the partitions view, and says how it went.
func (v *resetForm) execute(plans []actions.ResetPlan) tea.Cmd {
	session := v.c.Session()
	group := sanitize.Line(plans[0].Group)
	return tea.Batch(common.PopTo(v.returnTo), common.Run(0, func(ctx context.Context, _ backends.Backend) (int, error) {
		moved := 0
		for _, p := range plans {
			if err := session.ResetOffsets(ctx, p); err != nil {
				return moved, err
			}
			moved += len(p.Partitions)
		}
		return moved, nil
	}, func(moved int, err error) tea.Cmd {
		if err != nil {
			return common.Flash(common.FlashError, fmt.Sprintf("%s: %d offset%s committed before this failed: %s", group, moved, plural(int64(moved)), common.ErrorLine(err)))
		}
		return common.Flash(common.FlashInfo, fmt.Sprintf("%s: %d offset%s committed; the next refresh shows them", group, moved, plural(int64(moved))))
	}))
}

// resetLines are the dry run as a table laid out for width cells: per partition the log range, where the
// group is and where it would go, and the clamping warnings. The columns are as wide as what they hold; on
// a narrow screen the log range gives way first, never where the group goes.
func resetLines(c *common.Common, plans []actions.ResetPlan) func(width int) []string {
	s := c.Styles
	cols := []table.Column{{Title: "TOPIC", Flex: true}, {Title: "PART", Align: table.Right},
		{Title: "START", Align: table.Right, Optional: 3}, {Title: "END", Align: table.Right, Optional: 2},
		{Title: "COMMITTED", Align: table.Right}, {Title: "→", Width: 1}, {Title: "NEW", Align: table.Right},
		{Title: "CHANGE", Align: table.Right, Optional: 1}}
	type line struct {
		cells   []table.Cell
		warning string
	}
	var rows []line
	for _, plan := range plans {
		for _, p := range plan.Partitions {
			cur, change := "–", "–"
			if d, ok := p.Change(); ok {
				cur, change = present.Int(p.Current), present.Int(d)
				if d > 0 {
					change = "+" + change
				}
			}
			rows = append(rows, line{cells: cellsOf(sanitize.Line(plan.Topic), strconv.Itoa(int(p.Partition)),
				present.Int(p.Start), present.Int(p.End), cur, "→", present.Int(p.New), change)})
			if p.Warning != "" {
				rows = append(rows, line{warning: "  ! " + sanitize.Line(p.Warning)})
			}
		}
	}
	var cells [][]table.Cell
	for _, r := range rows {
		if r.cells != nil {
			cells = append(cells, r.cells)
		}
	}
	return func(width int) []string {
		layout := fitTable(cols, cells, map[int]int{0: 48}, width)
		lines := []string{s.Table.Header.Render(layout[0])}
		n := 1
		for _, r := range rows {
			if r.cells == nil {
				lines = append(lines, s.Warn.Render(r.warning))
				continue
			}
			lines = append(lines, s.Text.Render(layout[n]))
			n++
		}
		return lines
	}
}

// fitTable lays a small table without a cursor out for width cells, through the same table.Layout as
// every list: each column as wide as its widest cell (within caps, by column index), the whole no wider
// than it needs, and on a narrow screen optional columns give way and the first, a name, is cut to 8
// cells before a figure goes. It returns the title line, then a line per row, unstyled.
func fitTable(cols []table.Column, rows [][]table.Cell, caps map[int]int, width int) []string {
	cols = slices.Clone(cols)
	for i := range cols {
		cols[i].Width = max(cols[i].Width, table.TextWidth(cols[i].Title))
		for _, r := range rows {
			cols[i].Width = max(cols[i].Width, table.TextWidth(r[i].Text))
		}
		if c, ok := caps[i]; ok {
			cols[i].Width = min(cols[i].Width, c)
		}
	}
	natural := -2 // no gap before the first column
	for _, c := range cols {
		natural += c.Width + 2
	}
	cols[0].Width = min(cols[0].Width, 8)
	l := table.NewLayout(cols, min(width, natural))
	out := []string{l.Header()}
	for _, r := range rows {
		out = append(out, l.Line(r))
	}
	return out
}

func cellsOf(texts ...string) []table.Cell {
	cells := make([]table.Cell, len(texts))
	for i, t := range texts {
		cells[i].Text = t
	}
	return cells
}
