package e2e

import (
	"strings"
	"testing"

	"github.com/mqscope/mqscope/cli"
	"github.com/mqscope/mqscope/internal/testkit/rabbitfix"
)

// A RabbitMQ purge says what would go and exits 2 without --yes, is refused in read-only mode, and with
// --yes removes the ready messages and says how many.
func TestPurgeARabbitMQQueue(t *testing.T) {
	t.Parallel()
	rabbit := rabbitfix.New(t)
	url, queue := rabbit.URL, "purge-me"
	rabbit.Declare(t, queue, nil)
	rabbit.PutJSON(t, queue, 5)
	// The preview's UNACKED is the management API's sample: wait until it has one.
	backlogOf(t, url, queue, func(q map[string]any) bool { return q["ready"] == 5.0 && q["unacked"] != nil })

	r := mqscope(t, "--rabbitmq", url, "purge", queue)
	if r.code != cli.ExitUsage || squeeze(r.stdout) != "QUEUE READY UNACKED REMOVES\npurge-me 5 0 5\n" ||
		r.stderr != "mqscope: would remove 5 ready messages from purge-me; add --yes to purge\n" {
		t.Errorf("without --yes: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = mqscope(t, "--rabbitmq", url, "--read-only", "purge", queue, "--yes")
	if msg := oneLine(t, r, cli.ExitError); !strings.HasPrefix(msg, "mqscope: purge refused: context") {
		t.Errorf("read-only: %s", msg)
	}
	if n := rabbit.Ready(t, queue); n != 5 {
		t.Errorf("%d messages after refusals, want 5", n)
	}
	if r := mqscope(t, "--rabbitmq", url, "purge", queue, "--before", "3", "--yes"); r.code != cli.ExitUsage {
		t.Errorf("--before on a queue: exit %d, %s", r.code, r.stderr)
	}

	r = mqscope(t, "--rabbitmq", url, "purge", queue, "--yes", "-o", "json")
	if lines := jsonLines(t, r.stdout); r.code != 0 || len(lines) != 1 || lines[0]["removed"] != 5.0 {
		t.Errorf("purge --yes: exit %d, %s %s", r.code, r.stdout, r.stderr)
	}
	if n := rabbit.Ready(t, queue); n != 0 {
		t.Errorf("%d messages after the purge", n)
	}
	if msg := oneLine(t, mqscope(t, "--rabbitmq", url, "purge", "no-such-queue"), cli.ExitError); !strings.Contains(msg, "no queue named no-such-queue") {
		t.Errorf("unknown queue: %s", msg)
	}
}

// The preview counts the ready messages exactly, at once: right after they arrived (or after a broker
// restart) the management API's figures are missing or behind, and "would remove 0" of a queue holding
// 500 was a lie.
func TestPurgePreviewCountsExactly(t *testing.T) {
	t.Parallel()
	rabbit := rabbitfix.New(t)
	queue := "fresh"
	rabbit.Declare(t, queue, nil)
	rabbit.PutJSON(t, queue, 500)
	r := mqscope(t, "--rabbitmq", rabbit.URL, "purge", queue, "-o", "json")
	if lines := jsonLines(t, r.stdout); r.code != cli.ExitUsage || len(lines) != 1 || lines[0]["ready"] != 500.0 ||
		r.stderr != "mqscope: would remove 500 ready messages from fresh; add --yes to purge\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// Right after a queue filled up the management API may have no figures for it yet (as after a restart):
// ls and lag say null (unknown) or the truth, never an unmarked 0. The API may also hold a sample taken
// between the declare and the publish (the queue emits one when it starts): that 0 is a real, older
// figure, and the line must say its counts are "sampled" (seen under load: ready 0 of 500).
func TestFiguresNotYetKnownAreNotZero(t *testing.T) {
	t.Parallel()
	rabbit := rabbitfix.New(t)
	queue := "fresh"
	rabbit.Declare(t, queue, nil)
	rabbit.PutJSON(t, queue, 500)
	for _, args := range [][]string{{"ls"}, {"lag"}} {
		r := mqscope(t, append([]string{"--rabbitmq", rabbit.URL, "-o", "json"}, args...)...)
		q, ok := byName(jsonLines(t, r.stdout), map[string]string{"ls": "name", "lag": "queue"}[args[0]])[queue]
		if r.code != 0 || !ok {
			t.Fatalf("%s: exit %d, %s %s", args[0], r.code, r.stdout, r.stderr)
		}
		if ready := q["ready"]; ready != nil && ready != 500.0 && (ready != 0.0 || q["counts"] != "sampled") {
			t.Errorf("%s: ready %v (counts %v) of a queue holding 500: want 500, null (unknown), or a sample "+
				"from before the publish marked sampled", args[0], ready, q["counts"])
		}
	}
}
