package backendtest

import (
	"context"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/backends"
)

// bare is a backend with no capability at all.
type bare struct{}

func (bare) Identity(context.Context) (backends.Identity, error) { return backends.Identity{}, nil }
func (bare) Close() error                                        { return nil }

type purging struct{ bare }

func (purging) Purge(context.Context, string) (int64, error) { return 0, nil }

// A case runs where the backend has its capability; a capability it lacks must be declared with a reason,
// and a declared one it has after all is an error: nothing is skipped silently.
func TestDecide(t *testing.T) {
	purge := cases[indexOf(Purge)]
	declared := map[Case]string{Purge: "no ready messages"}
	for _, tc := range []struct {
		name         string
		b            backends.Backend
		notSupported map[Case]string
		run          bool
		errWith      string
	}{
		{"capable and undeclared runs", purging{}, nil, true, ""},
		{"lacking and undeclared fails", bare{}, nil, false, "lacks the capability"},
		{"lacking and declared is not run", bare{}, declared, false, ""},
		{"capable but declared fails", purging{}, declared, false, "it must pass"},
	} {
		run, err := decide(purge, tc.b, tc.notSupported)
		if run != tc.run || (err == nil) != (tc.errWith == "") || err != nil && !strings.Contains(err.Error(), tc.errWith) {
			t.Errorf("%s: run %v, err %v; want run %v, an error with %q", tc.name, run, err, tc.run, tc.errWith)
		}
	}
	if run, err := decide(cases[indexOf(Unroutable)], bare{}, nil); !run || err != nil {
		t.Errorf("an undeclared promise: run %v, %v; want it run", run, err)
	}
}

func TestDeclarationErrors(t *testing.T) {
	errs := declarationErrors(map[Case]string{"Nonsense": "x", "Peek": "lazy", Lag: " ", Purge: "no ready messages"})
	if len(errs) != 3 {
		t.Fatalf("errors %v: want one each for an unknown case, a promise every adapter makes, and no reason", errs)
	}
}
