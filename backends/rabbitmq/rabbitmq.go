// Package rabbitmq is the RabbitMQ adapter: AMQP 0-9-1 through github.com/rabbitmq/amqp091-go, and the
// management HTTP API for listings and statistics.
//
// AMQP alone cannot enumerate queues, so listings need the management API. When the API is unreachable or
// refuses the user, Open still succeeds on AMQP alone: Warnings says what is missing and ListDestinations
// returns an error wrapping backends.ErrNotSupported.
package rabbitmq

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"golang.org/x/sync/errgroup"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/sanitize"
)

// Config says how to reach a RabbitMQ broker. Zero values mean the defaults given below.
type Config struct {
	// URL is the AMQP URL, amqp://user:password@host:5672/vhost (amqps:// for TLS). Its vhost is the one
	// used, unless Vhost is set.
	URL string
	// Vhost, when set, replaces the URL's vhost.
	Vhost string
	// TLS configures amqps:// and an https management API; nil means the system's roots.
	TLS *TLS
	// ManagementURL is the management HTTP API's base URL. Empty means http://HOST:15672 on the AMQP host
	// (https://HOST:15671 for amqps). The API is called with the AMQP URL's credentials unless this URL
	// carries its own.
	ManagementURL string
	// PageSize is how many queues or exchanges one API request fetches: 1 to 500, 0 means 500. A negative
	// PageSize fetches each listing in one unpaged request instead. That is faster (every page makes the
	// broker gather and sort the whole list: 5,000 queues on RabbitMQ 3.10 took 0.8-1.3 s unpaged against
	// 1.4-3.7 s in pages of 500), but one answer then holds every queue of the vhost.
	PageSize int
	// Timeout bounds connecting and each management API request; 0 means 8 s.
	Timeout time.Duration
	// PeekHold bounds how long a peek of a classic or quorum queue holds the messages it took, which
	// consumers cannot have meanwhile: past it the peek gives them all back and stops. 0 means 30 s.
	PeekHold time.Duration
}

const (
	defaultTimeout  = 8 * time.Second
	defaultPeekHold = 30 * time.Second
	// reprobeEvery is how often a backend without its management API checks whether the API came back.
	reprobeEvery = 15 * time.Second
)

func (c Config) withDefaults() Config {
	if c.PageSize == 0 || c.PageSize > maxPageSize {
		c.PageSize = maxPageSize
	}
	if c.Timeout <= 0 {
		c.Timeout = defaultTimeout
	}
	if c.PeekHold <= 0 {
		c.PeekHold = defaultPeekHold
	}
	return c
}

// Backend is a connection to one RabbitMQ broker: an AMQP connection and a management API client.
type Backend struct {
	cfg    Config
	target target
	api    *apiClient
	vhost  string // the vhost of the AMQP connection: the one listed

	connMu sync.Mutex
	conn   *amqp.Connection // replaced when it died (see connection)
	closed bool

	closeOnce sync.Once
	closeErr  error

	mu       sync.Mutex
	apiDown  error     // why the management API cannot be used; nil when it can
	probedAt time.Time // when apiDown was last checked
}

var (
	_ backends.Backend           = (*Backend)(nil)
	_ backends.DestinationLister = (*Backend)(nil)
	_ backends.Warner            = (*Backend)(nil)
)

// Open connects to the broker over AMQP, within cfg.Timeout and ctx, and checks the management API.
// An unreachable broker gives an error wrapping backends.ErrUnreachable, a refused login one wrapping
// backends.ErrAuth; neither contains the URL's password.
func Open(ctx context.Context, cfg Config) (*Backend, error) {
	cfg = cfg.withDefaults()
	t, err := parseTarget(cfg)
	if err != nil {
		return nil, err
	}
	dialCtx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	conn, err := dial(dialCtx, t)
	if err != nil {
		return nil, err
	}
	b := &Backend{
		cfg: cfg, target: t, conn: conn, vhost: t.uri.Vhost,
		api: newAPIClient(t.apiBase, t.apiUser, t.apiPass, cfg.Timeout, t.tls),
	}
	b.probe(ctx)
	return b, nil
}

