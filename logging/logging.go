// Package logging is mqscope's log: log/slog records written to a file under the XDG state directory,
// never to the terminal (a TUI would be drawn over), with every password in a URL redacted on the way.
//
// The process has one slog default logger, installed on first use, that hands each record to the
// files opened with Open until they are closed; with none open it drops them. So the log package's
// output and the broker clients' loggers, routed to slog, can never reach the terminal either.
package logging

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/adrg/xdg"

	"github.com/mqscope/mqscope/redact"
	"github.com/mqscope/mqscope/sanitize"
)

// DefaultPath is where the log goes unless --log-file says otherwise: $XDG_STATE_HOME/mqscope/mqscope.log.
func DefaultPath() string { return filepath.Join(xdg.StateHome, "mqscope", "mqscope.log") }

// Levels are the names --log-level takes.
var Levels = []string{"debug", "info", "warn", "error"}

// ParseLevel reads a --log-level value.
func ParseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil || !contains(Levels, strings.ToLower(s)) {
		return 0, fmt.Errorf("log level %q: use %s", s, strings.Join(Levels, ", "))
	}
	return l, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// maxSize is how large the log may grow before the next Open moves it aside to NAME.1 (keeping one).
const maxSize = 10 << 20

// Tighten makes an existing log at path readable by its owner alone, and says so when it was not: the
// log records who changed what on which broker, and must not be appended to while others can read it.
// It says nothing when the file is new, already private, or not the owner's to change.
func Tighten(path string) string {
	info, err := os.Stat(path)
	if err != nil || runtime.GOOS == "windows" || info.Mode().Perm()&0o077 == 0 {
		return ""
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return fmt.Sprintf("the log %s can be read by others (mode %04o) and mqscope cannot change that: %v; "+
			"run chmod 600 %s", path, info.Mode().Perm(), err, path)
	}
	return fmt.Sprintf("the log %s could be read by others (mode %04o); it is now 0600", path, info.Mode().Perm())
}

// Open starts writing records at level and above to the file at path (created with mode 0600, its
// folder with 0700), appended to what is there; an existing file others can read is made 0600 first
// (Tighten says so). Close stops.
func Open(path string, level slog.Level) (io.Closer, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("log file folder: %w", err)
	}
	Tighten(path)
	if info, err := os.Stat(path); err == nil && info.Size() > maxSize {
		_ = os.Rename(path, path+".1")
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open log file: %w", err)
	}
	h := &redacting{next: slog.NewTextHandler(f, &slog.HandlerOptions{Level: level})}
	install()
	router.add(h)
	return closer(func() error {
		router.remove(h)
		return f.Close()
	}), nil
}

type closer func() error

func (c closer) Close() error { return c() }

var installOnce sync.Once

// install makes the router the process's slog default, once.
func install() {
	installOnce.Do(func() { slog.SetDefault(slog.New(router)) })
}

// Install makes sure that from now on nothing is logged to the terminal, even before a file is open.
func Install() { install() }

// router hands records to every open log; the zero value drops them.
var router = &fanout{}

type fanout struct {
	mu       sync.RWMutex
	handlers []slog.Handler
}

func (r *fanout) add(h slog.Handler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.handlers = append(r.handlers, h)
}

func (r *fanout) remove(h slog.Handler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, have := range r.handlers {
		if have == h {
			r.handlers = append(r.handlers[:i:i], r.handlers[i+1:]...)
			return
		}
	}
}

func (r *fanout) all() []slog.Handler {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.handlers
}

func (r *fanout) Enabled(ctx context.Context, l slog.Level) bool {
	for _, h := range r.all() {
		if h.Enabled(ctx, l) {
			return true
		}
	}
	return false
}

func (r *fanout) Handle(ctx context.Context, rec slog.Record) error {
	var errs []error
	for _, h := range r.all() {
		if h.Enabled(ctx, rec.Level) {
			errs = append(errs, h.Handle(ctx, rec.Clone()))
		}
	}
	return errors.Join(errs...)
}

// WithAttrs and WithGroup keep the attributes with the records, so that they reach the handlers open
// when a record is written, not those open when the logger was made.
func (r *fanout) WithAttrs(attrs []slog.Attr) slog.Handler { return &scoped{r: r, attrs: attrs} }
func (r *fanout) WithGroup(name string) slog.Handler       { return &scoped{r: r, group: name} }

type scoped struct {
	r     *fanout
	attrs []slog.Attr
	group string
	outer *scoped
}

func (s *scoped) Enabled(ctx context.Context, l slog.Level) bool { return s.r.Enabled(ctx, l) }

func (s *scoped) Handle(ctx context.Context, rec slog.Record) error {
	var errs []error
	for _, h := range s.r.all() {
		if h.Enabled(ctx, rec.Level) {
			errs = append(errs, s.apply(h).Handle(ctx, rec.Clone()))
		}
	}
	return errors.Join(errs...)
}

func (s *scoped) apply(h slog.Handler) slog.Handler {
	if s.outer != nil {
		h = s.outer.apply(h)
	}
	if s.group != "" {
		return h.WithGroup(s.group)
	}
	return h.WithAttrs(s.attrs)
}

func (s *scoped) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &scoped{r: s.r, attrs: attrs, outer: s}
}

func (s *scoped) WithGroup(name string) slog.Handler { return &scoped{r: s.r, group: name, outer: s} }

// redacting hides the passwords of URLs in messages and string values (an error's text, a URL) before
// they are written. Values that know they are secret (config.Secret) hide themselves through LogValue.
type redacting struct{ next slog.Handler }

func (h *redacting) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *redacting) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, fit(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *redacting) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = redactAttr(a)
	}
	return &redacting{next: h.next.WithAttrs(clean)}
}

func (h *redacting) WithGroup(name string) slog.Handler {
	return &redacting{next: h.next.WithGroup(name)}
}

// maxValue is the most of one text value the log keeps: an error quoting a huge input must not fill it.
const maxValue = 8 << 10

// fit is text fit for the log: passwords hidden first, so that clipping cannot leave part of one.
func fit(s string) string { return sanitize.Clip(redact.Text(s), maxValue) }

func redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, fit(v.String()))
	case slog.KindGroup:
		attrs := v.Group()
		clean := make([]slog.Attr, len(attrs))
		for i, g := range attrs {
			clean[i] = redactAttr(g)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(clean...)}
	case slog.KindAny:
		// An error, a URL, a struct: written as text, so that a password inside is found and hidden.
		return slog.String(a.Key, fit(fmt.Sprintf("%+v", v.Any())))
	}
	return slog.Attr{Key: a.Key, Value: v}
}
