package rabbitmq_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/rabbitmq"
)

// A client-side move of part of a quorum DLQ whose letters are at their delivery limit takes only the
// letters it moves: the other 1,000 stay where they were, untouched (count 2, in order), none
// dead-lettered. Before the mover read such a queue with basic.get, its consumer's prefetch took letters
// beyond the 2,000; it copied back those it saw, and those the broker delivered after basic.cancel-ok
// (which amqp091-go drops) went back unjudged: 170 of 1,000 dead-lettered in 1 run of 4.
func TestMoveQuorumDeliveryLimitMax(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const letters, part = 3_000, 2_000
	dlq, dst, parked := quorumLettersAtLimit(t, f, letters)
	b := open(t, rabbitmq.Config{URL: f.URL})

	if notice, err := b.MoveNotice(context.Background(), dlq); err != nil || !strings.Contains(notice, "delivery limit of 2") ||
		!strings.Contains(notice, "one at a time") {
		t.Errorf("plan notice for %s: %q, %v; want it to say the letters are taken one at a time, and why", dlq, notice, err)
	}
	if notice, err := b.MoveNotice(context.Background(), dst); err != nil || notice != "" {
		t.Errorf("plan notice for the classic %s: %q, %v; want none", dst, notice, err)
	}
	to := func(backends.Message) (backends.Target, error) { return backends.Target{Destination: dst}, nil }
	report, err := b.Move(context.Background(), backends.MoveRequest{Source: dlq, Max: part}, to, nil)
	if err != nil || report.Moved != part || report.InDoubt != 0 {
		t.Errorf("move of %d: %+v, %v; want %d moved", part, report, err, part)
	}
	left := settledLetters(t, f, letters, dlq, dst, parked)
	if left[parked] != 0 || left[dst] != part || left[dlq] != letters-part {
		t.Fatalf("after the move %v; want %d in %s, %d in %s, none dead-lettered", left, part, dst, letters-part, dlq)
	}
	stayed := takeAway(t, f, dlq)
	for i, d := range stayed {
		if want := strconv.Itoa(part + i); d.MessageId != want || deliveryCount(d) != 2 {
			t.Fatalf("letter %d left in %s: id %s with delivery count %d; want %s untouched (count 2)",
				i, dlq, d.MessageId, deliveryCount(d), want)
		}
	}
}

// A move of a quorum DLQ whose letters are at their delivery limit, cancelled part way, leaves every letter
// in exactly one of the DLQ and the target, none dead-lettered, and takes no letter beyond the one it was
// routing when cancelled (copied back, since its give-back would end it). Before the mover read such a
// queue with basic.get, a Ctrl-C dead-lettered 1-23 letters in 2 runs of 6, and copied back (counts
// afresh) the hundreds its prefetch had taken.
func TestMoveQuorumDeliveryLimitCancelled(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	moveCancelledAtLimit(t, f, rabbitmq.Config{URL: f.URL})
}

// The same without the management API: the queue's type is unknown until its first letter shows it is
// quorum, and from then on every letter that stays is copied back, the one take failed on included.
// (That one was given back unjudged, and so dead-lettered, while the check for it asked whether the type
// was still unknown.)
func TestMoveQuorumDeliveryLimitCancelledWithoutAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	moveCancelledAtLimit(t, f, rabbitmq.Config{URL: f.URL, ManagementURL: "http://127.0.0.1:1"})
}

func moveCancelledAtLimit(t *testing.T, f *fixture, cfg rabbitmq.Config) {
	const letters, cancelAt = 3_000, 1_000
	dlq, dst, parked := quorumLettersAtLimit(t, f, letters)
	b := open(t, cfg)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	routed := 0
	to := func(backends.Message) (backends.Target, error) {
		if routed++; routed == cancelAt {
			cancel() // as a Ctrl-C would, while letters are in flight
		}
		return backends.Target{Destination: dst}, nil
	}
	report, err := b.Move(ctx, backends.MoveRequest{Source: dlq}, to, nil)
	t.Logf("cancelled move: %+v, %v", report, err)
	if err == nil || report.InDoubt != 0 {
		t.Errorf("cancelled move: %+v, %v; want it stopped, nothing in doubt", report, err)
	}
	left := settledLetters(t, f, letters, dlq, dst, parked)
	if left[parked] != 0 || int64(left[dst]) != report.Moved {
		t.Fatalf("after the move %v; want %d in %s, none dead-lettered", left, report.Moved, dst)
	}
	seen, copied := map[string]string{}, 0
	for _, q := range []string{dst, dlq} {
		for _, d := range takeAway(t, f, q) {
			if where, twice := seen[d.MessageId]; twice {
				t.Errorf("letter %s is in %s and in %s", d.MessageId, where, q)
			}
			seen[d.MessageId] = q
			if q == dlq && deliveryCount(d) != 2 {
				copied++
			}
		}
	}
	if len(seen) != letters || copied > 1 {
		t.Errorf("%d distinct letters, %d of those left in %s taken and copied back; want %d, at most 1",
			len(seen), copied, dlq, letters)
	}
}

// settledLetters waits until the queues hold all n letters between them (a give-back's dead-lettering
// comes a moment after the move ends), and says how many each holds.
func settledLetters(t *testing.T, f *fixture, n int, queues ...string) map[string]int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		held, total := map[string]int{}, 0
		for _, q := range queues {
			held[q] = f.Ready(t, q)
			total += held[q]
		}
		if total == n || time.Now().After(deadline) {
			return held
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// takeAway takes every letter queue holds, acknowledging them (so that no give-back raises a count), in
// the queue's order.
func takeAway(t *testing.T, f *fixture, queue string) []amqp.Delivery {
	t.Helper()
	n := f.Ready(t, queue)
	deliveries, err := f.Channel(t).Consume(queue, "", true, false, false, false, nil)
	if err != nil {
		t.Fatalf("read %s: %v", queue, err)
	}
	taken := make([]amqp.Delivery, 0, n)
	for range n {
		select {
		case d := <-deliveries:
			taken = append(taken, d)
		case <-time.After(30 * time.Second):
			t.Fatalf("read %s: %d of %d letters after 30 s", queue, len(taken), n)
		}
	}
	return taken
}

// deliveryCount is a quorum queue's x-delivery-count of a letter (0 when it has none).
func deliveryCount(d amqp.Delivery) int64 {
	switch c := d.Headers["x-delivery-count"].(type) {
	case int64:
		return c
	case int32:
		return int64(c)
	case int:
		return int64(c)
	}
	return 0
}
