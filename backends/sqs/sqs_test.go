package sqs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	sqsb "github.com/mqscope/mqscope/backends/sqs"
	"github.com/mqscope/mqscope/internal/testkit/sqsfix"
)

func open(t *testing.T, s *sqsfix.Server) *sqsb.Backend {
	t.Helper()
	b, err := sqsb.Open(context.Background(), sqsb.Config{Endpoint: s.URL, Region: sqsfix.Region})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return b
}

// deadLetters makes a DLQ fed by two source queues with maxReceiveCount 2, and fails n messages of each
// source into it.
func deadLetters(t *testing.T, s *sqsfix.Server, n int, fifo bool) (dlq string, sources []string) {
	suffix := ""
	if fifo {
		suffix = ".fifo"
	}
	dlq = sqsfix.Unique("dlq") + suffix
	s.Queue(t, dlq, nil)
	for _, name := range []string{sqsfix.Unique("a") + suffix, sqsfix.Unique("b") + suffix} {
		url := s.WithDLQ(t, name, dlq, 2)
		for i := range n {
			group := ""
			if fifo {
				group = fmt.Sprintf("g%d", i%2)
			}
			s.Send(t, url, fmt.Sprintf("%s %d", name, i), group, fmt.Sprintf("%s-%d", name, i), map[string]string{"n": fmt.Sprint(i)})
		}
		s.Fail(t, url)
		sources = append(sources, name)
	}
	if got := len(s.Messages(t, dlq)); got != 2*n {
		t.Fatalf("the DLQ holds %d letters, want %d", got, 2*n)
	}
	return dlq, sources
}

// TestListShowsRedrive: ls gives each source's redrive policy and the DLQ's two sources, with
// approximate counts.
func TestListShowsRedrive(t *testing.T) {
	s := sqsfix.New(t)
	credentials(t)
	b := open(t, s)
	dlq, sources := deadLetters(t, s, 3, false)
	dests, err := b.ListDestinations(context.Background(), backends.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]backends.Destination{}
	for _, d := range dests {
		byName[d.Name] = d
	}
	d := byName[dlq]
	if d.Ready != 6 || d.Unacked != 0 || d.Delayed != 0 || !d.Approximate || fmt.Sprint(d.DeadLetterSources) != fmt.Sprint(sources) {
		t.Fatalf("dlq listed as %+v", d)
	}
	for _, src := range sources {
		if r := byName[src].Redrive; r == nil || r.DeadLetterQueue != dlq || r.MaxReceiveCount != 2 {
			t.Fatalf("%s's redrive policy: %+v", src, r)
		}
	}
}

// TestPeekTenTimesSendsNothingToTheDLQ: a queue with maxReceiveCount 2, peeked ten times, keeps every
// message and its DLQ stays empty; the notice says what a peek costs.
func TestPeekTenTimesSendsNothingToTheDLQ(t *testing.T) {
	s := sqsfix.New(t)
	credentials(t)
	b := open(t, s)
	dlq := sqsfix.Unique("dlq")
	s.Queue(t, dlq, nil)
	name := sqsfix.Unique("src")
	url := s.WithDLQ(t, name, dlq, 2)
	for i := range 5 {
		s.Send(t, url, fmt.Sprint("m", i), "", "", nil)
	}
	eff, err := b.PeekEffects(context.Background(), name)
	if err != nil || !eff.CountsDeliveries || eff.DeliveryLimit != 2 || eff.Notice == "" {
		t.Fatalf("effects %+v %v", eff, err)
	}
	for round := range 10 {
		var seen int
		err := b.Peek(context.Background(), backends.PeekRequest{Destination: name}, func(m backends.Message) error {
			seen++
			return nil
		})
		if err != nil || seen != 5 {
			t.Fatalf("peek %d: saw %d, %v", round, seen, err)
		}
	}
	if got := s.Messages(t, dlq); len(got) != 0 {
		t.Fatalf("the DLQ got %d messages from peeks", len(got))
	}
	msgs := s.Messages(t, name)
	if len(msgs) != 5 {
		t.Fatalf("the queue holds %d, want 5", len(msgs))
	}
	for _, m := range msgs {
		if m.InFlight || m.Receives >= 2 {
			t.Fatalf("a message left at %d receives (in flight %v)", m.Receives, m.InFlight)
		}
	}
}

