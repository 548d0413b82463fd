package kafka

import (
	"errors"
	"fmt"
	"strings"

	"github.com/IBM/sarama"
	"github.com/mqscope/mqscope/backends"
	"github.com/xdg-go/scram"
)

// SASL mechanisms the adapter speaks.
const (
	MechanismPlain       = "PLAIN"
	MechanismSCRAMSHA256 = "SCRAM-SHA-256"
	MechanismSCRAMSHA512 = "SCRAM-SHA-512"
)

// SASL says how connections authenticate.
type SASL struct {
	// Mechanism is PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (any case); empty means PLAIN.
	Mechanism string
	Username  string
	// Password is the password itself, already resolved from wherever the configuration keeps it. The
	// adapter never puts it in an error or a log; String and GoString hide it.
	Password string
}

// String describes s without its password, so that printing a Config never shows it.
func (s SASL) String() string {
	return fmt.Sprintf("SASL{Mechanism:%s Username:%s Password:xxxxx}", s.mechanism(), s.Username)
}

// GoString hides the password from %#v as well.
func (s SASL) GoString() string { return s.String() }

func (s SASL) mechanism() string {
	if s.Mechanism == "" {
		return MechanismPlain
	}
	return strings.ToUpper(s.Mechanism)
}

// apply sets sarama's SASL settings. SaslAuthenticate requests (handshake v1, Kafka 1.0+) carry the
// exchange, so a refused password comes back as an error code rather than a dropped connection.
func (s *SASL) apply(sc *sarama.Config) error {
	if s == nil {
		return nil
	}
	if s.Username == "" {
		return errors.New("kafka SASL: no user name given (set sasl.username)")
	}
	sc.Net.SASL.Enable = true
	sc.Net.SASL.Version = sarama.SASLHandshakeV1
	sc.Net.SASL.User, sc.Net.SASL.Password = s.Username, s.Password
	switch m := s.mechanism(); m {
	case MechanismPlain:
		sc.Net.SASL.Mechanism = sarama.SASLTypePlaintext
	case MechanismSCRAMSHA256:
		sc.Net.SASL.Mechanism = sarama.SASLTypeSCRAMSHA256
		sc.Net.SASL.SCRAMClientGeneratorFunc = func() sarama.SCRAMClient { return &scramClient{hash: scram.SHA256} }
	case MechanismSCRAMSHA512:
		sc.Net.SASL.Mechanism = sarama.SASLTypeSCRAMSHA512
		sc.Net.SASL.SCRAMClientGeneratorFunc = func() sarama.SCRAMClient { return &scramClient{hash: scram.SHA512} }
	default:
		return fmt.Errorf("kafka SASL mechanism %q is not supported: use %s, %s or %s",
			s.Mechanism, MechanismPlain, MechanismSCRAMSHA256, MechanismSCRAMSHA512)
	}
	return nil
}

// scramClient runs one SCRAM exchange for sarama with github.com/xdg-go/scram.
type scramClient struct {
	hash scram.HashGeneratorFcn
	conv *scram.ClientConversation
}

func (c *scramClient) Begin(user, password, authzID string) error {
	client, err := c.hash.NewClient(user, password, authzID) // its errors never quote the password
	if err != nil {
		return err
	}
	c.conv = client.NewConversation()
	return nil
}

func (c *scramClient) Step(challenge string) (string, error) { return c.conv.Step(challenge) }
func (c *scramClient) Done() bool                            { return c.conv.Done() }

// TLS says how connections are encrypted and how brokers prove who they are (shared with every adapter).
type TLS = backends.TLS

func applyTLS(t *TLS, sc *sarama.Config) error {
	if t == nil {
		return nil
	}
	tc, err := t.Config(backends.Kafka)
	if err != nil {
		return err
	}
	sc.Net.TLS.Enable, sc.Net.TLS.Config = true, tc
	return nil
}

// diagnosed is a connection failure the adapter understood: what went wrong in plain words, and what to
// change.
type diagnosed struct {
	err  error
	text string // replaces err's own text when set
	hint string
}

func (d *diagnosed) Error() string {
	if d.text != "" {
		return d.text
	}
	return d.err.Error()
}

func (d *diagnosed) Unwrap() error { return d.err }

// diagnose recognises, in the error of a first connection to addr, a TLS handshake that failed or a
// listener that expects TLS, and says so; other errors come back as they are.
func diagnose(addr string, err error, usingTLS bool) error {
	if !usingTLS {
		if backends.HungUp(err) { // a TLS listener drops what is not a TLS hello
			return &diagnosed{err: err, hint: "the broker hung up: if its listener expects TLS, set tls"}
		}
		return err
	}
	reason, hint, ok := backends.TLSProblem(err, "remove tls, or use the TLS port")
	if !ok {
		return err
	}
	return &diagnosed{err: err, text: fmt.Sprintf("TLS handshake with %s failed: %s", addr, reason), hint: hint}
}
