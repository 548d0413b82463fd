// Package progress is the view that runs one piece of long broker work once (a publish of many messages,
// a replay, a redrive): a bar with the counts, the rate and the time left while it runs, a cancel that
// stops it between batches, then the report.
package progress

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	bubbleprogress "charm.land/bubbles/v2/progress"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/ui/common"
)

// Kind is the Kind of the view that runs long work (a publish of many messages, a replay, a
// redrive) and then shows its report.
const Kind = "progress"

// Counts is where long work stands: messages sent or moved, kept back, failed, of a total (0 when
// unknown).
type Counts struct {
	Done, Kept, Failed, Total int64
	// Waiting, when not 0, is how long the work has waited for a broker that does not answer; the other
	// counts are as before the wait.
	Waiting time.Duration
}

func (p Counts) handled() int64 { return p.Done + p.Kept + p.Failed }

// Work is long broker work. It calls report as it goes (from its own goroutine) and returns what it
// did; ctx ends when the user cancels.
type Work[T any] func(ctx context.Context, b backends.Backend, report func(Counts)) (T, error)

// Task is long work as the progress view runs it.
type Task struct {
	Title string   // the breadcrumb, sanitized: "redrive orders-dlt"
	Verb  string   // what done counts: "moved", "sent"
	Scope []string // what it does, one styled line each, sanitized
	Total int64    // what is expected, 0 when unknown; the work's own reports may say better
	// CancelNote says what a cancel leaves behind, so that pressing it is not a leap in the dark.
	CancelNote string
	// run does the work (WithWork sets it) and returns what makes its report, given whether the user
	// cancelled it.
	run Work[func(cancelled bool) Report]
}

// WithWork is t doing run, whose result, error and cancellation finish makes into the report.
func WithWork[T any](t Task, run Work[T], finish func(result T, err error, cancelled bool) Report) Task {
	t.run = func(ctx context.Context, b backends.Backend, report func(Counts)) (func(bool) Report, error) {
		result, err := run(ctx, b, report)
		return func(cancelled bool) Report { return finish(result, err, cancelled) }, err
	}
	return t
}

// Run does the work alone, without a view: what it did is dropped, its error returned.
func (t Task) Run(ctx context.Context, b backends.Backend, report func(Counts)) error {
	_, err := t.run(ctx, b, report)
	return err
}

// Report is the outcome of a task as the view shows it.
type Report struct {
	Counts *Counts  // the final counts, when the result has them
	Lines  []string // the report, styled and sanitized; none: go back and just flash
	Level  common.FlashLevel
	Flash  string // one line for the flash, sanitized
}

// State is where the view is with its work.
type State int

const (
	Waiting    State = iota // for a backend
	Running                 // the work is going on
	Cancelling              // cancelled, waiting for the work to stop where it safely can
	Done                    // the report is on screen
)

// workDone is the work's end, from its goroutine.
type (
	workDone struct {
		finish    func(cancelled bool) Report
		cancelled bool
	}
)

// Model runs one task once: a bar with the counts, the rate and the time left while it runs, a
// cancel key that stops it between batches (the adapters never lose a message on a cancel), then the
// report. It never starts the work twice: a connection that comes back does not run a publish again.
type Model struct {
	common.Base
	c        *common.Common
	task     Task
	returnTo int // where a report with nothing to read goes back to
	now      func() time.Time

	state   State
	started time.Time
	ended   time.Time
	counts  Counts
	cancel  context.CancelFunc
	events  chan Counts // the latest counts; a newer one replaces one not yet read
	done    chan workDone
	report  Report

	bar    bubbleprogress.Model
	offset int // report scroll
}

// New returns the view that runs t once, and goes back to the view with ID returnTo when there is no
// report to read.
func New(c *common.Common, t Task, returnTo int) *Model {
	bar := bubbleprogress.New(progress.WithFillCharacters('█', '░'), progress.WithoutPercentage())
	return &Model{Base: common.NewBase(Kind, t.Title), c: c, task: t, returnTo: returnTo, now: time.Now, bar: bar,
		counts: Counts{Total: t.Total}}
}

func (v *Model) SetSize(width, height int) { v.Base.SetSize(width, height); v.scroll(0) }

