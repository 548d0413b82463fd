package backendtest

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/mqscope/mqscope/backends"
)

// testMove holds "moving loses nothing".
func testMove(t *testing.T, h Harness) {
	// A move is cancelled at three moments: as it takes its first letter, a third of the way through,
	// and once the broker has confirmed some (between a confirm and the source's acknowledgement).
	for name, at := range map[string]interruption{
		"CancelledAtFirst": {routed: 1}, "CancelledMidway": {routed: 10}, "CancelledAfterConfirms": {moved: 1},
	} {
		t.Run(name, func(t *testing.T) { t.Parallel(); testMoveInterrupted(t, h, at) })
	}
	t.Run("MaxAndKept", func(t *testing.T) { t.Parallel(); testMoveMaxAndKept(t, h) })
}

// interruption says when to cancel a move: once it has routed that many letters, or once its progress
// reports that many moved.
type interruption struct{ routed, moved int64 }

// testMoveInterrupted: a redrive cancelled midway and run again puts every dead letter
// back where it died exactly once, the reports add up to what moved, and a completed move moves nothing
// more. A mover that is a MoveResumer (a log: nothing leaves it) leaves the source as it was; any other
// empties it.
func testMoveInterrupted(t *testing.T, h Harness, at interruption) {
	b := h.Open(t)
	mv := b.(backends.Mover)
	dlq, origin := unique(t, "dlq"), unique(t, "origin")
	const n = 30
	letters := make([]string, n)
	for i := range letters {
		letters[i] = fmt.Sprintf("letter %02d", i)
	}
	deadLetterFixture(t, h).PutDeadLetters(t, dlq, origin, letters...)
	req := backends.MoveRequest{Source: dlq}

	c, cancel := context.WithCancel(ctx(t))
	defer cancel()
	var routed atomic.Int64
	first, err := mv.Move(c, req, func(m backends.Message) (backends.Target, error) {
		if routed.Add(1) == at.routed {
			cancel()
		}
		return toOrigin(m)
	}, func(p backends.MoveProgress) {
		if at.moved > 0 && p.Moved >= at.moved {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) && (err != nil || first.Moved != n) {
		t.Fatalf("a cancelled move returned %v having moved %d of %d; want context.Canceled, or all moved",
			err, first.Moved, n)
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

// testMoveMaxAndKept: a move takes no more than Max letters, and the next takes the rest; a letter the
// router cannot place is kept in the source and counted as kept, never lost.
func testMoveMaxAndKept(t *testing.T, h Harness) {
	b := h.Open(t)
	mv := b.(backends.Mover)
	dlq, origin := unique(t, "dlq-kept"), unique(t, "origin-kept")
	letters := []string{"placed 0", "placed 1", "placed 2", "placed 3"}
	deadLetterFixture(t, h).PutDeadLetters(t, dlq, origin, letters...)
	const strays = 2 // "message 0" and "message 1": no origin in their headers
	h.Fixture.Put(t, dlq, strays)
	noop := func(backends.MoveProgress) {}

	first, err := mv.Move(ctx(t), backends.MoveRequest{Source: dlq, Max: 2}, toOrigin, noop)
	if err != nil || first.Moved+first.Kept+first.Failed != 2 {
		t.Fatalf("a move of at most 2 letters took %d (moved %d, kept %d, failed %d), %v; want 2",
			first.Moved+first.Kept+first.Failed, first.Moved, first.Kept, first.Failed, err)
	}
	rest, err := mv.Move(ctx(t), backends.MoveRequest{Source: dlq}, toOrigin, noop)
	if err != nil {
		t.Fatalf("the second move: %v", err)
	}
	if moved, kept := first.Moved+rest.Moved, first.Kept+rest.Kept; moved != 4 || kept != strays || rest.Failed != 0 {
		t.Errorf("the runs moved %d and kept %d (failed %d), want 4 and %d", moved, kept, rest.Failed, strays)
	}
	if got := rest.PerTarget[origin] + first.PerTarget[origin]; got != 4 {
		t.Errorf("the reports count %d moved to %s (%v, %v), want 4", got, origin, first.PerTarget, rest.PerTarget)
	}
	checkBodies(t, h.Fixture.Read(t, origin), letters, origin)
	left := []string{"message 0", "message 1"}
	if _, log := b.(backends.MoveResumer); log {
		left = append(left, letters...)
	}
	checkBodies(t, h.Fixture.Read(t, dlq), left, dlq)
}

func deadLetterFixture(t *testing.T, h Harness) DeadLetterFixture {
	t.Helper()
	f, ok := h.Fixture.(DeadLetterFixture)
	if !ok {
		t.Fatal("the backend moves dead letters, but the fixture cannot make them: implement DeadLetterFixture")
	}
	return f
}

// toOrigin routes a dead letter back to the destination it died in.
func toOrigin(m backends.Message) (backends.Target, error) {
	if m.Origin == nil {
		return backends.Target{}, errors.New("its headers name no origin")
	}
	return backends.Target{Destination: m.Origin.Destination}, nil
}
