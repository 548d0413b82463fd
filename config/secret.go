package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/mqscope/mqscope/redact"
)

// Redacted is what a Secret shows instead of itself, the same mark redact.URL puts in URLs.
const Redacted = "xxxxx"

// Secret is a password. Every way Go has of printing, encoding or logging it shows Redacted instead, so
// that a context printed with %+v, encoded to JSON or logged with slog cannot leak it; Reveal is the one
// way to the text, for the code that hands it to a broker's client.
type Secret string

// Reveal is the password itself.
func (s Secret) Reveal() string { return string(s) }

// String is Redacted, or "" for no password (so that an empty field still reads as empty).
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return Redacted
}

// Format makes every fmt verb (%v, %+v, %#v, %s, %q, %x, ...) print the redacted form.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", s.String())
		return
	}
	fmt.Fprint(f, s.String())
}

// LogValue keeps the password out of slog's output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON writes the redacted form.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + s.String() + `"`), nil }

// MarshalText writes the redacted form (for encoders that take text, and map keys).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// MarshalYAML writes the redacted form.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// PasswordSource says where a password comes from: at most one of its fields is set. Written inline in
// the contexts file it is allowed, but warned about.
type PasswordSource struct {
	Password    Secret `yaml:"password,omitempty"`     // inline: discouraged
	PasswordEnv string `yaml:"password-env,omitempty"` // the name of an environment variable
	// PasswordCmd is a shell command that prints the password. It is kept as secret as a password: people
	// write tokens into such commands, so no error, log or output quotes it.
	PasswordCmd  Secret `yaml:"password-cmd,omitempty"`
	PasswordFile string `yaml:"password-file,omitempty"` // a file that holds it; relative to the config file
}

// PasswordCmdTimeout bounds a password-cmd: a password manager that waits for a touch or a PIN gets this
// long before connecting gives up.
const PasswordCmdTimeout = 30 * time.Second

// given lists the source keys that are set, in the order the file documents them.
func (p PasswordSource) given() []string {
	var keys []string
	for _, s := range []struct {
		key string
		set bool
	}{
		{"password", p.Password != ""},
		{"password-env", p.PasswordEnv != ""},
		{"password-cmd", p.PasswordCmd != ""},
		{"password-file", p.PasswordFile != ""},
	} {
		if s.set {
			keys = append(keys, s.key)
		}
	}
	return keys
}

// IsSet says whether any source is given.
func (p PasswordSource) IsSet() bool { return len(p.given()) > 0 }

// Resolve reads the password from its source: the inline value, the environment variable, the command's
// output or the file's content, the last two trimmed of surrounding white space. No source gives "".
// Errors say which source failed and how, never what it printed.
func (p PasswordSource) Resolve(ctx context.Context) (Secret, error) {
	pw, err := p.read(ctx)
	redact.Register(pw.Reveal()) // should a client library ever quote it, it is still hidden
	return pw, err
}

func (p PasswordSource) read(ctx context.Context) (Secret, error) {
	switch {
	case p.Password != "":
		return p.Password, nil
	case p.PasswordEnv != "":
		return fromEnv(p.PasswordEnv)
	case p.PasswordCmd != "":
		return fromCmd(ctx, p.PasswordCmd.Reveal())
	case p.PasswordFile != "":
		return fromFile(p.PasswordFile)
	}
	return "", nil
}

func fromEnv(name string) (Secret, error) {
	v, ok := os.LookupEnv(name)
	switch {
	case !ok:
		return "", fmt.Errorf("password-env: environment variable %s is not set (export it before starting mqscope)", name)
	case v == "":
		return "", fmt.Errorf("password-env: environment variable %s is empty", name)
	}
	return Secret(v), nil
}

// fromCmd runs command with sh -c. Neither the command (which may hold a token) nor its output (the
// password) nor its error output (which might echo either) goes into the error: the user is told to run
// the command to see why, and the caller names the context it belongs to.
func fromCmd(ctx context.Context, command string) (Secret, error) {
	ctx, cancel := context.WithTimeout(ctx, PasswordCmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.WaitDelay = time.Second // a child that keeps the pipe open must not hold us past the deadline
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return "", fmt.Errorf("password-cmd did not finish within %s (run it in a shell to see why)", PasswordCmdTimeout)
	case errors.As(err, &exit):
		return "", fmt.Errorf("password-cmd failed with exit status %d (run it in a shell to see why)", exit.ExitCode())
	case err != nil:
		return "", fmt.Errorf("password-cmd could not run: %v", redactCmd(err.Error(), command))
	}
	pw := strings.TrimSpace(out.String())
	if pw == "" {
		return "", errors.New("password-cmd printed no password")
	}
	return Secret(pw), nil
}

