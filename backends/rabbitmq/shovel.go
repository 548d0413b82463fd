package rabbitmq

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/sanitize"
)

var _ backends.ServerMover = (*Backend)(nil)

const (
	// shovelPrefetch is what the management UI's "Move messages" sets.
	shovelPrefetch = 1000
	// firstPart is how many letters the first shovel moves; later parts take about partTime at the rate
	// measured so far, within [firstPart, maxPart]. A cancel waits for the part under way, so partTime
	// bounds how long that takes; each part costs the broker a shovel's start (up to a second when busy).
	firstPart = 10_000
	maxPart   = 1_000_000
	partTime  = 4 * time.Second
	// partLead is how long before the part under way ends the next one starts, so that the broker never
	// waits for a shovel to start.
	partLead = 2 * time.Second
	// shovelPoll is how often the queues' counts are read.
	shovelPoll = 50 * time.Millisecond
	// reapEvery is how often the management API is asked which shovels ended, between the moments the
	// counts suggest it.
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
// (src-delete-after N); the next starts just before the current one ends, so the broker never waits
// for mqscope. A shovel deleted while it works hands back what it had published but not yet acknowledged,
// which then sits in both queues (measured on 3.10.8: 556 of 30,000); a part that ends by itself leaves
// nothing in between. So cancelling starts no new part and waits for the one under way: every letter is
// then in exactly one of the two queues.
func (b *Backend) ServerMove(ctx context.Context, req backends.MoveRequest, target string,
	progress func(backends.MoveProgress)) (backends.MoveReport, error) {
	report := backends.MoveReport{PerTarget: map[string]int64{}}
	if err := b.managementAPI(ctx); err != nil {
		what, fix := b.apiProblem(err)
		return report, fmt.Errorf("a server-side move needs the management API, and the %s; %s: %w", what, fix, backends.ErrNotSupported)
	}
	if req.Source == target {
		return report, fmt.Errorf("%q is the source itself; name another queue", shownName(target))
	}
	for _, q := range []string{req.Source, target} {
		info, err := b.queueInfo(ctx, q)
		if err != nil {
			return report, err
		}
		if info.Type == typeStream {
			return report, fmt.Errorf("%q is a stream: a server-side move goes from queue to queue: %w", shownName(q), backends.ErrNotSupported)
		}
	}
	ch, err := b.channel(ctx)
	if err != nil {
		return report, err
	}
	defer ch.Close()
	s := &shovelMove{b: b, ch: ch, source: req.Source, target: target, progress: progress, report: report}
	if s.srcStart, err = b.passive(ctx, ch, req.Source); err != nil {
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

// shovelMove is one server-side move in progress.
type shovelMove struct {
	b                  *Backend
	ch                 *amqp.Channel
	source, target     string
	srcStart, dstStart int
	total              int
	progress           func(backends.MoveProgress)
	report             backends.MoveReport

	started  int            // letters handed to shovels so far
	parts    map[string]int // the shovels still at work: name → letters
	done     int            // letters of the parts that ended by themselves
	began    time.Time
	lastSrc  int
	lastMove time.Time
	reaped   time.Time // when the API was last asked which shovels ended
}

func (s *shovelMove) run(ctx context.Context) error {
	s.parts, s.began, s.lastMove, s.lastSrc = map[string]int{}, time.Now(), time.Now(), s.srcStart
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
	if ctx.Err() != nil {
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

// follow polls the queues until every part has ended, starting the next part as the current one nears
// its end. Once ctx ends it starts none and waits, at most finishWait, for the parts under way.
func (s *shovelMove) follow(ctx context.Context) error {
	finish := context.WithoutCancel(ctx) // requests go on after a cancel, each bounded by the API timeout
	var deadline time.Time
	for len(s.parts) > 0 {
		if ctx.Err() != nil && deadline.IsZero() {
			deadline = time.Now().Add(finishWait)
		}
		if !deadline.IsZero() && time.Now().After(deadline) {
			return s.abandon(fmt.Errorf("the part under way did not finish within %s", finishWait))
		}
		time.Sleep(shovelPoll)
		src, err := s.b.passive(finish, s.ch, s.source)
		if err == nil && s.mayHaveEnded(src) {
			err = s.reap(finish)
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
		if ctx.Err() == nil && s.started < s.total && s.nearEnd(src) {
			if err := s.startPart(ctx); err != nil {
				return s.abandon(err)
			}
		}
	}
	return nil
}

// mayHaveEnded reports whether it is time to ask the management API which shovels have ended: when the
// source has given up every letter handed out (a shovel deletes itself once it has moved its part), and
// every reapEvery anyway. The API is slow on a busy broker; the queue's count is cheap.
func (s *shovelMove) mayHaveEnded(src int) bool {
	if s.srcStart-src >= s.started || time.Since(s.reaped) > reapEvery {
		s.reaped = time.Now()
		return true
	}
	return false
}

// nearEnd reports whether the parts under way are within partLead (at least two prefetch windows) of
// their end, judged by how much the source shrank.
func (s *shovelMove) nearEnd(src int) bool {
	left := s.started - (s.srcStart - src)
	return left <= max(2*shovelPrefetch, int(s.rate()*partLead.Seconds())) && len(s.parts) < 2
}

// rate is how many letters a second have left the source since the move began, not counting the
// prefetch windows each shovel fills at once when it starts.
func (s *shovelMove) rate() float64 {
	gone := max(s.srcStart-s.lastSrc-shovelPrefetch*(len(s.parts)+1), 0)
	return float64(gone) / max(time.Since(s.began).Seconds(), 0.001)
}

// startPart starts a shovel for the next part.
func (s *shovelMove) startPart(ctx context.Context) error {
	part := firstPart
	if s.started > 0 {
		part = min(max(int(s.rate()*partTime.Seconds()), firstPart), maxPart)
	}
	part = min(part, s.total-s.started)
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
	s.parts[name] = part
	s.started += part
	return nil
}

func (s *shovelMove) paramPath(name string) string {
	return "/api/parameters/shovel/" + segment(s.b.vhost) + "/" + segment(name)
}

// reap notes the parts whose shovels have deleted themselves: each moved exactly its letters.
func (s *shovelMove) reap(ctx context.Context) error {
	var params []struct{ Name string }
	if err := s.b.api.get(ctx, "/api/parameters/shovel/"+segment(s.b.vhost), nil, &params); err != nil {
		return fmt.Errorf("follow the shovels: %w", err)
	}
	alive := map[string]bool{}
	for _, p := range params {
		alive[p.Name] = true
	}
	for name, n := range s.parts {
		if !alive[name] {
			delete(s.parts, name)
			s.done += n
			s.report.Moved += int64(n)
			s.report.PerTarget[s.target] += int64(n)
		}
	}
	return nil
}

// abandon deletes the shovels still at work and says what that means: what they had taken and not yet
// acknowledged goes back to the source, and may be in the target too.
func (s *shovelMove) abandon(cause error) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.b.cfg.Timeout)
	defer cancel()
	var left []string
	for name, n := range s.parts {
		if err := s.b.api.do(ctx, http.MethodDelete, s.paramPath(name), nil, nil, nil); err != nil && !errors.Is(err, backends.ErrNotFound) {
			left = append(left, sanitize.Line(name))
		}
		s.report.InDoubt += min(int64(n), shovelPrefetch)
	}
	msg := fmt.Sprintf("%v; mqscope deleted its shovels, and up to %d letters they held may now be in both %q and %q",
		cause, s.report.InDoubt, shownName(s.source), shownName(s.target))
	if len(left) > 0 {
		msg += "; delete these shovels by hand (management UI, Admin > Shovel Management): " + strings.Join(left, ", ")
	}
	return errors.New(msg)
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
