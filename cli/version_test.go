package cli

import (
	"runtime/debug"
	"strings"
	"testing"
)

// Issue 11.19: --version and version work without a broker, and version names the clients' versions.
func TestVersion(t *testing.T) {
	r := execute(t, refuse, "--version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "mqscope ") || len(r.opened) != 0 {
		t.Fatalf("--version: exit %d, %q, opened %d", r.code, r.stdout, len(r.opened))
	}
	r = execute(t, refuse, "version")
	if r.code != 0 || !strings.Contains(r.stdout, "\ngo 1.") || len(r.opened) != 0 {
		t.Fatalf("version: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	// A test binary records no dependencies: the report is checked on the build info a binary has.
	info := &debug.BuildInfo{Deps: []*debug.Module{
		{Path: "github.com/IBM/sarama", Version: "v1.61.1"},
		{Path: "github.com/rabbitmq/amqp091-go", Version: "v1.16.0"},
	}}
	report := versionReport(info)
	for _, want := range []string{"mqscope ", "\ngo 1.", "\nsarama v1.61.1\n", "\namqp091-go v1.16.0\n"} {
		if !strings.Contains(report, want) {
			t.Errorf("version lacks %q:\n%s", want, report)
		}
	}
}
