package screens

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/chart"
)

// chartRows is how many rows of bars the chart gets in a body of height lines.
func chartRows(height int) int { return min(8, max(3, height/4)) }

// chartLines is what the chart takes of a body of height lines (title, bars, axis), or 0 when the body is
// too short to share with a table of a few rows.
func chartLines(height int) int {
	lines := chartRows(height) + 2
	if height-lines < 6 {
		return 0
	}
	return lines
}

// yLabelWidth holds the widest value label, "999.9M".
const yLabelWidth = 6

// lagChart draws group g's total lag over the snapshots the session holds, in width cells and
// chartLines(height) lines: a title, the bars coloured by the group's verdict, and the time axis.
func lagChart(c *common.Common, s *lagSession, g groupReport, width, height int) string {
	st := c.Styles
	rows := chartRows(height)
	plot := max(width-yLabelWidth-2, 1)
	values := chart.Resample(g.History, plot)
	peak, now := int64(0), int64(0)
	for _, v := range g.History {
		peak = max(peak, v)
	}
	if n := len(g.History); n > 0 {
		now = g.History[n-1]
	}

	title := st.Accent.Render(sanitize.Line(g.Group)) + st.Muted.Render("  total lag ") +
		st.Muted.Render(spanText(s, len(g.History))) +
		st.Muted.Render(" · now ") + st.Text.Render(present.Int(now)) +
		st.Muted.Render(" · peak ") + st.Text.Render(present.Int(peak))
	lines := []string{ansi.Truncate(title, width, "…")}

	tone := st.Table.Tones[statusTone(g.Status)]
	for i, bars := range chart.Bars(values, plot, rows) {
		label, axis := "", "│"
		if i == 0 {
			label, axis = compactInt(peak), "┤"
		}
		lines = append(lines, st.Muted.Render(fmt.Sprintf("%*s %s", yLabelWidth, label, axis))+tone.Render(bars))
	}
	axis := fmt.Sprintf("%*s └%s", yLabelWidth, "0", strings.Repeat("─", plot))
	return strings.Join(append(lines, st.Muted.Render(axis)), "\n")
}

// spanText says how far back the chart reaches.
func spanText(s *lagSession, points int) string {
	span := s.historySpan(points)
	if span <= 0 {
		return "since the first snapshot"
	}
	return "over the last " + formatAge(span)
}

// compactInt writes n in at most six cells: 9,999, then 12.3k, 123k, 1.2M, 12M, 1.2G.
func compactInt(n int64) string {
	if n < 10_000 {
		return present.Int(n)
	}
	units := []string{"k", "M", "G", "T", "P", "E"}
	f := float64(n)
	for _, u := range units {
		f /= 1000
		switch {
		case f < 100:
			return fmt.Sprintf("%.1f%s", f, u)
		case f < 1000:
			return fmt.Sprintf("%.0f%s", f, u)
		}
	}
	return present.Int(n)
}
