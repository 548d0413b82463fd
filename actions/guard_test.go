package actions

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/logging"
)

func TestGuard(t *testing.T) {
	if err := (Guard{}).Allow("publish"); err != nil {
		t.Fatalf("writable guard refused: %v", err)
	}
	err := Guard{ReadOnly: true, Context: "prod"}.Allow("purge")
	if !errors.Is(err, ErrReadOnly) || !strings.Contains(err.Error(), `purge refused: context "prod" is read-only`) {
		t.Fatalf("read-only guard: %v", err)
	}
}

// Every mutation asked for, refused or done leaves an audit line: who, what, where.
func TestGuardAudits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	c, err := logging.Open(path, slog.LevelInfo)
	if err != nil {
		t.Fatal(err)
	}
	g := Guard{Context: "prod-audit"}
	g.Allow("purge", "queue", "orders.dlq")
	g.Done("purge", nil, "queue", "orders.dlq", "removed", 3)
	g.Done("purge", errors.New("broker said no"), "queue", "orders.dlq")
	Guard{ReadOnly: true, Context: "prod-audit"}.Allow("publish", "target", "orders")
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
