package actions

import (
	"errors"
	"fmt"
)

// ErrReadOnly is what every mutating action returns in a read-only context.
var ErrReadOnly = errors.New("read-only")

// Guard is the one place read-only mode is enforced, for every front end: each mutating action calls
// Allow before it touches a broker.
type Guard struct {
	ReadOnly bool
	Context  string // the context's name, for the message
}

// Allow refuses a mutation (named by action, e.g. "publish") in a read-only context.
func (g Guard) Allow(action string) error {
	if !g.ReadOnly {
		return nil
	}
	where := "this connection"
	if g.Context != "" {
		where = fmt.Sprintf("context %q", g.Context)
	}
	return fmt.Errorf("%s refused: %s is read-only (remove --read-only, or `read-only: true` from the context, to allow changes): %w",
		action, where, ErrReadOnly)
}
