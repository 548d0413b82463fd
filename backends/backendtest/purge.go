package backendtest

import (
	"testing"

	"github.com/mqscope/mqscope/backends"
)

// testPurge: a purge removes every ready message and says how many; purging an empty queue removes none.
func testPurge(t *testing.T, h Harness) {
	p := h.Open(t).(backends.Purger)
	name := unique(t, "purge")
	h.Fixture.CreateDestination(t, name, 1)
	const n = 7
	h.Fixture.Put(t, name, n)
	if got := len(h.Fixture.Read(t, name)); got != h.held(n) {
		t.Fatalf("the fixture put %d messages on %s but reads %d", n, name, got)
	}
	removed, err := p.Purge(ctx(t), name)
	if err != nil {
		t.Fatalf("Purge: %v", err)
	}
	if removed != int64(h.held(n)) {
		t.Errorf("Purge reported %d removed, want %d", removed, h.held(n))
	}
	if left := h.Fixture.Read(t, name); len(left) != 0 {
		t.Errorf("%s holds %d messages after a purge", name, len(left))
	}
	if removed, err := p.Purge(ctx(t), name); err != nil || removed != 0 {
		t.Errorf("purging an empty queue: %d, %v; want 0, nil", removed, err)
	}
}

// testTruncate: a truncation removes exactly the records before the given offset of each partition it
// names, and nothing of the partitions it does not name.
func testTruncate(t *testing.T, h Harness) {
	tr := h.Open(t).(backends.Truncator)
	name := unique(t, "truncate")
	h.Fixture.CreateDestination(t, name, 2)
	h.Fixture.Put(t, name, 12)
	before := h.Fixture.Read(t, name)
	cut := map[int32]int64{0: 2}
	var want []string
	for _, m := range before {
		if at, ok := cut[m.Partition]; !ok || m.Offset >= at {
			want = append(want, string(m.Body))
		}
	}
	if len(want) != len(before)-2 {
		t.Fatalf("the fixture put %d records, %d of them before offset 2 of partition 0; want 2 there",
			len(before), len(before)-len(want))
	}
	if err := tr.Truncate(ctx(t), name, cut); err != nil {
		t.Fatalf("Truncate(%v): %v", cut, err)
	}
	checkBodies(t, h.Fixture.Read(t, name), want, name+" after truncation")
}
