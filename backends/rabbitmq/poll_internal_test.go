package rabbitmq

import (
	"testing"
	"time"
)

// TestNextPoll: the counts are read often only while a part starts and as it ends, and only for a
// moment each: counts that never add up (another client consuming from the source) are read at the
// coarse pace, not every few milliseconds for as long as the part lasts.
func TestNextPoll(t *testing.T) {
	now := time.Now()
	// A part of 10,000 of 100,000 letters, the first, moving for a second.
	s := &shovelMove{srcStart: 100_000, started: 10_000}
	at := func(part shovelPart, src int) time.Duration {
		p := part
		s.part, s.lastSrc = &p, src
		return s.nextPoll()
	}
	starting := shovelPart{letters: 10_000, began: now}
	if d := at(starting, 100_000); d != pollFine {
		t.Errorf("a part just begun: %v, want %v", d, pollFine)
	}
	if d := at(shovelPart{letters: 10_000, began: now.Add(-time.Second)}, 100_000); d != pollCoarse {
		t.Errorf("a part that has not moved for a second: %v, want %v", d, pollCoarse)
	}
	moving := shovelPart{letters: 10_000, began: now.Add(-time.Second), moving: now.Add(-time.Second)}
	if d := at(moving, 99_000); d != pollCoarse { // 1,000 a second, 9,000 left
		t.Errorf("a part with 9 s to go: %v, want %v", d, pollCoarse)
	}
	if d := at(moving, 90_010); d != pollFine { // 10 letters left
		t.Errorf("a part about to end: %v, want %v", d, pollFine)
	}
	over := moving
	over.due = now
	if d := at(over, 89_000); d != pollFine {
		t.Errorf("a part whose counts just said it is over: %v, want %v", d, pollFine)
	}
	over.due = now.Add(-time.Second)
	if d := at(over, 89_000); d != pollCoarse {
		t.Errorf("a part whose counts have said so for a second without it ending: %v, want %v", d, pollCoarse)
	}
}
