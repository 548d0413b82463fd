package actions

import (
	"errors"
	"strings"
	"testing"
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
