// Package nats is the NATS JetStream adapter, through github.com/nats-io/nats.go and its jetstream
// package.
//
// How JetStream maps onto the contract:
//   - A destination is a stream (key-value and object-store buckets, KV_* and OBJ_*, are internal). A
//     stream has one partition, 0, and the offset of the message at stream sequence s is s − 1, so that
//     offsets count from 0 as Kafka's do: a stream's log start is its first sequence − 1 and its end its last
//     sequence.
//   - A consumer group is a durable or named consumer. Its committed offset is its ack floor (everything up
//     to it is acknowledged), and its lag is what it has not acknowledged yet: num_pending (not delivered)
//     plus num_ack_pending (delivered, not acknowledged). Consumers of the same name on several streams are
//     one group reading several topics.
//   - A message's key is its subject. Publishing to a stream's name sends to the stream's one subject;
//     anything else is taken as a subject (a stream captures it, or the publish fails).
//   - Reads (peek, plans, moves) go through an ephemeral consumer of mqscope's own that acknowledges
//     nothing and is deleted afterwards, or fetch one message by sequence: no durable consumer moves.
package nats

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/redact"
)

// Config says how to reach a NATS server and prove who we are.
type Config struct {
	// URL is nats://[user[:password]@]host:4222 (tls:// for TLS); several may be given comma-separated.
	URL string
	// User and Password, Token, NKeySeedFile or CredsFile: at most one way to authenticate. A user or
	// password in the URL works too.
	User, Password string
	Token          string
	NKeySeedFile   string // a file holding an NKey seed (SU...)
	CredsFile      string // a .creds file: a user JWT and its NKey seed
	// TLS configures tls:// URLs, or a server that requires TLS; nil means the system's roots.
	TLS *backends.TLS
	// Timeout bounds connecting and each request; 0 means 8 s.
	Timeout time.Duration
}

const defaultTimeout = 8 * time.Second

// Backend is a live connection to one NATS server (or cluster) and its JetStream account.
type Backend struct {
	nc      *nats.Conn
	js      jetstream.JetStream
	addr    string // the URL, redacted, for errors
	timeout time.Duration
}

var (
	_ backends.DestinationLister = (*Backend)(nil)
	_ backends.GroupLister       = (*Backend)(nil)
	_ backends.LagReader         = (*Backend)(nil)
	_ backends.Peeker            = (*Backend)(nil)
	_ backends.Publisher         = (*Backend)(nil)
	_ backends.Mover             = (*Backend)(nil)
	_ backends.OffsetResetter    = (*Backend)(nil)
	_ backends.Truncator         = (*Backend)(nil)
)

// Open connects and checks that JetStream answers, so that a failure shows at once, in one line.
func Open(ctx context.Context, cfg Config) (*Backend, error) {
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	addr := redact.URL(cfg.URL)
	opts, err := options(cfg, timeout)
	if err != nil {
		return nil, err
	}
	nc, err := nats.Connect(cfg.URL, opts...)
	if err != nil {
		return nil, connectError(addr, err)
	}
	js, err := jetstream.New(nc, jetstream.WithDefaultTimeout(timeout), jetstream.WithPublishAsyncTimeout(timeout),
		jetstream.WithPublishAsyncMaxPending(4*publishBatch))
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("nats %s: %w", addr, err)
	}
	b := &Backend{nc: nc, js: js, addr: addr, timeout: timeout}
	if err := b.checkJetStream(ctx); err != nil {
		nc.Close()
		return nil, err
	}
	return b, nil
}

// options turns the config into the client's options. Reconnects are off: a front end reconnects by
// opening again, and a request must fail rather than wait for a server that went away.
func options(cfg Config, timeout time.Duration) ([]nats.Option, error) {
	opts := []nats.Option{
		nats.Name("mqscope"), nats.Timeout(timeout), nats.NoReconnect(), nats.NoCallbacksAfterClientClose(),
		// The client's default handler prints to stderr, where the TUI draws: say nothing there.
		nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}),
	}
	switch {
	case cfg.CredsFile != "":
		opts = append(opts, nats.UserCredentials(cfg.CredsFile))
	case cfg.NKeySeedFile != "":
		o, err := nats.NkeyOptionFromSeed(cfg.NKeySeedFile)
		if err != nil {
			return nil, fmt.Errorf("nats nkey seed file %s: %s", cfg.NKeySeedFile, redact.Text(err.Error()))
		}
		opts = append(opts, o)
	case cfg.Token != "":
		opts = append(opts, nats.Token(cfg.Token))
	case cfg.User != "" || cfg.Password != "":
		opts = append(opts, nats.UserInfo(cfg.User, cfg.Password))
	}
	if cfg.TLS != nil || usesTLS(cfg.URL) {
		tc, err := cfg.TLS.Config("nats")
		if err != nil {
			return nil, err
		}
		opts = append(opts, nats.Secure(tc))
	}
	return opts, nil
}

