package chart

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestResampleKeepsSpikes(t *testing.T) {
	values := []int64{1, 2, 3, 90, 5, 6, 7, 8}
	if got := Resample(values, 4); !slices.Equal(got, []int64{2, 90, 6, 8}) {
		t.Fatalf("each point is its stretch's max: %v", got)
	}
	if got := Resample(values, 20); !slices.Equal(got, values) {
		t.Fatalf("fewer values than points are kept as they are: %v", got)
	}
	if got := Resample(values, 0); got != nil {
		t.Fatalf("no room, no points: %v", got)
	}
}

func TestSparkline(t *testing.T) {
	cases := []struct {
		values []int64
		width  int
		want   string
	}{
		{[]int64{0, 1, 2, 3, 4, 5, 6, 7}, 8, "▁▂▃▄▅▆▇█"},
		{[]int64{0, 0, 0}, 3, "▁▁▁"},                        // caught up: the baseline, not nothing
		{[]int64{1000, 1000, 1000}, 3, "▄▄▄"},               // behind and standing still: flat, not at the top
		{[]int64{5900, 5908, 5916, 5924, 5932}, 5, "▁▃▅▆█"}, // behind and falling further behind: it rises
		{[]int64{5, 10}, 5, "   ▁█"},                        // newest at the right, blank before the data
		{nil, 4, "    "},                                    // no data yet
		{[]int64{9, 0, 0, 0, 0, 9}, 3, "█▁█"},               // resampled by max
		{[]int64{3}, 0, ""},
	}
	for _, c := range cases {
		if got := Sparkline(c.values, c.width); got != c.want {
			t.Errorf("Sparkline(%v, %d) = %q, want %q", c.values, c.width, got, c.want)
		}
	}
}

// Flat lag never looks like growing lag: the two lines differ, and the span says what the cells stand for.
func TestFlatAndGrowingLagLookDifferent(t *testing.T) {
	flat, growing := []int64{5932, 5932, 5932, 5932}, []int64{5900, 5911, 5922, 5932}
	if Sparkline(flat, 4) == Sparkline(growing, 4) {
		t.Errorf("flat and growing lag both draw %q", Sparkline(flat, 4))
	}
	format := func(n int64) string { return strconv.FormatInt(n, 10) }
	if got := Span(flat, 4, format); got != "5932" {
		t.Errorf("span of flat lag %q", got)
	}
	if got := Span(growing, 4, format); got != "5900–5932" {
		t.Errorf("span of growing lag %q", got)
	}
	if got := Span(nil, 4, format); got != "" {
		t.Errorf("span of nothing %q", got)
	}
}

func TestSparklineWidthIsBounded(t *testing.T) {
	values := make([]int64, 150)
	for i := range values {
		values[i] = int64(i)
	}
	for _, w := range []int{1, 16, 149, 150, 300} {
		if got := utf8.RuneCountInString(Sparkline(values, w)); got != w {
			t.Errorf("width %d: %d cells", w, got)
		}
	}
}

func TestBars(t *testing.T) {
	got := Bars([]int64{0, 1, 8, 16, 12}, 6, 2)
	want := []string{
		"    █▄",
		"  ▁███",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Bars:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The largest value fills every row; nothing is taller than the height asked for.
	tall := Bars([]int64{100, 50}, 2, 4)
	if len(tall) != 4 || !strings.HasPrefix(tall[0], "█") || strings.HasPrefix(tall[0], "██") {
		t.Fatalf("tallest fills the height, half fills half:\n%s", strings.Join(tall, "\n"))
	}
	if tall[2] != "██" || tall[1] != "█ " {
		t.Fatalf("half of four rows is two rows:\n%s", strings.Join(tall, "\n"))
	}
	for _, line := range Bars(make([]int64, 300), 40, 3) {
		if line != strings.Repeat(" ", 40) {
			t.Fatalf("all zeros draw nothing, in exactly the width: %q", line)
		}
	}
	if Bars([]int64{1}, 0, 3) != nil || Bars([]int64{1}, 3, 0) != nil {
		t.Fatal("no room draws nothing")
	}
}
