package e2e

import (
	"strings"
	"testing"

	"github.com/mqscope/mqscope/cli"
	"github.com/mqscope/mqscope/internal/testkit/rabbitfix"
)

// Without the management API, a command that lists fails with the reason and the fix in one line: the
// warning that says the same (it was printed first, then the error) is not printed again. A command that
// works without the API still gets the warning, once.
func TestManagementAPIDownIsSaidOnce(t *testing.T) {
	t.Parallel()
	rabbit := rabbitfix.New(t)
	queue := rabbitfix.Unique("api-down")
	rabbit.Declare(t, queue, nil)
	rabbit.PutBodies(t, queue, "one")
	api := "http://" + closedPort(t)
	reason := "management API at " + api + " unreachable"

	msg := oneLine(t, mqscope(t, "--rabbitmq", rabbit.URL, "--rabbitmq-api", api, "ls"), cli.ExitError)
	if !strings.Contains(msg, reason) || !strings.Contains(msg, "rabbitmq-plugins enable rabbitmq_management") {
		t.Errorf("ls: %s\nwant the reason and the fix", msg)
	}

	r := mqscope(t, "--rabbitmq", rabbit.URL, "--rabbitmq-api", api, "peek", queue)
	if r.code != cli.ExitOK || strings.Count(r.stderr, reason) != 1 || !strings.Contains(r.stderr, "mqscope: warning: "+reason) {
		t.Errorf("peek: exit %d, stderr %q; want it to work and to warn once", r.code, r.stderr)
	}
}