// Capturing keeps esc and q for the view while the work runs: esc cancels it rather than leave it
// running unseen, and q does not end the program in the middle of a move.
func (v *Model) Capturing() bool { return v.state == Running || v.state == Cancelling }

var (
	cancelWorkKey = key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc/ctrl+c", "cancel"))
	scrollKey     = key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "scroll"))
)

func (v *Model) Keys() []key.Binding {
	switch v.state {
	case Running:
		return []key.Binding{cancelWorkKey}
	case Done:
		return []key.Binding{scrollKey}
	}
	return nil
}

func (v *Model) Status() string {
	s := v.c.Styles
	switch v.state {
	case Waiting:
		return s.Muted.Render("waiting for the connection")
	case Running:
		return s.Accent.Render("running")
	case Cancelling:
		return s.Warn.Render("cancelling…")
	}
	if v.report.Level == common.FlashInfo {
		return s.OK.Render("done") + s.Muted.Render(" in "+present.Elapsed(v.ended.Sub(v.started)))
	}
	return s.Warn.Render("ended") + s.Muted.Render(" after "+present.Elapsed(v.ended.Sub(v.started)))
}

// Start is the shell's: the work starts with the first backend, and only then.
func (v *Model) Start(b backends.Backend) tea.Cmd {
	if v.state != Waiting || b == nil {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	v.state, v.started, v.cancel = Running, v.now(), cancel
	v.events, v.done = make(chan Counts, 1), make(chan workDone, 1)
	run, events, done := v.task.run, v.events, v.done
	report := func(p Counts) {
		select { // keep only the newest: the screen wants where the work is, not where it was
		case <-events:
		default:
		}
		events <- p
	}
	wait := v.wait()
	return common.Go(v.ID(), func() workNews {
		go func() {
			finish, _ := run(ctx, b, report) // the error is finish's to report
			done <- workDone{finish: finish, cancelled: ctx.Err() != nil}
			cancel()
		}()
		return wait()
	}, v.hear)
}

// workNews is what the work says next: newer counts, or its end.
type workNews struct {
	counts *Counts
	done   *workDone
}

// wait returns what waits for the work's next news.
func (v *Model) wait() func() workNews {
	events, done := v.events, v.done
	return func() workNews {
		select {
		case p := <-events:
			return workNews{counts: &p}
		case d := <-done:
			return workNews{done: &d}
		}
	}
}

// Stop is the shell's: the view is leaving the stack, or the connection is gone. The work is told to
// stop; what it did is reported if the view is still there to show it.
func (v *Model) Stop() {
	if v.state == Running {
		v.cancel()
		v.state = Cancelling
	}
}

// Cancel stops the work: ctrl+c anywhere, esc here.
func (v *Model) Cancel() bool {
	if v.state != Running {
		return false
	}
	v.cancel()
	v.state = Cancelling
	return true
}

// hear takes the work's news, and waits for more.
func (v *Model) hear(n workNews) tea.Cmd {
	if n.done != nil {
		return v.finish(*n.done)
	}
	v.Progress(*n.counts)
	return common.Go(v.ID(), v.wait(), v.hear)
}

// Progress takes where the work stands, while it runs.
func (v *Model) Progress(c Counts) {
	if v.state == Running || v.state == Cancelling {
		v.counts = c
		if v.counts.Total == 0 {
			v.counts.Total = v.task.Total
		}
	}
}

// State is where the view is with its work.
func (v *Model) State() State { return v.state }

// Task is the work the view runs.
func (v *Model) Task() Task { return v.task }

// SetClock replaces the clock the rate and the time left are read on (tests fix it).
func (v *Model) SetClock(now func() time.Time) { v.now = now }

// finish shows the report, or goes back and flashes when there is nothing more to read.
func (v *Model) finish(d workDone) tea.Cmd {
	v.state, v.ended = Done, v.now()
	v.report = d.finish(d.cancelled)
	if c := v.report.Counts; c != nil {
		v.counts = *c
	}
	flash := common.Flash(v.report.Level, v.report.Flash)
	if len(v.report.Lines) == 0 {
		return tea.Batch(common.PopTo(v.returnTo), flash)
	}
	v.scroll(0)
	return flash
}

func (v *Model) Update(msg tea.KeyPressMsg) tea.Cmd {
	k := v.c.Keys
	switch {
	case v.state == Running && msg.String() == "esc":
		v.Cancel()
	case v.state != Done:
	case key.Matches(msg, k.Up):
		v.scroll(-1)
	case key.Matches(msg, k.Down):
		v.scroll(1)
	case key.Matches(msg, k.PageUp):
		v.scroll(-v.reportRoom())
	case key.Matches(msg, k.PageDown):
		v.scroll(v.reportRoom())
	}
	return nil
}

// header is what stays on top: the task's scope.
func (v *Model) header() []string {
	return append([]string{v.c.Styles.Text.Bold(true).Render(v.task.Title), ""}, v.task.Scope...)
}

func (v *Model) reportRoom() int { return max(v.Height-len(v.header())-1, 1) }

func (v *Model) scroll(delta int) {
	v.offset = min(max(v.offset+delta, 0), max(len(v.reportLines())-v.reportRoom(), 0))
}

// reportLines are the report wrapped to the width: a failure's reason is read whole, never cut.
func (v *Model) reportLines() []string {
	var out []string
	for _, l := range v.report.Lines {
		out = append(out, common.Wrap(l, max(v.Width, 20))...)
	}
	return out
}

func (v *Model) View() string {
	lines := append(v.header(), "")
	if v.state == Done {
		report := v.reportLines()
		end := min(v.offset+v.reportRoom(), len(report))
		lines = append(lines, report[v.offset:end]...)
		if end < len(report) {
			lines[len(lines)-1] = v.c.Styles.Muted.Render("… ↓ for more")
		}
	} else {
		lines = append(lines, v.progressLines()...)
	}
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, max(v.Width, 1), "…")
	}
	return strings.Join(lines, "\n")
}

