package screens

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/ui/common"
)

// KindProgress is the Kind of the view that runs long work (a publish of many messages, a replay, a
// redrive) and then shows its report.
const KindProgress = "progress"

// progressCounts is where long work stands: messages sent or moved, kept back, failed, of a total (0 when
// unknown).
type progressCounts struct {
	done, kept, failed, total int64
}

func (p progressCounts) handled() int64 { return p.done + p.kept + p.failed }

// workFunc is long broker work. It calls report as it goes (from its own goroutine) and returns what it
// did; ctx ends when the user cancels.
type workFunc[T any] func(ctx context.Context, b backends.Backend, report func(progressCounts)) (T, error)

// task is long work as the progress view runs it.
type task struct {
	title string   // the breadcrumb, sanitized: "redrive orders-dlt"
	verb  string   // what done counts: "moved", "sent"
	scope []string // what it does, one styled line each, sanitized
	total int64    // what is expected, 0 when unknown; the work's own reports may say better
	// cancelNote says what a cancel leaves behind, so that pressing it is not a leap in the dark.
	cancelNote string
	// run does the work (withWork sets it) and returns what makes its report, given whether the user
	// cancelled it.
	run workFunc[func(cancelled bool) taskReport]
}

// withWork is t doing run, whose result, error and cancellation finish makes into the report.
func withWork[T any](t task, run workFunc[T], finish func(result T, err error, cancelled bool) taskReport) task {
	t.run = func(ctx context.Context, b backends.Backend, report func(progressCounts)) (func(bool) taskReport, error) {
		result, err := run(ctx, b, report)
		return func(cancelled bool) taskReport { return finish(result, err, cancelled) }, err
	}
	return t
}

// taskReport is the outcome of a task as the view shows it.
type taskReport struct {
	counts *progressCounts // the final counts, when the result has them
	lines  []string        // the report, styled and sanitized; none: go back and just flash
	level  common.FlashLevel
	flash  string // one line for the flash, sanitized
}

type taskState int

const (
	taskWaiting    taskState = iota // for a backend
	taskRunning                     // the work is going on
	taskCancelling                  // cancelled, waiting for the work to stop where it safely can
	taskDone                        // the report is on screen
)

// workDone is the work's end, from its goroutine.
type (
	workDone struct {
		finish    func(cancelled bool) taskReport
		cancelled bool
	}
)

// progressView runs one task once: a bar with the counts, the rate and the time left while it runs, a
// cancel key that stops it between batches (the adapters never lose a message on a cancel), then the
// report. It never starts the work twice: a connection that comes back does not run a publish again.
type progressView struct {
	common.Base
	c        *common.Common
	task     task
	returnTo int // where a report with nothing to read goes back to
	now      func() time.Time

	state   taskState
	started time.Time
	ended   time.Time
	counts  progressCounts
	cancel  context.CancelFunc
	events  chan progressCounts // the latest counts; a newer one replaces one not yet read
	done    chan workDone
	report  taskReport

	bar    progress.Model
	offset int // report scroll
}

func newProgressView(c *common.Common, t task, returnTo int) *progressView {
	bar := progress.New(progress.WithFillCharacters('█', '░'), progress.WithoutPercentage())
	return &progressView{Base: common.NewBase(KindProgress, t.title), c: c, task: t, returnTo: returnTo, now: time.Now, bar: bar,
		counts: progressCounts{total: t.total}}
}

func (v *progressView) SetSize(width, height int) { v.Base.SetSize(width, height); v.scroll(0) }

// Capturing keeps esc and q for the view while the work runs: esc cancels it rather than leave it
// running unseen, and q does not end the program in the middle of a move.
func (v *progressView) Capturing() bool { return v.state == taskRunning || v.state == taskCancelling }

var (
	cancelWorkKey = key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc/ctrl+c", "cancel"))
	scrollKey     = key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "scroll"))
)

func (v *progressView) Keys() []key.Binding {
	switch v.state {
	case taskRunning:
		return []key.Binding{cancelWorkKey}
	case taskDone:
		return []key.Binding{scrollKey}
	}
	return nil
}

func (v *progressView) Status() string {
	s := v.c.Styles
	switch v.state {
	case taskWaiting:
		return s.Muted.Render("waiting for the connection")
	case taskRunning:
		return s.Accent.Render("running")
	case taskCancelling:
		return s.Warn.Render("cancelling…")
	}
	if v.report.level == common.FlashInfo {
		return s.OK.Render("done") + s.Muted.Render(" in "+formatElapsed(v.ended.Sub(v.started)))
	}
	return s.Warn.Render("ended") + s.Muted.Render(" after "+formatElapsed(v.ended.Sub(v.started)))
}

