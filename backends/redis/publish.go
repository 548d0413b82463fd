package redis

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/backends"
)

// Publish adds each message to its stream with XADD NOMKSTREAM, in one pipeline: a stream that does not
// exist is an error of that message (a typo must not make a new stream), and a reply is the server's
// confirmation that the entry is there.
func (b *Backend) Publish(ctx context.Context, msgs []backends.Outgoing) ([]error, error) {
	pipe := b.client.Pipeline()
	cmds := make([]*redis.Cmd, len(msgs))
	for i, m := range msgs {
		args := append([]any{"XADD", m.Target.Destination, "NOMKSTREAM"}, trimArgs(m.Target.Trim)...)
		args = append(append(args, "*"), fieldsOf(m.Message)...)
		cmds[i] = pipe.Do(ctx, args...)
	}
	if _, err := pipe.Exec(ctx); err != nil && !allAnswered(cmds) {
		return nil, b.opError("publish", err)
	}
	errs := make([]error, len(msgs))
	for i, c := range cmds {
		errs[i] = b.addError(msgs[i].Target.Destination, c.Err())
	}
	return errs, nil
}

// allAnswered is true when every command got a reply of its own (an error reply is an answer); a
// connection lost midway leaves some without.
func allAnswered(cmds []*redis.Cmd) bool {
	for _, c := range cmds {
		if err := c.Err(); err != nil && err != redis.Nil && !isReplyError(err) {
			return false
		}
	}
	return true
}

func isReplyError(err error) bool {
	_, ok := err.(redis.Error)
	return ok
}

// addError is the error of one XADD: nil reply means the stream does not exist.
func (b *Backend) addError(stream string, err error) error {
	switch {
	case err == nil:
		return nil
	case err == redis.Nil:
		return backends.NotFound("stream %q does not exist in db %d; create it first (XGROUP CREATE %s GROUP $ MKSTREAM, "+
			"or any XADD)", stream, b.db, stream)
	case isKeyGone(err):
		return fmt.Errorf("%q is not a stream; mqscope publishes to streams: %w", stream, backends.ErrNotSupported)
	}
	return b.opError("add to "+stream, err)
}

// trimArgs are XADD's MAXLEN or MINID arguments.
func trimArgs(t *backends.Trim) []any {
	if t == nil {
		return nil
	}
	op := "="
	if t.Approx {
		op = "~"
	}
	switch {
	case t.MaxLen > 0:
		return []any{"MAXLEN", op, t.MaxLen}
	case t.MinID != "":
		return []any{"MINID", op, t.MinID}
	}
	return nil
}
