package redis

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/backends"
)

// moveBatch is how many letters one round trip moves: each in a script of its own, so that a batch cut
// short has moved some letters whole and left the rest whole.
const moveBatch = 100

// maxFailures bounds the failures a report lists.
const maxFailures = 100

// moveScript moves one entry: it adds the fields to the target stream and deletes the entry from the
// source in one step on the server, so a move stopped at any moment has either done both or neither:
// nothing is lost and nothing doubled. Every check comes before the first write, because a script's
// writes are not undone when a later command fails.
// KEYS: target, source. ARGV: the entry's id, then its fields.
var moveScript = redis.NewScript(`
if redis.call('TYPE', KEYS[1])['ok'] ~= 'stream' then return redis.error_reply('NOTARGET') end
if #redis.call('XRANGE', KEYS[2], ARGV[1], ARGV[1]) == 0 then return false end
local id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 2))
redis.call('XDEL', KEYS[2], ARGV[1])
return id
`)

// Move takes the entries of a source stream, oldest first, up to the last one there when it began, and
// puts each on the stream its router names, atomically per entry (see moveScript). Letters the router
// cannot place stay where they are. Both streams must be on this server (Redis Cluster is refused).
func (b *Backend) Move(ctx context.Context, req backends.MoveRequest, route backends.Router,
	progress func(backends.MoveProgress)) (backends.MoveReport, error) {
	rep := backends.MoveReport{PerTarget: map[string]int64{}}
	if typ, err := b.typeOf(ctx, req.Source); err != nil {
		return rep, err
	} else if typ != "stream" {
		return rep, fmt.Errorf("%q is a list; mqscope moves the entries of streams: %w", req.Source, backends.ErrNotSupported)
	}
	last, err := b.lastID(ctx, req.Source)
	if err != nil || last == "" {
		return rep, err
	}
	total, _ := b.client.XLen(ctx, req.Source).Result()
	if err := moveScript.Load(ctx, b.client).Err(); err != nil {
		return rep, b.opError("load the move script", err)
	}
	start := "-"
	for {
		room := int64(moveBatch)
		if req.Max > 0 {
			room = min(room, int64(req.Max)-(rep.Moved+rep.Kept+rep.Failed))
		}
		if room <= 0 {
			return rep, nil
		}
		reply, err := b.client.Do(ctx, "XRANGE", req.Source, start, last, "COUNT", room).Result()
		if err != nil {
			return rep, b.opError("read "+req.Source, err)
		}
		page, err := parseEntries(reply)
		if err != nil || len(page) == 0 {
			return rep, err
		}
		if err := b.moveBatch(ctx, req.Source, page, route, &rep); err != nil {
			return rep, err
		}
		progress(backends.MoveProgress{Moved: rep.Moved, Kept: rep.Kept, Failed: rep.Failed, Total: total})
		if int64(len(page)) < room {
			return rep, nil
		}
		start = "(" + page[len(page)-1].id
	}
}

// moveBatch routes a page of letters and moves the placed ones in one pipeline of scripts.
func (b *Backend) moveBatch(ctx context.Context, source string, page []entry, route backends.Router,
	rep *backends.MoveReport) error {
	type placed struct {
		e      entry
		target backends.Target
		cmd    *redis.Cmd
	}
	var todo []placed
	for i, e := range page {
		t, err := route(e.message(source, int64(i)))
		if err != nil {
			rep.Kept++
			continue
		}
		todo = append(todo, placed{e: e, target: t})
	}
	if err := ctx.Err(); err != nil {
		return err // routed, nothing written: these letters stay
	}
	pipe := b.client.Pipeline()
	for i, p := range todo {
		args := make([]any, 0, len(p.e.fields)+1)
		args = append(args, p.e.id)
		for _, f := range p.e.fields {
			args = append(args, f)
		}
		todo[i].cmd = moveScript.EvalSha(ctx, pipe, []string{p.target.Destination, source}, args...)
	}
	_, err := pipe.Exec(ctx)
	for _, p := range todo {
		switch cerr := p.cmd.Err(); {
		case cerr == nil:
			rep.Moved++
			rep.PerTarget[p.target.Label()]++
		case errors.Is(cerr, redis.Nil):
			// Gone from the source since it was read (another move took it): nothing written.
		case isReplyError(cerr):
			rep.Failed++
			if len(rep.Failures) < maxFailures {
				rep.Failures = append(rep.Failures, backends.MoveFailure{Target: p.target.Label(),
					Reason: b.moveReason(p.target.Destination, cerr)})
			}
		}
	}
	if err != nil && !allAnswered(cmdsOf(todo, func(p placed) *redis.Cmd { return p.cmd })) {
		// Letters without an answer may or may not have moved, but each whole: a new run sees which.
		return b.opError("move from "+source, err)
	}
	return nil
}

func cmdsOf[T any](xs []T, f func(T) *redis.Cmd) []*redis.Cmd {
	out := make([]*redis.Cmd, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

func (b *Backend) moveReason(target string, err error) string {
	if strings.HasPrefix(err.Error(), "NOTARGET") {
		return fmt.Sprintf("no stream %q in db %d to take it back", target, b.db)
	}
	return oneLine(err.Error())
}

var _ backends.Mover = (*Backend)(nil)
