package e2e

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/vt"
	"github.com/creack/pty"

	"github.com/mqscope/mqscope/demo"
	"github.com/mqscope/mqscope/internal/testkit/demofix"
)

// The whole program, as a user runs it: mqscope (the test binary standing in for it) opens the TUI on the
// demo cluster in a pseudo-terminal. The screen is read through a terminal emulator, so the test sees
// what a person would, not the escape codes that draw it.
func TestEndToEndTUIOnTheDemoCluster(t *testing.T) {
	t.Parallel()
	bootstrap := demofix.Brokers(demofix.Shared(t))

	term := startInTerminal(t, 120, 30, "--kafka", bootstrap)
	topics := []string{demo.Customers, demo.Inventory, demo.Orders, demo.OrdersDLT, demo.Payments, demo.Telemetry}
	screen := term.waitFor(t, "the seeded topics", func(s string) bool {
		for _, name := range topics {
			if !strings.Contains(s, name) {
				return false
			}
		}
		return strings.Contains(s, "● connected")
	})
	for _, want := range []string{"mqscope", "kafka", "cluster mqscope-demo", "6 topics", "NAME", "PARTITIONS", "MESSAGES"} {
		if !strings.Contains(screen, want) {
			t.Errorf("screen lacks %q:\n%s", want, screen)
		}
	}
	if strings.Contains(screen, demo.InternalTopic) {
		t.Errorf("the internal topic should be hidden:\n%s", screen)
	}

	term.press(t, "q")
	if err := term.wait(t); err != nil {
		t.Fatalf("mqscope did not exit cleanly after q: %v\n%s", err, term.screen())
	}
	if s := term.screen(); strings.Contains(s, "NAME") {
		t.Fatalf("the terminal should be back on its main screen after exit:\n%s", s)
	}
}

// within bounds every wait on the other processes: they answer in well under a second when all is well,
// and a hung one should fail the test with what it showed rather than hang the suite.
const within = 60 * time.Second

// terminal is a program running in a pseudo-terminal, its output fed to a terminal emulator.
type terminal struct {
	cmd  *exec.Cmd
	pty  *os.File
	mu   sync.Mutex
	emu  *vt.Emulator
	seen chan struct{} // signalled after every chunk of output
	done chan error
}

func startInTerminal(t *testing.T, cols, rows int, args ...string) *terminal {
	t.Helper()
	cmd := mainCommand(args...)
	cmd.Env = append(cmd.Env, "TERM=xterm-256color", "COLORTERM=truecolor")
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: uint16(cols), Rows: uint16(rows)})
	if err != nil {
		t.Fatalf("start mqscope in a pty: %v", err)
	}
	term := &terminal{cmd: cmd, pty: f, emu: vt.NewEmulator(cols, rows), seen: make(chan struct{}, 1), done: make(chan error, 1)}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = f.Close()
	})
	go term.pump()
	go func() { _, _ = io.Copy(f, term.emu) }() // the emulator's answers to the program's queries
	go func() { term.done <- cmd.Wait() }()
	return term
}

// pump feeds the program's output to the emulator.
func (term *terminal) pump() {
	buf := make([]byte, 32*1024)
	for {
		n, err := term.pty.Read(buf)
		if n > 0 {
			term.mu.Lock()
			_, _ = term.emu.Write(buf[:n])
			term.mu.Unlock()
			select {
			case term.seen <- struct{}{}:
			default:
			}
		}
		if err != nil {
			close(term.seen)
			return
		}
	}
}

func (term *terminal) screen() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return term.emu.String()
}

// waitFor returns the screen as soon as ok accepts it, checking after every chunk of output.
func (term *terminal) waitFor(t *testing.T, what string, ok func(string) bool) string {
	t.Helper()
	deadline := time.After(within)
	for {
		if s := term.screen(); ok(s) {
			return s
		}
		select {
		case _, open := <-term.seen:
			if !open {
				t.Fatalf("the program ended before showing %s:\n%s", what, term.screen())
			}
		case <-deadline:
			t.Fatalf("no %s on screen after %s:\n%s", what, within, term.screen())
		}
	}
}

func (term *terminal) press(t *testing.T, keys string) {
	t.Helper()
	if _, err := term.pty.Write([]byte(keys)); err != nil {
		t.Fatalf("type %q: %v", keys, err)
	}
}

func (term *terminal) wait(t *testing.T) error {
	t.Helper()
	timeout := time.After(within)
	select {
	case err := <-term.done:
		for { // read what it wrote on its way out, up to the end of the output
			select {
			case _, open := <-term.seen:
				if !open {
					return err
				}
			case <-timeout:
				return errors.New("exited, but its output never ended")
			}
		}
	case <-timeout:
		return errors.New("still running")
	}
}
