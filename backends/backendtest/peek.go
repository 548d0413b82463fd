package backendtest

import (
	"errors"
	"slices"
	"testing"

	"github.com/mqscope/mqscope/backends"
)

// testPeek holds the first promise for reads: a peek returns what is there, a second peek returns the
// same in the same order, and the destination still holds every message afterwards.
func testPeek(t *testing.T, h Harness) {
	b := h.Open(t)
	p, ok := b.(backends.Peeker)
	if !ok {
		t.Fatalf("%s cannot peek: every adapter must", h.Kind)
	}
	name := unique(t, "peek")
	const n = 12
	h.Fixture.CreateDestination(t, name, 3)
	h.Fixture.Put(t, name, n)
	want := h.heldBodies(Bodies(n))

	first := peekBodies(t, p, backends.PeekRequest{Destination: name, From: backends.Position{Kind: backends.Earliest}})
	if got := slices.Sorted(slices.Values(first)); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
		t.Fatalf("peek returned %q, want the %d messages held there", first, len(want))
	}
	again := peekBodies(t, p, backends.PeekRequest{Destination: name, From: backends.Position{Kind: backends.Earliest}})
	if !slices.Equal(again, first) {
		t.Fatalf("second peek %q differs from the first %q", again, first)
	}
	limited := peekBodies(t, p, backends.PeekRequest{Destination: name, Limit: 5,
		From: backends.Position{Kind: backends.Earliest}})
	if len(limited) != min(5, len(want)) {
		t.Fatalf("peek with Limit 5 returned %d messages", len(limited))
	}
	checkBodies(t, h.Fixture.Read(t, name), want, name+" after three peeks")

	stop := errors.New("enough")
	calls := 0
	err := p.Peek(ctx(t), backends.PeekRequest{Destination: name, From: backends.Position{Kind: backends.Earliest}},
		func(backends.Message) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("emit's error: Peek returned %v after %d calls, want it back after 1", err, calls)
	}
	checkBodies(t, h.Fixture.Read(t, name), want, name+" after a peek stopped by emit")
}

func peekBodies(t *testing.T, p backends.Peeker, req backends.PeekRequest) []string {
	t.Helper()
	var bodies []string
	err := p.Peek(ctx(t), req, func(m backends.Message) error {
		bodies = append(bodies, string(m.Body))
		return nil
	})
	if err != nil {
		t.Fatalf("Peek(%+v): %v", req, err)
	}
	return bodies
}

// testPeekAdvice: what an advisor says a peek does is what a peek does. Where reading marks messages
// redelivered, a consumer afterwards sees them so, and the user is told in a notice.
func testPeekAdvice(t *testing.T, h Harness) {
	b := h.Open(t)
	a := b.(backends.PeekAdvisor)
	p, ok := b.(backends.Peeker)
	if !ok {
		t.Fatal("the backend advises on peeks but cannot peek")
	}
	name := unique(t, "advised")
	h.Fixture.CreateDestination(t, name, 1)
	const n = 4
	h.Fixture.Put(t, name, n)
	fx, err := a.PeekEffects(ctx(t), name)
	if err != nil {
		t.Fatalf("PeekEffects: %v", err)
	}
	costly := fx.MarksRedelivered || fx.CountsDeliveries
	if costly == (fx.Notice == "") {
		t.Errorf("PeekEffects = %+v: a notice is due exactly where reading is not free", fx)
	}
	if got := peekBodies(t, p, backends.PeekRequest{Destination: name, From: backends.Position{Kind: backends.Earliest}}); len(got) != n {
		t.Fatalf("peek returned %d of %d messages", len(got), n)
	}
	after := h.Fixture.Read(t, name)
	if len(after) != n {
		t.Fatalf("%s holds %d messages after a peek, want %d", name, len(after), n)
	}
	for _, m := range after {
		if m.Redelivered != fx.MarksRedelivered {
			t.Errorf("after a peek %q reads redelivered=%v, but PeekEffects said MarksRedelivered=%v",
				m.Body, m.Redelivered, fx.MarksRedelivered)
		}
	}
}
