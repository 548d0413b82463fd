package actions

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/logging"
)

// purger is a backend that can purge and nothing else; lost, when set, is why it cannot list now.
type purger struct{ lost error }

func (purger) Identity(context.Context) (backends.Identity, error) { return backends.Identity{}, nil }
func (purger) Close() error                                        { return nil }
func (purger) Purge(context.Context, string) (int64, error)        { return 7, nil }
func (p purger) Lost(c backends.Capability) error {
	if c == backends.Listing {
		return p.lost
	}
	return nil
}

func TestZeroSessionRefuses(t *testing.T) {
	for name, s := range map[string]*Session{"nil": nil, "zero": {}} {
		for v := range verbs {
			if err := s.Can(v); !errors.Is(err, ErrNotConnected) {
				t.Errorf("%s session: Can(%s) = %v", name, v, err)
			}
		}
		if _, err := s.Purge(t.Context(), "orders"); !errors.Is(err, ErrNotConnected) {
			t.Errorf("%s session purged: %v", name, err)
		}
	}
}

func TestSessionCan(t *testing.T) {
	s := NewSession(purger{}, config.Context{Name: "dev"})
	if err := s.Can(VerbPurge); err != nil {
		t.Errorf("purge on a purger: %v", err)
	}
	err := s.Can(VerbPublish)
	var refused *RefusedError
	if !errors.Is(err, backends.ErrNotSupported) || !errors.As(err, &refused) || refused.Verb != VerbPublish ||
		err.Error() != "publish refused: this broker cannot publish messages" {
		t.Errorf("publish on a purger: %v", err)
	}
	if _, err := s.Purge(t.Context(), "orders"); err != nil {
		t.Errorf("purge: %v", err)
	}

	ro := NewSession(purger{}, config.Context{Name: "prod", ReadOnly: true})
	err = ro.Can(VerbPurge)
	if !errors.Is(err, ErrReadOnly) || err.Error() != `purge refused: context "prod" is read-only` {
		t.Errorf("read-only purge: %v", err)
	}
	if err := ro.Can(VerbPeek); !errors.Is(err, backends.ErrNotSupported) {
		t.Errorf("reading is not refused for read-only, only for what the broker lacks: %v", err)
	}

	degraded := NewSession(purger{lost: errors.New("management API down")}, config.Context{Name: "dev"})
	err = degraded.Can(VerbPurge)
	var d *DegradedError
	if !errors.As(err, &d) || d.Lacks != backends.Listing ||
		err.Error() != "purge refused: this connection cannot list destinations right now: management API down" {
		t.Errorf("purge without a listing: %v", err)
	}
	if !degraded.Supports(VerbPurge) {
		t.Error("a degraded connection still has the capability")
	}
}

// Every mutation asked for, refused or done leaves an audit line: who, what, where.
func TestSessionAudits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	c, err := logging.Open(path, slog.LevelInfo)
	if err != nil {
		t.Fatal(err)
	}
	s := NewSession(purger{}, config.Context{Name: "prod-audit"})
	s.begin(VerbPurge, "queue", "orders.dlq")
	s.done(VerbPurge, nil, "queue", "orders.dlq", "removed", 3)
	s.done(VerbPurge, errors.New("broker said no"), "queue", "orders.dlq")
	NewSession(purger{}, config.Context{Name: "prod-audit", ReadOnly: true}).begin(VerbPublish, "target", "orders")
	c.Close()
	data, _ := os.ReadFile(path)
	user := who()
	for _, want := range []string{
		`level=INFO msg="mutation starting" action=purge context=prod-audit user=` + user + ` queue=orders.dlq`,
		`level=INFO msg="mutation done" action=purge context=prod-audit user=` + user + ` queue=orders.dlq removed=3`,
		`level=ERROR msg="mutation failed" action=purge context=prod-audit user=` + user + ` queue=orders.dlq error="broker said no"`,
		`level=WARN msg="mutation refused: read-only" action=publish context=prod-audit user=` + user + ` target=orders`,
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("audit log lacks\n%s\nin\n%s", want, data)
		}
	}
	if !strings.Contains(user, "@") {
		t.Errorf("who = %q", user)
	}
}

func TestCheckReadOnlyBeforeConnecting(t *testing.T) {
	err := CheckReadOnly(config.Context{Name: "prod", ReadOnly: true}, VerbRedrive)
	if !errors.Is(err, ErrReadOnly) || err.Error() != `redrive refused: context "prod" is read-only` {
		t.Errorf("read-only redrive: %v", err)
	}
	if err := CheckReadOnly(config.Context{Name: "prod", ReadOnly: true}, VerbPeek); err != nil {
		t.Errorf("a read refused: %v", err)
	}
	if err := CheckReadOnly(config.Context{Name: "dev"}, VerbRedrive); err != nil {
		t.Errorf("a writable context refused: %v", err)
	}
}
