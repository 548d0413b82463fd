package kafka

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	kscram "github.com/twmb/franz-go/pkg/sasl/scram"
	"github.com/xdg-go/scram"

	"github.com/mqscope/mqscope/backends"
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

// kgoOptions gives a franz-go client (the publisher's) what sc, the backend's sarama settings, says of
// who mqscope is and how it connects: client id, SASL, TLS, timeouts, connections dialled through l. It
// reads the decisions saramaConfig made (mechanism, TLS config) rather than making them again.
func kgoOptions(sc *sarama.Config, l *links) ([]kgo.Opt, error) {
	opts := []kgo.Opt{
		kgo.ClientID(sc.ClientID),
		kgo.Dialer(tlsDialer(sc, l)),
		kgo.RequestTimeoutOverhead(sc.Net.ReadTimeout),
		// KIP-714 client metrics: the adapter's sarama connections send none either, and asking for a
		// subscription is one more request at the start of every publish.
		kgo.DisableClientMetrics(),
	}
	if sc.Net.SASL.Enable {
		m, err := kgoSASL(sc)
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.SASL(m))
	}
	return opts, nil
}

// kgoSASL is franz-go's form of the mechanism SASL.apply chose.
func kgoSASL(sc *sarama.Config) (sasl.Mechanism, error) {
	user, password := sc.Net.SASL.User, sc.Net.SASL.Password
	switch sc.Net.SASL.Mechanism {
	case sarama.SASLTypePlaintext:
		return plain.Auth{User: user, Pass: password}.AsMechanism(), nil
	case sarama.SASLTypeSCRAMSHA256:
		return kscram.Auth{User: user, Pass: password}.AsSha256Mechanism(), nil
	case sarama.SASLTypeSCRAMSHA512:
		return kscram.Auth{User: user, Pass: password}.AsSha512Mechanism(), nil
	}
	return nil, fmt.Errorf("kafka SASL mechanism %q is not supported by the publisher", sc.Net.SASL.Mechanism)
}

// tlsDialer dials through l and, when sc asks for TLS, shakes hands as sarama does: sc's TLS config,
// with the broker's host name as the server name unless the config names one. Dial and handshake
// together end within sc's DialTimeout, as sarama's do: kgo's own dial timeout is not applied to a
// dialer given to it, and a listener that takes the connection and never answers the hello would
// otherwise hold the publish until the client is closed.
func tlsDialer(sc *sarama.Config, l *links) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		ctx, cancel := context.WithTimeout(ctx, sc.Net.DialTimeout)
		defer cancel()
		c, err := l.DialContext(ctx, network, addr)
		if err != nil || !sc.Net.TLS.Enable {
			return c, err
		}
		tc := &tls.Config{}
		if sc.Net.TLS.Config != nil {
			tc = sc.Net.TLS.Config.Clone()
		}
		if tc.ServerName == "" {
			tc.ServerName, _, _ = net.SplitHostPort(addr)
		}
		tlsConn := tls.Client(c, tc)
		if err := tlsConn.HandshakeContext(ctx); err != nil {
			c.Close()
			return nil, diagnose(addr, err, true)
		}
		return tlsConn, nil
	}
}

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
