// Package mqtt is the MQTT adapter, through github.com/eclipse/paho.golang speaking MQTT 5, whose user
// properties carry a message's headers (MQTT 3.1.1 has none) and whose subscriptions mark which messages
// a topic retained.
//
// MQTT has no queue to browse: a topic keeps at most one message, its retained one. So a destination is a
// topic (or, in a peek, a filter with + and #), a listing is the topic tree that the retained messages and
// a short, bounded live subscription reveal, a peek is the retained messages and then, when following,
// what arrives, and a purge clears a retained message. Lag, groups and moves do not exist in MQTT.
//
// Every operation that subscribes dials a connection of its own, so that two subscriptions to the same
// filter never share (and so never steal) each other's retained messages.
package mqtt

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/eclipse/paho.golang/packets"
	"github.com/eclipse/paho.golang/paho"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/redact"
)

// Config says how to reach an MQTT broker.
type Config struct {
	// URL is tcp://host:1883 (mqtt:// too), or ssl://host:8883 (mqtts://) for TLS.
	URL      string
	ClientID string // the connection's client id; "" makes mqscope-<random>. Scans add a suffix to it.
	Username string
	Password string
	TLS      *backends.TLS // for ssl:// URLs; nil means the system's roots
	// Timeout bounds connecting and each acknowledgement; 0 means 8 s.
	Timeout time.Duration
	// ScanWindow is how long a listing listens to live traffic; 0 means 1.5 s.
	ScanWindow time.Duration
	// MaxTopics caps the topics one listing keeps; 0 means 10000.
	MaxTopics int
}

const (
	defaultTimeout    = 8 * time.Second
	defaultScanWindow = 1500 * time.Millisecond
	defaultMaxTopics  = 10_000
)

// Backend is a connection to one MQTT broker.
type Backend struct {
	cfg     Config
	addr    string // host:port
	useTLS  bool
	mu      sync.Mutex
	main    *paho.Client // publishes; redialled when it dropped
	warning string       // what the last listing left out

	sysMu sync.Mutex // held while the $SYS connection is dialled, apart from mu
	sys   *sysWatch  // the $SYS connection, from the first BrokerStats until Close
}

var (
	_ backends.DestinationLister = (*Backend)(nil)
	_ backends.Peeker            = (*Backend)(nil)
	_ backends.Publisher         = (*Backend)(nil)
	_ backends.Purger            = (*Backend)(nil)
	_ backends.Warner            = (*Backend)(nil)
	_ backends.StatsReader       = (*Backend)(nil)
)

// Open connects once, so that a wrong address or password shows at once, in one line.
func Open(ctx context.Context, cfg Config) (*Backend, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("mqtt URL %s: want tcp://host:1883 or ssl://host:8883", redact.URL(cfg.URL))
	}
	b := &Backend{cfg: cfg, addr: u.Host}
	switch u.Scheme {
	case "tcp", "mqtt":
	case "ssl", "mqtts":
		b.useTLS = true
	default:
		return nil, fmt.Errorf("mqtt URL %s: the scheme must be tcp:// or ssl://", redact.URL(cfg.URL))
	}
	if u.Port() == "" {
		b.addr = net.JoinHostPort(u.Hostname(), map[bool]string{false: "1883", true: "8883"}[b.useTLS])
	}
	if u.User != nil && b.cfg.Username == "" {
		b.cfg.Username = u.User.Username()
		if pw, ok := u.User.Password(); ok && b.cfg.Password == "" {
			b.cfg.Password = pw
		}
	}
	if b.cfg.Timeout <= 0 {
		b.cfg.Timeout = defaultTimeout
	}
	if b.cfg.ScanWindow <= 0 {
		b.cfg.ScanWindow = defaultScanWindow
	}
	if b.cfg.MaxTopics <= 0 {
		b.cfg.MaxTopics = defaultMaxTopics
	}
	if _, err := b.client(ctx); err != nil {
		return nil, err
	}
	return b, nil
}

// client is the publishing connection, dialled again when the broker dropped it.
func (b *Backend) client(ctx context.Context) (*paho.Client, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.main != nil {
		select {
		case <-b.main.Done():
		default:
			return b.main, nil
		}
	}
	c, err := b.dial(ctx, b.cfg.ClientID, nil)
	if err != nil {
		return nil, err
	}
	b.main = c
	return c, nil
}

// dial connects a clean session. clientID "" makes a fresh one; onPublish, when set, receives every
// message the connection's subscriptions bring.
func (b *Backend) dial(ctx context.Context, clientID string, onPublish func(*paho.Publish)) (*paho.Client, error) {
	if clientID == "" {
		clientID = "mqscope-" + randomHex()
	}
	ctx, cancel := context.WithTimeout(ctx, b.cfg.Timeout)
	defer cancel()
	conn, err := b.dialConn(ctx)
	if err != nil {
		return nil, err
	}
	cc := paho.ClientConfig{ClientID: clientID, Conn: conn, PacketTimeout: b.cfg.Timeout}
	if onPublish != nil {
		cc.OnPublishReceived = []func(paho.PublishReceived) (bool, error){
			func(r paho.PublishReceived) (bool, error) { onPublish(r.Packet); return true, nil },
		}
	}
	c := paho.NewClient(cc)
	cp := &paho.Connect{ClientID: clientID, CleanStart: true, KeepAlive: 30}
	if b.cfg.Username != "" {
		cp.Username, cp.UsernameFlag = b.cfg.Username, true
	}
	if b.cfg.Password != "" {
		cp.Password, cp.PasswordFlag = []byte(b.cfg.Password), true
	}
	ca, err := c.Connect(ctx, cp)
	if err != nil || (ca != nil && ca.ReasonCode >= 0x80) {
		conn.Close()
		return nil, b.connectError(ca, err)
	}
	return c, nil
}

