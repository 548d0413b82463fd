package screens

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
)

// Going to an offset or a time: where the browser holds it, the cursor moves there; where it does not,
// the browser reads again from there.

func (v *browser) goToPrompt() string {
	if v.dest.Kind == backends.Topic {
		return "go to (OFFSET, P:OFFSET, @TIME, @-15m): "
	}
	return "go to (OFFSET, @TIME, @-15m): "
}

// target is where to go: a time, or an offset in one partition.
type target struct {
	pos       backends.Position // AtOffset or AtTime
	partition int32
}

var errTarget = errors.New("want OFFSET, P:OFFSET, @TIME or @-DURATION")

// parseTarget reads what was typed at the go-to prompt; an offset without a partition is in partition.
func parseTarget(line string, partition int32, now time.Time) (target, error) {
	line = strings.TrimSpace(line)
	t := target{partition: partition}
	if p, off, ok := strings.Cut(line, ":"); ok && !strings.HasPrefix(line, "@") {
		n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 32)
		if err != nil || n < 0 {
			return t, fmt.Errorf("go to %q: %w", line, errTarget)
		}
		t.partition, line = int32(n), off
	}
	pos, err := actions.ParsePosition(line, now)
	if err != nil || (pos.Kind != backends.AtOffset && pos.Kind != backends.AtTime) || line == "" {
		return t, fmt.Errorf("go to %q: %w", line, errTarget)
	}
	t.pos = pos
	return t, nil
}

func (v *browser) goTo(line string) tea.Cmd {
	var partition int32
	if e, ok := v.selected(); ok {
		partition = e.msg.Partition
	}
	t, err := parseTarget(line, partition, time.Now())
	if err != nil {
		return common.Flash(common.FlashError, sanitize.Line(err.Error()))
	}
	if i, held := v.findHeld(t); held {
		if i < 0 {
			return common.Flash(common.FlashWarn, "that is held, but the filter hides it (esc clears the filter)")
		}
		v.table.SetCursor(i)
		return nil
	}
	var partitions []int32
	if t.pos.Kind == backends.AtOffset && v.dest.Kind == backends.Topic {
		partitions = []int32{t.partition}
	}
	v.restart(t.pos, strings.TrimSpace(line), partitions)
	return v.proceed()
}

// findHeld finds the first shown message at or after t, if t lies within what is held. It returns -1 with
// held true when t is held but the filter hides everything from there on.
func (v *browser) findHeld(t target) (int, bool) {
	inRange := false
	var lo, hi int64 = -1, -1
	var first, last time.Time
	for i := range v.ring.Len() {
		m := &v.ring.At(i).msg
		if t.pos.Kind == backends.AtTime {
			if first.IsZero() || m.Timestamp.Before(first) {
				first = m.Timestamp
			}
			last = maxTime(last, m.Timestamp)
			continue
		}
		if m.Partition == t.partition {
			if lo < 0 || m.Offset < lo {
				lo = m.Offset
			}
			hi = max(hi, m.Offset)
		}
	}
	if t.pos.Kind == backends.AtTime {
		inRange = !first.IsZero() && !t.pos.Time.Before(first) && !t.pos.Time.After(last)
	} else {
		inRange = lo >= 0 && t.pos.Offset >= lo && t.pos.Offset <= hi
	}
	if !inRange {
		return 0, false
	}
	for i, seq := range v.visible {
		m := &v.at(seq).msg
		switch {
		case t.pos.Kind == backends.AtTime && !m.Timestamp.Before(t.pos.Time),
			t.pos.Kind == backends.AtOffset && m.Partition == t.partition && m.Offset >= t.pos.Offset:
			return i, true
		}
	}
	return -1, true
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