func redrive(t *testing.T, ctx context.Context, b *sqsb.Backend, dlq string, max int) (backends.MoveReport, error) {
	t.Helper()
	r, _, err := actions.NewDeadLetterRouter(context.Background(), b, dlq, actions.RedriveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return b.Move(ctx, backends.MoveRequest{Source: dlq, Max: max}, r.Route, func(backends.MoveProgress) {})
}

// TestRedriveToOwnSources: letters of two sources go back each to its own, with their attributes, and
// leave the DLQ.
func TestRedriveToOwnSources(t *testing.T) {
	s := sqsfix.New(t)
	credentials(t)
	b := open(t, s)
	dlq, sources := deadLetters(t, s, 4, false)
	rep, err := redrive(t, context.Background(), b, dlq, 0)
	if err != nil || rep.Moved != 8 || rep.Kept+rep.Failed+rep.InDoubt != 0 {
		t.Fatalf("redrive: %+v %v", rep, err)
	}
	for _, src := range sources {
		msgs := s.Messages(t, src)
		if len(msgs) != 4 || rep.PerTarget[src] != 4 {
			t.Fatalf("%s got %d back", src, len(msgs))
		}
		for _, m := range msgs {
			if m.Body[:len(src)] != src || m.Attributes["n"] == "" {
				t.Fatalf("%s got %+v", src, m)
			}
		}
	}
	if n := len(s.Messages(t, dlq)); n != 0 {
		t.Fatalf("the DLQ still holds %d", n)
	}
}

// TestRedriveFIFOKeepsOrderAndGroups: a FIFO DLQ's letters go back in order within each group.
func TestRedriveFIFOKeepsOrderAndGroups(t *testing.T) {
	s := sqsfix.New(t)
	credentials(t)
	b := open(t, s)
	dlq, sources := deadLetters(t, s, 6, true)
	rep, err := redrive(t, context.Background(), b, dlq, 0)
	if err != nil || rep.Moved != 12 {
		t.Fatalf("redrive: %+v %v", rep, err)
	}
	groupOrderKept(t, s, sources, 6)
}

// TestRedriveCancelledAndRerun: a redrive cancelled half way, then run again, moves every letter exactly
// once.
func TestRedriveCancelledAndRerun(t *testing.T) {
	s := sqsfix.New(t)
	credentials(t)
	b := open(t, s)
	dlq, sources := deadLetters(t, s, 15, false)
	ctx, cancel := context.WithCancel(context.Background())
	r, _, _ := actions.NewDeadLetterRouter(context.Background(), b, dlq, actions.RedriveOptions{})
	first, err := b.Move(ctx, backends.MoveRequest{Source: dlq}, r.Route, func(p backends.MoveProgress) {
		if p.Moved >= 10 {
			cancel()
		}
	})
	if err == nil || first.Moved == 0 || first.Moved >= 30 || first.InDoubt != 0 {
		t.Fatalf("first run: %+v %v", first, err)
	}
	second, err := redrive(t, context.Background(), b, dlq, 0)
	if err != nil || first.Moved+second.Moved != 30 {
		t.Fatalf("second run: %+v %v (first moved %d)", second, err, first.Moved)
	}
	total := 0
	for _, src := range sources {
		total += len(s.Messages(t, src))
	}
	if total != 30 || len(s.Messages(t, dlq)) != 0 {
		t.Fatalf("%d letters back in the sources (want 30), %d left in the DLQ", total, len(s.Messages(t, dlq)))
	}
}

// TestNoCredentials: without credentials anywhere in the chain, opening fails in one line that says so
// and what to do, as an authentication error.
func TestNoCredentials(t *testing.T) {
	s := sqsfix.New(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	_, err := sqsb.Open(context.Background(), sqsb.Config{Endpoint: s.URL})
	if !errors.Is(err, backends.ErrAuth) || strings.Contains(err.Error(), "\n") ||
		!strings.Contains(err.Error(), "check the credentials") {
		t.Fatalf("open without credentials: %v", err)
	}
}

// TestNoCredentialsPrintsNothing: the credential chain asking an instance metadata service that refuses
// IMDSv2 tokens (as the one on a developer's cloud machine does) made the AWS SDK print its own line,
// "SDK 2026/... WARN falling back to IMDSv1: ...", on stderr before mqscope's one-line error. Its log goes
// to mqscope's log instead.
func TestNoCredentialsPrintsNothing(t *testing.T) {
	s := sqsfix.New(t)
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut { // the IMDSv2 token: refused, so the SDK warns and falls back
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		http.NotFound(w, r) // no role
	}))
	defer imds.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "false")
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.URL)
	var logged bytes.Buffer
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.NewTextHandler(&logged, nil)))
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := os.Stderr
	os.Stderr = w
	_, openErr := sqsb.Open(context.Background(), sqsb.Config{Endpoint: s.URL})
	os.Stderr = stderr
	w.Close()
	printed, _ := io.ReadAll(r)
	if !errors.Is(openErr, backends.ErrAuth) {
		t.Fatalf("open without credentials: %v", openErr)
	}
	if len(printed) > 0 {
		t.Errorf("the AWS SDK printed on stderr: %q", printed)
	}
	if !strings.Contains(logged.String(), "falling back to IMDSv1") {
		t.Errorf("the SDK's warning is not in the log: %q", logged.String())
	}
}

// groupOrderKept fails unless each FIFO source holds its n letters ("SRC-I", deadLetters's bodies) back
// in their message groups (g0 even, g1 odd), in order within each group.
func groupOrderKept(t *testing.T, s *sqsfix.Server, sources []string, n int) {
	t.Helper()
	for _, src := range sources {
		last := map[string]int{"g0": -1, "g1": -1}
		msgs := s.Messages(t, src)
		if len(msgs) != n {
			t.Fatalf("%s got %d back", src, len(msgs))
		}
		for _, m := range msgs {
			var i int
			fmt.Sscanf(m.Body[len(src)+1:], "%d", &i)
			if m.Group != fmt.Sprintf("g%d", i%2) || i < last[m.Group] {
				t.Fatalf("%s: %q in group %s after %d", src, m.Body, m.Group, last[m.Group])
			}
			last[m.Group] = i
		}
	}
}
