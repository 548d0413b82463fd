package backendtest

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/backends"
)

// testPublish: every message the broker confirmed is there exactly once, with its body and headers, and a
// message for a destination that does not exist is an error of its own, not a silent loss.
func testPublish(t *testing.T, h Harness) {
	p := h.Open(t).(backends.Publisher)
	name := unique(t, "publish")
	h.Fixture.CreateDestination(t, name, 2)
	const n = 6
	msgs := make([]backends.Outgoing, n)
	want := make([]string, n)
	for i := range msgs {
		want[i] = fmt.Sprintf("published %d", i)
		msgs[i] = backends.Outgoing{Target: backends.Target{Destination: name, Retain: h.LastValue}, Message: backends.Message{
			Key: fmt.Appendf(nil, "key-%d", i), Body: []byte(want[i]),
			Headers: []backends.Header{{Key: "conformance", Value: []byte("yes")}},
		}}
	}
	errs, err := p.Publish(ctx(t), msgs)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if len(errs) != n {
		t.Fatalf("Publish returned %d errors for %d messages", len(errs), n)
	}
	for i, e := range errs {
		if e != nil {
			t.Errorf("message %d: %v", i, e)
		}
	}
	got := h.Fixture.Read(t, name)
	checkBodies(t, got, h.heldBodies(want), name)
	for _, m := range got {
		if hd, ok := m.HeaderValue("conformance"); !ok || string(hd.Value) != "yes" {
			t.Errorf("%q arrived with headers %+v, want conformance: yes", m.Body, m.Headers)
		}
	}

	if h.Partitioned {
		testPublishPinned(t, h, p, name)
	}

	if h.LastValue {
		return // any topic name takes a message: there is no destination that does not exist
	}
	missing := unique(t, "nowhere")
	errs, err = p.Publish(ctx(t), []backends.Outgoing{{Target: backends.Target{Destination: missing},
		Message: backends.Message{Body: []byte("lost?")}}})
	if err != nil {
		t.Fatalf("Publish to a destination that does not exist failed as a batch: %v; want an error for the message", err)
	}
	if len(errs) != 1 || errs[0] == nil {
		t.Fatalf("Publish to %s, which does not exist, reported %v; want an error", missing, errs)
	}
	if msg := errs[0].Error(); strings.Contains(msg, "\n") {
		t.Errorf("error %q is not one line", msg)
	}
}

// testPublishPinned: a message whose target pins a partition lands there.
func testPublishPinned(t *testing.T, h Harness, p backends.Publisher, name string) {
	t.Helper()
	one := int32(1)
	errs, err := p.Publish(ctx(t), []backends.Outgoing{{Target: backends.Target{Destination: name, Partition: &one},
		Message: backends.Message{Key: []byte("any key"), Body: []byte("pinned")}}})
	if err != nil || len(errs) != 1 || errs[0] != nil {
		t.Fatalf("Publish to partition 1: %v, %v", errs, err)
	}
	var landed []int32
	for _, m := range h.Fixture.Read(t, name) {
		if string(m.Body) == "pinned" {
			landed = append(landed, m.Partition)
		}
	}
	if !slices.Equal(landed, []int32{one}) {
		t.Errorf("a message pinned to partition 1 landed on partitions %v", landed)
	}
}

// testUnroutable: where the broker routes, a confirmed message that no queue took is ErrUnroutable,
// never counted as delivered.
func testUnroutable(t *testing.T, h Harness) {
	p, ok := h.Open(t).(backends.Publisher)
	if !ok {
		t.Fatal("the broker routes messages, so the backend must publish")
	}
	errs, err := p.Publish(ctx(t), []backends.Outgoing{{Target: backends.Target{Destination: unique(t, "unbound")},
		Message: backends.Message{Body: []byte("nobody takes this")}}})
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if len(errs) != 1 || !errors.Is(errs[0], backends.ErrUnroutable) {
		t.Fatalf("Publish of a message no queue takes returned %v; want ErrUnroutable", errs)
	}
}

// checkBodies fails unless got holds each wanted body exactly once and nothing else.
func checkBodies(t *testing.T, got []backends.Message, want []string, where string) {
	t.Helper()
	seen := make(map[string]int, len(got))
	for _, m := range got {
		seen[string(m.Body)]++
	}
	for _, w := range want {
		if seen[w] != 1 {
			t.Errorf("%s holds %q %d times, want once", where, w, seen[w])
		}
		delete(seen, w)
	}
	if len(seen) > 0 {
		t.Errorf("%s holds what it should not: %q", where, slices.Sorted(maps.Keys(seen)))
	}
}
