package backendtest

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/mqscope/mqscope/backends"
)

// testMove holds "moving loses nothing": a redrive cancelled midway and run again puts every dead letter
// back where it died exactly once, the reports add up to what moved, and a completed move moves nothing
// more. A mover that is a MoveResumer (a log: nothing leaves it) leaves the source as it was; any other
// empties it.
func testMove(t *testing.T, h Harness) {
	b := h.Open(t)
	mv := b.(backends.Mover)
	dlq, origin := unique(t, "dlq"), unique(t, "origin")
	const n = 30
	letters := make([]string, n)
	for i := range letters {
		letters[i] = fmt.Sprintf("letter %02d", i)
	}
	h.Fixture.PutDeadLetters(t, dlq, origin, letters...)
	req := backends.MoveRequest{Source: dlq}

	c, cancel := context.WithCancel(ctx(t))
	defer cancel()
	var routed atomic.Int64
	first, err := mv.Move(c, req, func(m backends.Message) (backends.Target, error) {
		if routed.Add(1) == n/3 {
			cancel()
		}
		return toOrigin(m)
	}, func(backends.MoveProgress) {})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("a move cancelled after %d of %d letters returned %v (moved %d); want context.Canceled",
			n/3, n, err, first.Moved)
	}

	rest, err := mv.Move(ctx(t), req, toOrigin, func(backends.MoveProgress) {})
	if err != nil {
		t.Fatalf("the move run again after the cancelled one: %v", err)
	}
	if first.Moved+rest.Moved != n || rest.Kept != 0 || rest.Failed != 0 {
		t.Errorf("the runs moved %d + %d (kept %d, failed %d), want %d in all", first.Moved, rest.Moved,
			rest.Kept, rest.Failed, n)
	}
	checkBodies(t, h.Fixture.Read(t, origin), letters, origin)
	left := h.Fixture.Read(t, dlq)
	if _, log := b.(backends.MoveResumer); log {
		checkBodies(t, left, letters, dlq+" (a log keeps what moved)")
	} else if len(left) != 0 {
		t.Errorf("%s still holds %d letters after a complete move", dlq, len(left))
	}

	again, err := mv.Move(ctx(t), req, toOrigin, func(backends.MoveProgress) {})
	if err != nil || again.Moved != 0 {
		t.Errorf("a move after a complete one moved %d (%v), want nothing", again.Moved, err)
	}
	checkBodies(t, h.Fixture.Read(t, origin), letters, origin+" after a third move")
}

// toOrigin routes a dead letter back to the destination it died in.
func toOrigin(m backends.Message) (backends.Target, error) {
	if m.Origin == nil {
		return backends.Target{}, errors.New("its headers name no origin")
	}
	return backends.Target{Destination: m.Origin.Destination}, nil
}
