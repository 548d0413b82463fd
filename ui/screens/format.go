package screens

import (
	"strconv"

	"github.com/mqscope/mqscope/ui/components/table"
)

// formatInt writes n with thousands separators: 1234567 → "1,234,567".
func formatInt(n int64) string {
	s := strconv.FormatInt(n, 10)
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