// progressLines are the bar, the counts, the rate and the time left, and what cancelling does.
func (v *Model) progressLines() []string {
	s := v.c.Styles
	if v.state == Waiting {
		return []string{s.Muted.Render("waiting for the connection: the work starts once connected")}
	}
	p := v.counts
	var lines []string
	if p.Total > 0 {
		v.bar.FullColor, v.bar.EmptyColor = s.Accent.GetForeground(), s.Muted.GetForeground()
		v.bar.SetWidth(max(min(v.Width-8, 60), 10))
		pct := min(float64(p.handled())/float64(p.Total), 1)
		lines = append(lines, v.bar.ViewAs(pct)+s.Text.Render(fmt.Sprintf(" %3.0f%%", pct*100)))
	}
	count := s.Text.Render(v.task.Verb+" ") + s.Accent.Render(present.Int(p.Done))
	if p.Total > 0 {
		count += s.Text.Render(" of " + present.Int(p.Total))
	}
	if p.Kept > 0 {
		count += s.Muted.Render(" · ") + s.Warn.Render("kept "+present.Int(p.Kept))
	}
	if p.Failed > 0 {
		count += s.Muted.Render(" · ") + s.Error.Render("failed "+present.Int(p.Failed))
	}
	lines = append(lines, count, s.Muted.Render(v.pace(p)), "")
	if p.Waiting > 0 {
		for _, l := range common.Wrap(present.StillWaiting(p.Waiting, p.Done, v.task.Verb), max(v.Width, 20)) {
			lines = append(lines, s.Warn.Render(l))
		}
		lines = append(lines, "")
	}
	note, style := "esc or ctrl+c cancels: "+v.task.CancelNote, s.Muted
	if v.state == Cancelling {
		note, style = "cancelling: "+v.task.CancelNote, s.Warn
	}
	for _, l := range common.Wrap(note, max(v.Width, 20)) {
		lines = append(lines, style.Render(l))
	}
	return lines
}

// pace is the rate so far, the time left at that rate, and the time spent.
func (v *Model) pace(p Counts) string {
	elapsed := v.now().Sub(v.started)
	parts := []string{present.Elapsed(elapsed) + " elapsed"}
	if secs := elapsed.Seconds(); secs > 0 && p.handled() > 0 {
		rate := float64(p.handled()) / secs
		parts = append(parts, present.Int(int64(rate+0.5))+"/s")
		if p.Total > p.handled() {
			left := time.Duration(float64(p.Total-p.handled()) / rate * float64(time.Second))
			parts = append(parts, "about "+present.Elapsed(left)+" left")
		}
	}
	return strings.Join(parts, " · ")
}
