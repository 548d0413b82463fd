package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/cli"
	"github.com/mqscope/mqscope/internal/testkit/rabbitfix"
)

// exportLines writes n records in the export format, one per line, with bodies "line 1" ... "line n".
func exportLines(n int) []string {
	lines := make([]string, n)
	for i := range lines {
		lines[i] = string(actions.AppendRecord(nil, backends.Message{Body: fmt.Appendf(nil, "line %d", i+1)}))
	}
	return lines
}

// publishFrom runs `publish --from-file` with stdin as given, and returns the run.
func publishFrom(t *testing.T, stdin io.Reader, args ...string) result {
	t.Helper()
	return publishFromUntil(t, context.Background(), stdin, args...)
}

func publishFromUntil(t *testing.T, ctx context.Context, stdin io.Reader, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	d := deps(&stdout, &stderr)
	d.Stdin = stdin
	code := cli.Execute(ctx, append([]string{"--config", emptyConfig(t)}, args...), d)
	return result{code, stdout.String(), stderr.String()}
}

// cancelAtEOF is a pipe that ends the run just as its last line has been read.
type cancelAtEOF struct {
	io.Reader
	cancel func()
}

func (r cancelAtEOF) Read(p []byte) (int, error) {
	n, err := r.Reader.Read(p)
	if err == io.EOF {
		r.cancel()
	}
	return n, err
}

// A publish from a pipe stopped early says from which line to send on: every record before it was
// confirmed, so a resume from there loses nothing (the 200 in flight may arrive twice, and it says so).
func TestPublishFromAPipeInterruptedSaysWhereToResume(t *testing.T) {
	t.Parallel()
	rabbit := rabbitfix.New(t)
	rabbit.Declare(t, "in", nil)
	lines := exportLines(700)
	lines = append(lines[:250], append([]string{""}, lines[250:]...)...) // a blank line 251 counts as a line
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pipe := cancelAtEOF{io.MultiReader(strings.NewReader(strings.Join(lines, "\n") + "\n")), cancel}
	r := publishFromUntil(t, ctx, pipe, "--rabbitmq", rabbit.URL, "publish", "in", "--from-file", "-", "-o", "json")
	want := "mqscope: interrupted after 500 messages confirmed; every record before line 502 was confirmed: send " +
		"the rest with tail -n +502 (the 200 not confirmed, from line 502 on, may have arrived already)\n"
	if report := jsonLines(t, r.stdout); r.code != cli.ExitError || r.stderr != want || len(report) != 1 ||
		report[0]["sent"] != 500.0 || report[0]["failed"] != 200.0 {
		t.Errorf("exit %d, stdout %q, stderr\n got %q\nwant %q", r.code, r.stdout, r.stderr, want)
	}
	if n := rabbit.Ready(t, "in"); n < 500 || n > 700 {
		t.Errorf("the queue holds %d, want the 500 confirmed and at most the 200 in flight", n)
	}
}

// A file with a broken line 701 sends nothing and names the line and column; the same lines through a
// pipe (which cannot be read twice) send lines 1–700 and say exactly that, so a resume loses nothing.
func TestPublishFromFileWithABrokenLine(t *testing.T) {
	t.Parallel()
	rabbit := rabbitfix.New(t)
	url := rabbit.URL
	rabbit.Declare(t, "in", nil)
	lines := exportLines(800)
	lines[700] = `{"value": "line 701", "headers": [}`
	path := filepath.Join(t.TempDir(), "dump.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	msg := oneLine(t, mqscope(t, "--rabbitmq", url, "publish", "in", "--from-file", path), cli.ExitError)
	want := "mqscope: " + path + " line 701, column 35: not a message record: invalid character '}' looking for " +
		"beginning of value; nothing was sent"
	if msg != want {
		t.Errorf("file:\n got %s\nwant %s", msg, want)
	}
	if n := rabbit.Ready(t, "in"); n != 0 {
		t.Errorf("a file with a broken line sent %d messages, want none", n)
	}

	// io.MultiReader hides the Seek of the strings.Reader: a pipe.
	pipe := io.MultiReader(strings.NewReader(strings.Join(lines, "\n") + "\n"))
	r := publishFrom(t, pipe, "--rabbitmq", url, "publish", "in", "--from-file", "-", "-o", "json")
	want = "mqscope: stdin line 701, column 35: not a message record: invalid character '}' looking for beginning " +
		"of value; lines 1 to 700 were sent (see the report), nothing from line 701 on: fix it and send the rest " +
		"with tail -n +701\n"
	if report := jsonLines(t, r.stdout); r.code != cli.ExitError || r.stderr != want || len(report) != 1 ||
		report[0]["sent"] != 700.0 || report[0]["failed"] != 0.0 {
		t.Errorf("pipe: exit %d, stdout %q, stderr\n got %q\nwant %q", r.code, r.stdout, r.stderr, want)
	}
	if n := rabbit.Ready(t, "in"); n != 700 {
		t.Errorf("a pipe with a broken line 701 sent %d messages, want 700", n)
	}
}

// Unbounded input ends in one line, at once, not in "out of memory": a file with no line break, a body
// with no end.
func TestPublishUnboundedInputIsCapped(t *testing.T) {
	t.Parallel()
	rabbit := rabbitfix.New(t)
	url := rabbit.URL
	rabbit.Declare(t, "in", nil)
	msg := oneLine(t, mqscope(t, "--rabbitmq", url, "publish", "in", "--from-file", "/dev/zero"), cli.ExitError)
	if want := "mqscope: /dev/zero line 1: longer than 48 MiB, the most a record may take; nothing was sent"; msg != want {
		t.Errorf("--from-file /dev/zero:\n got %s\nwant %s", msg, want)
	}
	msg = oneLine(t, mqscope(t, "--rabbitmq", url, "publish", "in", "--body", "@/dev/zero"), cli.ExitUsage)
	if want := "mqscope: --body @/dev/zero: larger than 32 MiB, the most one message body may take (see mqscope publish --help)"; msg != want {
		t.Errorf("--body @/dev/zero:\n got %s\nwant %s", msg, want)
	}
	if n := rabbit.Ready(t, "in"); n != 0 {
		t.Errorf("%d messages sent, want none", n)
	}
}