// Start is the shell's: the work starts with the first backend, and only then.
func (v *progressView) Start(b backends.Backend) tea.Cmd {
	if v.state != taskWaiting || b == nil {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	v.state, v.started, v.cancel = taskRunning, v.now(), cancel
	v.events, v.done = make(chan progressCounts, 1), make(chan workDone, 1)
	run, events, done := v.task.run, v.events, v.done
	report := func(p progressCounts) {
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
	counts *progressCounts
	done   *workDone
}

// wait returns what waits for the work's next news.
func (v *progressView) wait() func() workNews {
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
func (v *progressView) Stop() {
	if v.state == taskRunning {
		v.cancel()
		v.state = taskCancelling
	}
}

// Cancel stops the work: ctrl+c anywhere, esc here.
func (v *progressView) Cancel() bool {
	if v.state != taskRunning {
		return false
	}
	v.cancel()
	v.state = taskCancelling
	return true
}

// hear takes the work's news.
func (v *progressView) hear(n workNews) tea.Cmd {
	if n.done != nil {
		return v.finish(*n.done)
	}
	if v.state == taskRunning || v.state == taskCancelling {
		v.counts = *n.counts
		if v.counts.total == 0 {
			v.counts.total = v.task.total
		}
	}
	return common.Go(v.ID(), v.wait(), v.hear)
}

// finish shows the report, or goes back and flashes when there is nothing more to read.
func (v *progressView) finish(d workDone) tea.Cmd {
	v.state, v.ended = taskDone, v.now()
	v.report = d.finish(d.cancelled)
	if c := v.report.counts; c != nil {
		v.counts = *c
	}
	flash := common.Flash(v.report.level, v.report.flash)
	if len(v.report.lines) == 0 {
		return tea.Batch(common.PopTo(v.returnTo), flash)
	}
	v.scroll(0)
	return flash
}

func (v *progressView) Update(msg tea.KeyPressMsg) tea.Cmd {
	k := v.c.Keys
	switch {
	case v.state == taskRunning && msg.String() == "esc":
		v.Cancel()
	case v.state != taskDone:
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
func (v *progressView) header() []string {
	return append([]string{v.c.Styles.Text.Bold(true).Render(v.task.title), ""}, v.task.scope...)
}

func (v *progressView) reportRoom() int { return max(v.Height-len(v.header())-1, 1) }

func (v *progressView) scroll(delta int) {
	v.offset = min(max(v.offset+delta, 0), max(len(v.reportLines())-v.reportRoom(), 0))
}

// reportLines are the report wrapped to the width: a failure's reason is read whole, never cut.
func (v *progressView) reportLines() []string {
	var out []string
	for _, l := range v.report.lines {
		out = append(out, strings.Split(ansi.Wrap(l, max(v.Width, 20), " "), "\n")...)
	}
	return out
}

func (v *progressView) View() string {
	lines := append(v.header(), "")
	if v.state == taskDone {
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
func (v *progressView) progressLines() []string {
	s := v.c.Styles
	if v.state == taskWaiting {
		return []string{s.Muted.Render("waiting for the connection: the work starts once connected")}
	}
	p := v.counts
	var lines []string
	if p.total > 0 {
		v.bar.FullColor, v.bar.EmptyColor = s.Accent.GetForeground(), s.Muted.GetForeground()
		v.bar.SetWidth(max(min(v.Width-8, 60), 10))
		pct := min(float64(p.handled())/float64(p.total), 1)
		lines = append(lines, v.bar.ViewAs(pct)+s.Text.Render(fmt.Sprintf(" %3.0f%%", pct*100)))
	}
	count := s.Text.Render(v.task.verb+" ") + s.Accent.Render(present.Int(p.done))
	if p.total > 0 {
		count += s.Text.Render(" of " + present.Int(p.total))
	}
	if p.kept > 0 {
		count += s.Muted.Render(" · ") + s.Warn.Render("kept "+present.Int(p.kept))
	}
	if p.failed > 0 {
		count += s.Muted.Render(" · ") + s.Error.Render("failed "+present.Int(p.failed))
	}
	lines = append(lines, count, s.Muted.Render(v.pace(p)), "")
	note, style := "esc or ctrl+c cancels: "+v.task.cancelNote, s.Muted
	if v.state == taskCancelling {
		note, style = "cancelling: "+v.task.cancelNote, s.Warn
	}
	for _, l := range strings.Split(ansi.Wrap(note, max(v.Width, 20), " "), "\n") {
		lines = append(lines, style.Render(l))
	}
	return lines
}

// pace is the rate so far, the time left at that rate, and the time spent.
func (v *progressView) pace(p progressCounts) string {
	elapsed := v.now().Sub(v.started)
	parts := []string{formatElapsed(elapsed) + " elapsed"}
	if secs := elapsed.Seconds(); secs > 0 && p.handled() > 0 {
		rate := float64(p.handled()) / secs
		parts = append(parts, present.Int(int64(rate+0.5))+"/s")
		if p.total > p.handled() {
			left := time.Duration(float64(p.total-p.handled()) / rate * float64(time.Second))
			parts = append(parts, "about "+formatElapsed(left)+" left")
		}
	}
	return strings.Join(parts, " · ")
}

// cancelledOrFailed says how work ended that did not finish: cancelled, stopped by the broker, or never
// started.
func cancelledOrFailed(err error, cancelled bool) string {
	switch {
	case cancelled || errors.Is(err, context.Canceled):
		return "cancelled"
	case err != nil:
		return "stopped: " + common.ErrorLine(err)
	}
	return ""
}
