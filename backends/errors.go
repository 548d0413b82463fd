package backends

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"unicode"
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
	Cause   error  // ErrUnreachable or ErrAuth
	Detail  string // the underlying reason, already redacted
	Hint    string
}

func (e *ConnectError) Error() string {
	var b strings.Builder
	what := "cannot reach"
	if errors.Is(e.Cause, ErrAuth) {
		what = "authentication failed at"
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
		Kind: kind, Address: RedactURL(addr), Cause: ErrUnreachable, Detail: redactErr(err),
		Hint: "check the address and that the broker is running",
	}
}

// AuthFailed builds the error for a broker that refused our credentials at addr.
func AuthFailed(kind Kind, addr string, err error) error {
	return &ConnectError{
		Kind: kind, Address: RedactURL(addr), Cause: ErrAuth, Detail: redactErr(err),
		Hint: "check the user name and password",
	}
}

func redactErr(err error) string {
	if err == nil {
		return ""
	}
	return RedactText(err.Error())
}

// RedactURL hides the password in a URL ("amqp://guest:secret@h/" becomes "amqp://guest:xxxxx@h/").
// Strings that are not URLs with credentials come back unchanged.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	if _, has := u.User.Password(); !has {
		return s
	}
	return u.Redacted()
}

// RedactText hides the password of every URL with credentials inside free text, such as an error message
// that quotes the URL it failed to dial, and every password registered with RegisterSecret. A URL is
// found by its "://" wherever it sits (inside quotes, braces, a struct printed with %+v), and its
// authority (up to the first /, ? or #, or a character that cannot be in a URL) loses what lies between
// the user's ":" and the last "@".
func RedactText(s string) string {
	s = redactSecrets(s)
	if !strings.Contains(s, "://") || !strings.Contains(s, "@") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "://")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		start := i + len("://")
		end := strings.IndexFunc(s[start:], endsAuthority)
		if end < 0 {
			end = len(s)
		} else {
			end += start
		}
		auth := s[start:end]
		if at := strings.LastIndex(auth, "@"); at > 0 {
			if colon := strings.Index(auth[:at], ":"); colon >= 0 {
				b.WriteString(s[:start+colon+1])
				b.WriteString("xxxxx")
				b.WriteString(s[start+at : end])
				s = s[end:]
				continue
			}
		}
		b.WriteString(s[:end])
		s = s[end:]
	}
}

// endsAuthority is true of the characters that end a URL's user:password@host part in free text.
func endsAuthority(r rune) bool {
	return strings.ContainsRune("/?#\"'`<>{}|\\^", r) || unicode.IsSpace(r) || unicode.IsControl(r)
}

// minSecret is the shortest password RegisterSecret hides in text: hiding every "abc" would garble
// ordinary words, and such a password is no secret anyway.
const minSecret = 6

var secrets struct {
	sync.RWMutex
	list []string
}

// RegisterSecret makes RedactText hide s wherever it appears, for passwords that travel outside URLs
// (a SASL password, one read from a file or a command): should a client library ever quote one in an
// error, it still does not reach the screen or the log.
func RegisterSecret(s string) {
	if len(s) < minSecret {
		return
	}
	secrets.Lock()
	defer secrets.Unlock()
	for _, have := range secrets.list {
		if have == s {
			return
		}
	}
	secrets.list = append(secrets.list, s)
}

func redactSecrets(s string) string {
	secrets.RLock()
	defer secrets.RUnlock()
	for _, secret := range secrets.list {
		if strings.Contains(s, secret) {
			s = strings.ReplaceAll(s, secret, "xxxxx")
		}
	}
	return s
}