func usesTLS(urls string) bool {
	for _, u := range strings.Split(urls, ",") {
		if p, err := url.Parse(strings.TrimSpace(u)); err == nil && p.Scheme == "tls" {
			return true
		}
	}
	return false
}

// connectError names what failed on connecting, in one line, without the password.
func connectError(addr string, err error) error {
	switch {
	case errors.Is(err, nats.ErrAuthorization), errors.Is(err, nats.ErrAuthExpired),
		errors.Is(err, nats.ErrAuthRevoked), strings.Contains(strings.ToLower(err.Error()), "authorization violation"):
		return &backends.ConnectError{Kind: backends.NATS, Address: addr, Cause: backends.ErrAuth,
			Detail: "authorization violation", Hint: "check the user and password, token, nkey or .creds file"}
	}
	if reason, hint, ok := backends.TLSProblem(err, "this server speaks plain NATS: use nats://"); ok {
		return &backends.ConnectError{Kind: backends.NATS, Address: addr, Cause: backends.ErrUnreachable,
			Detail: reason, Hint: hint}
	}
	if strings.Contains(err.Error(), "secure connection") {
		return &backends.ConnectError{Kind: backends.NATS, Address: addr, Cause: backends.ErrUnreachable,
			Detail: redact.Text(err.Error()), Hint: "use tls:// and the tls settings to match the server"}
	}
	return backends.Unreachable(backends.NATS, addr, err)
}

// checkJetStream asks for the account's JetStream usage: it fails where JetStream is off.
func (b *Backend) checkJetStream(ctx context.Context) error {
	ctx, cancel := b.bound(ctx)
	defer cancel()
	if _, err := b.js.AccountInfo(ctx); err != nil {
		if errors.Is(err, jetstream.ErrJetStreamNotEnabled) || errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount) {
			return fmt.Errorf("nats %s: JetStream is not enabled for this account; mqscope reads streams, so start "+
				"the server with -js (or enable JetStream for the account): %w", b.addr, backends.ErrNotSupported)
		}
		return b.opError("ask for JetStream", err)
	}
	return nil
}

// bound gives ctx the backend's timeout where it has no earlier deadline.
func (b *Backend) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if d, ok := ctx.Deadline(); ok && time.Until(d) < b.timeout {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, b.timeout)
}

// Identity is the server's version, its cluster (or its own name when it runs alone) and the server
// this connection reached.
func (b *Backend) Identity(context.Context) (backends.Identity, error) {
	if !b.nc.IsConnected() {
		return backends.Identity{}, backends.Unreachable(backends.NATS, b.addr, nats.ErrConnectionClosed)
	}
	id := backends.Identity{Kind: backends.NATS, Version: b.nc.ConnectedServerVersion(),
		Cluster: b.nc.ConnectedClusterName()}
	if id.Cluster == "" {
		id.Cluster = b.nc.ConnectedServerName() + " (standalone)"
	}
	id.Nodes = []backends.Node{{ID: b.nc.ConnectedServerName(), Address: b.nc.ConnectedAddr()}}
	return id, nil
}

// Close releases the connection. It is safe to call more than once.
func (b *Backend) Close() error {
	b.nc.Close()
	return nil
}

// opError wraps a failed request with what was being done, in one line.
func (b *Backend) opError(what string, err error) error {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %w", what, err)
	case errors.Is(err, nats.ErrConnectionClosed), errors.Is(err, nats.ErrDisconnected),
		errors.Is(err, nats.ErrNoServers):
		return fmt.Errorf("%s: %w", what, backends.Unreachable(backends.NATS, b.addr, err))
	case errors.Is(err, jetstream.ErrStreamNotFound), errors.Is(err, jetstream.ErrConsumerNotFound),
		errors.Is(err, jetstream.ErrMsgNotFound):
		return backends.NotFound("%s: %s", what, oneLine(err.Error()))
	}
	return fmt.Errorf("%s: %s", what, redact.Text(oneLine(err.Error())))
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// atLeast reports whether the connected server is version major.minor or newer.
func (b *Backend) atLeast(major, minor int) bool {
	parts := strings.SplitN(strings.TrimPrefix(b.nc.ConnectedServerVersion(), "v"), ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, _ := strconv.Atoi(parts[0])
	mi, _ := strconv.Atoi(parts[1])
	return ma > major || ma == major && mi >= minor
}
