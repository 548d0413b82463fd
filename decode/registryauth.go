package decode

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	"github.com/twmb/franz-go/pkg/sr"
)

// credentials are what a Registry sends in the Authorization header of every request: HTTP basic auth
// with a user, a bearer token without one. The password is read when first needed and kept, until the
// registry refuses it.
type credentials struct {
	user    string
	read    func(context.Context) (string, error) // nil: no credentials
	setting string                                // where the password is set, for errors

	mu       sync.Mutex
	password string
	known    bool
}

// credentialsError is a password that could not be read from its source; its text never holds the password.
type credentialsError struct{ err error }

func (e credentialsError) Error() string { return e.err.Error() }
func (e credentialsError) Unwrap() error { return e.err }

// authorize is pkg/sr's hook before each request.
func (c *credentials) authorize(req *http.Request) error {
	if c.read == nil {
		return nil
	}
	pw, err := c.get(req.Context())
	if err != nil {
		return credentialsError{err}
	}
	if c.user != "" {
		req.SetBasicAuth(c.user, pw)
	} else {
		req.Header.Set("Authorization", "Bearer "+pw)
	}
	return nil
}

func (c *credentials) get(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.known {
		return c.password, nil
	}
	pw, err := c.read(ctx)
	if err != nil {
		return "", err
	}
	c.password, c.known = pw, true
	return pw, nil
}

// forget drops the password read, so that the next request reads it again: the user may have changed it.
func (c *credentials) forget() {
	c.mu.Lock()
	c.password, c.known = "", false
	c.mu.Unlock()
}

// refused is the one line for a 401 or 403: what the registry said and which settings to check. A 401
// (who are you?) fails every lookup alike, so it is ErrRegistryRefused; a 403 may concern one subject only.
func (c *credentials) refused(url string, answer *sr.ResponseError) error {
	said := fmt.Sprintf("HTTP %d", answer.StatusCode)
	if answer.Message != "" {
		said += ": " + answer.Message
	}
	var err error
	switch {
	case c.read == nil:
		err = fmt.Errorf("the schema registry asks for credentials (%s): set kafka.schema-registry's "+
			"username and password-env (or password-cmd, password-file); at %s", said, url)
	case c.user != "":
		err = fmt.Errorf("the schema registry refused the credentials (%s): check kafka.schema-registry.username "+
			"and %s; at %s", said, c.setting, url)
	default:
		err = fmt.Errorf("the schema registry refused the bearer token (%s): check %s (without a username, "+
			"the password is sent as a bearer token); at %s", said, c.setting, url)
	}
	if answer.StatusCode == http.StatusUnauthorized {
		return wrapRefused{err}
	}
	return err
}

// wrapRefused makes an error ErrRegistryRefused (a failure of every lookup alike: refused credentials, a
// password that cannot be read, a TLS handshake that fails) while its text stays its own.
type wrapRefused struct{ error }

func (w wrapRefused) Is(target error) bool { return target == ErrRegistryRefused }
func (w wrapRefused) Unwrap() error        { return w.error }
