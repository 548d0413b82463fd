// Package chart draws small charts as text with the eighth blocks ▁▂▃▄▅▆▇█: a one-line sparkline for a
// table row and a bar chart a few rows tall. It is plain text in, plain text out: callers colour it.
//
// It is hand-written rather than taken from a charting library because it is sixty lines, and the
// terminal charting libraries for Bubble Tea (ntcharts) are built on lipgloss v1 and Bubble Tea v1, which
// would put a second copy of both into the binary for two functions.
package chart

import "strings"

// blocks are the eighths of a cell, from one eighth to the full cell.
var blocks = [8]rune{'▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'}

// Resample fits values into at most width points, oldest first. Where there are more values than points,
// each point is the largest value of its stretch, so that a short spike still shows.
func Resample(values []int64, width int) []int64 {
	n := len(values)
	if width <= 0 {
		return nil
	}
	if n <= width {
		return values
	}
	out := make([]int64, width)
	for i := range out {
		from, to := i*n/width, (i+1)*n/width
		top := values[from]
		for _, v := range values[from+1 : to] {
			top = max(top, v)
		}
		out[i] = top
	}
	return out
}

// Sparkline draws values in exactly width cells, newest at the right, blank where there is no data yet.
// It spans the lowest to the highest value shown, so that a lag creeping up from 5,900 to 5,932 rises
// instead of filling every cell like a lag that stands still; a flat series draws flat, ▁ at zero and ▄
// above. Span says what its lowest and highest cells stand for: show it next to the line.
func Sparkline(values []int64, width int) string {
	values = Resample(values, width)
	if width <= 0 {
		return ""
	}
	lo, hi := bounds(values)
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", width-len(values)))
	for _, v := range values {
		level := 0
		switch {
		case hi > lo:
			level = int(((v-lo)*7 + (hi-lo)/2) / (hi - lo)) // 0 to 7, rounded
		case hi > 0:
			level = 3 // flat, above zero
		}
		b.WriteRune(blocks[level])
	}
	return b.String()
}

// Span is what a sparkline of values in width cells spans, each end written by format: "0–1,204" from
// its lowest to its highest cell, or one figure when it is flat; "" without values.
func Span(values []int64, width int, format func(int64) string) string {
	values = Resample(values, width)
	if len(values) == 0 {
		return ""
	}
	lo, hi := bounds(values)
	if lo == hi {
		return format(lo)
	}
	return format(lo) + "–" + format(hi)
}

// bounds are the lowest and highest of values.
func bounds(values []int64) (lo, hi int64) {
	if len(values) == 0 {
		return 0, 0
	}
	lo, hi = values[0], values[0]
	for _, v := range values[1:] {
		lo, hi = min(lo, v), max(hi, v)
	}
	return lo, hi
}

// Bars draws values as columns height rows tall in exactly width cells per row, newest at the right, top
// row first. The largest value fills the height; a value above zero gets at least an eighth of a cell, and
// zero gets nothing.
func Bars(values []int64, width, height int) []string {
	if width <= 0 || height <= 0 {
		return nil
	}
	values = Resample(values, width)
	top := peak(values)
	eighths := make([]int64, len(values))
	for i, v := range values {
		if v > 0 {
			eighths[i] = max((v*int64(height)*8+top/2)/top, 1)
		}
	}
	rows := make([]string, height)
	pad := strings.Repeat(" ", width-len(values))
	for r := range rows {
		floor := int64(height-1-r) * 8 // eighths below this row
		var b strings.Builder
		b.WriteString(pad)
		for _, e := range eighths {
			switch fill := e - floor; {
			case fill >= 8:
				b.WriteRune(blocks[7])
			case fill <= 0:
				b.WriteByte(' ')
			default:
				b.WriteRune(blocks[fill-1])
			}
		}
		rows[r] = b.String()
	}
	return rows
}

// peak is the largest value, at least 1 so that it can divide.
func peak(values []int64) int64 {
	top := int64(1)
	for _, v := range values {
		top = max(top, v)
	}
	return top
}