// redactCmd hides command in msg: an error from starting a process may quote what it started.
func redactCmd(msg, command string) string {
	if command == "" {
		return msg
	}
	return strings.ReplaceAll(msg, command, "(the command)")
}

func fromFile(path string) (Secret, error) {
	data, err := ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is said once, below
		}
		return "", fmt.Errorf("password-file %s: %w", path, err)
	}
	pw := strings.TrimSpace(string(data))
	if pw == "" {
		return "", fmt.Errorf("password-file %s is empty", path)
	}
	return Secret(pw), nil
}

// Secrets reads contexts' passwords from their sources. It remembers what each password-cmd printed, so
// that reconnecting does not ask a password manager again; Forget drops that once the broker refused the
// password. The zero value is ready to use; a nil *Secrets remembers nothing.
type Secrets struct {
	mu    sync.Mutex
	byCmd map[Secret]Secret
}

// WithSecrets is the context with every password read from its source, ready to connect with. The
// context itself is left as it was: the passwords live only in the copy.
func (c Context) WithSecrets(ctx context.Context) (Context, error) {
	return (*Secrets)(nil).Resolve(ctx, c)
}

// Resolve is c with every password read from its source (see Context.WithSecrets).
func (s *Secrets) Resolve(ctx context.Context, c Context) (Context, error) {
	if c.Kafka != nil && c.Kafka.SASL != nil {
		k, sasl := *c.Kafka, *c.Kafka.SASL
		pw, err := s.password(ctx, sasl.PasswordSource)
		if err != nil {
			return Context{}, fmt.Errorf("context %q: kafka.sasl.%w", c.Name, err)
		}
		sasl.PasswordSource = PasswordSource{Password: pw}
		k.SASL, c.Kafka = &sasl, &k
	}
	if c.RabbitMQ != nil && c.RabbitMQ.PasswordSource.IsSet() {
		r := *c.RabbitMQ
		pw, err := s.password(ctx, r.PasswordSource)
		if err != nil {
			return Context{}, fmt.Errorf("context %q: rabbitmq.%w", c.Name, err)
		}
		r.PasswordSource = PasswordSource{Password: pw}
		c.RabbitMQ = &r
	}
	if c.NATS != nil && c.NATS.PasswordSource.IsSet() {
		n := *c.NATS
		pw, err := s.password(ctx, n.PasswordSource)
		if err != nil {
			return Context{}, fmt.Errorf("context %q: nats.%w", c.Name, err)
		}
		n.PasswordSource = PasswordSource{Password: pw}
		c.NATS = &n
	}
	if c.MQTT != nil && c.MQTT.PasswordSource.IsSet() {
		m := *c.MQTT
		pw, err := s.password(ctx, m.PasswordSource)
		if err != nil {
			return Context{}, fmt.Errorf("context %q: mqtt.%w", c.Name, err)
		}
		m.PasswordSource = PasswordSource{Password: pw}
		c.MQTT = &m
	}
	if c.Redis != nil && c.Redis.PasswordSource.IsSet() {
		r := *c.Redis
		pw, err := s.password(ctx, r.PasswordSource)
		if err != nil {
			return Context{}, fmt.Errorf("context %q: redis.%w", c.Name, err)
		}
		r.PasswordSource = PasswordSource{Password: pw}
		c.Redis = &r
	}
	return c, nil
}

func (s *Secrets) password(ctx context.Context, p PasswordSource) (Secret, error) {
	if s == nil || p.PasswordCmd == "" || p.Password != "" {
		return p.Resolve(ctx)
	}
	s.mu.Lock()
	pw, ok := s.byCmd[p.PasswordCmd]
	s.mu.Unlock()
	if ok {
		return pw, nil
	}
	pw, err := p.Resolve(ctx)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	if s.byCmd == nil {
		s.byCmd = map[Secret]Secret{}
	}
	s.byCmd[p.PasswordCmd] = pw
	s.mu.Unlock()
	return pw, nil
}

// Forget drops what c's password commands printed, so that the next Resolve runs them again: after the
// broker refused the password, the user may have changed it.
func (s *Secrets) Forget(c Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.Kafka != nil && c.Kafka.SASL != nil {
		delete(s.byCmd, c.Kafka.SASL.PasswordCmd)
	}
	if c.RabbitMQ != nil {
		delete(s.byCmd, c.RabbitMQ.PasswordCmd)
	}
	if c.Redis != nil {
		delete(s.byCmd, c.Redis.PasswordCmd)
	}
	if c.NATS != nil {
		delete(s.byCmd, c.NATS.PasswordCmd)
	}
	if c.MQTT != nil {
		delete(s.byCmd, c.MQTT.PasswordCmd)
	}
}
