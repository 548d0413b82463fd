package actions

import (
	"testing"
	"time"

	"github.com/mqscope/mqscope/backends"
)

func TestParsePosition(t *testing.T) {
	now := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	cases := map[string]backends.Position{
		"":                      {Kind: backends.Earliest},
		"earliest":              {Kind: backends.Earliest},
		"latest":                {Kind: backends.Latest},
		"42":                    {Kind: backends.AtOffset, Offset: 42},
		"-20":                   {Kind: backends.LastN, N: 20},
		"@2026-11-26T02:00:00Z": {Kind: backends.AtTime, Time: now.Add(-time.Hour)},
		"@-15m":                 {Kind: backends.AtTime, Time: now.Add(-15 * time.Minute)},
	}
	for in, want := range cases {
		got, err := ParsePosition(in, now)
		if err != nil || got.Kind != want.Kind || got.Offset != want.Offset || got.N != want.N || !got.Time.Equal(want.Time) {
			t.Errorf("ParsePosition(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"soon", "-0", "-x", "@yesterday", "@-0s", "-5m"} {
		if _, err := ParsePosition(bad, now); err == nil {
			t.Errorf("ParsePosition(%q) accepted", bad)
		}
	}
}

func TestRingKeepsNewest(t *testing.T) {
	r := NewRing[int](3)
	for i := 1; i <= 7; i++ {
		r.Push(i)
	}
	if r.Len() != 3 || r.Dropped() != 4 || r.Total != 7 {
		t.Fatalf("Len=%d Dropped=%d Total=%d", r.Len(), r.Dropped(), r.Total)
	}
	for i, want := range []int{5, 6, 7} {
		if got := r.At(i); got != want {
			t.Errorf("At(%d) = %d, want %d", i, got, want)
		}
	}
}
