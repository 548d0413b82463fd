// Package redact keeps secrets out of what mqscope shows and logs: passwords in URLs, and passwords
// registered as they are read. Front ends, the log and the adapters all use it, so it depends on nothing
// of mqscope's own.
package redact

import (
	"net/url"
	"strings"
	"sync"
	"unicode"
)

// URL hides the password in a URL ("amqp://guest:secret@h/" becomes "amqp://guest:xxxxx@h/").
// Strings that are not URLs with credentials come back unchanged.
func URL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	if _, has := u.User.Password(); !has {
		return s
	}
	return u.Redacted()
}

// Text hides the password of every URL with credentials inside free text, such as an error message
// that quotes the URL it failed to dial, and every password registered with Register. A URL is
// found by its "://" wherever it sits (inside quotes, braces, a struct printed with %+v), and its
// authority (up to the first /, ? or #, or a character that cannot be in a URL) loses what lies between
// the user's ":" and the last "@".
func Text(s string) string {
	s = hideSecrets(s)
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

// minSecret is the shortest password Register hides in text: hiding every "abc" would garble
// ordinary words, and such a password is no secret anyway.
const minSecret = 6

var secrets struct {
	sync.RWMutex
	list []string
}

// Register makes Text hide s wherever it appears, for passwords that travel outside URLs
// (a SASL password, one read from a file or a command): should a client library ever quote one in an
// error, it still does not reach the screen or the log.
func Register(s string) {
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

func hideSecrets(s string) string {
	secrets.RLock()
	defer secrets.RUnlock()
	for _, secret := range secrets.list {
		if strings.Contains(s, secret) {
			s = strings.ReplaceAll(s, secret, "xxxxx")
		}
	}
	return s
}
