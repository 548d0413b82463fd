package redis_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/redis"
	"github.com/mqscope/mqscope/internal/testkit/redisfix"
)

// A follow reads what is there, then what arrives, with blocking reads, until its context ends.
func TestPeekFollowsAStream(t *testing.T) {
	s := redisfix.New(t)
	b := open(t, s.URL)
	stream := redisfix.Unique("follow")
	s.Add(t, stream, "body", "before")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	got := make(chan string, 4)
	done := make(chan error, 1)
	go func() {
		done <- b.Peek(ctx, backends.PeekRequest{Destination: stream, Follow: true}, func(m backends.Message) error {
			got <- string(m.Body)
			return nil
		})
	}()
	if m := <-got; m != "before" {
		t.Fatalf("first %q", m)
	}
	s.Add(t, stream, "body", "after")
	select {
	case m := <-got:
		if m != "after" {
			t.Fatalf("followed %q", m)
		}
	case <-ctx.Done():
		t.Fatal("the entry added during the follow never came")
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("a follow ended by its context returned %v", err)
	}
}

// A list used as a work queue is peeked with LRANGE (nothing taken) and purged whole.
func TestListsArePeekedInPlaceAndPurged(t *testing.T) {
	s := redisfix.New(t)
	b := open(t, s.URL)
	ctx := context.Background()
	jobs := redisfix.Unique("jobs")
	s.Track(jobs)
	s.Client.RPush(ctx, jobs, "j0", "j1", "j2", "j3")
	var bodies []string
	err := b.Peek(ctx, backends.PeekRequest{Destination: jobs, From: backends.Position{Kind: backends.LastN, N: 3}},
		func(m backends.Message) error { bodies = append(bodies, string(m.Body)); return nil })
	if err != nil || !slices.Equal(bodies, []string{"j1", "j2", "j3"}) {
		t.Fatalf("peek -3 of a list: %q, %v", bodies, err)
	}
	if n := s.Client.LLen(ctx, jobs).Val(); n != 4 {
		t.Fatalf("the list holds %d after a peek, want 4", n)
	}
	if n, err := b.Purge(ctx, jobs); err != nil || n != 4 || s.Client.Exists(ctx, jobs).Val() != 0 {
		t.Fatalf("purge: %d, %v", n, err)
	}
	if err := b.Peek(ctx, backends.PeekRequest{Destination: jobs}, func(backends.Message) error { return nil }); !errors.Is(err, backends.ErrNotFound) {
		t.Errorf("peek of a key that does not exist: %v, want ErrNotFound", err)
	}
	other := redisfix.Unique("hash")
	s.Track(other)
	s.Client.HSet(ctx, other, "a", "b")
	if err := b.Peek(ctx, backends.PeekRequest{Destination: other}, func(backends.Message) error { return nil }); !errors.Is(err, backends.ErrNotSupported) {
		t.Errorf("peek of a hash: %v, want ErrNotSupported", err)
	}
}

// An entry without a body field shows its fields as a JSON object, and publishing that message writes
// the fields back, not the view.
func TestAnEntryWithoutABodyRoundTrips(t *testing.T) {
	s := redisfix.New(t)
	b := open(t, s.URL)
	ctx := context.Background()
	src, dst := redisfix.Unique("fields"), redisfix.Unique("copy")
	s.Add(t, src, "order", "7", "bin", "\xff\x00")
	s.EmptyStream(t, dst)
	var m backends.Message
	b.Peek(ctx, backends.PeekRequest{Destination: src}, func(got backends.Message) error { m = got; return nil })
	if string(m.Body) != `{"order":"7","bin":"\ufffd\u0000"}` || len(m.Headers) != 2 {
		t.Fatalf("body %s, headers %+v", m.Body, m.Headers)
	}
	errs, err := b.Publish(ctx, []backends.Outgoing{{Target: backends.Target{Destination: dst}, Message: m}})
	if err != nil || errs[0] != nil {
		t.Fatal(err, errs)
	}
	if got := s.Entries(t, dst); len(got) != 1 || !slices.Equal(got[0].Fields, []string{"order", "7", "bin", "\xff\x00"}) {
		t.Errorf("published %+v", got)
	}
}

// A Redis Cluster node is refused at once, in one line that says so; a standalone server of a cluster
// is what mqscope speaks.
func TestClusterIsRefused(t *testing.T) {
	addr := redisfix.Private(t, "--cluster-enabled", "yes")
	_, err := redis.Open(context.Background(), redis.Config{URL: "redis://" + addr + "/0"})
	if err == nil || !errors.Is(err, backends.ErrNotSupported) || !strings.Contains(err.Error(), "Redis Cluster") ||
		strings.Contains(err.Error(), "\n") {
		t.Fatalf("opening a cluster node: %v", err)
	}
}

// An ACL user connects with its password and is refused without it, as an authentication error.
func TestACLUser(t *testing.T) {
	addr := redisfix.Private(t, "--user", "ops", "on", ">s3cret-pw", "~*", "&*", "+@all", "--user", "default", "off")
	b, err := redis.Open(context.Background(), redis.Config{URL: "redis://ops:s3cret-pw@" + addr + "/0"})
	if err != nil {
		t.Fatalf("the ACL user with its password: %v", err)
	}
	b.Close()
	_, err = redis.Open(context.Background(), redis.Config{URL: "redis://ops:wrong@" + addr + "/0"})
	if !errors.Is(err, backends.ErrAuth) || strings.Contains(err.Error(), "wrong") {
		t.Errorf("a wrong password: %v", err)
	}
}

// After a deletion past where a group stands the server's lag is unknown (nil): the adapter counts the
// entries after the group's last delivered one instead.
func TestLagAfterADeletionIsCounted(t *testing.T) {
	s := redisfix.New(t)
	b := open(t, s.URL)
	stream, group := redisfix.Unique("deleted"), "readers"
	var ids []string
	for i := range 5 {
		ids = append(ids, s.Add(t, stream, "body", strings.Repeat("x", i+1)))
	}
	s.CreateGroup(t, stream, group, 1)
	if err := s.Client.XDel(context.Background(), stream, ids[2]).Err(); err != nil {
		t.Fatal(err)
	}
	if g := s.GroupNamed(t, stream, group); g.Lag != -1 {
		t.Fatalf("fixture: the server still knows the lag (%d) after the deletion", g.Lag)
	}
	snap, err := b.LagSnapshot(context.Background(), []string{group})
	if err != nil {
		t.Fatal(err)
	}
	var lags []int64
	for _, g := range snap.Groups {
		for _, p := range g.Partitions {
			if p.Topic == stream {
				lags = append(lags, p.Lag)
			}
		}
	}
	if !slices.Equal(lags, []int64{3}) { // entries 2, 4 and 5 of the 5: the third is gone
		t.Errorf("lag of %s on %s: %v, want [3]", group, stream, lags)
	}
}
