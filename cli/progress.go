package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/x/term"

	"github.com/mqscope/mqscope/present"
)

// progressEvery bounds how often the progress line is redrawn.
const progressEvery = 100 * time.Millisecond

// progress is a one-line status on stderr, redrawn in place with \r, for long work: a bar when the total
// is known, the count, the rate and the time left. It shows only when stderr is a terminal, so that logs
// and tests get the final report alone.
type progress struct {
	mu    sync.Mutex
	w     io.Writer // nil: not a terminal, nothing is drawn
	verb  string
	note  func(string) // a line on stderr that must show whether or not stderr is a terminal
	start time.Time
	drawn time.Time
	shown bool
}

func (a *app) progress(verb string) *progress {
	p := &progress{verb: verb, start: time.Now(), note: a.warn}
	if f, ok := a.deps.Stderr.(*os.File); ok && term.IsTerminal(f.Fd()) {
		p.w = f
	}
	a.bar = p
	return p
}

// update redraws the line, at most every progressEvery. It is safe from any goroutine.
func (p *progress) update(s progressState) {
	if p == nil || p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Sub(p.drawn) < progressEvery {
		return
	}
	p.drawn, p.shown = now, true
	fmt.Fprint(p.w, "\r"+progressLine(p.verb, s, now.Sub(p.start))+"\x1b[K")
}

// clear removes the line, before the report is printed.
func (p *progress) clear() { p.above(func() {}) }

// above clears the line and has write print on stderr, with no redraw in between; the next update draws
// the line again below what write printed.
func (p *progress) above(write func()) {
	if p == nil || p.w == nil {
		write()
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
	write()
}

// progressState is what the line shows: done of total (0: unknown), and what did not go.
type progressState struct {
	done, kept, failed, total int64
}

const barWidth = 24

// progressLine is the text of the line, for example
//
//	moving [##########--------------]  1,234/3,000  kept 2  failed 0  410/s  ETA 4s
func progressLine(verb string, s progressState, elapsed time.Duration) string {
	var b strings.Builder
	b.WriteString(verb)
	handled := s.done + s.kept + s.failed
	if s.total > 0 {
		filled := int(min(handled, s.total) * barWidth / s.total)
		b.WriteString(" [" + strings.Repeat("#", filled) + strings.Repeat("-", barWidth-filled) + "]")
		fmt.Fprintf(&b, "  %s/%s", thousands(s.done), thousands(s.total))
	} else {
		b.WriteString("  " + thousands(s.done))
	}
	if s.kept > 0 {
		fmt.Fprintf(&b, "  kept %s", thousands(s.kept))
	}
	if s.failed > 0 {
		fmt.Fprintf(&b, "  failed %s", thousands(s.failed))
	}
	secs := elapsed.Seconds()
	if secs <= 0 || handled == 0 {
		return b.String()
	}
	perSec := float64(handled) / secs
	fmt.Fprintf(&b, "  %s/s", thousands(int64(perSec+0.5)))
	if s.total > handled {
		left := time.Duration(float64(s.total-handled) / perSec * float64(time.Second))
		b.WriteString("  ETA " + left.Round(time.Second).String())
	}
	return b.String()
}

// thousands writes n with commas between groups of three digits.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// say clears the line and prints msg on a line of its own; the next update draws the line again.
func (p *progress) say(msg string) {
	if p != nil && p.note != nil {
		p.note(msg) // a.warn, which prints above the line
	}
}

// stillWaiting says, on a line of its own, that the broker has answered nothing for quiet.
func (p *progress) stillWaiting(quiet time.Duration, done int64, verb string) {
	p.say("warning: " + present.StillWaiting(quiet, done, verb) + ", Ctrl-C stops with a report")
}

// updateText redraws the line with text of the caller's own, at most every progressEvery.
func (p *progress) updateText(text string) {
	if p == nil || p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Sub(p.drawn) < progressEvery {
		return
	}
	p.drawn, p.shown = now, true
	fmt.Fprint(p.w, "\r"+p.verb+" "+text+"\x1b[K")
}
