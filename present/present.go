// Package present says how each domain type reads in a table, once for every front end: the columns'
// names, their order, which rows they mean something for, and each cell's text. The CLI prints these
// columns as they are and adds JSON; the TUI adds colour, width and sorting, and never renames or
// re-words a column.
package present

import (
	"fmt"
	"strconv"
	"time"

	"github.com/mqscope/mqscope/backends"
)

// Column is one column of a table of T.
type Column[T any] struct {
	Name  string
	Right bool // numbers align right
	// Optional says how readily the column gives way on a narrow screen: 0, the default, never (what names
	// the row and its verdict); otherwise the higher, the sooner. The CLI prints every column.
	Optional int
	// Applies says whether the column means anything for a row (partitions for a topic, not a queue); nil:
	// every row. A column shows when it applies to some row, and its cell is blank on the others.
	Applies func(T) bool
	// Text is the cell, escaped for a terminal.
	Text func(T) string
}

// AppliesTo reports whether the column means anything for row.
func (c Column[T]) AppliesTo(row T) bool { return c.Applies == nil || c.Applies(row) }

// Cell is the column's text for row, blank where it does not apply.
func (c Column[T]) Cell(row T) string {
	if !c.AppliesTo(row) {
		return ""
	}
	return c.Text(row)
}

// Shown reports whether the column is worth its room in a table of rows: it applies to one of them.
func (c Column[T]) Shown(rows []T) bool {
	if c.Applies == nil {
		return true
	}
	for _, r := range rows {
		if c.Applies(r) {
			return true
		}
	}
	return false
}

// Via returns cols as columns of another row type R, which holds a T that of gives.
func Via[R, T any](cols []Column[T], of func(R) T) []Column[R] {
	out := make([]Column[R], len(cols))
	for i, c := range cols {
		out[i] = Column[R]{Name: c.Name, Right: c.Right, Optional: c.Optional, Text: func(r R) string { return c.Text(of(r)) }}
		if c.Applies != nil {
			out[i].Applies = func(r R) bool { return c.Applies(of(r)) }
		}
	}
	return out
}

// Int writes n with thousands separators: 1234567 → "1,234,567".
func Int[N int | int32 | int64](n N) string {
	s := strconv.FormatInt(int64(n), 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3+1)
	if neg {
		out = append(out, '-')
	}
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// Count writes a count the broker may not know: "?" for backends.Unknown (a queue's figures right after
// a RabbitMQ restart), never 0; else as Int.
func Count[N int | int64](n N) string {
	if !backends.Known(n) {
		return "?"
	}
	return Int(n)
}

// Unknown is the text of a figure nobody knows (a rate the broker did not report, a lag not yet measured).
const Unknown = "-"

// NotApplicable is the text of a figure that does not exist for this row (a stream's ready count).
const NotApplicable = "-"

// Rate writes a per-second rate; nil (the broker reported none) is Unknown.
func Rate(r *float64) string {
	if r == nil {
		return Unknown
	}
	return strconv.FormatFloat(*r, 'f', 1, 64)
}

// Seconds writes a span in seconds for people: 4.2s, 37s, 4m05s, 2h03m, 3d04h; Unknown while nil.
func Seconds(secs *float64) string {
	if secs == nil {
		return Unknown
	}
	return Duration(time.Duration(*secs * float64(time.Second)))
}

// Duration writes d for people: 0s, 4.2s, 37s, 4m05s, 2h03m, 3d04h.
func Duration(d time.Duration) string {
	s := d.Seconds()
	switch {
	case d <= 0:
		return "0s"
	case s < 10:
		return fmt.Sprintf("%.1fs", s)
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(s))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%dd%02dh", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
}

// Bytes writes a byte count the way people read it: 312 B, 4.1 KiB, 5.0 MiB.
func Bytes(n int) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	f, prefixes := float64(n)/unit, "KMGT"
	i := 0
	for f >= unit && i < len(prefixes)-1 {
		f /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", f, prefixes[i])
}

// Elapsed writes a duration for people: 850ms, 4.2s, 3m07s, 1h02m.
func Elapsed(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// StillWaiting is what a run says while the broker has answered nothing for quiet (a publish waiting for
// confirmations, a move waiting for a cluster to say what its target is): the CLI's warning and the TUI's
// progress line, in one wording. done is what went so far, counted as verb says ("confirmed", "moved").
func StillWaiting(quiet time.Duration, done int64, verb string) string {
	return fmt.Sprintf("the broker has confirmed nothing for %s (%d %s so far); still waiting", quiet.Round(time.Second), done, verb)
}
