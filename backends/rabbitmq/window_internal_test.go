package rabbitmq

import (
	"bytes"
	"context"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/internal/testkit/rabbitfix"
)

// TestWindowFor: deep for small letters, shallow for large ones, the deepest where the whole queue fits in
// moveMemory, and today's default where the sizes are unknown.
func TestWindowFor(t *testing.T) {
	for _, c := range []struct {
		name        string
		info        queueInfo
		ready       int // the count read just now
		want        int
		wantAtMost  int
		wantAtLeast int
	}{
		{name: "unknown sizes (no management API)", info: queueInfo{MessageBytes: -1}, want: defaultWindow},
		{name: "no figures yet", info: queueInfo{Messages: 0, MessageBytes: 0}, want: defaultWindow},
		{name: "counted but not yet sized", info: queueInfo{Messages: 80, MessageBytes: 0}, ready: 80, want: defaultWindow},
		{name: "a small queue fits whole", info: queueInfo{Messages: 5, MessageBytes: 50 << 20}, ready: 5, want: maxWindow},
		{name: "a million small letters", info: queueInfo{Messages: 1_000_000, MessageBytes: 300_000_000}, ready: 1_000_000, want: maxWindow},
		{name: "letters of 1 MiB", info: queueInfo{Messages: 1000, MessageBytes: 1000 << 20}, ready: 1000, wantAtLeast: 16, wantAtMost: 32},
		{name: "letters of 100 MiB", info: queueInfo{Messages: 10, MessageBytes: 1000 << 20}, ready: 10, want: minWindow},
		// The API sampled the queue before 20,000 more letters came: its sizes say nothing of them.
		{name: "figures from before the queue grew", info: queueInfo{Messages: 10, MessageBytes: 700}, ready: 20_010, want: defaultWindow},
		// 2,000 letters of 64 KiB: the API's count is current, and twice a window of them is ~64 MiB.
		{name: "medium letters, current figures", info: queueInfo{Messages: 2000, MessageBytes: 2000 << 16}, ready: 2000, wantAtLeast: 400, wantAtMost: 500},
	} {
		got := windowFor(c.info, c.ready)
		switch {
		case c.want != 0 && got != c.want:
			t.Errorf("%s: window %d, want %d", c.name, got, c.want)
		case c.want == 0 && (got < c.wantAtLeast || got > c.wantAtMost):
			t.Errorf("%s: window %d, want %d-%d", c.name, got, c.wantAtLeast, c.wantAtMost)
		}
		if c.info.Messages > 0 && got > minWindow && int64(2*got)*(c.info.MessageBytes/c.info.Messages+letterOverhead) > moveMemory &&
			c.info.MessageBytes+c.info.Messages*letterOverhead > moveMemory {
			t.Errorf("%s: a prefetch of %d letters of this size exceeds the %d-byte budget", c.name, 2*got, moveMemory)
		}
	}
}

// TestMoveWindowFollowsTheSourcesSizes: the sizes come from the broker (the management API's message
// figures), so a queue of 1 MiB letters is moved with a shallow window and one of small letters with the
// deepest, and the large letters all arrive.
func TestMoveWindowFollowsTheSourcesSizes(t *testing.T) {
	t.Parallel()
	v := rabbitfix.New(t)
	big, small, home := rabbitfix.Unique("win-big"), rabbitfix.Unique("win-small"), rabbitfix.Unique("win-home")
	for _, q := range []string{big, small, home} {
		v.Declare(t, q, nil)
	}
	ch := v.Channel(t)
	defer ch.Close()
	const bigLetters = 80
	rabbitfix.Publish(t, ch, "", big, bigLetters, func(i int) amqp.Publishing {
		return amqp.Publishing{Body: bytes.Repeat([]byte{byte('a' + i%26)}, 1<<20)}
	})
	rabbitfix.PublishJSON(t, ch, small, 100)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := Open(ctx, Config{URL: v.URL, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	bigInfo := statsOf(ctx, t, b, big, bigLetters)
	if w := windowFor(bigInfo, bigLetters); w > 32 {
		t.Errorf("letters of 1 MiB: window %d (info %+v), want at most 32 so that twice it stays near %d bytes", w, bigInfo, moveMemory)
	}
	if w := windowFor(statsOf(ctx, t, b, small, 100), 100); w != maxWindow {
		t.Errorf("small letters: window %d, want %d", w, maxWindow)
	}
	toHome := func(backends.Message) (backends.Target, error) { return backends.Target{Destination: home}, nil }
	report, err := b.Move(ctx, backends.MoveRequest{Source: big}, toHome, nil)
	if err != nil || report.Moved != bigLetters {
		t.Fatalf("move of the large letters: moved %d, %v; want %d", report.Moved, err, bigLetters)
	}
	if n := v.Ready(t, home); n != bigLetters {
		t.Errorf("%s holds %d letters, want %d", home, n, bigLetters)
	}
}

// statsOf waits until the management API's figures for queue show n messages and their bytes (they are
// sampled every few seconds, and the bytes can come a sample later) and returns its info.
func statsOf(ctx context.Context, t *testing.T, b *Backend, queue string, n int64) queueInfo {
	t.Helper()
	for {
		info, err := b.queueInfo(ctx, queue)
		if err != nil {
			t.Fatal(err)
		}
		if info.Messages == n && info.MessageBytes > 0 {
			return info
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the management API never showed %d messages in %s (last %+v)", n, queue, info)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
