package screens

// The helpers several screens share: how rates, ages, cuts and failures read on screen.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/table"
)

// formatRate writes a per-second rate; nil (the broker reported none) is a dash.
func formatRate(r *float64) string {
	if r == nil {
		return "–"
	}
	return strconv.FormatFloat(*r, 'f', 1, 64) + "/s"
}

// zeroMuted greys out zeros, so that the numbers that matter stand out.
func zeroMuted(n int64) table.Tone {
	if n == 0 {
		return table.Muted
	}
	return table.Normal
}

// alarm colours a count of bad things: zero is quiet, anything else is tone.
func alarm(n int, tone table.Tone) table.Tone {
	if n == 0 {
		return table.Muted
	}
	return tone
}

func cmpRate(a, b *float64) int {
	x, y := -1.0, -1.0 // no rate sorts below a rate of zero
	if a != nil {
		x = *a
	}
	if b != nil {
		y = *b
	}
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func formatAge(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Second:
		return "<1s"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%dd%02dh", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
}

// padLines makes s exactly n lines, so that what follows starts at the same place every time.
func padLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	for len(lines) < n {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

func plural(n int64) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// flashFailure says what could not be done and why, on the flash line.
func flashFailure(what string, err error) tea.Cmd {
	if err == nil {
		return common.Flash(common.FlashError, what+": the broker gave nothing back")
	}
	return common.Flash(common.FlashError, what+": "+common.ErrorLine(err))
}

// cancelledOrFailed says how work ended that did not finish: cancelled, stopped by the broker, or never
// started.
func cancelledOrFailed(err error, cancelled bool) string {
	switch {
	case cancelled || errors.Is(err, context.Canceled):
		return "cancelled"
	case err != nil:
		return "stopped: " + common.ErrorLine(err)
	}
	return ""
}
