// Package backendtest is the conformance suite every adapter must pass against a real broker: it holds a
// new adapter to every promise of the contract (listing, peeking, publishing, moving, purging, truncating,
// lag, offset reset) by running one test. An adapter's test builds a Harness (how to open the backend, a
// Fixture that seeds and checks the broker with its plain client library, and the cases the broker truly
// cannot do, with the reason) and calls Run. Each case runs behind the capability it tests: a backend
// that has the interface must pass it, and one that lacks it must name the case as not supported.
package backendtest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mqscope/mqscope/backends"
)

// Fixture seeds and checks the broker by the broker's own means, with plain client libraries, never
// through the backend under test, so that the suite checks what the backend does against what is really
// there. It is the part of a new adapter's test that takes work: keep each method a few lines of the
// broker's client.
type Fixture interface {
	// CreateDestination makes an empty topic or queue. partitions is ignored where it means nothing.
	CreateDestination(t *testing.T, name string, partitions int)
	// Put writes n small messages to the destination, spread over its partitions, with the bodies
	// "message 0" … "message n-1" written in that order.
	Put(t *testing.T, name string, n int)
	// Read returns every message the destination holds now, partition by partition in order, as a
	// plain consumer sees it (Kafka: read_committed), and leaves them there. Each message carries its
	// Partition, Offset, Headers (Value as text), Body and Redelivered; other fields may stay empty.
	Read(t *testing.T, name string) []backends.Message
}

// DeadLetterFixture is implemented by fixtures of brokers whose backends move (redrive) dead letters.
type DeadLetterFixture interface {
	// PutDeadLetters makes dlq holding one dead letter per body, each saying in its headers, the way the
	// broker's own dead-lettering or its usual framework writes them, that it died in origin. It also makes
	// origin, empty, ready to take the letters back.
	PutDeadLetters(t *testing.T, dlq, origin string, bodies ...string)
}

// GroupFixture is implemented by fixtures of brokers with consumer groups.
type GroupFixture interface {
	// CommitGroup makes a group with no members that has committed offset `committed` on every partition
	// of topic.
	CommitGroup(t *testing.T, group, topic string, committed int64)
	// Committed returns the group's committed offsets on topic by partition.
	Committed(t *testing.T, group, topic string) map[int32]int64
	// Join makes a live member of group consuming topic (committing nothing) until the test ends or
	// leave is called.
	Join(t *testing.T, group, topic string) (leave func())
}

// Harness is what an adapter's test hands to Run: how to open the backend, a Fixture, and what the
// broker truly cannot do.
type Harness struct {
	Kind backends.Kind
	// Open connects a fresh backend to the broker under test.
	Open func(t *testing.T) backends.Backend
	// OpenUnreachable tries to connect to addr, where nothing listens, and returns the error.
	OpenUnreachable func(ctx context.Context, addr string) error
	Fixture         Fixture
	// Settle is how long counts may take to show up in listings (RabbitMQ's management statistics are
	// emitted every few seconds); zero means they show at once.
	Settle time.Duration
	// DestinationKind is what a destination made by the fixture lists as.
	DestinationKind backends.DestinationKind
	// Partitioned is true where destinations have partitions (Kafka).
	Partitioned bool
	// LastValue is true where a destination keeps only the last message put on it (MQTT: a topic holds
	// its retained message and nothing else), exists only while it holds one, and can be published to by
	// any name: the cases then expect what such a broker holds, and publish retained messages.
	LastValue bool
	// NotSupported names each case this broker truly cannot do, with the reason. Every other case must
	// pass, and a case named here fails if the backend has its capability after all.
	NotSupported map[Case]string
}

// Run runs every conformance test against the harness. The cases run in parallel: each works on
// destinations of its own.
func Run(t *testing.T, h Harness) {
	checkDeclaration(t, h)
	for _, c := range cases {
		t.Run(string(c.name), func(t *testing.T) {
			t.Parallel()
			runCase(t, h, c)
		})
	}
}

// held is how many of n messages put on a destination it holds.
func (h Harness) held(n int) int {
	if h.LastValue {
		return min(n, 1)
	}
	return n
}

