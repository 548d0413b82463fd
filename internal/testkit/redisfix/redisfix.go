// Package redisfix is the one Redis fixture of mqscope's tests: the server named by MQSCOPE_TEST_REDIS,
// reached with plain go-redis (never through the adapter under test). Keys a test makes have names of
// their own and are deleted when it ends; tests never assume the database is otherwise empty.
package redisfix

import (
	"context"
	"net"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/internal/testkit/testenv"
)

// Env names the variable that holds the URL of the test server; ./scripts/test.sh sets it.
const Env = "MQSCOPE_TEST_REDIS"

// Server is a test's handle on the server: a client, and the keys to delete when the test ends.
type Server struct {
	URL    string
	Client *redis.Client

	mu   sync.Mutex
	keys []string
}

// URL is the URL of the test server, from MQSCOPE_TEST_REDIS.
func URL(t testing.TB) string {
	return testenv.URL(t, Env, "a Redis 7 URL", "redis://127.0.0.1:6379/0")
}

// New connects to the test server; every key made through Track (and the helpers) goes when t ends.
func New(t testing.TB) *Server {
	t.Helper()
	u := URL(t)
	opts, err := redis.ParseURL(u)
	if err != nil {
		t.Fatalf("redisfix: %s: %v", Env, err)
	}
	opts.Protocol = 2
	opts.DisableIdentity = true
	s := &Server{URL: u, Client: redis.NewClient(opts)}
	t.Cleanup(func() {
		s.mu.Lock()
		keys := s.keys
		s.mu.Unlock()
		if len(keys) > 0 {
			s.Client.Del(context.Background(), keys...)
		}
		s.Client.Close()
	})
	return s
}

// Unique is a key name no other test or run uses.
func Unique(base string) string {
	return testenv.Unique("mqscope-test:", base)
}

// Track marks keys for deletion when the test ends.
func (s *Server) Track(keys ...string) {
	s.mu.Lock()
	s.keys = append(s.keys, keys...)
	s.mu.Unlock()
}

func ctx(t testing.TB) context.Context { return testenv.Context(t, 30*time.Second) }

// EmptyStream makes an empty stream (a group made with MKSTREAM, then destroyed), so that it has added
// no entry.
func (s *Server) EmptyStream(t testing.TB, key string) {
	t.Helper()
	s.Track(key)
	c := ctx(t)
	if err := s.Client.XGroupCreateMkStream(c, key, "redisfix", "$").Err(); err != nil {
		t.Fatalf("redisfix: make stream %s: %v", key, err)
	}
	if err := s.Client.XGroupDestroy(c, key, "redisfix").Err(); err != nil {
		t.Fatalf("redisfix: make stream %s: %v", key, err)
	}
}

// Add appends one entry with the fields given (name, value, ...) and returns its id.
func (s *Server) Add(t testing.TB, key string, fields ...any) string {
	t.Helper()
	s.Track(key)
	id, err := s.Client.XAdd(ctx(t), &redis.XAddArgs{Stream: key, Values: fields}).Result()
	if err != nil {
		t.Fatalf("redisfix: add to %s: %v", key, err)
	}
	return id
}

// Entry is one entry as the server holds it, fields in order.
type Entry struct {
	ID     string
	Fields []string // name, value, ...
}

// Field is the value of the first field called name.
func (e Entry) Field(name string) (string, bool) {
	for i := 0; i+1 < len(e.Fields); i += 2 {
		if e.Fields[i] == name {
			return e.Fields[i+1], true
		}
	}
	return "", false
}

// Entries is every entry of the stream, oldest first.
func (s *Server) Entries(t testing.TB, key string) []Entry {
	t.Helper()
	reply, err := s.Client.Do(ctx(t), "XRANGE", key, "-", "+").Slice()
	if err != nil && err != redis.Nil {
		t.Fatalf("redisfix: read %s: %v", key, err)
	}
	out := make([]Entry, 0, len(reply))
	for _, it := range reply {
		pair := it.([]any)
		e := Entry{ID: pair[0].(string)}
		for _, f := range pair[1].([]any) {
			e.Fields = append(e.Fields, f.(string))
		}
		out = append(out, e)
	}
	return out
}

// Group is what XINFO GROUPS says of one group, nil counters as -1.
type Group struct {
	Name               string
	Consumers, Pending int64
	LastDelivered      string
	EntriesRead, Lag   int64
}

// Groups is every group of the stream.
func (s *Server) Groups(t testing.TB, key string) []Group {
	t.Helper()
	reply, err := s.Client.Do(ctx(t), "XINFO", "GROUPS", key).Slice()
	if err != nil {
		t.Fatalf("redisfix: groups of %s: %v", key, err)
	}
	var out []Group
	for _, it := range reply {
		kv := it.([]any)
		g := Group{EntriesRead: -1, Lag: -1}
		for i := 0; i+1 < len(kv); i += 2 {
			switch v := kv[i+1]; kv[i] {
			case "name":
				g.Name = v.(string)
			case "consumers":
				g.Consumers = v.(int64)
			case "pending":
				g.Pending = v.(int64)
			case "last-delivered-id":
				g.LastDelivered = v.(string)
			case "entries-read":
				if n, ok := v.(int64); ok {
					g.EntriesRead = n
				}
			case "lag":
				if n, ok := v.(int64); ok {
					g.Lag = n
				}
			}
		}
		out = append(out, g)
	}
	return out
}

// GroupNamed is the group called name of the stream.
func (s *Server) GroupNamed(t testing.TB, key, name string) Group {
	t.Helper()
	for _, g := range s.Groups(t, key) {
		if g.Name == name {
			return g
		}
	}
	t.Fatalf("redisfix: stream %s has no group %s", key, name)
	return Group{}
}

// CreateGroup makes group on stream having read its first `read` entries (ENTRIESREAD keeps the
// server's lag exact).
func (s *Server) CreateGroup(t testing.TB, key, group string, read int64) {
	t.Helper()
	id := "0-0"
	if read > 0 {
		ids := s.Entries(t, key)
		if int64(len(ids)) < read {
			t.Fatalf("redisfix: %s holds %d entries, fewer than %d", key, len(ids), read)
		}
		id = ids[read-1].ID
	}
	if err := s.Client.Do(ctx(t), "XGROUP", "CREATE", key, group, id, "ENTRIESREAD", strconv.FormatInt(read, 10)).Err(); err != nil {
		t.Fatalf("redisfix: create group %s on %s: %v", group, key, err)
	}
}

// Private starts a redis-server of the test's own on a free port with the extra arguments given (a
// cluster node, an ACL user, TLS ...), for what the shared server must not be made into, and stops it when
// the test ends. It returns the server's host:port. An argument "{port}" is that port (for --tls-port
// after --port 0).
func Private(t testing.TB, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redisfix: redis-server is not installed (apt-get install redis-server): %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, port, _ := net.SplitHostPort(addr)
	dir := t.TempDir()
	for i, a := range args {
		if a == "{port}" {
			args[i] = port
		}
	}
	cmd := exec.Command(bin, append([]string{"--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir}, args...)...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("redisfix: start redis-server: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("redisfix: redis-server %v did not listen on %s within 10 s", args, addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
