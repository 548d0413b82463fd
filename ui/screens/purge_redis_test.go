package screens

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/redis"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/internal/testkit/redisfix"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/ui/common"
)

// A Redis list holds nothing unacknowledged, ever: its purge dialog does not promise to leave "the 0
// unacknowledged" with consumers, and its listing shows no UNACKED, while a stream's listing still shows
// its groups' pending entries there.
func TestRedisListPurgeLeavesNoUnacknowledged(t *testing.T) {
	s := redisfix.New(t)
	list, stream := redisfix.Unique("jobs"), redisfix.Unique("events")
	s.Track(list)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Client.RPush(ctx, list, "a", "b", "c").Err(); err != nil {
		t.Fatal(err)
	}
	s.Add(t, stream, "n", "1")
	s.CreateGroup(t, stream, "workers", 0)
	if err := s.Client.XReadGroup(ctx, &goredis.XReadGroupArgs{Group: "workers", Consumer: "w1", Streams: []string{stream, ">"}, Count: 1}).Err(); err != nil {
		t.Fatal(err)
	}
	b, err := redis.Open(ctx, redis.Config{URL: s.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	plan, err := actions.PlanPurge(ctx, b, list)
	if err != nil || plan.Ready != 3 {
		t.Fatalf("plan %+v, %v", plan, err)
	}
	c := common.New(config.Context{Name: "test"})
	c.Words = present.WordsFor(backends.Redis)
	d := purgeConfirm(c, plan)
	d.SetSize(100, 20)
	screen := ansi.Strip(d.View())
	if !strings.Contains(screen, "removes its 3 ready messages") || strings.Contains(screen, "unacknowledged") {
		t.Fatalf("a Redis list's purge dialog:\n%s", screen)
	}

	dests, err := actions.ListDestinations(ctx, b, backends.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	find := func(name string) backends.Destination {
		i := slices.IndexFunc(dests, func(d backends.Destination) bool { return d.Name == name })
		if i < 0 {
			t.Fatalf("%s is not listed", name)
		}
		return dests[i]
	}
	unacked := present.Destinations[slices.IndexFunc(present.Destinations, func(c present.Column[backends.Destination]) bool {
		return c.Name == "UNACKED"
	})]
	if l := find(list); unacked.AppliesTo(l) {
		t.Errorf("a list's UNACKED shows %q", unacked.Text(l))
	}
	if st := find(stream); !unacked.AppliesTo(st) || unacked.Text(st) != "1" {
		t.Errorf("a stream's UNACKED (its pending entries) is gone or wrong: %q", unacked.Text(st))
	}
}