// heldBodies is which of the bodies put on a destination, in order, it holds.
func (h Harness) heldBodies(put []string) []string {
	return put[len(put)-h.held(len(put)):]
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

var seq atomic.Int64

// unique makes names that collide neither with earlier runs against the same long-lived broker nor with
// the cases running beside it.
func unique(t *testing.T, base string) string {
	return fmt.Sprintf("mqscope-test-%s-%d-%d", base, time.Now().UnixNano()%1_000_000_000, seq.Add(1))
}

func testIdentity(t *testing.T, h Harness) {
	b := h.Open(t)
	id, err := b.Identity(ctx(t))
	if err != nil {
		t.Fatalf("Identity: %v", err)
	}
	if id.Kind != h.Kind {
		t.Errorf("Kind = %q, want %q", id.Kind, h.Kind)
	}
	if id.Version == "" {
		t.Error("Version is empty")
	}
	if id.Cluster == "" {
		t.Error("Cluster is empty")
	}
	if len(id.Nodes) == 0 {
		t.Fatal("no nodes")
	}
	for _, n := range id.Nodes {
		if n.Address == "" && n.ID == "" {
			t.Errorf("node without address or id: %+v", n)
		}
	}
}

func lister(t *testing.T, b backends.Backend) backends.DestinationLister {
	l, ok := backends.AsDestinationLister(b)
	if !ok {
		t.Fatal("backend cannot list destinations")
	}
	return l
}

// find lists until want(dests) holds or the harness's settle time is spent.
func eventually(t *testing.T, h Harness, l backends.DestinationLister, opts backends.ListOptions,
	want func([]backends.Destination) error) []backends.Destination {
	t.Helper()
	deadline := time.Now().Add(h.Settle)
	for {
		dests, err := l.ListDestinations(ctx(t), opts)
		if err != nil {
			t.Fatalf("ListDestinations: %v", err)
		}
		werr := want(dests)
		if werr == nil {
			return dests
		}
		if time.Now().After(deadline) {
			t.Fatal(werr)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func byName(dests []backends.Destination, kind backends.DestinationKind) map[string]backends.Destination {
	m := make(map[string]backends.Destination, len(dests))
	for _, d := range dests {
		if d.Kind == kind {
			m[d.Name] = d
		}
	}
	return m
}

func testListDestinations(t *testing.T, h Harness) {
	b := h.Open(t)
	names := []string{unique(t, "a"), unique(t, "b"), unique(t, "c")}
	counts := []int{0, 7, 25}
	for i, n := range names {
		h.Fixture.CreateDestination(t, n, 3)
		if counts[i] > 0 {
			h.Fixture.Put(t, n, counts[i])
		}
	}
	dests := eventually(t, h, lister(t, b), backends.ListOptions{}, func(ds []backends.Destination) error {
		m := byName(ds, h.DestinationKind)
		for i, n := range names {
			if h.held(counts[i]) == 0 && h.LastValue {
				continue // a topic that holds nothing is not there to list
			}
			d, ok := m[n]
			if !ok {
				return fmt.Errorf("%s not listed", n)
			}
			if d.Messages != int64(h.held(counts[i])) {
				return fmt.Errorf("%s: Messages = %d, want %d", n, d.Messages, h.held(counts[i]))
			}
		}
		return nil
	})
	m := byName(dests, h.DestinationKind)
	for _, n := range names {
		d, ok := m[n]
		if !ok {
			continue
		}
		if h.Partitioned && d.Partitions != 3 {
			t.Errorf("%s: Partitions = %d, want 3", n, d.Partitions)
		}
		if d.ID() == "" {
			t.Errorf("%s: empty ID", n)
		}
	}
	for i := 1; i < len(dests); i++ {
		if dests[i-1].ID() > dests[i].ID() && dests[i-1].Kind == dests[i].Kind {
			t.Fatalf("listing not sorted: %q before %q", dests[i-1].ID(), dests[i].ID())
		}
	}
}

// testListingChangesNothing holds the first promise: listing twice reports the same counts, and they are
// the counts the fixture put there.
func testListingChangesNothing(t *testing.T, h Harness) {
	b := h.Open(t)
	name := unique(t, "still")
	h.Fixture.CreateDestination(t, name, 2)
	h.Fixture.Put(t, name, 10)
	want := func(ds []backends.Destination) error {
		if d, ok := byName(ds, h.DestinationKind)[name]; !ok || d.Messages != int64(h.held(10)) {
			return fmt.Errorf("%s: listed %v with %d messages, want %d", name, ok, d.Messages, h.held(10))
		}
		return nil
	}
	eventually(t, h, lister(t, b), backends.ListOptions{}, want)
	for i := 0; i < 3; i++ {
		ds, err := lister(t, b).ListDestinations(ctx(t), backends.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := want(ds); err != nil {
			t.Fatalf("after listing %d times: %v", i+1, err)
		}
	}
}

func testManyDestinations(t *testing.T, h Harness) {
	b := h.Open(t)
	base := unique(t, "many")
	const n = 60
	for i := 0; i < n; i++ {
		h.Fixture.CreateDestination(t, fmt.Sprintf("%s-%03d", base, i), 1)
		if h.LastValue {
			h.Fixture.Put(t, fmt.Sprintf("%s-%03d", base, i), 1) // a topic is there while it holds a message
		}
	}
	eventually(t, h, lister(t, b), backends.ListOptions{}, func(ds []backends.Destination) error {
		m := byName(ds, h.DestinationKind)
		for i := 0; i < n; i++ {
			if _, ok := m[fmt.Sprintf("%s-%03d", base, i)]; !ok {
				return fmt.Errorf("%s-%03d not listed among %d destinations", base, i, len(ds))
			}
		}
		return nil
	})
}

func testInternalHidden(t *testing.T, h Harness) {
	b := h.Open(t)
	l := lister(t, b)
	own := unique(t, "visible")
	h.Fixture.CreateDestination(t, own, 1)
	if h.LastValue {
		h.Fixture.Put(t, own, 1) // a topic is there while it holds a message
	}
	hidden, err := l.ListDestinations(ctx(t), backends.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range hidden {
		if d.Internal {
			t.Errorf("internal destination %q listed without IncludeInternal", d.ID())
		}
	}
	all, err := l.ListDestinations(ctx(t), backends.ListOptions{IncludeInternal: true})
	if err != nil {
		t.Fatal(err)
	}
	// The server is shared with other tests that create and delete destinations between the two
	// listings, so the user's side is checked by a destination of this test's own, not by counts.
	internal, ownListed := 0, 0
	for _, ds := range [][]backends.Destination{hidden, all} {
		for _, d := range ds {
			if d.Name == own {
				ownListed++
			}
		}
	}
	for _, d := range all {
		if d.Internal {
			internal++
		}
	}
	if internal == 0 {
		t.Error("IncludeInternal listed no internal destination; every supported broker has some")
	}
	if ownListed != 2 {
		t.Errorf("the user's destination %q was in %d of the two listings, want both", own, ownListed)
	}
}

func testGroups(t *testing.T, h Harness) {
	gl, _ := backends.AsGroupLister(h.Open(t))
	gf := groupFixture(t, h)
	topic, group := unique(t, "grouped"), unique(t, "group")
	h.Fixture.CreateDestination(t, topic, 2)
	h.Fixture.Put(t, topic, 10)
	gf.CommitGroup(t, group, topic, 1)
	groups, err := gl.ListGroups(ctx(t))
	if err != nil {
		t.Fatalf("ListGroups: %v", err)
	}
	for _, g := range groups {
		if g.Name == group {
			if g.State != "Empty" {
				t.Errorf("group state = %q, want Empty", g.State)
			}
			if g.Members != 0 {
				t.Errorf("group members = %d, want 0", g.Members)
			}
			return
		}
	}
	t.Fatalf("group %s not listed among %d groups", group, len(groups))
}

func groupFixture(t *testing.T, h Harness) GroupFixture {
	t.Helper()
	gf, ok := h.Fixture.(GroupFixture)
	if !ok {
		t.Fatal("the backend has consumer groups, but the fixture cannot make them: implement GroupFixture")
	}
	return gf
}

func testUnreachable(t *testing.T, h Harness) {
	const addr = "127.0.0.1:1" // nothing listens on port 1
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	err := h.OpenUnreachable(c, addr)
	if err == nil {
		t.Fatal("opening an unreachable broker succeeded")
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("took %v to report an unreachable broker, want under 10s", took)
	}
	if !errors.Is(err, backends.ErrUnreachable) {
		t.Errorf("error %q does not wrap ErrUnreachable", err)
	}
	var ce *backends.ConnectError
	if !errors.As(err, &ce) || ce.Address == "" {
		t.Errorf("error %q is not a ConnectError naming the address", err)
	}
	if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, "127.0.0.1:1") {
		t.Errorf("error %q does not name the address on one line", msg)
	}
}
