package actions

import (
	"errors"
	"fmt"

	"github.com/mqscope/mqscope/backends"
)

// The errors below are causes, not sentences for a terminal: they name no flag, key or command. Each front
// end says what to do about them in its own terms (the CLI its flags, the TUI its keys).

// NotFoundError is a destination a request names that the broker does not have.
type NotFoundError struct {
	Kind  string // what was looked for: "queue", "topic or queue"
	Name  string
	Group bool // a consumer group (a NATS consumer): listed with the groups, not with the destinations
}

func (e *NotFoundError) Error() string { return fmt.Sprintf("no %s named %s here", e.Kind, e.Name) }
func (e *NotFoundError) Unwrap() error { return backends.ErrNotFound }

// ErrTargetIsSource: a redrive's target is the dead-letter queue it reads from.
var ErrTargetIsSource = errors.New("the target is the dead-letter queue itself")

// TargetError is a redrive's given target (RedriveOptions.To) that cannot be used: ErrTargetIsSource, or
// a *NotFoundError.
type TargetError struct {
	Target string
	Err    error
}

func (e *TargetError) Error() string {
	var nf *NotFoundError
	switch {
	case errors.Is(e.Err, ErrTargetIsSource):
		return fmt.Sprintf("target %s is the dead-letter queue itself; name where its letters go", e.Target)
	case errors.As(e.Err, &nf):
		return fmt.Sprintf("target %s: no such %s here", e.Target, nf.Kind)
	}
	return fmt.Sprintf("target %s: %v", e.Target, e.Err)
}

func (e *TargetError) Unwrap() error { return e.Err }

// BodyError is a message body that is not the JSON its publish asked for (PublishOptions.JSON, or a
// JSON content type).
type BodyError struct {
	Seq    int64 // which message of the publish, from 1
	Offset int64 // the byte the JSON goes wrong at; 0 when unknown
	Err    error
}

func (e *BodyError) Error() string {
	if e.Offset > 0 {
		return fmt.Sprintf("message %d: the body is not valid JSON (at byte %d: %v)", e.Seq, e.Offset, e.Err)
	}
	return fmt.Sprintf("message %d: the body is not valid JSON (%v)", e.Seq, e.Err)
}

func (e *BodyError) Unwrap() error { return e.Err }

// ServerSideError says why the broker's own mover cannot do a redrive that mqscope's mover can.
type ServerSideError struct {
	Why string
	Err error // backends.ErrNotSupported when the broker has no mover of its own; else nil
}

func (e *ServerSideError) Error() string {
	return e.Why + ": the broker's own mover cannot do this move"
}
func (e *ServerSideError) Unwrap() error { return e.Err }
