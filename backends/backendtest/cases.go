package backendtest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/backends"
)

// Case names one conformance case, as Harness.NotSupported names it.
type Case string

// The cases a harness may name as not supported. The rest (identity, listing, unreachable, peek) are
// promises every adapter makes.
const (
	Groups     Case = "Groups"     // backends.GroupLister
	Publish    Case = "Publish"    // backends.Publisher
	Unroutable Case = "Unroutable" // a broker with routing reports a message no queue takes as ErrUnroutable
	Move       Case = "Move"       // backends.Mover
	Purge      Case = "Purge"      // backends.Purger
	Truncate   Case = "Truncate"   // backends.Truncator
	Lag        Case = "Lag"        // backends.LagReader
	Reset      Case = "Reset"      // backends.OffsetResetter
	PeekAdvice Case = "PeekAdvice" // backends.PeekAdvisor
	// CreateDelete: backends.DestinationCreator and backends.DestinationDeleter.
	CreateDelete Case = "CreateDelete"
	GroupDelete  Case = "GroupDelete" // backends.GroupDeleter
	// InternalHidden: a broker with destinations of its own hides them unless asked; one with none (Redis)
	// names the case.
	InternalHidden Case = "InternalHidden"
)

type testCase struct {
	name Case
	// has reports whether a backend claims the capability the case tests; nil where the case tests a
	// promise rather than an interface.
	has func(backends.Backend) bool
	// optional cases may be named in Harness.NotSupported.
	optional bool
	run      func(*testing.T, Harness)
}

func capability[C any](b backends.Backend) bool {
	_, ok := b.(C)
	return ok
}

var cases = []testCase{
	{name: "Identity", run: testIdentity},
	{name: "ListDestinations", run: testListDestinations},
	{name: "ListingChangesNothing", run: testListingChangesNothing},
	{name: "ManyDestinations", run: testManyDestinations},
	{name: InternalHidden, optional: true, run: testInternalHidden},
	{name: "Unreachable", run: testUnreachable},
	{name: "Peek", run: testPeek},
	{name: PeekAdvice, has: capability[backends.PeekAdvisor], optional: true, run: testPeekAdvice},
	{name: Groups, has: capability[backends.GroupLister], optional: true, run: testGroups},
	{name: Publish, has: capability[backends.Publisher], optional: true, run: testPublish},
	{name: Unroutable, optional: true, run: testUnroutable},
	{name: Move, has: capability[backends.Mover], optional: true, run: testMove},
	{name: Purge, has: capability[backends.Purger], optional: true, run: testPurge},
	{name: Truncate, has: capability[backends.Truncator], optional: true, run: testTruncate},
	{name: Lag, has: capability[backends.LagReader], optional: true, run: testLag},
	{name: Reset, has: capability[backends.OffsetResetter], optional: true, run: testReset},
	{name: CreateDelete, has: func(b backends.Backend) bool {
		return capability[backends.DestinationCreator](b) && capability[backends.DestinationDeleter](b)
	}, optional: true, run: testCreateDelete},
	{name: GroupDelete, has: capability[backends.GroupDeleter], optional: true, run: testGroupDelete},
}

// checkDeclaration fails a harness that names a case it may not, or gives no reason.
func checkDeclaration(t *testing.T, h Harness) {
	t.Helper()
	for _, err := range declarationErrors(h.NotSupported) {
		t.Error(err)
	}
}

func declarationErrors(notSupported map[Case]string) []error {
	var errs []error
	for name, reason := range notSupported {
		i := indexOf(name)
		switch {
		case i < 0:
			errs = append(errs, fmt.Errorf("Harness.NotSupported names %q, which is no conformance case", name))
		case !cases[i].optional:
			errs = append(errs, fmt.Errorf("Harness.NotSupported names %q, a promise every adapter makes", name))
		case strings.TrimSpace(reason) == "" || strings.Contains(reason, "\n"):
			errs = append(errs, fmt.Errorf("Harness.NotSupported[%q] must say why, on one line", name))
		}
	}
	return errs
}

func indexOf(name Case) int {
	for i, c := range cases {
		if c.name == name {
			return i
		}
	}
	return -1
}

// runCase runs c unless the harness names it as not supported.
func runCase(t *testing.T, h Harness, c testCase) {
	run, err := decide(c, h.Open(t), h.NotSupported)
	switch {
	case err != nil:
		t.Fatal(err)
	case !run:
		t.Logf("not supported by %s: %s", h.Kind, h.NotSupported[c.name])
	default:
		c.run(t, h)
	}
}

// decide holds capability and declaration to each other: a backend that claims a capability must pass
// its case, and one that lacks it must say why.
func decide(c testCase, b backends.Backend, notSupported map[Case]string) (run bool, err error) {
	reason, declared := notSupported[c.name]
	has := c.has == nil || c.has(b)
	switch {
	case declared && c.has != nil && has:
		return false, fmt.Errorf("%s is declared not supported (%s), but the backend implements it: it must pass",
			c.name, reason)
	case declared:
		return false, nil
	case !has:
		return false, fmt.Errorf("the backend lacks the capability %s tests: implement it, or name %q in "+
			"Harness.NotSupported with the reason", c.name, c.name)
	}
	return true, nil
}
