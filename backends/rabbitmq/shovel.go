package rabbitmq

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/sanitize"
)

var _ backends.ServerMover = (*Backend)(nil)

const (
	// shovelPrefetch is what the management UI's "Move messages" sets.
	shovelPrefetch = 1000
	// firstPart is how many letters the first shovel moves: few, so that a cancel soon after the start
	// is over soon. Later parts take about partTime at the rate the last one moved at, within
	// [firstPart, maxPart]. A cancel waits for the part under way, so partTime bounds how long that
	// takes; each part costs a shovel's start (tens of milliseconds, more on a busy broker).
	firstPart = 5_000
	maxPart   = 1_000_000
	partTime  = 5 * time.Second
	// The source's counts are read every pollFine while a part starts and as it ends, so that the next
	// part starts soon after, and up to pollCoarse apart in between (see nextPoll).
	pollFine   = 5 * time.Millisecond
	pollCoarse = 200 * time.Millisecond
	// reapEvery is how often the management API is asked whether the part's shovel has ended, in case
	// the counts never say so (others publish to or consume from the source).
	reapEvery = time.Second
	// shovelStall is how long shovels may move nothing while the source holds letters before mqscope
	// deletes them and says so.
	shovelStall = 30 * time.Second
	// finishWait bounds how long a cancelled move waits for the part under way.
	finishWait = time.Minute
)

// ServerMove moves letters from req.Source to the queue target with the broker's shovel plugin, the way
// the management UI's "Move messages" does it (a dynamic shovel: ack-mode on-confirm, src-prefetch-count
// 1000), with what the UI lacks kept here: a count fixed at the start (req.Max, or what the source holds),
// progress from the queues' counts, cancel, and a check of both counts at the end.
//
// The letters go in parts, each a shovel told to move exactly that many and then delete itself
// (src-delete-after N), one at a time, so that they arrive in order: two shovels on one queue would
// share its letters out between them. The next part starts as soon as the source's counts show the last
// one over. A shovel deleted while it works hands back what it had published but not yet acknowledged,
// which then sits in both queues (measured on 3.10.8: 556 of 30,000); a part that ends by itself leaves
// nothing in between. So cancelling starts no new part and waits for the one under way: every letter is
// then in exactly one of the two queues. Those hand-backs count toward a quorum queue's delivery limit,
// so a source where they count is refused (see shovelLimitRisk).
func (b *Backend) ServerMove(ctx context.Context, req backends.MoveRequest, target string,
	progress func(backends.MoveProgress)) (backends.MoveReport, error) {
	report := backends.MoveReport{PerTarget: map[string]int64{}}
	if err := b.serverMoveAPI(ctx); err != nil {
		return report, err
	}
	if req.Source == target {
		return report, fmt.Errorf("%q is the source itself; name another queue", shownName(target))
	}
	if err := b.queuesServerMovable(ctx, req.Source, target); err != nil {
		return report, err
	}
	ch, err := b.channel(ctx)
	if err != nil {
		return report, err
	}
	defer ch.Close()
	s := &shovelMove{b: b, ch: ch, source: req.Source, target: target, progress: progress, report: report}
	if s.srcStart, s.consumers, err = b.counts(ctx, ch, req.Source); err != nil {
		return report, err
	}
	if s.dstStart, err = b.passive(ctx, ch, target); err != nil {
		return report, err
	}
	s.total = s.srcStart
	if req.Max > 0 {
		s.total = min(s.total, req.Max)
	}
	if s.progress == nil {
		s.progress = func(backends.MoveProgress) {}
	}
	err = s.run(ctx)
	return s.report, err
}

