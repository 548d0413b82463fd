package redis_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/internal/testkit/redisfix"
)

// Describe reads a stream's ends and counters and where each group stands (pending, lag), and a list's
// length; a key that is not there is ErrNotFound.
func TestDescribeAStreamAndAList(t *testing.T) {
	s := redisfix.New(t)
	b := open(t, s.URL)
	ctx := context.Background()
	stream := redisfix.Unique("describe")
	var ids []string
	for _, body := range []string{"a", "b", "c", "d", "e"} {
		ids = append(ids, s.Add(t, stream, "body", body))
	}
	s.CreateGroup(t, stream, "billing", 2) // read a and b
	s.CreateGroup(t, stream, "audit", 5)
	// billing takes c without acknowledging it: one pending, two to go.
	if err := s.Client.XReadGroup(ctx, &goredis.XReadGroupArgs{Group: "billing", Consumer: "worker-1",
		Streams: []string{stream, ">"}, Count: 1}).Err(); err != nil {
		t.Fatal(err)
	}
	d, err := b.Describe(ctx, backends.Stream, stream)
	if err != nil {
		t.Fatal(err)
	}
	if d.Destination.Name != stream || d.Destination.Messages != 5 || d.Destination.FirstID != ids[0] || d.Destination.LastID != ids[4] {
		t.Errorf("destination %+v", d.Destination)
	}
	props := map[string]string{}
	for _, p := range d.Properties {
		props[p.Name] = p.Value
	}
	for name, want := range map[string]string{"length": "5", "first entry": ids[0] + " (", "last entry": ids[4] + " (",
		"last generated id": ids[4], "entries added": "5"} {
		if !strings.HasPrefix(props[name], want) {
			t.Errorf("property %q = %q, want it to start with %q (all: %v)", name, props[name], want, d.Properties)
		}
	}
	readers := map[string]backends.Reader{}
	for _, r := range d.Readers {
		readers[r.Name] = r
	}
	if r := readers["billing"]; r.Consumers != 1 || r.Pending != 1 || r.Lag != 2 || r.Position != "last delivered "+ids[2]+", 3 read" {
		t.Errorf("billing: %+v, want 1 consumer, 1 pending, lag 2, last delivered %s", r, ids[2])
	}
	if r := readers["audit"]; r.Consumers != 0 || r.Pending != 0 || r.Lag != 0 {
		t.Errorf("audit: %+v, want caught up", r)
	}

	jobs := redisfix.Unique("describe-jobs")
	s.Track(jobs)
	s.Client.RPush(ctx, jobs, "j0", "j1", "j2")
	if d, err := b.Describe(ctx, backends.Queue, jobs); err != nil || d.Destination.Messages != 3 || d.Destination.Type != "list" {
		t.Errorf("list: %+v, %v", d.Destination, err)
	}
	if _, err := b.Describe(ctx, backends.Stream, redisfix.Unique("missing")); !errors.Is(err, backends.ErrNotFound) {
		t.Errorf("a missing key: %v, want ErrNotFound", err)
	}
}
