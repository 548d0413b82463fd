package kafka

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/internal/testkit/kafkafix"
	"github.com/mqscope/mqscope/internal/testkit/netproxy"
)

// newPartitionedCluster starts a cluster whose every connection, the bootstrap's and the advertised
// brokers', goes through a proxy the test can cut off.
func newPartitionedCluster(t testing.TB, opts ...kfake.Opt) (*kfake.Cluster, *netproxy.Net) {
	t.Helper()
	n := netproxy.NewNet(t)
	return newCluster(t, append(opts, kfake.ListenFn(n.Listen))...), n
}

// within fails the test when fn takes longer than limit, and returns what fn returned.
func within[T any](t *testing.T, limit time.Duration, what string, fn func() T) T {
	t.Helper()
	done := make(chan T, 1)
	began := time.Now()
	go func() { done <- fn() }()
	select {
	case v := <-done:
		return v
	case <-time.After(limit):
		t.Fatalf("%s took longer than %v", what, limit)
	}
	v := <-done
	t.Logf("%s ended after %v", what, time.Since(began))
	return v
}

// Once a partition heals, the next snapshot works: connections that timed out are not used again.
func TestLagRecoversAfterAPartition(t *testing.T) {
	c, n := newPartitionedCluster(t)
	f := newFixture(t, c)
	f.createTopics(t, 3, nil, "watched")
	f.Put(t, "watched", 30)
	f.CommitGroup(t, "watchers", "watched", 4)
	b, err := Open(testCtx(t), Config{Brokers: c.ListenAddrs(), RequestTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	lagSnapshot(t, b, "watchers")

	n.Blackhole()
	err = within(t, 5*time.Second, "a snapshot in a partition", func() error {
		_, err := b.LagSnapshot(testCtx(t), []string{"watchers"})
		return err
	})
	if err == nil {
		t.Fatal("a snapshot in a partition succeeded")
	}
	n.Heal()
	snap := within(t, 5*time.Second, "the first snapshot after the partition healed", func() error {
		_, err := b.LagSnapshot(testCtx(t), []string{"watchers"})
		return err
	})
	if snap != nil {
		t.Fatalf("the first snapshot after the partition healed: %v", snap)
	}
	if g := groupIn(t, lagSnapshot(t, b, "watchers"), "watchers"); g.Partitions[0].Lag != 6 {
		t.Errorf("lag after healing: %+v, want 6 on each partition", g.Partitions)
	}
}

// A move cut off from the cluster halfway ends as soon as it is cancelled, whatever the request
// timeouts, with what it committed; closing the backend does not wait for the dead link either. Run
// again once the link is back, the move carries on and every letter lands once.
func TestMoveInAPartitionEndsWhenCancelled(t *testing.T) {
	c, n := newPartitionedCluster(t)
	f := newFixture(t, c)
	const letters = 1500
	bigDLT(t, f, c, letters)
	b, err := Open(testCtx(t), Config{Brokers: c.ListenAddrs()}) // default timeouts: 15 s a request
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	var cutAt time.Time
	type result struct {
		report backends.MoveReport
		err    error
	}
	res := within(t, 10*time.Second, "a move cancelled in a partition", func() result {
		r, err := b.Move(ctx, backends.MoveRequest{Source: "dlt"}, byOrigin, func(p backends.MoveProgress) {
			if p.Moved > 0 && cutAt.IsZero() {
				n.Blackhole()
				cutAt = time.Now()
				time.AfterFunc(500*time.Millisecond, cancel)
			}
		})
		return result{r, err}
	})
	if took := time.Since(cutAt); took > 3*time.Second {
		t.Errorf("the move ended %v after the cut, want soon after the cancel at 500 ms", took)
	}
	if !errors.Is(res.err, context.Canceled) || res.report.Moved == 0 || res.report.Moved == letters {
		t.Fatalf("cancelled move: moved %d, %v; want some letters and context.Canceled", res.report.Moved, res.err)
	}
	within(t, 2*time.Second, "closing the backend in a partition", b.Close)

	n.Heal()
	rest, _ := runMove(t, open(t, c), backends.MoveRequest{Source: "dlt"})
	if res.report.Moved+rest.Moved != letters {
		t.Errorf("the runs moved %d + %d letters, want %d", res.report.Moved, rest.Moved, letters)
	}
	exactlyOnce(t, c, letters)
}

// A snapshot that gives up (its context ends: a watch's tick) while a request waits on a dead link
// leaves no connection behind for the next one to queue on: once the link is back the next snapshot
// works at once, long before the request timeout (15 s) would have freed the connection.
func TestLagAfterAnAbandonedSnapshot(t *testing.T) {
	c, n := newPartitionedCluster(t)
	f := newFixture(t, c)
	f.createTopics(t, 3, nil, "watched")
	f.Put(t, "watched", 30)
	f.CommitGroup(t, "watchers", "watched", 4)
	b := open(t, c) // default timeouts
	lagSnapshot(t, b, "watchers")

	n.Blackhole()
	tick, cancel := context.WithTimeout(testCtx(t), time.Second)
	defer cancel()
	if _, err := b.LagSnapshot(tick, []string{"watchers"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a snapshot in a partition: %v, want it to give up with its context", err)
	}
	n.Heal()
	next, cancel := context.WithTimeout(testCtx(t), 3*time.Second)
	defer cancel()
	if _, err := b.LagSnapshot(next, []string{"watchers"}); err != nil {
		t.Fatalf("the first snapshot after the partition healed: %v", err)
	}
}

// A move whose look-up of its target meets a short outage waits it out, as a publish does, instead of
// ending: every letter moves, each exactly once.
func TestMoveRidesOutAnOutageLookingUpItsTarget(t *testing.T) {
	c := newCluster(t)
	f := newFixture(t, c)
	const letters = 1200
	bigDLT(t, f, c, letters)
	b, err := Open(testCtx(t), Config{Brokers: c.ListenAddrs(), RequestTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	dropped := kafkafix.OutageAt(c, "home", time.Second)
	type result struct {
		report backends.MoveReport
		err    error
	}
	res := within(t, 10*time.Second, "a move through a 1 s outage", func() result {
		r, err := b.Move(testCtx(t), backends.MoveRequest{Source: "dlt"}, byOrigin, nil)
		return result{r, err}
	})
	if res.err != nil || res.report.Moved != letters {
		t.Fatalf("a move through a 1 s outage: moved %d of %d, %v", res.report.Moved, letters, res.err)
	}
	if dropped.Load() == 0 {
		t.Fatal("no request met the outage: the test tests nothing")
	}
	exactlyOnce(t, c, letters)
}

// A move waiting out a cluster that does not answer for its target says so, as a publish does: its
// progress tells how long it has waited every notice, with the counts as they were, until the cluster
// answers and the move goes on.
func TestMoveSaysHowLongItWaitsForItsTarget(t *testing.T) {
	c := newCluster(t)
	f := newFixture(t, c)
	const letters = 300
	bigDLT(t, f, c, letters)
	b, err := Open(testCtx(t), Config{Brokers: c.ListenAddrs(), RequestTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	dropped := kafkafix.OutageAt(c, "home", 2*time.Second)
	var waits []backends.MoveProgress // the move's own goroutine reports, one call at a time
	report, err := b.Move(testCtx(t), backends.MoveRequest{Source: "dlt", Notice: 400 * time.Millisecond}, byOrigin,
		func(p backends.MoveProgress) {
			if p.Waiting > 0 {
				waits = append(waits, p)
			}
		})
	if err != nil || report.Moved != letters || dropped.Load() == 0 {
		t.Fatalf("a move through a 2 s outage: moved %d of %d, %v (%d requests dropped)", report.Moved, letters, err, dropped.Load())
	}
	if len(waits) < 2 {
		t.Fatalf("the move told its wait %d times in 2 s, notice 400 ms: %+v", len(waits), waits)
	}
	for i, w := range waits {
		if w.Moved != 0 || w.Total != letters || (i > 0 && w.Waiting <= waits[i-1].Waiting) {
			t.Errorf("wait %d: %+v; want the counts before the wait, and the wait growing", i, w)
		}
	}
	if first := waits[0].Waiting; first < 400*time.Millisecond || first > time.Second {
		t.Errorf("the first wait was told at %v, want soon after the 400 ms notice", first)
	}
}

// A move whose commit is cut off (the connection drops as the brokers apply it, and stays down while the
// producer tries again) cannot know whether the commit went through, though nobody cancelled it: it ends
// with the letters of that transaction in doubt, as a commit's, not as moved and not as nothing. Run
// again, it finds the commit applied and moves each letter exactly once.
func TestMoveWhoseCommitIsCutOffReportsItsLettersInDoubt(t *testing.T) {
	c, n := newPartitionedCluster(t)
	f := newFixture(t, c)
	const letters = 1200
	bigDLT(t, f, c, letters)
	b := open(t, c)
	var commits atomic.Int32
	var released atomic.Bool
	c.ControlKey(int16(kmsg.EndTxn), func(req kmsg.Request) (kmsg.Response, error, bool) {
		if released.Load() {
			c.DropControl()
			return nil, nil, false
		}
		c.KeepControl()
		if !req.(*kmsg.EndTxnRequest).Commit {
			return nil, nil, false
		}
		if commits.Add(1) == 2 {
			n.Cut() // the second commit is applied; its answer is lost
			return nil, nil, false
		}
		if commits.Load() > 2 {
			return nil, errors.New("the link is down"), true // the producer's retries: the connection closes
		}
		return nil, nil, false
	})
	report, err := b.Move(testCtx(t), backends.MoveRequest{Source: "dlt"}, byOrigin, nil)
	if err == nil || report.Moved == 0 || report.InDoubt == 0 || !report.CommitInDoubt {
		t.Fatalf("a move whose second commit was cut off: moved %d, in doubt %d (a commit's: %v), %v; want some moved, "+
			"the second commit's letters in doubt and an error", report.Moved, report.InDoubt, report.CommitInDoubt, err)
	}
	if !strings.Contains(err.Error(), "no letter moves twice") {
		t.Errorf("the error does not say what the doubt means: %v", err)
	}
	released.Store(true)
	rest, _ := runMove(t, open(t, c), backends.MoveRequest{Source: "dlt"})
	if want := letters - report.Moved - report.InDoubt; rest.Moved != want {
		t.Errorf("the rerun moved %d letters, want %d: the commit in doubt was applied", rest.Moved, want)
	}
	exactlyOnce(t, c, letters)
}
