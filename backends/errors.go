package backends

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mqscope/mqscope/redact"
)

// Sentinel errors adapters wrap, so that front ends can tell a dead broker from a wrong password without
// parsing text.
var (
	ErrUnreachable  = errors.New("broker unreachable")
	ErrAuth         = errors.New("authentication failed")
	ErrNotFound     = errors.New("not found")
	ErrNotSupported = errors.New("not supported by this broker")
	// ErrGroupActive is a broker's refusal to move the offsets of a consumer group that has members.
	ErrGroupActive = errors.New("consumer group is active")
)

// ConnectError is the one-line error a failed connection gives: what failed, where, and what to do.
type ConnectError struct {
	Kind    Kind
	Address string // already redacted
	Cause   error  // ErrUnreachable, ErrAuth, or ErrNotFound (the broker answered but has no such vhost)
	Detail  string // the underlying reason, already redacted
	Hint    string
}

func (e *ConnectError) Error() string {
	var b strings.Builder
	what := "cannot reach"
	switch {
	case errors.Is(e.Cause, ErrAuth):
		what = "authentication failed at"
	case errors.Is(e.Cause, ErrNotFound):
		what = "cannot open" // reached and logged in: Detail says what is missing
	}
	fmt.Fprintf(&b, "%s %s %s", what, e.Kind, e.Address)
	if e.Detail != "" {
		fmt.Fprintf(&b, ": %s", e.Detail)
	}
	if e.Hint != "" {
		fmt.Fprintf(&b, " (%s)", e.Hint)
	}
	return b.String()
}

func (e *ConnectError) Unwrap() error { return e.Cause }

// Unreachable builds the error for a broker that did not answer at addr.
func Unreachable(kind Kind, addr string, err error) error {
	return &ConnectError{
		Kind: kind, Address: redact.URL(addr), Cause: ErrUnreachable, Detail: redactErr(err),
		Hint: "check the address and that the broker is running",
	}
}

// AuthFailed builds the error for a broker that refused our credentials at addr.
func AuthFailed(kind Kind, addr string, err error) error {
	return &ConnectError{
		Kind: kind, Address: redact.URL(addr), Cause: ErrAuth, Detail: redactErr(err),
		Hint: "check the user name and password",
	}
}

func redactErr(err error) string {
	if err == nil {
		return ""
	}
	return redact.Text(err.Error())
}

// NotFound is an error for something the broker does not have that reads exactly as its message (the
// message already says what is missing, so no ": not found" is appended) and still matches
// errors.Is(err, ErrNotFound), so front ends can tell it from other failures.
func NotFound(format string, args ...any) error {
	return &notFoundError{msg: fmt.Sprintf(format, args...)}
}

type notFoundError struct{ msg string }

func (e *notFoundError) Error() string { return e.msg }
func (e *notFoundError) Unwrap() error { return ErrNotFound }
