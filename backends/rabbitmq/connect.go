package rabbitmq

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/redact"
	"github.com/mqscope/mqscope/sanitize"
)

// target is everything Open needs to know about where the broker is, worked out from a Config once.
type target struct {
	amqpURL  string   // as given, with its password: only ever handed to the AMQP dialer
	shownURL string   // the AMQP URL with its password hidden, for messages
	uri      amqp.URI // parsed amqpURL
	apiBase  string   // management API base URL, without credentials or trailing slash
	apiUser  string
	apiPass  string
	tls      *tls.Config // for amqps:// and an https management API
}

// parseTarget checks the URLs of cfg and derives the management API's address and credentials.
func parseTarget(cfg Config) (target, error) {
	if cfg.URL == "" {
		return target{}, errors.New("no RabbitMQ URL given (want amqp://user:password@host:5672/vhost)")
	}
	shown := redact.URL(cfg.URL)
	if _, err := url.Parse(cfg.URL); err != nil {
		// url.Error quotes the whole URL, password included; keep only its reason.
		return target{}, fmt.Errorf("invalid RabbitMQ URL: %s", urlReason(err))
	}
	uri, err := amqp.ParseURI(cfg.URL)
	if err != nil {
		return target{}, fmt.Errorf("invalid RabbitMQ URL %s: %s (want amqp://user:password@host:5672/vhost)",
			shown, redact.Text(err.Error()))
	}
	if cfg.Vhost != "" {
		uri.Vhost = cfg.Vhost
	}
	tc, err := cfg.TLS.Config(backends.RabbitMQ)
	if err != nil {
		return target{}, err
	}
	t := target{amqpURL: cfg.URL, shownURL: shown, uri: uri, apiUser: uri.Username, apiPass: uri.Password, tls: tc}
	if cfg.ManagementURL == "" {
		t.apiBase = derivedManagementURL(uri)
		return t, nil
	}
	api, err := url.Parse(cfg.ManagementURL)
	if err != nil {
		return target{}, fmt.Errorf("invalid RabbitMQ management URL: %s", urlReason(err))
	}
	if api.Scheme != "http" && api.Scheme != "https" || api.Host == "" {
		return target{}, fmt.Errorf("invalid RabbitMQ management URL %s: want http://host:15672",
			redact.URL(cfg.ManagementURL))
	}
	if api.User != nil { // credentials in the management URL are meant for the API: they win
		t.apiUser = api.User.Username()
		t.apiPass, _ = api.User.Password()
		api.User = nil
	}
	api.RawQuery, api.Fragment = "", ""
	t.apiBase = strings.TrimRight(api.String(), "/")
	return t, nil
}

// derivedManagementURL is where the management plugin listens by default on the AMQP host:
// http on 15672, or https on 15671 when AMQP itself runs over TLS.
func derivedManagementURL(uri amqp.URI) string {
	if uri.Scheme == "amqps" {
		return "https://" + net.JoinHostPort(uri.Host, "15671")
	}
	return "http://" + net.JoinHostPort(uri.Host, "15672")
}

func urlReason(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return "malformed"
}

// dial opens the AMQP connection. The whole of it, TCP connect and AMQP handshake, ends when ctx does:
// amqp091-go's handshake takes no context, so the context's deadline becomes the socket's.
func dial(ctx context.Context, t target) (*amqp.Connection, error) {
	var sock *sniffConn
	stop := func() bool { return true }
	cfg := amqp.Config{
		Properties: amqp.NewConnectionProperties(),
		Vhost:      t.uri.Vhost,
		// A copy: amqp091-go fills in ServerName, which must not leak to the management API's client.
		TLSClientConfig: t.tls.Clone(),
		Dial: func(network, addr string) (net.Conn, error) {
			var d net.Dialer
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			if deadline, ok := ctx.Deadline(); ok {
				_ = c.SetDeadline(deadline) // amqp091-go clears it once the handshake is done
			}
			stop = context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
			sock = &sniffConn{Conn: newWriteBehind(c)}
			return sock, nil
		},
	}
	cfg.Properties.SetClientConnectionName("mqscope")
	conn, err := amqp.DialConfig(t.amqpURL, cfg)
	if !stop() && err == nil {
		// ctx ended just as the handshake finished and has already poisoned the socket's deadline.
		_ = conn.Close()
		err = ctx.Err()
	}
	if err != nil {
		notAMQP := false
		if sock != nil {
			_ = sock.Close()
			// An AMQP 0-9-1 server opens with a method frame (type 1); under TLS the bytes are TLS's.
			notAMQP = t.uri.Scheme == "amqp" && sock.spoke() && sock.first != 1
		}
		return nil, connectError(ctx, t, err, notAMQP)
	}
	return conn, nil
}

