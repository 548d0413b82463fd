// Package testenv reads the variables that point mqscope's tests at their brokers. ./scripts/test.sh sets
// them all; a test run without one is skipped with a line that says what to set it to.
package testenv

import (
	"os"
	"testing"
)

// URL is the value of the variable name, the URL of a test broker. Without it the test is skipped, saying
// what the variable should name (want: "a Redis 7 URL") and giving an example URL.
func URL(t testing.TB, name, want, example string) string {
	t.Helper()
	u := os.Getenv(name)
	if u == "" {
		t.Skip("SKIPPED: " + name + " is not set. Set it to " + want + ", e.g. " + name + "=" + example +
			" (./scripts/test.sh sets it)")
	}
	return u
}
