package nats

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/backends"
)

// moveBatch is how many letters are routed, published and removed together.
const moveBatch = 256

// maxFailures bounds the failures a report lists.
const maxFailures = 100

// Move takes the letters of a dead-letter stream, oldest first, up to the last one there when it began,
// and puts each where its router says: a copy (Nats-Stream, Nats-Subject, Nats-Sequence headers) goes
// back with its body and headers to the subject it was first published to; an advisory of a message a
// consumer gave up on sends that message itself, read by sequence from its stream. A letter is removed
// from the dead-letter stream only once JetStream acknowledged its publish.
//
// Each publish carries a Nats-Msg-Id made of where the letter came from (origin stream and sequence, or
// else the dead-letter stream and the letter's sequence). A move stopped between a publish and the
// letter's removal leaves the letter in place; run again within the target stream's duplicate window
// (two minutes by default), its publish is recognised by the server as a duplicate and not stored again,
// and the letter is removed: every letter arrives exactly once. After the window, at least once.
func (b *Backend) Move(ctx context.Context, req backends.MoveRequest, route backends.Router,
	progress func(backends.MoveProgress)) (backends.MoveReport, error) {
	rep := backends.MoveReport{PerTarget: map[string]int64{}}
	si, err := b.info(ctx, req.Source)
	if err != nil || si.State.Msgs == 0 {
		return rep, err
	}
	m := mover{b: b, source: req.Source, route: route, rep: &rep, total: int64(si.State.Msgs),
		resolver: resolver{b: b, streams: map[string]*jetstream.StreamInfo{}}, prefix: true}
	if req.Max > 0 {
		m.total = min(m.total, int64(req.Max))
	}
	var batch []backends.Message
	flush := func() error {
		err := m.moveBatch(ctx, batch)
		batch = batch[:0]
		progress(backends.MoveProgress{Moved: rep.Moved, Kept: rep.Kept, Failed: rep.Failed, Total: m.total})
		return err
	}
	taken := 0
	err = b.read(ctx, readSpec{stream: req.Source, deliver: jetstream.DeliverAllPolicy, last: si.State.LastSeq,
		byGet: byGet(si)},
		func(msg backends.Message) error {
			batch = append(batch, msg)
			taken++
			if len(batch) == moveBatch {
				if err := flush(); err != nil {
					return err
				}
			}
			if req.Max > 0 && taken >= req.Max {
				return errStop
			}
			return nil
		})
	if err == nil && len(batch) > 0 {
		err = flush()
	}
	return rep, err
}

// mover is one move under way.
type mover struct {
	b        *Backend
	source   string
	route    backends.Router
	rep      *backends.MoveReport
	total    int64
	resolver resolver
	// prefix is true while every letter so far moved: the dead-letter stream can then be purged up to the
	// last one, in one request, instead of removing letters one by one.
	prefix bool
}

// letter is one dead letter on its way.
type letter struct {
	seq    uint64 // in the dead-letter stream
	target backends.Target
	out    outgoing
}

