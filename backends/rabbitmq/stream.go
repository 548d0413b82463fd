package rabbitmq

import (
	"context"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/sanitize"
)

// Stream reads go through an AMQP consumer: a stream refuses basic.get, needs a prefetch, and takes its
// position as the consumer argument x-stream-offset. Acknowledgements only grant credit: nothing is
// removed.
const (
	streamPrefetch = 500
	streamAckEvery = 100 // deliveries acknowledged at once (multiple), well within the prefetch
	// streamWait is how long a read waits for a stream's next message before deciding there is none.
	streamWait = 2 * time.Second
	// streamQuiet is how long the end probe waits after the last message of the last chunk arrived.
	streamQuiet = 400 * time.Millisecond
)

// peekStream reads a stream from req.From up to the end it had when the peek began, or on as messages
// arrive with req.Follow. Offset is each message's stream offset (its x-stream-offset header).
//
// AMQP cannot ask a stream where it ends (queue.declare-ok counts 0 messages for streams; the management
// API's count lags by its statistics interval), so the end is probed first: a consumer from "last" gets
// the stream's last chunk, and the highest offset that arrives before a quiet moment (streamQuiet) is
// the end. The read itself then stops exactly there. LastN starts N before that end; Latest starts after
// it ("next"), which without Follow reads nothing.
func (b *Backend) peekStream(ctx context.Context, req backends.PeekRequest, emit func(backends.Message) error) error {
	if req.From.Kind == backends.Latest && !req.Follow {
		return nil
	}
	end := int64(-1) // unknown: following
	if !req.Follow || req.From.Kind == backends.LastN {
		last, ok, err := b.streamEnd(ctx, req.Destination)
		if err != nil {
			return err
		}
		if !ok && !req.Follow {
			return nil // an empty stream
		}
		if ok {
			end = last
		}
	}
	start, ok := streamStart(req.From, end)
	if !ok && !req.Follow {
		return nil // starts past the end
	}
	ch, deliveries, err := b.consumeStream(ctx, req.Destination, start)
	if err != nil {
		return err
	}
	defer ch.Close()
	defer closeOnDone(ctx, ch)()
	r := streamRead{queue: req.Destination, end: end, follow: req.Follow, limit: req.Limit, emit: emit}
	return r.run(ctx, deliveries)
}

// streamStart is the x-stream-offset for a position; ok is false when it lies past end (known, ≥ 0).
func streamStart(from backends.Position, end int64) (spec any, ok bool) {
	switch from.Kind {
	case backends.Latest:
		return "next", true
	case backends.AtOffset:
		return max(from.Offset, 0), end < 0 || from.Offset <= end
	case backends.AtTime:
		return from.Time, true
	case backends.LastN:
		if end < 0 {
			return "next", true
		}
		return max(end-int64(from.N)+1, 0), true
	}
	return "first", true
}

// consumeStream starts a consumer on queue from start, on a channel of its own.
func (b *Backend) consumeStream(ctx context.Context, queue string, start any) (*amqp.Channel, <-chan amqp.Delivery, error) {
	ch, err := b.channel(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := ch.Qos(streamPrefetch, 0, false); err != nil {
		ch.Close()
		return nil, nil, fmt.Errorf("read stream %q: %w", sanitize.Line(queue), amqpErr(err))
	}
	deliveries, err := ch.Consume(queue, "", false, false, false, false, amqp.Table{"x-stream-offset": start})
	if err != nil {
		ch.Close()
		return nil, nil, fmt.Errorf("read stream %q: %w", sanitize.Line(queue), amqpErr(err))
	}
	return ch, deliveries, nil
}

// streamEnd is the offset of the stream's last message; ok is false for an empty stream.
func (b *Backend) streamEnd(ctx context.Context, queue string) (last int64, ok bool, err error) {
	ch, deliveries, err := b.consumeStream(ctx, queue, "last")
	if err != nil {
		return 0, false, err
	}
	defer ch.Close()
	defer closeOnDone(ctx, ch)()
	wait := time.NewTimer(streamWait)
	defer wait.Stop()
	for {
		select {
		case d, open := <-deliveries:
			if !open {
				return 0, false, streamClosed(ctx, queue)
			}
			if off, has := wholeNumber(d.Headers[headerStreamOffset]); has && (!ok || off > last) {
				last, ok = off, true
			}
			_ = d.Ack(true) // credit for the rest of the chunk
			wait.Reset(streamQuiet)
		case <-wait.C:
			return last, ok, nil
		case <-ctx.Done():
			return 0, false, ctx.Err()
		}
	}
}

func streamClosed(ctx context.Context, queue string) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("read stream %q: the broker closed the channel", sanitize.Line(queue))
}

// streamRead is one read of a stream in progress.
type streamRead struct {
	queue  string
	end    int64 // last offset to read; -1 when following from the start
	follow bool
	limit  int
	emit   func(backends.Message) error
}

func (r *streamRead) run(ctx context.Context, deliveries <-chan amqp.Delivery) error {
	wait := time.NewTimer(streamWait)
	defer wait.Stop()
	var unacked, emitted int
	for {
		select {
		case d, open := <-deliveries:
			if !open {
				return streamClosed(ctx, r.queue)
			}
			if unacked++; unacked >= streamAckEvery {
				_ = d.Ack(true)
				unacked = 0
			}
			off, _ := wholeNumber(d.Headers[headerStreamOffset])
			if !r.follow && off > r.end {
				return nil
			}
			if err := r.emit(message(r.queue, d, off)); err != nil {
				return err
			}
			if emitted++; r.limit > 0 && emitted >= r.limit || !r.follow && off >= r.end {
				return nil
			}
			wait.Reset(streamWait)
		case <-wait.C:
			if !r.follow {
				return nil // nothing at or after the position: a time past the last message
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
