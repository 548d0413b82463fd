package actions

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mqscope/mqscope/backends"
)

// ParsePosition reads the --from syntax both front ends share: earliest, latest, an offset, -N for the
// last N of each partition, or @TIME with an RFC 3339 time (or @-DURATION for that long ago).
func ParsePosition(s string, now time.Time) (backends.Position, error) {
	switch s = strings.TrimSpace(s); {
	case s == "" || s == "earliest" || s == "beginning" || s == "first":
		return backends.Position{Kind: backends.Earliest}, nil
	case s == "latest" || s == "end" || s == "last":
		return backends.Position{Kind: backends.Latest}, nil
	case strings.HasPrefix(s, "@-"):
		d, err := time.ParseDuration(s[2:])
		if err != nil || d <= 0 {
			return backends.Position{}, fmt.Errorf("position %q: want @-DURATION such as @-15m", s)
		}
		return backends.Position{Kind: backends.AtTime, Time: now.Add(-d)}, nil
	case strings.HasPrefix(s, "@"):
		t, err := time.Parse(time.RFC3339Nano, s[1:])
		if err != nil {
			return backends.Position{}, fmt.Errorf("position %q: want @RFC3339 such as @2026-11-26T03:00:00Z", s)
		}
		return backends.Position{Kind: backends.AtTime, Time: t}, nil
	case strings.HasPrefix(s, "-"):
		n, err := strconv.Atoi(s[1:])
		if err != nil || n <= 0 {
			return backends.Position{}, fmt.Errorf("position %q: want -N, the last N messages, such as -20", s)
		}
		return backends.Position{Kind: backends.LastN, N: n}, nil
	}
	off, err := strconv.ParseInt(s, 10, 64)
	if err != nil || off < 0 {
		return backends.Position{}, fmt.Errorf("position %q: want earliest, latest, an offset, -N or @TIME", s)
	}
	return backends.Position{Kind: backends.AtOffset, Offset: off}, nil
}

// PeekEffects says what reading dest does to it; a backend whose reads are free says nothing.
func PeekEffects(ctx context.Context, b backends.Backend, dest string) (backends.PeekEffects, error) {
	a, ok := b.(backends.PeekAdvisor)
	if !ok {
		return backends.PeekEffects{}, nil
	}
	eff, err := a.PeekEffects(ctx, dest)
	if err != nil {
		return eff, fmt.Errorf("read %s: %w", dest, err)
	}
	return eff, nil
}

// Peek reads without consuming, or says plainly that this backend cannot.
func Peek(ctx context.Context, b backends.Backend, req backends.PeekRequest, emit func(backends.Message) error) error {
	p, ok := b.(backends.Peeker)
	if !ok {
		return fmt.Errorf("this broker cannot peek messages: %w", backends.ErrNotSupported)
	}
	if err := p.Peek(ctx, req, emit); err != nil {
		// "read", not "peek": replay, redrive and lag read through here too, and "peek orders-dlq: ..."
		// answered a redrive.
		return fmt.Errorf("read %s: %w", req.Destination, err)
	}
	return nil
}
