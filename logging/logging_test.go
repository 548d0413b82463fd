package logging

import (
	"errors"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/adrg/xdg"
)

type withURL struct{ URL string }

func TestLogGoesToTheFileRedacted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "mqscope.log")
	c, err := Open(path, slog.LevelInfo)
	if err != nil {
		t.Fatal(err)
	}
	l := slog.Default().With("context", "prod").WithGroup("conn")
	l.Info("dial amqp://ops:hunter22@h:5672/ failed", "err", errors.New(`dial "amqp://ops:hunter22@h/": refused`),
		"url", "amqps://a:hunter22@h/", "cfg", withURL{"amqp://b:hunter22@h/"}, slog.Group("g", "u", "amqp://c:hunter22@h/"))
	slog.Debug("not at info")
	log.Printf("from the log package")
	c.Close()
	slog.Info("after close")

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := string(data)
	for _, want := range []string{"level=INFO", "context=prod", "conn.err=", "ops:xxxxx@h", "conn.g.u=amqp://c:xxxxx@h/",
		"{URL:amqp://b:xxxxx@h/}", "from the log package"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	for _, bad := range []string{"hunter22", "not at info", "after close"} {
		if strings.Contains(out, bad) {
			t.Errorf("log has %q:\n%s", bad, out)
		}
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("log mode %v", info.Mode().Perm())
	}
}

func TestParseLevel(t *testing.T) {
	for in, want := range map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "WARN": slog.LevelWarn, "error": slog.LevelError} {
		if got, err := ParseLevel(in); err != nil || got != want {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "trace", "info+2"} {
		if _, err := ParseLevel(bad); err == nil || !strings.Contains(err.Error(), "use debug, info, warn, error") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestDefaultPathIsUnderXDGState(t *testing.T) {
	t.Cleanup(xdg.Reload)
	t.Setenv("XDG_STATE_HOME", "/tmp/state-home")
	xdg.Reload()
	if DefaultPath() != "/tmp/state-home/mqscope/mqscope.log" {
		t.Fatal(DefaultPath())
	}
}

func TestOpenMovesALargeLogAside(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mqscope.log")
	os.WriteFile(path, make([]byte, maxSize+1), 0o600)
	c, err := Open(path, slog.LevelInfo)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if info, err := os.Stat(path + ".1"); err != nil || info.Size() != maxSize+1 {
		t.Fatalf("old log: %v", err)
	}
	if info, _ := os.Stat(path); info.Size() != 0 {
		t.Fatalf("new log has %d bytes", info.Size())
	}
}

// An existing log others can read is made 0600 before anything more is written to it, and that is said.
func TestAWorldReadableLogIsTightened(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mqscope.log")
	if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o644) // whatever the umask
	want := "the log " + path + " could be read by others (mode 0644); it is now 0600"
	if got := Tighten(path); got != want {
		t.Errorf("Tighten = %q, want %q", got, want)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("mode after: %v, %v", info.Mode(), err)
	}
	if got := Tighten(path); got != "" {
		t.Errorf("a private log: %q, want nothing said", got)
	}
	os.Chmod(path, 0o640)
	c, err := Open(path, slog.LevelInfo)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("Open left mode %v, %v", info.Mode(), err)
	}
}