func (b *Backend) dialConn(ctx context.Context) (net.Conn, error) {
	var d net.Dialer
	if !b.useTLS {
		conn, err := d.DialContext(ctx, "tcp", b.addr)
		if err != nil {
			return nil, backends.Unreachable(backends.MQTT, b.addr, err)
		}
		return conn, nil
	}
	tc, err := b.cfg.TLS.Config(backends.MQTT)
	if err != nil {
		return nil, err
	}
	if tc.ServerName == "" {
		tc.ServerName, _, _ = net.SplitHostPort(b.addr)
	}
	conn, err := (&tls.Dialer{NetDialer: &d, Config: tc}).DialContext(ctx, "tcp", b.addr)
	if err != nil {
		if reason, hint, ok := backends.TLSProblem(err, "this port is plaintext: use tcp://"); ok {
			return nil, &backends.ConnectError{Kind: backends.MQTT, Address: b.addr, Cause: backends.ErrUnreachable,
				Detail: reason, Hint: hint}
		}
		return nil, backends.Unreachable(backends.MQTT, b.addr, err)
	}
	return packets.NewThreadSafeConn(conn), nil
}

// connectError names a refused CONNECT in one line: MQTT 5 reason codes 0x86 and 0x87 (3.1.1's 4 and 5)
// are a wrong user or password and a user not allowed in.
func (b *Backend) connectError(ca *paho.Connack, err error) error {
	if ca != nil && (ca.ReasonCode == 0x86 || ca.ReasonCode == 0x87 || ca.ReasonCode == 0x8C) {
		return backends.AuthFailed(backends.MQTT, b.addr, fmt.Errorf("the broker refused the credentials (reason 0x%02x: %s)",
			ca.ReasonCode, map[byte]string{0x86: "bad user name or password", 0x87: "not authorized", 0x8C: "bad authentication method"}[ca.ReasonCode]))
	}
	if ca != nil {
		err = fmt.Errorf("the broker refused the connection (reason 0x%02x)", ca.ReasonCode)
	}
	var ce *backends.ConnectError
	if errors.As(err, &ce) {
		return err
	}
	return backends.Unreachable(backends.MQTT, b.addr, err)
}

// Identity is the broker's version as $SYS/broker/version says it (Mosquitto), or "MQTT 5" where the
// broker publishes no $SYS tree.
func (b *Backend) Identity(ctx context.Context) (backends.Identity, error) {
	id := backends.Identity{Kind: backends.MQTT, Version: "MQTT 5", Cluster: b.addr,
		Nodes: []backends.Node{{Address: b.addr}}}
	got, err := b.retained(ctx, "$SYS/broker/version", time.Second)
	if err != nil {
		return backends.Identity{}, fmt.Errorf("read the broker's version: %w", err)
	}
	if len(got) == 1 && len(got[0].Payload) > 0 {
		id.Version = string(got[0].Payload)
	}
	return id, nil
}

// Warnings says what the last listing left out.
func (b *Backend) Warnings() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.warning == "" {
		return nil
	}
	return []string{b.warning}
}

// Close disconnects. It is safe to call more than once.
func (b *Backend) Close() error {
	b.sysMu.Lock()
	if b.sys != nil {
		_ = b.sys.client.Disconnect(&paho.Disconnect{})
		b.sys = nil
	}
	b.sysMu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.main != nil {
		_ = b.main.Disconnect(&paho.Disconnect{})
		b.main = nil
	}
	return nil
}

func randomHex() string {
	var p [6]byte
	_, _ = rand.Read(p[:])
	return hex.EncodeToString(p[:])
}

// scanID is the client id of a subscribing connection: the configured one with a suffix (a broker drops
// the older of two connections that share an id), or a fresh one.
func (b *Backend) scanID() string {
	if b.cfg.ClientID == "" {
		return ""
	}
	return b.cfg.ClientID + "-" + randomHex()
}

// validTopic refuses what may not be published to: wildcards, an empty name, NUL.
func validTopic(topic string) error {
	if i := strings.IndexFunc(topic, isControl); i >= 0 {
		return fmt.Errorf("topic %q has a control character, which MQTT brokers refuse", topic)
	}
	switch {
	case topic == "":
		return errors.New("an MQTT topic cannot be empty")
	case strings.ContainsAny(topic, "+#"):
		return fmt.Errorf("topic %q has a wildcard (+ or #): a message goes to one topic", topic)
	case strings.ContainsRune(topic, 0):
		return fmt.Errorf("topic %q has a NUL character, which MQTT forbids", topic)
	case len(topic) > 65535:
		return errors.New("an MQTT topic is at most 65535 bytes")
	}
	return nil
}

// isControl is true for the characters MQTT 5 says a topic should not hold, and Mosquitto refuses
// (dropping the connection): U+0000–U+001F and U+007F–U+009F.
func isControl(r rune) bool { return r < 0x20 || (r >= 0x7f && r <= 0x9f) }