// probe checks that the management API answers, accepts the user and belongs to the broker the AMQP
// connection reached, and records why not.
func (b *Backend) probe(ctx context.Context) {
	var who struct{ Name string }
	err := b.api.get(ctx, "/api/whoami", nil, &who)
	if err == nil {
		err = b.sameBroker(ctx)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.apiDown, b.probedAt = err, time.Now()
}

// errOtherBroker is the management API of another broker than the AMQP connection's.
var errOtherBroker = errors.New("another broker")

// sameBroker checks that the management API speaks for the cluster the AMQP connection reached: a node on
// a non-default AMQP port usually has its management listener on a non-default port too, and the derived
// http://HOST:15672 may then be another broker's, whose answers would be about other queues.
func (b *Backend) sameBroker(ctx context.Context) error {
	amqpCluster := b.amqpIdentity().Cluster
	if amqpCluster == "" {
		return nil // the broker did not say: nothing to compare
	}
	var overview struct {
		Cluster string `json:"cluster_name"`
	}
	if err := b.api.get(ctx, "/api/overview", columns("cluster_name"), &overview); err != nil {
		return err
	}
	if overview.Cluster == amqpCluster {
		return nil
	}
	return &apiError{Endpoint: b.target.apiBase, kind: errOtherBroker,
		Reason: fmt.Sprintf("it belongs to cluster %q, and the AMQP connection to %s reached cluster %q",
			sanitize.Line(overview.Cluster), b.target.hostPort(), sanitize.Line(amqpCluster))}
}

// managementAPI says why the management API cannot be used, or nil when it can. A backend that opened
// without the API checks again now and then, so that enabling the plugin needs no reconnect.
func (b *Backend) managementAPI(ctx context.Context) error {
	b.mu.Lock()
	down, stale := b.apiDown, time.Since(b.probedAt) > reprobeEvery
	b.mu.Unlock()
	if down != nil && stale {
		b.probe(ctx)
		b.mu.Lock()
		down = b.apiDown
		b.mu.Unlock()
	}
	return down
}

// Lost says why listing does not work right now: the management API is down (as last seen; a listing
// looks again).
func (b *Backend) Lost(c backends.Capability) error {
	if c != backends.Listing {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.apiDown == nil {
		return nil
	}
	what, _ := b.apiProblem(b.apiDown)
	return errors.New(what)
}

// Warnings says, in plain sentences, what does not work because the management API is missing.
func (b *Backend) Warnings() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.apiDown == nil {
		return nil
	}
	what, fix := b.apiProblem(b.apiDown)
	return []string{what + "; listing queues needs it — " + fix}
}

// apiProblem says what is wrong with the management API and what to do about it.
func (b *Backend) apiProblem(err error) (what, fix string) {
	var aerr *apiError
	reason := err.Error()
	if errors.As(err, &aerr) {
		reason = aerr.Reason
		if aerr.Status != 0 {
			reason = fmt.Sprintf("%d %s", aerr.Status, reason)
		}
	}
	base, user := b.target.apiBase, b.target.apiUser
	if errors.Is(err, errOtherBroker) {
		return fmt.Sprintf("management API at %s is another broker's: %s", base, reason),
			"pass the management URL of the node you connect to with --rabbitmq-api http://HOST:PORT"
	}
	if errors.Is(err, backends.ErrAuth) {
		return fmt.Sprintf("management API at %s refused user %q: %s", base, user, reason),
			fmt.Sprintf("check the password and that the user has the monitoring tag "+
				"(rabbitmqctl set_user_tags %s monitoring), or pass --rabbitmq-api http://USER:PASSWORD@HOST:15672", user)
	}
	return fmt.Sprintf("management API at %s unreachable: %s", base, reason),
		"enable with `rabbitmq-plugins enable rabbitmq_management` or pass --rabbitmq-api"
}

// withoutAPIError is what listing says when the management API cannot be used. It wraps
// backends.ErrNotSupported without repeating its text.
type withoutAPIError struct{ msg string }

func (e withoutAPIError) Error() string { return e.msg }
func (e withoutAPIError) Unwrap() error { return backends.ErrNotSupported }

func (b *Backend) withoutAPI(err error) error {
	what, fix := b.apiProblem(err)
	return withoutAPIError{"cannot list queues: AMQP alone cannot enumerate them, and the " + what + "; " + fix}
}

// Identity names the broker: version and cluster from the management API, or from what the broker said
// when the AMQP connection opened if the API cannot be used.
func (b *Backend) Identity(ctx context.Context) (backends.Identity, error) {
	if b.managementAPI(ctx) == nil {
		if id, err := b.apiIdentity(ctx); err == nil {
			return id, nil
		}
	}
	return b.amqpIdentity(), nil
}

func (b *Backend) apiIdentity(ctx context.Context) (backends.Identity, error) {
	var overview struct {
		Version   string `json:"rabbitmq_version"`
		Cluster   string `json:"cluster_name"`
		Listeners []struct {
			Node     string `json:"node"`
			Protocol string `json:"protocol"`
			IP       string `json:"ip_address"`
			Port     int    `json:"port"`
		} `json:"listeners"`
	}
	var nodes []struct {
		Name    string `json:"name"`
		Running bool   `json:"running"`
	}
	var g errgroup.Group
	g.Go(func() error {
		return b.api.get(ctx, "/api/overview", columns("rabbitmq_version,cluster_name,listeners"), &overview)
	})
	g.Go(func() error { return b.api.get(ctx, "/api/nodes", columns("name,running"), &nodes) })
	if err := g.Wait(); err != nil {
		return backends.Identity{}, err
	}
	id := backends.Identity{Kind: backends.RabbitMQ, Version: overview.Version, Cluster: overview.Cluster}
	for _, n := range nodes {
		node := backends.Node{ID: n.Name}
		for _, l := range overview.Listeners {
			if l.Node == n.Name && (l.Protocol == "amqp" || l.Protocol == "amqp/ssl") {
				node.Address = listenerAddress(n.Name, l.IP, l.Port)
				break
			}
		}
		if !n.Running {
			node.Role = "not running"
		}
		id.Nodes = append(id.Nodes, node)
	}
	return id, nil
}

// listenerAddress is where a node's AMQP listener can be reached. A listener on every interface ("::")
// names no address, so the host of the node's name (rabbit@HOST) stands in for it.
func listenerAddress(node, ip string, port int) string {
	if addr := net.ParseIP(ip); addr == nil || addr.IsUnspecified() {
		if _, host, ok := strings.Cut(node, "@"); ok {
			ip = host
		}
	}
	return net.JoinHostPort(ip, strconv.Itoa(port))
}

// amqpIdentity is what the broker told about itself when the AMQP connection opened.
func (b *Backend) amqpIdentity() backends.Identity {
	b.connMu.Lock()
	props := b.conn.Properties
	b.connMu.Unlock()
	prop := func(key string) string {
		s, _ := props[key].(string)
		return s
	}
	return backends.Identity{
		Kind: backends.RabbitMQ, Version: prop("version"), Cluster: prop("cluster_name"),
		Nodes: []backends.Node{{Address: b.target.hostPort()}},
	}
}

// Close closes the AMQP connection. It is safe to call more than once.
func (b *Backend) Close() error {
	b.closeOnce.Do(func() {
		b.connMu.Lock()
		defer b.connMu.Unlock()
		b.closed = true
		if err := b.conn.Close(); err != nil && !errors.Is(err, amqp.ErrClosed) {
			b.closeErr = fmt.Errorf("close RabbitMQ connection to %s: %w", b.target.shownURL, err)
		}
		b.api.http.CloseIdleConnections()
	})
	return b.closeErr
}
