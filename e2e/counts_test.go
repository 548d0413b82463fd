package e2e

import (
	"strings"
	"testing"

	"github.com/mqscope/mqscope/cli"
	"github.com/mqscope/mqscope/internal/testkit/rabbitfix"
)

// A queue named on ls's command line is counted now (a passive declare), not read from the management
// API's sample, which lags a publish by seconds: right after 4 messages land, ls and lag both say 4.
// Unnamed, a listing of a few queues is counted whole; a longer one says its counts are samples.
func TestLsAndLagOfANamedQueueCountItNow(t *testing.T) {
	t.Parallel()
	rabbit := rabbitfix.New(t)
	rabbit.Declare(t, "fresh", nil)
	rabbit.Declare(t, "other", nil)
	if r := mqscope(t, "--rabbitmq", rabbit.URL, "publish", "fresh", "--body", "x", "-c", "4"); r.code != 0 {
		t.Fatalf("publish: exit %d: %s", r.code, r.stderr)
	}
	r := mqscope(t, "--rabbitmq", rabbit.URL, "ls", "fresh", "-o", "json")
	lines := jsonLines(t, r.stdout)
	if r.code != 0 || len(lines) != 1 {
		t.Fatalf("ls fresh: exit %d, %d lines: %s", r.code, len(lines), r.stderr)
	}
	if q := lines[0]; q["name"] != "fresh" || q["ready"] != 4.0 || q["consumers"] != 0.0 || q["counts"] != "exact" {
		t.Errorf("ls fresh right after 4 published: %v; want ready 4, consumers 0, counted exactly", q)
	}
	r = mqscope(t, "--rabbitmq", rabbit.URL, "lag", "fresh", "-o", "json")
	if lines := jsonLines(t, r.stdout); r.code != 0 || len(lines) != 1 || lines[0]["ready"] != 4.0 || lines[0]["counts"] != "exact" {
		t.Errorf("lag fresh right after 4 published: exit %d, %v", r.code, lines)
	}
	// MESSAGES and UNACKED stay unknown (?) until the API first samples the queue: a passive declare gives
	// only ready and consumers.
	if r := mqscope(t, "--rabbitmq", rabbit.URL, "ls", "fresh"); r.code != 0 ||
		!strings.Contains(squeeze(r.stdout), " classic ? 4 ? 0 ") && !strings.Contains(squeeze(r.stdout), " classic 4 4 0 0 ") ||
		r.stderr != "" {
		t.Errorf("ls fresh (table): exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Unnamed, a listing of a few queues counts them all now; one of more than 20 says its counts are samples.
	r = mqscope(t, "--rabbitmq", rabbit.URL, "ls", "-o", "json")
	if q := byName(jsonLines(t, r.stdout), "name")["fresh"]; r.code != 0 || q["ready"] != 4.0 || q["counts"] != "exact" {
		t.Errorf("ls of two queues: fresh is %v, want ready 4 counted now", q)
	}
	rabbit.DeclareMany(t, "many", 21)
	if r := mqscope(t, "--rabbitmq", rabbit.URL, "ls"); r.code != 0 || !strings.Contains(r.stderr, "samples, up to 5 s old") {
		t.Errorf("ls of 23 queues does not say its counts are samples: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := mqscope(t, "--rabbitmq", rabbit.URL, "ls", "fresh", "nope"); r.code != cli.ExitError ||
		r.stderr != "mqscope: no topic, queue, stream or exchange named nope here (see `mqscope ls`)\n" {
		t.Errorf("ls of a name that is not there: exit %d, stderr %q", r.code, r.stderr)
	}
}
