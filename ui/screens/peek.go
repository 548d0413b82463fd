package screens

import (
	"context"
	"time"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
)

// A peek streams into the browser without ever blocking the UI: a goroutine reads from the broker into a
// channel, and a reader command, run again after every batch, hands the browser what has arrived — up to
// batchMax messages, or whatever came within batchWait of the first. The channel is small, so a broker
// faster than the screen waits for it: memory stays bounded.

const (
	batchMax    = 500
	batchWait   = 100 * time.Millisecond
	streamDepth = 256
	// peekTimeout bounds a peek that is not following: it reads up to what the destination held.
	peekTimeout = 2 * time.Minute
	// effectsTimeout bounds the question of what a peek would do to a destination.
	effectsTimeout = 15 * time.Second
)

// peekBatch is what the reader delivers: messages of peek number gen, or the end of that peek.
type peekBatch struct {
	gen  int
	msgs []backends.Message
	done bool  // the peek has ended; err says why (nil: it read what it was asked to)
	err  error // only with done
}

// effectsResult answers the question asked before the first peek of a destination that can change.
type effectsResult struct {
	gen     int
	effects backends.PeekEffects
	err     error
}

// peekEffects is what a screen that peeks (the message browser, the redrive plan) knows of what a peek of
// its destination does, and whether the question is out.
type peekEffects struct {
	effects *backends.PeekEffects // nil until answered
	asking  bool                  // the question is out
}

// take records r, the answer to the question asked under generation gen, and reports whether it did: not
// for the answer to an older question, nor when asking failed (then *err says why, and p asks again).
func (q *peekEffects) take(r effectsResult, gen int, err *error) bool {
	if r.gen != gen || !q.asking {
		return false
	}
	q.asking = false
	if r.err != nil {
		*err = r.err
		return false
	}
	q.effects = &r.effects
	return true
}

// stream is one running peek.
type stream struct {
	gen    int
	msgs   chan backends.Message
	result chan error // the peek's end; written before msgs is closed
	cancel context.CancelFunc
}

// newStream prepares peek number gen. Nothing runs until the command of start does.
func newStream(gen int) *stream {
	return &stream{gen: gen, msgs: make(chan backends.Message, streamDepth), result: make(chan error, 1)}
}

// start returns the command that starts the peek in a goroutine and reads its first batch.
func (s *stream) start(b backends.Backend, req backends.PeekRequest) func() peekBatch {
	ctx, cancel := context.WithCancel(context.Background())
	if !req.Follow {
		ctx, cancel = context.WithTimeout(context.Background(), peekTimeout)
	}
	s.cancel = cancel
	return func() peekBatch {
		go s.run(ctx, b, req)
		return s.read()
	}
}

func (s *stream) run(ctx context.Context, b backends.Backend, req backends.PeekRequest) {
	err := actions.Peek(ctx, b, req, func(m backends.Message) error {
		select {
		case s.msgs <- m:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	s.result <- err
	close(s.msgs)
	s.cancel() // release the deadline's timer
}

// read waits for the next message, then takes what else arrives within batchWait, up to batchMax.
func (s *stream) read() peekBatch {
	m, ok := <-s.msgs
	if !ok {
		return peekBatch{gen: s.gen, done: true, err: <-s.result}
	}
	batch := make([]backends.Message, 1, 64)
	batch[0] = m
	timer := time.NewTimer(batchWait)
	defer timer.Stop()
	for len(batch) < batchMax {
		select {
		case m, ok := <-s.msgs:
			if !ok {
				return peekBatch{gen: s.gen, msgs: batch, done: true, err: <-s.result}
			}
			batch = append(batch, m)
		case <-timer.C:
			return peekBatch{gen: s.gen, msgs: batch}
		}
	}
	return peekBatch{gen: s.gen, msgs: batch}
}

// stop ends the peek; its goroutine returns, and anything it still delivers is for an old generation.
func (s *stream) stop() {
	if s != nil && s.cancel != nil {
		s.cancel()
	}
}

// askEffects returns the work that asks what peeking dest does.
func askEffects(gen int, b backends.Backend, dest string) func() effectsResult {
	return func() effectsResult {
		ctx, cancel := context.WithTimeout(context.Background(), effectsTimeout)
		defer cancel()
		eff, err := actions.PeekEffects(ctx, b, dest)
		return effectsResult{gen: gen, effects: eff, err: err}
	}
}
