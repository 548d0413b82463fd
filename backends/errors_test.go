package backends

import (
	"errors"
	"fmt"
	"testing"
)

func TestNotFoundReadsAsItsMessageAndIsErrNotFound(t *testing.T) {
	err := NotFound("topic %q has no partition %d (it has %d, numbered from 0)", "orders", 9, 3)
	if want := `topic "orders" has no partition 9 (it has 3, numbered from 0)`; err.Error() != want {
		t.Errorf("message %q, want %q", err.Error(), want)
	}
	if !errors.Is(err, ErrNotFound) {
		t.Error("errors.Is(err, ErrNotFound) = false")
	}
	if wrapped := fmt.Errorf("peek orders: %w", err); !errors.Is(wrapped, ErrNotFound) {
		t.Error("wrapped once more, it no longer matches ErrNotFound")
	}
	if errors.Is(err, ErrNotSupported) {
		t.Error("it matches ErrNotSupported too")
	}
}
