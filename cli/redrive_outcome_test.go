package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
)

// An interrupted redrive says what moved for certain and what is in doubt, and why: a Kafka commit cut
// off by Ctrl-C may have gone through, so its letters are neither "moved" nor nothing.
func TestInterruptedRedriveSaysWhatIsInDoubt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		report backends.MoveReport
		want   string
	}{
		{backends.MoveReport{Moved: 1000}, "interrupted after moving 1000 letters; run it again to move the rest"},
		{backends.MoveReport{InDoubt: 500, CommitInDoubt: true}, "interrupted: 0 moved for certain, 500 in doubt " +
			"(a commit was under way when the redrive stopped; run redrive again — it moves each letter exactly once)"},
		{backends.MoveReport{Moved: 20, InDoubt: 3}, "interrupted: 20 moved for certain, 3 in doubt " +
			"(they may be in both places; run redrive again — it moves them again with the rest)"},
		// A shovel deleted mid-part: what it held is an upper bound, and the figure must not read as a count.
		{backends.MoveReport{Moved: 5000, InDoubt: 1000, InDoubtAtMost: true}, "interrupted: 5000 moved for certain, " +
			"up to 1000 in doubt (they may be in both places; run redrive again — it moves them again with the rest)"},
	} {
		err := redriveOutcome(ctx, actions.RedriveReport{Source: "orders-dlt", MoveReport: c.report}, context.Canceled)
		if err == nil || err.Error() != c.want {
			t.Errorf("interrupted with %+v: %v\nwant %s", c.report, err, c.want)
		}
	}
}

// An interrupted redrive whose stop itself went wrong says so: a server-side move's part that did not
// finish, and its shovel that mqscope could not delete, must not be hidden behind "interrupted".
func TestInterruptedRedriveSaysWhatWentWrongStopping(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	stopErr := errors.New("the part under way did not finish within 1m0s; delete these shovels by hand: mqscope-move-1")
	r := actions.RedriveReport{Source: "orders-dlq", MoveReport: backends.MoveReport{Moved: 5000, InDoubt: 1000}}
	want := "interrupted: 5000 moved for certain, 1000 in doubt (they may be in both places; run redrive again — it " +
		"moves them again with the rest); " + stopErr.Error()
	if err := redriveOutcome(ctx, r, stopErr); err == nil || err.Error() != want {
		t.Errorf("interrupted with a failed stop: %v\nwant %s", err, want)
	}
	r.InDoubt = 0
	want = "interrupted after moving 5000 letters; run it again to move the rest; " + stopErr.Error()
	if err := redriveOutcome(ctx, r, stopErr); err == nil || err.Error() != want {
		t.Errorf("interrupted with a failed stop: %v\nwant %s", err, want)
	}
	if err := redriveOutcome(ctx, r, fmt.Errorf("move stopped: %w", context.Canceled)); err == nil || strings.Contains(err.Error(), "canceled") {
		t.Errorf("interrupted, nothing else wrong: %v; want the interruption alone", err)
	}
	// Ctrl-C during a server-side move's last part, which moved every letter left: done, not interrupted.
	if err := redriveOutcome(ctx, r, nil); err != nil {
		t.Errorf("a move that ended complete after Ctrl-C: %v; want no error (exit 0)", err)
	}
}

// A redrive the broker cut off, with nobody pressing Ctrl-C, says what moved for certain and what is in
// doubt as an interrupted one does, and then why it stopped: a Kafka commit whose answer a lost
// connection cut off may have gone through.
func TestRedriveCutOffSaysWhatIsInDoubt(t *testing.T) {
	lost := errors.New("redrive orders-dlt: transaction of 500 letters: the commit was cut off, so whether it went through is not known: EOF")
	r := actions.RedriveReport{Source: "orders-dlt", MoveReport: backends.MoveReport{Moved: 1000, InDoubt: 500, CommitInDoubt: true}}
	want := "stopped: 1000 moved for certain, 500 in doubt (a commit was under way when the redrive stopped; run redrive " +
		"again — it moves each letter exactly once); " + lost.Error()
	err := redriveOutcome(context.Background(), r, lost)
	if err == nil || err.Error() != want {
		t.Errorf("cut off with letters in doubt: %v\nwant %s", err, want)
	}
	r.InDoubt, r.CommitInDoubt = 0, false
	if err := redriveOutcome(context.Background(), r, lost); err != lost {
		t.Errorf("cut off with nothing in doubt: %v, want the error alone", err)
	}
}
