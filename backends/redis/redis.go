// Package redis is the Redis adapter: streams (with their consumer groups) and lists used as work queues,
// through github.com/redis/go-redis/v9.
//
// An entry of a stream is a map of fields. As a backends.Message its key is the entry id, its time is the
// id's, the field named "body" (when it has one) is the body and every other field is a header, in the
// entry's order. An entry without a "body" field shows its fields as a JSON object for a body, and that
// body is a view only: publishing the message writes its headers back, not the view (see entryBody).
package redis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/redact"
)

// Config says how to reach a Redis server.
type Config struct {
	// URL is redis://[user[:password]@]host:6379/DB, or rediss:// for TLS.
	URL string
	// TLS configures rediss:// URLs; nil means the system's roots.
	TLS *backends.TLS
	// Timeout bounds connecting and each command; 0 means 8 s.
	Timeout time.Duration
}

const defaultTimeout = 8 * time.Second

// Backend is a live connection to one Redis server and one of its databases.
type Backend struct {
	client  *redis.Client
	addr    string // host:port, for errors
	db      int
	timeout time.Duration
}

var (
	_ backends.DestinationLister = (*Backend)(nil)
	_ backends.GroupLister       = (*Backend)(nil)
	_ backends.LagReader         = (*Backend)(nil)
	_ backends.Peeker            = (*Backend)(nil)
	_ backends.Publisher         = (*Backend)(nil)
)

// Open connects and checks that the server is a single Redis (not a cluster node), so that a failure
// shows at once, in one line.
func Open(ctx context.Context, cfg Config) (*Backend, error) {
	opts, err := redis.ParseURL(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("redis URL %s: %s", redact.URL(cfg.URL), redact.Text(err.Error()))
	}
	if opts.TLSConfig != nil {
		if opts.TLSConfig, err = cfg.TLS.Config(backends.Redis); err != nil {
			return nil, err
		}
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = timeout, timeout, timeout
	opts.ContextTimeoutEnabled = true
	// Never send a command twice: a retried XADD or move could write an entry twice.
	opts.MaxRetries = -1
	opts.Protocol = 2 // replies parsed by hand (field order, nil counters) are RESP2's
	opts.DisableIdentity = true
	opts.PoolSize = 4
	b := &Backend{client: redis.NewClient(opts), addr: opts.Addr, db: opts.DB, timeout: timeout}
	if err := b.check(ctx); err != nil {
		b.client.Close()
		return nil, err
	}
	return b, nil
}

// check pings the server and refuses what this adapter does not speak yet.
func (b *Backend) check(ctx context.Context) error {
	info, err := b.client.Info(ctx, "server").Result()
	if err != nil {
		return b.connectError(err)
	}
	switch mode := infoField(info, "redis_mode"); mode {
	case "cluster":
		return fmt.Errorf("redis %s is a Redis Cluster node: mqscope does not speak Redis Cluster yet; connect to a "+
			"standalone server or a replica of one: %w", b.addr, backends.ErrNotSupported)
	case "sentinel":
		return fmt.Errorf("redis %s is a Sentinel: connect to the master it names instead: %w", b.addr,
			backends.ErrNotSupported)
	}
	if v := infoField(info, "redis_version"); majorVersion(v) < 5 {
		return fmt.Errorf("redis %s is version %s: streams need Redis 5 or newer (lag needs 7): %w", b.addr, v,
			backends.ErrNotSupported)
	}
	return nil
}

// connectError names what failed on connecting, in one line, without the password.
func (b *Backend) connectError(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "WRONGPASS"), strings.Contains(msg, "NOAUTH"), strings.Contains(msg, "NOPERM"),
		strings.Contains(msg, "invalid password"), strings.Contains(msg, "invalid username-password"):
		return backends.AuthFailed(backends.Redis, b.addr, err)
	}
	if reason, hint, ok := backends.TLSProblem(err, "this port is plaintext: use redis://"); ok {
		return &backends.ConnectError{Kind: backends.Redis, Address: b.addr, Cause: backends.ErrUnreachable,
			Detail: reason, Hint: hint}
	}
	return backends.Unreachable(backends.Redis, b.addr, err)
}

// majorVersion is the leading number of a version such as "7.0.15"; 0 when there is none.
func majorVersion(v string) int {
	n, _ := strconv.Atoi(strings.SplitN(v, ".", 2)[0])
	return n
}

// Identity is the server's version and run id; a standalone server is a cluster of one node.
func (b *Backend) Identity(ctx context.Context) (backends.Identity, error) {
	info, err := b.client.Info(ctx, "server").Result()
	if err != nil {
		return backends.Identity{}, b.opError("read the server's identity", err)
	}
	id := backends.Identity{Kind: backends.Redis, Version: infoField(info, "redis_version"),
		Cluster: fmt.Sprintf("%s db %d", b.addr, b.db)}
	if run := infoField(info, "run_id"); run != "" {
		id.Cluster += " (run " + run[:min(8, len(run))] + ")"
	}
	id.Nodes = []backends.Node{{ID: infoField(info, "run_id"), Address: b.addr}}
	return id, nil
}

// Close releases the connections. It is safe to call more than once.
func (b *Backend) Close() error {
	if err := b.client.Close(); err != nil && !errors.Is(err, redis.ErrClosed) {
		return err
	}
	return nil
}

// opError wraps a failed command with what was being done, in one line.
func (b *Backend) opError(what string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", what, err)
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, redis.ErrClosed) {
		return fmt.Errorf("%s: %w", what, backends.Unreachable(backends.Redis, b.addr, err))
	}
	return fmt.Errorf("%s: %s", what, redact.Text(oneLine(err.Error())))
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// infoField reads one "name:value" line of an INFO reply.
func infoField(info, name string) string {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
			return v
		}
	}
	return ""
}