// moveBatch routes, publishes and removes one batch. Nothing is written before every letter of the batch
// was routed and ctx still holds.
func (m *mover) moveBatch(ctx context.Context, batch []backends.Message) error {
	var todo []letter
	for _, msg := range batch {
		l, ok := m.prepare(ctx, msg)
		if ok {
			todo = append(todo, l)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	outs := make([]outgoing, len(todo))
	for i, l := range todo {
		outs[i] = l.out
	}
	acks, err := m.b.publish(ctx, outs)
	if err != nil {
		// Some may be stored; the letters all stay, and a new run's publishes are recognised as duplicates.
		m.rep.InDoubt += int64(len(todo))
		return err
	}
	var done []letter
	for i, l := range todo {
		if acks[i].err != nil {
			m.fail(l.seq, l.target, acks[i].err.Error())
			m.prefix = false
			continue
		}
		done = append(done, l)
	}
	if err := m.remove(ctx, done, len(done) == len(batch)); err != nil {
		return err
	}
	for _, l := range done {
		m.rep.Moved++
		m.rep.PerTarget[l.target.Label()]++
	}
	return nil
}

// prepare routes one letter and builds what to publish; false when it stays (kept or failed).
func (m *mover) prepare(ctx context.Context, msg backends.Message) (letter, bool) {
	seq := uint64(msg.Offset) + 1
	target, err := m.route(msg)
	if err != nil {
		m.rep.Kept++
		m.prefix = false
		return letter{}, false
	}
	l := letter{seq: seq, target: target}
	o := msg.Origin
	if o != nil && o.Convention == backends.NATSAdvisory {
		orig, err := m.original(ctx, o)
		if err != nil {
			m.fail(seq, target, err.Error())
			return letter{}, false
		}
		msg = orig
	}
	subject := string(msg.Key)
	if o != nil && o.Destination == target.Destination && len(o.RoutingKeys) == 1 {
		subject = o.RoutingKeys[0] // back to the subject it was first published to, where its stream takes it
	}
	l.out, err = m.resolver.resolve(ctx, target.Destination, subject)
	if err != nil {
		m.fail(seq, target, err.Error())
		return letter{}, false
	}
	l.out.msg = natsMsg(l.out.subject, backends.Message{Headers: homeHeaders(msg.Headers), Body: msg.Body})
	l.out.msg.Header.Set(hdrMsgID, m.dedupID(o, seq))
	return l, true
}

func (m *mover) fail(seq uint64, target backends.Target, reason string) {
	m.rep.Failed++
	m.prefix = false
	if len(m.rep.Failures) < maxFailures {
		m.rep.Failures = append(m.rep.Failures, backends.MoveFailure{Offset: int64(seq) - 1, Target: target.Label(),
			Reason: oneLine(reason)})
	}
}

// original reads the message an advisory names from its stream.
func (m *mover) original(ctx context.Context, o *backends.Origin) (backends.Message, error) {
	seq := uint64(*o.Offset) + 1
	ctx, cancel := m.b.bound(ctx)
	defer cancel()
	s, err := m.b.js.Stream(ctx, o.Destination)
	if err != nil {
		return backends.Message{}, fmt.Errorf("stream %s, which the advisory names, is gone: %w", o.Destination, err)
	}
	raw, err := s.GetMsg(ctx, seq)
	if err != nil {
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return backends.Message{}, fmt.Errorf("message %d is no longer in %s (removed by its limits or a "+
				"purge): nothing to send back", seq, o.Destination)
		}
		return backends.Message{}, m.b.opError(fmt.Sprintf("read message %d of %s", seq, o.Destination), err)
	}
	return message(o.Destination, raw.Sequence, raw.Time, raw.Subject, raw.Header, raw.Data), nil
}

// dedupID names a letter by where it came from, so that a publish repeated after an interrupted move is
// the same message to the server.
func (m *mover) dedupID(o *backends.Origin, seq uint64) string {
	if o != nil && o.Offset != nil && o.Destination != "" {
		return "mqscope-redrive:" + o.Destination + ":" + strconv.FormatInt(*o.Offset+1, 10)
	}
	return "mqscope-redrive:" + m.source + ":" + strconv.FormatUint(seq, 10)
}

// homeHeaders are a letter's headers without the bookkeeping of its copy and JetStream's own.
func homeHeaders(hs []backends.Header) []backends.Header {
	var out []backends.Header
	for _, h := range hs {
		switch k := strings.ToLower(h.Key); {
		case k == "nats-stream", k == "nats-subject", k == "nats-sequence", k == "nats-last-sequence",
			k == "nats-time-stamp", k == "nats-msg-id", strings.HasPrefix(k, "nats-expected-"):
			continue
		}
		out = append(out, h)
	}
	return out
}

// remove deletes the moved letters from the dead-letter stream: while every letter so far moved, by one
// purge up to the last of them, else one by one. It goes on after ctx ends, bounded, because a letter
// whose publish was acknowledged should not stay behind.
func (m *mover) remove(ctx context.Context, done []letter, wholeBatch bool) error {
	if len(done) == 0 {
		return nil
	}
	ctx, cancel := m.b.bound(context.WithoutCancel(ctx))
	defer cancel()
	if m.prefix && wholeBatch {
		_, err := m.b.purge(ctx, m.source, purgeRequest{Sequence: done[len(done)-1].seq + 1})
		if err != nil {
			m.rep.InDoubt += int64(len(done))
		}
		return err
	}
	s, err := m.b.js.Stream(ctx, m.source)
	if err != nil {
		m.rep.InDoubt += int64(len(done))
		return m.b.opError("remove moved letters from "+m.source, err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		jobs  = make(chan uint64)
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := range jobs {
				if err := s.DeleteMsg(ctx, seq); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
					mu.Lock()
					first = errors.Join(first, err)
					m.rep.InDoubt++
					mu.Unlock()
				}
			}
		}()
	}
	for _, l := range done {
		jobs <- l.seq
	}
	close(jobs)
	wg.Wait()
	if first != nil {
		return m.b.opError("remove moved letters from "+m.source, first)
	}
	return nil
}
