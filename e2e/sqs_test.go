package e2e

import (
	"strings"
	"testing"

	"github.com/mqscope/mqscope/internal/testkit/sqsfix"
)

// sqsEnv gives the AWS SDK's credential chain something to sign with (the emulator takes any) and keeps
// it off the machine's own files and instance metadata.
func sqsEnv(t *testing.T) *sqsfix.Server {
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	return sqsfix.New(t)
}

// TestSQSDeadLettersRoundTrip, on the goaws emulator: ls shows the redrive policy and the DLQ's source,
// peeks say their cost and dead-letter nothing, purge's preview tells SQS's rules, redrive brings every
// letter home, and a second purge within the minute is refused in one line.
func TestSQSDeadLettersRoundTrip(t *testing.T) {
	s := sqsEnv(t)
	dlq, src := sqsfix.Unique("e2e-dlq"), sqsfix.Unique("e2e-src")
	s.Queue(t, dlq, nil)
	url := s.WithDLQ(t, src, dlq, 2)
	for _, b := range []string{"a", "b", "c"} {
		s.Send(t, url, b, "", "", nil)
	}
	s.Fail(t, url)
	s.Send(t, url, "fresh", "", "", nil)

	r := mqscope(t, "--sqs", s.URL, "ls", "-o", "json")
	if r.code != 0 {
		t.Fatalf("ls: exit %d: %s", r.code, r.stderr)
	}
	rows := byName(jsonLines(t, r.stdout), "name")
	q := rows[src]["sqs"].(map[string]any)
	if rd := q["redrive"].(map[string]any); rd["dead_letter_queue"] != dlq || rd["max_receive_count"] != 2.0 || q["visible"] != 1.0 {
		t.Errorf("%s listed as %v", src, q)
	}
	if d := rows[dlq]["sqs"].(map[string]any); d["visible"] != 3.0 || len(d["dead_letter_sources"].([]any)) != 1 {
		t.Errorf("%s listed as %v", dlq, d)
	}

	for range 5 {
		r = mqscope(t, "--sqs", s.URL, "peek", src)
		if r.code != 0 || !strings.Contains(r.stdout, "fresh") || !strings.Contains(r.stderr, "raises its receive count") {
			t.Fatalf("peek: exit %d: %s %s", r.code, r.stdout, r.stderr)
		}
	}
	if n := len(s.Messages(t, dlq)); n != 3 {
		t.Fatalf("after five peeks the DLQ holds %d, want the 3 letters", n)
	}

	r = mqscope(t, "--sqs", s.URL, "purge", src)
	if r.code != 2 || !strings.Contains(r.stderr, "in-flight and delayed") || !strings.Contains(r.stderr, "60 seconds") {
		t.Errorf("purge preview: exit %d: %s", r.code, r.stderr)
	}

	r = mqscope(t, "--sqs", s.URL, "redrive", dlq, "--rate", "100", "--dry-run")
	if r.code != 0 || !strings.Contains(r.stderr, "the broker's own move task would move what "+dlq+" holds when it starts, "+
		"each back to the source queue it came from, at most 100 a second") {
		t.Fatalf("redrive --dry-run: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	r = mqscope(t, "--sqs", s.URL, "redrive", dlq, "--rate", "100")
	if r.code != 0 || !strings.Contains(r.stderr, "moved 3 letters of "+dlq+" by the broker's own move task") {
		t.Fatalf("redrive: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	if n := len(s.Messages(t, src)); n != 4 || len(s.Messages(t, dlq)) != 0 {
		t.Fatalf("after the redrive %s holds %d (want 4), %s %d", src, n, dlq, len(s.Messages(t, dlq)))
	}

	if r = mqscope(t, "--sqs", s.URL, "purge", src, "--yes"); r.code != 0 {
		t.Fatalf("purge: exit %d: %s", r.code, r.stderr)
	}
	s.Send(t, url, "late", "", "", nil)
	r = mqscope(t, "--sqs", s.URL, "purge", src, "--yes")
	if r.code != 1 || !strings.Contains(r.stderr, "less than 60 seconds ago") || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
		t.Errorf("a second purge within the minute: exit %d: %q", r.code, r.stderr)
	}
}

// TestSQSRedriveWithoutMoveTasks: on a server without message move tasks (the emulator's second endpoint,
// which answers as goaws does), the dry run and the redrive say in one line that mqscope moves the letters
// itself, and it does.
func TestSQSRedriveWithoutMoveTasks(t *testing.T) {
	sqsEnv(t)
	s := sqsfix.New(t, sqsfix.WithoutMoveTasks)
	dlq, src := sqsfix.Unique("e2e-dlq"), sqsfix.Unique("e2e-src")
	s.Queue(t, dlq, nil)
	url := s.WithDLQ(t, src, dlq, 2)
	for _, b := range []string{"a", "b", "c"} {
		s.Send(t, url, b, "", "", nil)
	}
	s.Fail(t, url)
	r := mqscope(t, "--sqs", s.URL, "redrive", dlq, "--dry-run")
	if r.code != 0 || !strings.Contains(r.stderr, "mqscope would move the letters itself (client-side): not supported") {
		t.Fatalf("redrive --dry-run: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	r = mqscope(t, "--sqs", s.URL, "redrive", dlq, "-o", "json")
	if line := jsonLines(t, r.stdout); len(line) != 1 || line[0]["way"] != "client-side" || line[0]["moved"] != 3.0 {
		t.Fatalf("redrive -o json: %s", r.stdout)
	}
	if r.code != 0 || !strings.Contains(r.stderr, "warning: moving client-side: not supported by this broker: the server offers "+
		"no SQS message move tasks (it answered HTTP 400 \"Bad Request\")\n") {
		t.Fatalf("redrive: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	if n := len(s.Messages(t, src)); n != 3 || len(s.Messages(t, dlq)) != 0 {
		t.Fatalf("after the redrive %s holds %d (want 3), %s %d", src, n, dlq, len(s.Messages(t, dlq)))
	}
}

// TestSQSPublishFIFO: a FIFO queue needs --group, said in one line; with it the group and the
// deduplication id (a template) arrive.
func TestSQSPublishFIFO(t *testing.T) {
	s := sqsEnv(t)
	q := sqsfix.Unique("e2e-ledger") + ".fifo"
	s.Queue(t, q, nil)
	r := mqscope(t, "--sqs", s.URL, "publish", q, "--body", "x")
	if r.code != 1 || !strings.Contains(r.stderr, "give the message a group id (--group)") {
		t.Errorf("publish without --group: exit %d: %s", r.code, r.stderr)
	}
	r = mqscope(t, "--sqs", s.URL, "publish", q, "--group", "acct-1", "--dedup-id", "d-{{seq}}", "--count", "3", "--body", "e{{seq}}")
	if r.code != 0 {
		t.Fatalf("publish: exit %d: %s", r.code, r.stderr)
	}
	msgs := s.Messages(t, q)
	if len(msgs) != 3 || msgs[2].Group != "acct-1" || msgs[2].Dedup != "d-3" || msgs[2].Body != "e3" {
		t.Fatalf("the queue holds %+v", msgs)
	}
}

// TestSQSTUI: the TUI on an SQS connection lists queues with SQS's own columns, and browsing one first
// says what a peek costs and waits for y before it reads.
func TestSQSTUI(t *testing.T) {
	s := sqsEnv(t)
	dlq, src := sqsfix.Unique("tui-dlq"), sqsfix.Unique("tui-src")
	s.Queue(t, dlq, nil)
	url := s.WithDLQ(t, src, dlq, 3)
	s.Send(t, url, "hello from sqs", "", "", nil)
	term := startInTerminal(t, 200, 30, "--sqs", s.URL)
	term.waitFor(t, "the queues with SQS's columns", func(sc string) bool {
		return strings.Contains(sc, src) && strings.Contains(sc, "VISIBLE") && strings.Contains(sc, "REDRIVE")
	})
	term.press(t, "/"+src+"\r")
	term.waitFor(t, "the filtered list", func(sc string) bool { return !strings.Contains(sc, dlq+" ") })
	term.press(t, "\r")
	term.waitFor(t, "the cost of a peek", func(sc string) bool {
		return strings.Contains(sc, "is not free") && strings.Contains(sc, "maxReceiveCount: 3")
	})
	if got := s.Messages(t, src); got[0].Receives != 0 {
		t.Fatalf("the message was received before y: %+v", got)
	}
	term.press(t, "y")
	term.waitFor(t, "the message", func(sc string) bool { return strings.Contains(sc, "hello from sqs") })
	term.press(t, "\x1b\x1bq")
}

// TestSQSCreateAndDeleteQueue: create queue makes SQS queues through the admin gate — FIFO, with a
// redrive policy to an existing DLQ of its type, with attributes — refuses in one line what SQS would
// refuse or cannot do, and delete queue removes one (--if-empty checked on SQS's counts first).
func TestSQSCreateAndDeleteQueue(t *testing.T) {
	s := sqsEnv(t)
	dlq, q := sqsfix.Unique("e2e-made-dlq")+".fifo", sqsfix.Unique("e2e-made")+".fifo"
	t.Cleanup(func() {
		mqscope(t, "--sqs", s.URL, "delete", "queue", q, "--yes")
		mqscope(t, "--sqs", s.URL, "delete", "queue", dlq, "--yes")
	})
	if r := mqscope(t, "--sqs", s.URL, "create", "queue", dlq); r.code != 0 || !strings.Contains(r.stdout, "fifo") {
		t.Fatalf("create %s: exit %d: %s %s", dlq, r.code, r.stdout, r.stderr)
	}
	r := mqscope(t, "--sqs", s.URL, "create", "queue", q, "--dlq", dlq, "--max-receives", "3", "--attr", "VisibilityTimeout=45")
	if r.code != 0 {
		t.Fatalf("create %s: exit %d: %s %s", q, r.code, r.stdout, r.stderr)
	}
	r = mqscope(t, "--sqs", s.URL, "ls", q, dlq, "-o", "json")
	rows := byName(jsonLines(t, r.stdout), "name")
	made := rows[q]["sqs"].(map[string]any)
	if rd, ok := made["redrive"].(map[string]any); !ok || rd["dead_letter_queue"] != dlq || rd["max_receive_count"] != 3.0 ||
		rows[q]["type"] != "fifo" || len(rows[dlq]["sqs"].(map[string]any)["dead_letter_sources"].([]any)) != 1 {
		t.Fatalf("listed as %v", rows)
	}
	for args, want := range map[string]string{
		"create queue " + q: "already exists",
		"create queue plain --dlq " + dlq + " --max-receives 3": "is FIFO while plain is not",
		"create queue odd --fifo":                               "must end in .fifo",
		"create queue odd --type quorum":                        "RabbitMQ's",
		"delete queue " + q + " --yes --if-unused":              "cannot tell whether anything consumes",
	} {
		r := mqscope(t, append([]string{"--sqs", s.URL}, strings.Fields(args)...)...)
		if r.code == 0 || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 || !strings.Contains(r.stderr, want) {
			t.Errorf("%s: exit %d: %q, want one line with %q", args, r.code, r.stderr, want)
		}
	}
	s.Send(t, s.URLOf(t, q), "kept", "g", "1", nil)
	if r := mqscope(t, "--sqs", s.URL, "delete", "queue", q, "--yes", "--if-empty"); r.code == 0 || !strings.Contains(r.stderr, "holds ~1") {
		t.Fatalf("delete --if-empty of a queue holding one: exit %d: %s", r.code, r.stderr)
	}
	if r := mqscope(t, "--sqs", s.URL, "delete", "queue", q, "--yes"); r.code != 0 {
		t.Fatalf("delete: exit %d: %s", r.code, r.stderr)
	}
	if r := mqscope(t, "--sqs", s.URL, "ls", q); r.code == 0 {
		t.Fatalf("%s still listed after its deletion: %s", q, r.stdout)
	}
}

// TestSQSTUICreateAndRedrivePlan: C on SQS opens SQS's own queue form (FIFO, redrive policy, attributes)
// and creates the queue as asked; D on a DLQ plans the redrive and says SQS's move task would do it.
func TestSQSTUICreateAndRedrivePlan(t *testing.T) {
	s := sqsEnv(t)
	dlq, src, made := sqsfix.Unique("tui-dlq"), sqsfix.Unique("tui-src"), sqsfix.Unique("tui-made")
	s.Queue(t, dlq, nil)
	url := s.WithDLQ(t, src, dlq, 2)
	s.Send(t, url, "back home", "", "", nil)
	s.Fail(t, url)
	t.Cleanup(func() { mqscope(t, "--sqs", s.URL, "delete", "queue", made, "--yes") })
	term := startInTerminal(t, 200, 30, "--sqs", s.URL)
	term.waitFor(t, "the queues", func(sc string) bool { return strings.Contains(sc, src) })
	term.press(t, "C")
	term.waitFor(t, "SQS's queue form", func(sc string) bool {
		return strings.Contains(sc, "New SQS queue") && strings.Contains(sc, "max receives")
	})
	term.press(t, made+"\t\t"+dlq+"\t4\tVisibilityTimeout=45\x13")
	term.waitFor(t, "the queue created and listed", func(sc string) bool {
		return strings.Contains(sc, made) && !strings.Contains(sc, "New SQS queue")
	})
	r := mqscope(t, "--sqs", s.URL, "ls", made, "-o", "json")
	q := byName(jsonLines(t, r.stdout), "name")[made]["sqs"].(map[string]any)
	if rd, ok := q["redrive"].(map[string]any); !ok || rd["dead_letter_queue"] != dlq || rd["max_receive_count"] != 4.0 {
		t.Fatalf("%s listed as %v", made, q)
	}

	term.press(t, "/"+dlq+"\r")
	term.waitFor(t, "the filtered list", func(sc string) bool { return !strings.Contains(sc, src+" ") })
	term.press(t, "D")
	term.waitFor(t, "the cost of reading", func(sc string) bool { return strings.Contains(sc, "is not free") })
	term.press(t, "y")
	term.waitFor(t, "the plan naming the move task", func(sc string) bool {
		return strings.Contains(sc, "the broker's own move task would move") && strings.Contains(sc, src)
	})
	term.press(t, "\x1b\x1bq")
}
