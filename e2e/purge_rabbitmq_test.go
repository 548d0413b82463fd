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
	backlogOf(t, url, queue, func(q map[string]any) bool { return q["ready"] == 5.0 })

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