// queuesServerMovable checks that each queue exists and is not a stream, and that the first, the source,
// is not a quorum queue whose give-backs count toward a delivery limit (see shovelLimitRisk), asking the
// management API about all at once (on a busy broker each answer takes tens of milliseconds). The first
// queue's error wins.
func (b *Backend) queuesServerMovable(ctx context.Context, source string, targets ...string) error {
	queues := append([]string{source}, targets...)
	errs := make([]error, len(queues))
	var wg sync.WaitGroup
	for i, q := range queues {
		wg.Go(func() {
			info, err := b.queueInfo(ctx, q)
			switch {
			case err == nil && info.Type == typeStream:
				err = fmt.Errorf("%q is a stream: a server-side move goes from queue to queue: %w", shownName(q), backends.ErrNotSupported)
			case err == nil && i == 0:
				err = b.shovelLimitRisk(info)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	return cmp.Or(errs...)
}

// CheckServerMove says why a server-side move from source would be refused for what the source is
// (missing, a stream, a quorum queue with a delivery limit) or for want of the management API; nil when
// it would not. A dry run asks it.
func (b *Backend) CheckServerMove(ctx context.Context, source string) error {
	if err := b.serverMoveAPI(ctx); err != nil {
		return err
	}
	return b.queuesServerMovable(ctx, source)
}

// serverMoveAPI says, when the management API cannot be used, that a server-side move needs it.
func (b *Backend) serverMoveAPI(ctx context.Context) error {
	if err := b.managementAPI(ctx); err != nil {
		what, fix := b.apiProblem(err)
		return fmt.Errorf("a server-side move needs the management API, and the %s; %s: %w", what, fix, backends.ErrNotSupported)
	}
	return nil
}

// shovelLimitRisk refuses a source whose give-backs count toward a delivery limit, as the limit guard
// that peek and the mover use decides. A shovel hands back what its prefetch took beyond its part (up to
// src-prefetch-count, 1,000) at the end of every part, and all it holds when deleted on a cancel; each
// hand-back raises a quorum letter's delivery count by one. A letter's count cannot be known before it is
// taken (consumers' rejects and peeks raise it too), so no prefetch or part size makes even one hand-back
// safe for a letter already at its limit: measured on 3.10.8 with a limit of 2, a shovel moving 2,000 of
// 3,000 letters at their limit dead-lettered the other 1,000 (TestServerMoveQuorumDeliveryLimit).
// mqscope's mover copies such letters back instead of handing them back.
func (b *Backend) shovelLimitRisk(info queueInfo) error {
	g := b.newLimitGuard(info)
	if !g.counts {
		return nil
	}
	return notSupported(fmt.Sprintf("%q is a quorum queue with a delivery limit of %d, and the shovel would hand letters "+
		"back (up to %d at each part's end, all it holds on a cancel), each hand-back counting toward that limit, past "+
		"which a letter is %s", shownName(info.Name), g.limit, shovelPrefetch, g.fate()))
}

// notSupported is a refusal that says why in its own words and wraps backends.ErrNotSupported without
// repeating that error's text.
type notSupported string

func (e notSupported) Error() string { return string(e) }
func (e notSupported) Unwrap() error { return backends.ErrNotSupported }

// shovelMove is one server-side move in progress.
type shovelMove struct {
	b                  *Backend
	ch                 *amqp.Channel
	source, target     string
	srcStart, dstStart int
	consumers          int // the source's consumers before the move
	total              int
	progress           func(backends.MoveProgress)
	report             backends.MoveReport

	started  int         // letters handed to shovels so far
	part     *shovelPart // the part under way; nil between parts
	rate     float64     // letters a second the last part moved
	lastSrc  int
	lastMove time.Time
	reaped   time.Time // when the API was last asked whether the part's shovel has ended
}

// shovelPart is one shovel at work.
type shovelPart struct {
	name    string
	letters int
	began   time.Time // when it was created
	moving  time.Time // when the source was first seen to give letters up to it; zero before
	due     time.Time // when the counts first said it had nothing left; zero before
}

func (s *shovelMove) run(ctx context.Context) error {
	s.lastMove, s.lastSrc = time.Now(), s.srcStart
	s.tell()
	if s.total == 0 {
		return nil
	}
	if err := s.startPart(ctx); err != nil {
		return err
	}
	err := s.follow(ctx)
	if err == nil {
		err = s.verify(ctx)
	}
	// A cancel during the last part changes nothing: that part moves every letter left, and the move is done.
	if ctx.Err() != nil && (err != nil || s.report.Moved < int64(s.total)) {
		cause := fmt.Sprintf("move from %q to %q stopped after %d of %d letters", shownName(s.source), shownName(s.target),
			s.report.Moved, s.total)
		if err != nil {
			return fmt.Errorf("%s: %w", cause, err)
		}
		return fmt.Errorf("%s: %w; the broker finished the part under way, so every letter is in exactly one of the two queues",
			cause, ctx.Err())
	}
	return err
}

// follow polls the source's counts until the last part has ended, starting each part as soon as the one
// before has ended. Once ctx ends it starts none and waits, at most finishWait, for the part under way.
func (s *shovelMove) follow(ctx context.Context) error {
	finish := context.WithoutCancel(ctx) // requests go on after a cancel, each bounded by the API timeout
	var deadline time.Time
	for s.part != nil {
		if ctx.Err() != nil && deadline.IsZero() {
			deadline = time.Now().Add(finishWait)
		}
		if !deadline.IsZero() && time.Now().After(deadline) {
			return s.abandon(fmt.Errorf("the part under way did not finish within %s", finishWait))
		}
		time.Sleep(s.nextPoll())
		src, consumers, err := s.b.counts(finish, s.ch, s.source)
		if err == nil {
			err = s.checkPart(finish, src, consumers)
		}
		if err != nil {
			return s.abandon(err)
		}
		if src != s.lastSrc {
			s.lastSrc, s.lastMove = src, time.Now()
		}
		if time.Since(s.lastMove) > shovelStall {
			return s.abandon(fmt.Errorf("the shovels moved nothing for %s", shovelStall))
		}
		s.tell() // before starting a part: the caller may cancel on what it hears
		if s.part == nil && ctx.Err() == nil && s.started < s.total {
			if err := s.startPart(ctx); err != nil {
				return s.abandon(err)
			}
		}
	}
	return nil
}

// nextPoll is how long to wait before reading the counts again: half the time the part under way needs,
// at the pace it has moved so far, for what it has left, within [pollFine, pollCoarse]; pollFine while it
// starts and once it should be over, for fineSpell each. Every read is a call into the source queue's
// process, which the shovel keeps busy: read every 20 ms throughout, a part moved ~2.5 % slower
// (measured on 3.10.8, 95,000 letters: 17,400 against 17,800 a second read every 100 ms).
func (s *shovelMove) nextPoll() time.Duration {
	p := s.part
	switch {
	case p == nil:
		return pollFine
	case p.moving.IsZero():
		return fineFor(p.began)
	}
	end := s.srcStart - s.started // what the source holds once the part is over
	moved := (s.srcStart - (s.started - p.letters)) - s.lastSrc
	left := s.lastSrc - end
	elapsed := time.Since(p.moving)
	if moved <= 0 || left <= 0 || elapsed <= 0 {
		if p.due.IsZero() {
			p.due = time.Now()
		}
		return fineFor(p.due)
	}
	wait := time.Duration(float64(elapsed) * float64(left) / float64(moved) / 2)
	return min(max(wait, pollFine), pollCoarse)
}

// fineSpell is how long the counts are read every pollFine as a part starts or ends: a shovel starts,
// and hands back its prefetch's extras at its end, within tens of milliseconds. Counts that still do not
// say so after that are others' doing (they publish to or consume from the source) or a stall, and the
// management API is asked about the part every reapEvery anyway.
const fineSpell = 250 * time.Millisecond

// fineFor is pollFine until fineSpell after since, then pollCoarse.
func fineFor(since time.Time) time.Duration {
	if time.Since(since) < fineSpell {
		return pollFine
	}
	return pollCoarse
}

// checkPart notes the end of the part under way. The source's counts show it first: the source holds
// exactly what the parts have left it, and no more consumers than before the move. The shovel's consumer
// is then gone, and what its prefetch took beyond its part is back in its place (a channel's end is
// handled by the queue before it answers again), so the next shovel takes the letters in order. When
// others publish to or consume from the source the counts never add up; then the management API is
// asked every reapEvery whether the shovel has deleted itself (it does so after closing its channels).
func (s *shovelMove) checkPart(ctx context.Context, src, consumers int) error {
	p := s.part
	if p.moving.IsZero() && src < s.srcStart-(s.started-p.letters) {
		p.moving = time.Now()
	}
	if src == s.srcStart-s.started && consumers <= s.consumers {
		s.partEnded()
		return nil
	}
	if time.Since(s.reaped) < reapEvery {
		return nil
	}
	s.reaped = time.Now()
	err := s.b.api.get(ctx, s.paramPath(p.name), nil, nil)
	switch {
	case errors.Is(err, backends.ErrNotFound):
		s.partEnded()
		return nil
	case err != nil:
		return fmt.Errorf("follow the shovels: %w", err)
	}
	return nil
}

// partEnded counts the part under way as moved (its shovel moved exactly its letters) and notes the rate
// it moved them at.
func (s *shovelMove) partEnded() {
	p := s.part
	s.part = nil
	s.report.Moved += int64(p.letters)
	s.report.PerTarget[s.target] += int64(p.letters)
	if !p.moving.IsZero() {
		s.rate = float64(p.letters) / max(time.Since(p.moving).Seconds(), 0.001)
	}
}

// nextPart is how many letters the next part takes: firstPart at first, then about partTime at the rate
// the last part moved at. What is left goes in one part when it is at most half as much again, rather
// than leave a short last part whose shovel's start would cost more than it saves.
func (s *shovelMove) nextPart() int {
	left := s.total - s.started
	part := firstPart
	if s.started > 0 {
		part = min(max(int(s.rate*partTime.Seconds()), firstPart), maxPart)
	}
	if left <= part+part/2 {
		return left
	}
	return part
}

// startPart starts a shovel for the next part.
func (s *shovelMove) startPart(ctx context.Context) error {
	part := s.nextPart()
	name := fmt.Sprintf("mqscope-move-%d", time.Now().UnixNano())
	uri := "amqp:///" + url.PathEscape(s.b.vhost)
	body := map[string]any{"value": map[string]any{
		"src-protocol": "amqp091", "src-uri": uri, "src-queue": s.source,
		"dest-protocol": "amqp091", "dest-uri": uri, "dest-queue": s.target,
		"ack-mode": "on-confirm", "src-delete-after": part, "src-prefetch-count": shovelPrefetch,
		"dest-add-forward-headers": false,
	}}
	if err := s.b.api.do(ctx, http.MethodPut, s.paramPath(name), nil, body, nil); err != nil {
		return s.b.shovelError(err)
	}
	s.part = &shovelPart{name: name, letters: part, began: time.Now()}
	s.started += part
	s.reaped = time.Now()
	return nil
}

func (s *shovelMove) paramPath(name string) string {
	return "/api/parameters/shovel/" + segment(s.b.vhost) + "/" + segment(name)
}

// abandon deletes the shovel still at work and says what that means: what it had taken and not yet
// acknowledged goes back to the source, and may be in the target too. With no part under way (a part
// that failed to start) nothing is in between, and cause says it all.
func (s *shovelMove) abandon(cause error) error {
	p := s.part
	if p == nil {
		return cause
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.b.cfg.Timeout)
	defer cancel()
	err := s.b.api.do(ctx, http.MethodDelete, s.paramPath(p.name), nil, nil, nil)
	deleted := err == nil || errors.Is(err, backends.ErrNotFound)
	moved, ok := 0, false
	if deleted {
		moved, ok = s.account(ctx, p)
	}
	if moved > 0 {
		s.report.Moved += int64(moved)
		s.report.PerTarget[s.target] += int64(moved)
	}
	s.report.InDoubt += min(int64(p.letters-moved), shovelPrefetch)
	s.report.InDoubtAtMost = true
	held := fmt.Sprintf("up to %d letters it held may now be in both %q and %q", s.report.InDoubt, shownName(s.source), shownName(s.target))
	if ok {
		return fmt.Errorf("%v; mqscope deleted its shovel, which had moved %d of its part's %d letters, and %s", cause, moved,
			p.letters, held)
	}
	if !deleted {
		return fmt.Errorf("%v; mqscope could not delete its shovel %s (%v): delete it by hand (management UI, Admin > "+
			"Shovel Management), and %s", cause, sanitize.Line(p.name), err, held)
	}
	return fmt.Errorf("%v; mqscope deleted its shovel, and %s", cause, held)
}

// accountWait bounds how long an abandoned move waits for the counts to say what its part moved.
const accountWait = 3 * time.Second

// account reads, once a deleted shovel's consumer is gone from the source, what its part moved for
// certain: the source then holds again what the shovel had taken and not acknowledged (the queue gives it
// back as it drops the consumer), so it lost exactly the letters the shovel acknowledged, each of which the
// target had confirmed. What the shovel held and had published may be in both queues, and how many is
// not read: the target's count can still be catching up with the shovel's last publishes (seen under load:
// 350 read, 1,000 there). It says false, and nothing is counted, when within accountWait the source's
// consumer does not go or the counts do not add up (the target gained less than the source lost: others
// consume from the source, or it was deleted).
func (s *shovelMove) account(ctx context.Context, p *shovelPart) (moved int, ok bool) {
	ch, err := s.b.channel(ctx) // the move's own may have closed with the error that ended it
	if err != nil {
		return 0, false
	}
	defer ch.Close()
	srcBefore, dstBefore := s.srcStart-(s.started-p.letters), s.dstStart+int(s.report.Moved)
	for deadline := time.Now().Add(accountWait); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		src, consumers, err := s.b.counts(ctx, ch, s.source)
		if err != nil {
			return 0, false
		}
		dst, err := s.b.passive(ctx, ch, s.target)
		if err != nil {
			return 0, false
		}
		moved = srcBefore - src
		if consumers <= s.consumers && moved >= 0 && moved <= p.letters && dst-dstBefore >= moved {
			return moved, true
		}
	}
	return 0, false
}

// verify checks that the counts add up: the source lost, and the target gained, exactly what the
// shovels moved. A queue applies a move a moment after the shovel is done, so this waits briefly.
func (s *shovelMove) verify(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx)
	wantSrc, wantDst := s.srcStart-int(s.report.Moved), s.dstStart+int(s.report.Moved)
	var src, dst int
	var err error
	for deadline := time.Now().Add(giveBackWait); ; time.Sleep(10 * time.Millisecond) {
		if src, err = s.b.passive(ctx, s.ch, s.source); err == nil {
			dst, err = s.b.passive(ctx, s.ch, s.target)
		}
		if err != nil || src == wantSrc && dst == wantDst || time.Now().After(deadline) {
			break
		}
	}
	s.tell()
	if err != nil {
		return fmt.Errorf("check the counts after the move: %w", err)
	}
	if src != wantSrc || dst != wantDst {
		return fmt.Errorf("the counts do not add up: %q held %d and now %d, %q held %d and now %d, and the shovels moved %d "+
			"(other clients may be publishing to or consuming from them)", shownName(s.source), s.srcStart, src,
			shownName(s.target), s.dstStart, dst, s.report.Moved)
	}
	return nil
}

// tell reports progress: what the finished parts moved, plus what the source has lost to the part under
// way, never more than was handed out.
func (s *shovelMove) tell() {
	moved := s.report.Moved
	if under := int64(s.srcStart-s.lastSrc) - moved; under > 0 {
		moved += min(under, int64(s.started)-s.report.Moved)
	}
	s.progress(backends.MoveProgress{Moved: moved, Total: int64(s.total)})
}

// shovelError says why the broker refused a shovel, and what to do.
func (b *Backend) shovelError(err error) error {
	var aerr *apiError
	if errors.As(err, &aerr) {
		user := sanitize.Line(b.target.apiUser)
		switch {
		case strings.Contains(aerr.Reason, "component shovel not found"):
			return fmt.Errorf("the broker's shovel plugin is not enabled, and a server-side move is its work: "+
				"rabbitmq-plugins enable rabbitmq_shovel rabbitmq_shovel_management, or move without --server-side: %w",
				backends.ErrNotSupported)
		case aerr.Status == http.StatusUnauthorized || aerr.Status == http.StatusForbidden:
			return fmt.Errorf("user %q may not create shovels (%s): that needs the policymaker or administrator tag "+
				"(rabbitmqctl set_user_tags %s policymaker), or move without --server-side: %w", user, aerr.Reason, user, backends.ErrAuth)
		}
	}
	return fmt.Errorf("start a shovel: %w", err)
}
