package actions

import (
	"context"
	"log/slog"
	"os"
	"os/user"
	"sync"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/config"
)

// Session is a live connection as the front ends see it: the backend together with what the context
// allows. It is the one place that answers "can I do X here?" (the backend has the capability, the
// context is not read-only, the connection is not degraded for it), and the only way to a mutating
// action: Publish, Replay, Redrive, Purge, Truncate and ResetOffsets are its methods. The opener builds
// it once per connection; a zero or nil Session refuses everything.
//
// It also keeps the audit trail: every mutation asked for, refused or done is logged with who asked, on
// which context (slog adds when).
type Session struct {
	b        backends.Backend
	context  string
	readOnly bool
}

// NewSession is the session of backend b, opened for the config context c (its name and read-only flag).
// Only the opener calls it.
func NewSession(b backends.Backend, c config.Context) *Session {
	return &Session{b: b, context: c.Name, readOnly: c.ReadOnly}
}

// Backend is the live connection, for the reading actions (ListDestinations, Peek, LagSnapshot, ...) and
// for Identity and Close; nil for a zero session.
func (s *Session) Backend() backends.Backend {
	if s == nil {
		return nil
	}
	return s.b
}

// Close closes the connection; a zero session has none.
func (s *Session) Close() error {
	if s == nil || s.b == nil {
		return nil
	}
	return s.b.Close()
}

// ContextName is the name of the config context the session was opened for.
func (s *Session) ContextName() string {
	if s == nil {
		return ""
	}
	return s.context
}

// ReadOnly reports whether the context refuses every mutation.
func (s *Session) ReadOnly() bool { return s != nil && s.readOnly }

// Can says whether v may be done on this connection: nil when it may, else a *RefusedError saying why
// (ErrReadOnly, ErrNotConnected, backends.ErrNotSupported, or what a degraded connection lacks). It asks
// and records nothing: front ends use it to decide what to offer.
func (s *Session) Can(v Verb) error {
	spec := verbs[v]
	switch {
	case s == nil || (s.b == nil && !s.readOnly):
		return s.refusal(v, ErrNotConnected)
	case spec.mutates && s.readOnly:
		return s.refusal(v, ErrReadOnly)
	case s.b == nil:
		return s.refusal(v, ErrNotConnected)
	case spec.has == nil || !spec.has(s.b):
		return s.refusal(v, backends.ErrNotSupported)
	}
	for _, c := range spec.degradedBy {
		if err := s.Lost(c); err != nil {
			return s.refusal(v, &DegradedError{Lacks: c, Err: err})
		}
	}
	return nil
}

// Lost says why this connection cannot do c right now (a degraded connection: RabbitMQ without its
// management API cannot list), nil when it can or when the broker never could.
func (s *Session) Lost(c backends.Capability) error {
	if s == nil || s.b == nil {
		return nil
	}
	if d, ok := s.b.(backends.Degrader); ok {
		return d.Lost(c)
	}
	return nil
}

// Allows reports whether Can(v) is nil: for offering an action.
func (s *Session) Allows(v Verb) bool { return s.Can(v) == nil }

func (s *Session) refusal(v Verb, cause error) *RefusedError {
	return &RefusedError{Verb: v, Context: s.ContextName(), Err: cause}
}

// begin is how every mutation starts: refused (and the refusal audited) unless Can allows it.
func (s *Session) begin(v Verb, scope ...any) error {
	if err := s.Can(v); err != nil {
		s.audit(slog.LevelWarn, "mutation refused: "+refusalReason(err), v, scope)
		return err
	}
	s.audit(slog.LevelInfo, "mutation starting", v, scope)
	return nil
}

// done records how a mutation ended.
func (s *Session) done(v Verb, err error, scope ...any) {
	if err != nil {
		s.audit(slog.LevelError, "mutation failed", v, append(scope, "error", err))
		return
	}
	s.audit(slog.LevelInfo, "mutation done", v, scope)
}

func (s *Session) audit(level slog.Level, msg string, v Verb, scope []any) {
	attrs := append([]any{"action", string(v), "context", s.ContextName(), "user", who()}, scope...)
	slog.Log(context.Background(), level, msg, attrs...)
}

// CheckReadOnly refuses the mutation v in a read-only context before anything is connected to, and
// audits the refusal. It says nothing of what the broker can do: the session asks that once connected.
func CheckReadOnly(c config.Context, v Verb) error {
	if spec, known := verbs[v]; !c.ReadOnly || (known && !spec.mutates) {
		return nil // a verb it does not know is taken to change the broker
	}
	return (&Session{context: c.Name, readOnly: true}).begin(v)
}

// who is the person at the keyboard as the system knows them: user@host.
var who = sync.OnceValue(func() string {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	host, _ := os.Hostname()
	return name + "@" + host
})

// Supports reports whether the backend has what v needs, whatever the context allows: for choosing
// between verbs (a purge or a truncation) and for plans, which change nothing.
func (s *Session) Supports(v Verb) bool {
	return s != nil && s.b != nil && verbs[v].has != nil && verbs[v].has(s.b)
}

// readingSession is the session the planning functions, which take a bare backend, ask what b supports.
func readingSession(b backends.Backend) *Session { return &Session{b: b} }

// Connect opens the context c with open and makes its session: the one way front ends connect.
func Connect(ctx context.Context, open Opener, c config.Context) (*Session, error) {
	b, err := open(ctx, c)
	if err != nil {
		return nil, err
	}
	return NewSession(b, c), nil
}