// sniffConn remembers the first byte the server sent, to tell a server of another protocol from a
// broker that failed the handshake.
type sniffConn struct {
	net.Conn
	once  sync.Once
	read  atomic.Bool
	first byte
}

func (c *sniffConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.once.Do(func() { c.first = p[0]; c.read.Store(true) })
	}
	return n, err
}

// spoke reports whether the server sent anything; c.first is valid once it did.
func (c *sniffConn) spoke() bool { return c.read.Load() }

// connectError turns a failed dial into the contract's ConnectError: a refused login is ErrAuth,
// anything else means the broker could not be reached.
func connectError(ctx context.Context, t target, err error, notAMQP bool) error {
	var aerr *amqp.Error
	local := errors.As(err, &aerr) && !aerr.Server
	switch {
	case errors.As(err, &aerr) && aerr.Code == amqp.AccessRefused:
		return backends.AuthFailed(backends.RabbitMQ, t.shownURL, errors.New(sanitize.Line(aerr.Reason)))
	case errors.As(err, &aerr) && aerr.Code == amqp.NotAllowed && isNoSuchVhost(aerr.Reason):
		// The login worked: the password is right and the vhost is simply not there.
		return &backends.ConnectError{
			Kind: backends.RabbitMQ, Address: t.shownURL, Cause: backends.ErrNotFound,
			Detail: fmt.Sprintf("vhost %q does not exist on this broker", sanitize.Line(t.uri.Vhost)),
			Hint: fmt.Sprintf("see its vhosts in the management UI at %s/#/vhosts or with `rabbitmqctl list_vhosts`",
				t.apiBase),
		}
	case errors.As(err, &aerr) && aerr.Code == amqp.NotAllowed:
		// 530: the login worked but the vhost is not open to this user, or a connection limit is reached.
		return &backends.ConnectError{
			Kind: backends.RabbitMQ, Address: t.shownURL, Cause: backends.ErrAuth,
			Detail: redact.Text(sanitize.Line(aerr.Reason)),
			Hint:   fmt.Sprintf("check that vhost %q exists and that the user may use it", t.uri.Vhost),
		}
	case t.uri.Scheme == "amqps" && !ended(ctx) && isTLS(err):
		reason, hint, _ := tlsProblem(err)
		return &backends.ConnectError{
			Kind: backends.RabbitMQ, Address: t.shownURL, Cause: backends.ErrUnreachable,
			Detail: fmt.Sprintf("TLS handshake with %s failed: %s", t.hostPort(), reason), Hint: hint,
		}
	case !notAMQP && !isRefused(err) && ended(ctx):
		return backends.Unreachable(backends.RabbitMQ, t.shownURL, errors.New(ctxReason(ctx)))
	case notAMQP || local && (aerr.Code == amqp.FrameError || errors.Is(err, amqp.ErrClosed)):
		// Something took the connection but did not speak AMQP 0-9-1: an HTTP port, a proxy, another
		// protocol's listener; or it hung up before saying anything.
		return backends.Unreachable(backends.RabbitMQ, t.shownURL, fmt.Errorf(
			"%s gave no AMQP 0-9-1 answer; is it RabbitMQ's AMQP port (usually 5672, 5671 for amqps)?", t.hostPort()))
	}
	return backends.Unreachable(backends.RabbitMQ, t.shownURL, err)
}

// isNoSuchVhost tells, from a 530's reason, a vhost that does not exist from one the user may not use:
// RabbitMQ says "NOT_ALLOWED - vhost NAME not found" for the first (rabbit_reader), and nothing else tells.
func isNoSuchVhost(reason string) bool {
	reason = strings.TrimPrefix(reason, "NOT_ALLOWED - ")
	return strings.HasPrefix(reason, "vhost ") && strings.HasSuffix(reason, " not found")
}

func isTLS(err error) bool {
	_, _, ok := tlsProblem(err)
	return ok
}

func isRefused(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && strings.Contains(op.Err.Error(), "refused")
}

// ended reports whether ctx is over, or about to be: the socket's deadline, copied from ctx, may fire
// a moment before ctx's own timer does.
func ended(ctx context.Context) bool {
	deadline, ok := ctx.Deadline()
	return ctx.Err() != nil || ok && !time.Now().Before(deadline)
}

func ctxReason(ctx context.Context) string {
	if !errors.Is(ctx.Err(), context.Canceled) {
		return "no answer before the connect timeout"
	}
	return "cancelled while connecting"
}

// hostPort is the AMQP address of the broker, for the degraded node list.
func (t target) hostPort() string {
	return net.JoinHostPort(t.uri.Host, strconv.Itoa(t.uri.Port))
}
