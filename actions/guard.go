package actions

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/user"
	"sync"
)

// ErrReadOnly is what every mutating action returns in a read-only context.
var ErrReadOnly = errors.New("read-only")

// Guard is the one place read-only mode is enforced, for every front end: each mutating action calls
// Allow before it touches a broker. It also keeps the audit trail: every mutation asked for, refused or
// done is logged with who asked, on which context (slog adds when).
type Guard struct {
	ReadOnly bool
	Context  string // the context's name, for the message
}

// Allow refuses a mutation (named by action, e.g. "publish") in a read-only context. scope says what it
// would change, as slog key-value pairs ("queue", name), for the audit log.
func (g Guard) Allow(action string, scope ...any) error {
	if err := g.Check(action, scope...); err != nil {
		return err
	}
	g.audit(slog.LevelInfo, "mutation starting", action, scope)
	return nil
}

// Check refuses a mutation in a read-only context as Allow does, but records nothing when it is
// allowed: for a front end that refuses before it connects, ahead of the action's own Allow.
func (g Guard) Check(action string, scope ...any) error {
	if !g.ReadOnly {
		return nil
	}
	g.audit(slog.LevelWarn, "mutation refused: read-only", action, scope)
	where := "this connection"
	if g.Context != "" {
		where = fmt.Sprintf("context %q", g.Context)
	}
	return fmt.Errorf("%s refused: %s is read-only (remove --read-only, or `read-only: true` from the context, to allow changes): %w",
		action, where, ErrReadOnly)
}

// Done records how a mutation ended, for the audit log.
func (g Guard) Done(action string, err error, scope ...any) {
	if err != nil {
		g.audit(slog.LevelError, "mutation failed", action, append(scope, "error", err))
		return
	}
	g.audit(slog.LevelInfo, "mutation done", action, scope)
}

func (g Guard) audit(level slog.Level, msg, action string, scope []any) {
	attrs := append([]any{"action", action, "context", g.Context, "user", who()}, scope...)
	slog.Log(context.Background(), level, msg, attrs...)
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
