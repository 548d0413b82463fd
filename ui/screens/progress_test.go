package screens

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/progress"
)

// work is a task whose work the test drives: it reports what it is sent on step, and ends when ctx is
// cancelled or finish is closed.
type work struct {
	step   chan progress.Counts
	finish chan struct{}
	calls  int
}

func newWork() *work { return &work{step: make(chan progress.Counts), finish: make(chan struct{})} }

func (w *work) task(c *common.Common) progress.Task {
	return progress.WithWork(progress.Task{Title: "publish to orders", Verb: "sent", Total: 10, CancelNote: "the rest is not sent"},
		func(ctx context.Context, _ backends.Backend, report func(progress.Counts)) (actions.SendReport, error) {
			w.calls++
			var last progress.Counts
			for {
				select {
				case p := <-w.step:
					last = p
					report(p)
				case <-w.finish:
					return actions.SendReport{Sent: last.Done, Failed: last.Failed, Elapsed: time.Second}, nil
				case <-ctx.Done():
					return actions.SendReport{Sent: last.Done, Elapsed: time.Second}, ctx.Err()
				}
			}
		},
		func(r actions.SendReport, err error, cancelled bool) progress.Report {
			return sendOutcome(c, "publish", "to orders", r, err, cancelled)
		})
}

// next runs cmd (the view's wait for its work) and hands the view what it brought.
func next(t *testing.T, v *progress.Model, cmd tea.Cmd) tea.Cmd {
	t.Helper()
	msg, ok := cmd().(common.TaskMsg)
	if !ok || msg.View != v.ID() {
		t.Fatalf("the work's news goes to its view: %#v", msg)
	}
	return msg.Run(context.Background(), nil)()
}

func TestProgressFollowsTheWorkAndCancelStopsIt(t *testing.T) {
	w := newWork()
	v, clock := progressOf(t, w.task(sendingCommon()))
	if v.Start(nil) != nil || v.State() != progress.Waiting || !strings.Contains(screenOf(v), "waiting for the connection") {
		t.Fatal("no backend, no work")
	}
	wait := v.Start(sendCapable{})
	if !v.Capturing() || keyNames(v) != "esc/ctrl+c" {
		t.Fatalf("while running, esc is the view's: %s", keyNames(v))
	}
	go func() { w.step <- progress.Counts{Done: 4, Total: 10} }()
	*clock = clock.Add(2 * time.Second)
	wait = next(t, v, wait)
	s := screenOf(v)
	for _, want := range []string{"40%", "sent 4 of 10", "2s elapsed · 2/s · about 3s left", "esc or ctrl+c cancels: the rest is not sent"} {
		if !strings.Contains(s, want) {
			t.Fatalf("progress lacks %q:\n%s", want, s)
		}
	}

	v.Update(tea.KeyPressMsg{Code: tea.KeyEscape})
	if v.State() != progress.Cancelling || !strings.Contains(screenOf(v), "cancelling: the rest is not sent") || v.Cancel() {
		t.Fatalf("esc cancels once; a second ctrl+c is the shell's:\n%s", screenOf(v))
	}
	flash := next(t, v, wait) // the work saw its context end
	if v.State() != progress.Done || v.Capturing() || !isFlash(flash(), common.FlashError, "publish cancelled: 4 sent, 0 failed") {
		t.Fatalf("the cancel ends in a report: %v", v.State())
	}
	s = screenOf(v)
	for _, want := range []string{"publish cancelled", "sent     4", "failed   0"} {
		if !strings.Contains(s, want) {
			t.Fatalf("report lacks %q:\n%s", want, s)
		}
	}
	if v.Start(sendCapable{}) != nil || w.calls != 1 {
		t.Fatal("the work never runs twice, not even when the connection comes back")
	}
}

// Work that went through leaves nothing to read: back where it was started from, with the flash.
func TestProgressGoesBackWhenAllWent(t *testing.T) {
	w := newWork()
	v, _ := progressOf(t, w.task(sendingCommon()))
	wait := v.Start(sendCapable{})
	go func() {
		w.step <- progress.Counts{Done: 10, Total: 10}
		close(w.finish)
	}()
	for v.State() != progress.Done {
		if wait = next(t, v, wait); v.State() != progress.Done && wait == nil {
			t.Fatal("the view keeps waiting until the work ends")
		}
	}
	msgs := wait().(tea.BatchMsg)
	if pop, ok := msgs[0]().(common.PopMsg); !ok || pop.To != 3 || !isFlash(msgs[1](), common.FlashInfo, "publish: sent 10 messages to orders") {
		t.Fatal("done: back, with the flash")
	}
}

// Leaving the view, or losing the connection, stops the work as a cancel does.
func TestProgressStopCancels(t *testing.T) {
	w := newWork()
	v, _ := progressOf(t, w.task(sendingCommon()))
	wait := v.Start(sendCapable{})
	v.Stop()
	if v.State() != progress.Cancelling {
		t.Fatal("stop cancels")
	}
	next(t, v, wait)
	if v.State() != progress.Done || !strings.Contains(screenOf(v), "publish cancelled") {
		t.Fatalf("report:\n%s", screenOf(v))
	}
}
