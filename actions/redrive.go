package actions

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mqscope/mqscope/backends"
)

// RedriveOptions say how dead letters go back.
type RedriveOptions struct {
	// To is the queue or topic for letters whose headers name no origin. Letters that name theirs go
	// there, whatever To says.
	To string
	// Max moves at most this many letters; 0 moves all that the dead-letter queue held when the move began.
	Max int
	// UseOriginalExchange sends RabbitMQ letters back through the exchange they were first published to,
	// with their original routing key, instead of straight to the queue they died in. That reaches every
	// queue bound there again, which may be more than the one that rejected them.
	UseOriginalExchange bool
	// ServerSide hands the move to the broker itself (RabbitMQ's shovel plugin), which is faster, where
	// the plan sends every letter to one existing queue: see ServerSideTarget. On a broker whose own move
	// task a redrive uses by itself where the plan fits it (SQS, see TaskPlan), it insists on that task:
	// refused where the task cannot do the move, rather than moving client-side.
	ServerSide bool
	// Rate caps the letters moved per second (SQS, like a message move task's
	// MaxNumberOfMessagesPerSecond); 0 is no cap.
	Rate int
	// Notice is how long a client-side move waits for a broker that does not answer before its progress
	// says so (backends.MoveProgress.Waiting); 0: DefaultNotice.
	Notice time.Duration
}

// Route is where one dead letter goes back to, and how that was worked out.
type Route struct {
	Target backends.Target
	// Via says what named the target: the header convention read ("spring kafka_dlt", "rabbitmq x-death"),
	// ViaGiven, or the naming convention that matched ("naming convention X-dlt").
	Via string
}

// ViaGiven is the Via of letters sent to the target the redrive was given (RedriveOptions.To).
const ViaGiven = "given target"

// Why a letter stays where it is.
var (
	// ErrNoOrigin: its headers name no origin, no target was given, and the dead-letter queue's name
	// follows no convention that names one that exists.
	ErrNoOrigin = errors.New("no origin")
	// ErrOriginGone: its origin no longer exists; publishing there would lose it.
	ErrOriginGone = errors.New("origin no longer exists")
	// ErrOriginIsSource: its origin is the dead-letter queue itself; moving it would go round in a circle.
	ErrOriginIsSource = errors.New("origin is the dead-letter queue itself")
)

// KeptError says why one letter stays in the dead-letter queue. Moves report its text; plans group
// letters by it.
type KeptError struct {
	Target string // the label of the target it would have gone to; "" when it has none
	Err    error  // ErrNoOrigin, ErrOriginGone or ErrOriginIsSource
	detail string
}

func (e *KeptError) Error() string { return e.detail }
func (e *KeptError) Unwrap() error { return e.Err }

// DeadLetterRouter works out where each dead letter of one dead-letter queue goes back to. Planning and
// moving both use it, so that a dry run shows exactly what a move does.
type DeadLetterRouter struct {
	source      string
	to          *Route
	byName      *Route // the origin the dead-letter queue's name points to, if any
	useExchange bool
	// What exists, to keep letters whose origin is gone. nil when the broker cannot list: then every
	// target is taken to exist (the broker still refuses what it cannot route) and names are not tried.
	places    map[string]backends.Destination // topics, queues, streams
	exchanges map[string]bool
}

// NewDeadLetterRouter lists what exists on the broker and makes the router for the dead-letter queue
// source. It fails when opts.To names a destination that does not exist. warnings say what it could not
// check.
func NewDeadLetterRouter(ctx context.Context, b backends.Backend, source string, opts RedriveOptions) (
	*DeadLetterRouter, []string, error) {
	dests, err := ListDestinations(ctx, b, backends.ListOptions{IncludeInternal: true})
	return routerFor(source, opts, dests, err)
}

// routerFor makes the router from a listing of what exists, or the error listing gave.
func routerFor(source string, opts RedriveOptions, dests []backends.Destination, listErr error) (
	r *DeadLetterRouter, warnings []string, err error) {
	r = &DeadLetterRouter{source: source, useExchange: opts.UseOriginalExchange}
	if listErr != nil {
		warnings = append(warnings, fmt.Sprintf("targets are not checked before the move, and dead-letter naming "+
			"conventions are not tried: %v", listErr))
	} else {
		r.places, r.exchanges = map[string]backends.Destination{}, map[string]bool{"": true}
		for _, d := range dests {
			if d.Kind == backends.Exchange {
				r.exchanges[d.Name] = true
			} else {
				r.places[d.Name] = d
			}
		}
		r.byName = r.nameConvention()
	}
	if opts.To != "" {
		if opts.To == source {
			return nil, warnings, &TargetError{Target: opts.To, Err: ErrTargetIsSource}
		}
		if _, ok := r.places[opts.To]; !ok && r.places != nil {
			return nil, warnings, &TargetError{Target: opts.To, Err: &NotFoundError{Kind: "topic or queue", Name: opts.To}}
		}
		r.to = &Route{Target: backends.Target{Destination: opts.To}, Via: ViaGiven}
	}
	return r, warnings, nil
}

// Route is the backends.Router of a move.
func (r *DeadLetterRouter) Route(m backends.Message) (backends.Target, error) {
	route, err := r.Resolve(m)
	return route.Target, err
}

// Resolve says where m goes: the origin its own headers name; else --to; else the destination the
// dead-letter queue's name points to. A *KeptError says why it stays; its Route still names the target
// it would have gone to, if any.
func (r *DeadLetterRouter) Resolve(m backends.Message) (Route, error) {
	origin := m.Origin
	if origin == nil {
		origin = backends.ParseOrigin(m.Headers)
	}
	switch {
	case origin != nil && origin.Destination != "":
		return r.fromOrigin(origin)
	case r.to != nil:
		return *r.to, nil
	case r.byName != nil:
		return *r.byName, nil
	}
	return Route{}, &KeptError{Err: ErrNoOrigin,
		detail: "no origin: its headers name none, and no target was given for such letters"}
}

// fromOrigin is the route to the origin a letter's headers name, if it still exists.
func (r *DeadLetterRouter) fromOrigin(o *backends.Origin) (Route, error) {
	route := Route{Target: backends.Target{Destination: o.Destination, Partition: o.Partition}, Via: string(o.Convention)}
	if o.Convention == backends.RabbitXDeath && r.useExchange {
		x := o.Exchange
		route.Target.Exchange = &x
		if len(o.RoutingKeys) > 0 {
			route.Target.RoutingKey = o.RoutingKeys[0]
		}
		route.Via += " (original exchange)"
		if r.exchanges != nil && !r.exchanges[x] {
			return route, r.kept(route, ErrOriginGone, "exchange "+x+" no longer exists")
		}
		return route, nil
	}
	if o.Destination == r.source {
		return route, r.kept(route, ErrOriginIsSource, o.Destination+" is the dead-letter queue itself")
	}
	if r.places == nil {
		return route, nil
	}
	d, ok := r.places[o.Destination]
	if !ok {
		return route, r.kept(route, ErrOriginGone, o.Destination+" no longer exists")
	}
	if p := o.Partition; p != nil && d.Kind == backends.Topic && d.Partitions > 0 && int(*p) >= d.Partitions {
		return route, r.kept(route, ErrOriginGone, fmt.Sprintf("partition %d of %s no longer exists", *p, o.Destination))
	}
	return route, nil
}

func (r *DeadLetterRouter) kept(route Route, err error, detail string) *KeptError {
	return &KeptError{Target: route.Target.Label(), Err: err, detail: "origin " + detail}
}

// DeadLetterSuffixes and DeadLetterPrefixes are the naming conventions of dead-letter queues and topics
// (X being the origin's name), matched without regard to case: Spring Kafka's X-dlt and X.DLT, and the
// X.dlq, X-dlq, X_dlq, dlq.X ... that teams use for queues, and Redis's X:dlq and dlq:X.
var (
	DeadLetterSuffixes = []string{"-dlt", ".dlt", "_dlt", "-dlq", ".dlq", "_dlq", ":dlq", "-dead", ".dead", "_dead",
		":dead", "-deadletter", ".deadletter", "_deadletter", ":deadletter", "-dead-letter", ".dead-letter",
		"_dead_letter", ":dead-letter"}
	DeadLetterPrefixes = []string{"dlq.", "dlq-", "dlq_", "dlq:", "dlt.", "dlt-", "dlt_", "dead.", "deadletter.",
		"dead-letter."}
)

// OriginsByName lists the origins a dead-letter queue's name points to by the naming conventions, each
// with the convention that matched as the name spells it (X.DLQ for orders.DLQ), most likely first.
func OriginsByName(dlq string) []Route {
	var out []Route
	for _, s := range DeadLetterSuffixes {
		if n := len(dlq) - len(s); n > 0 && strings.EqualFold(dlq[n:], s) {
			out = append(out, Route{Target: backends.Target{Destination: dlq[:n]}, Via: "naming convention X" + dlq[n:]})
		}
	}
	for _, p := range DeadLetterPrefixes {
		if len(dlq) > len(p) && strings.EqualFold(dlq[:len(p)], p) {
			out = append(out, Route{Target: backends.Target{Destination: dlq[len(p):]}, Via: "naming convention " + dlq[:len(p)] + "X"})
		}
	}
	return out
}

// nameConvention is the first origin the source's name points to that exists.
func (r *DeadLetterRouter) nameConvention() *Route {
	for _, route := range OriginsByName(r.source) {
		if d, ok := r.places[route.Target.Destination]; ok && d.Name != r.source {
			return &route
		}
	}
	return nil
}

// RedrivePlan says what a redrive would do: how many letters go to each target, and which stay and why.
type RedrivePlan struct {
	Source   string
	Options  RedriveOptions
	Letters  int64          // letters looked at
	Routes   []PlannedRoute // where letters go, sorted by target
	Kept     []KeptLetters  // letters that would stay, by reason
	Warnings []string       // what could not be checked, and what the move costs beyond the usual (backends.MoveAdvisor)
	// Task says whether the broker's own move task would do the move (SQS); nil where it has none.
	Task *TaskPlan
}

// PlannedRoute is one target of a plan and how many letters go there.
type PlannedRoute struct {
	Route
	Letters int64
}

// KeptLetters are letters that would stay in the dead-letter queue for one reason.
type KeptLetters struct {
	Target  string // the target they would have gone to; "" when they have none
	Reason  string // the KeptError text
	Err     error  // ErrNoOrigin, ErrOriginGone or ErrOriginIsSource
	Letters int64
}

// Moves is how many letters the redrive would move.
func (p RedrivePlan) Moves() int64 {
	var n int64
	for _, r := range p.Routes {
		n += r.Letters
	}
	return n
}

// Keeps is how many letters would stay.
func (p RedrivePlan) Keeps() int64 { return p.Letters - p.Moves() }

// Unresolved is how many letters have no origin at all.
func (p RedrivePlan) Unresolved() int64 {
	var n int64
	for _, k := range p.Kept {
		if errors.Is(k.Err, ErrNoOrigin) {
			n += k.Letters
		}
	}
	return n
}

// PlanRedrive reads the dead letters a move of dlq would take next (up to opts.Max) the way peek does,
// changing nothing, and works out each one's target. Where the broker's mover carries on from an earlier
// move (Kafka), the plan reads from there too. It fails when the broker can neither read nor move
// messages.
func PlanRedrive(ctx context.Context, b backends.Backend, dlq string, opts RedriveOptions) (plan RedrivePlan, err error) {
	if err := readingSession(b).Can(VerbRedrive); err != nil {
		return RedrivePlan{}, err
	}
	if opts.Max < 0 {
		return RedrivePlan{}, fmt.Errorf("max %d: want 0 (all) or more", opts.Max)
	}
	router, warnings, err := NewDeadLetterRouter(ctx, b, dlq, opts)
	if err != nil {
		return RedrivePlan{}, err
	}
	defer func() {
		if tm, ok := b.(backends.TaskMover); ok && err == nil {
			plan.Task = planTask(ctx, tm, plan, router.held())
		}
	}()
	t := tally{routes: map[routeKey]*PlannedRoute{}, kept: map[string]*KeptLetters{}}
	if r, ok := b.(backends.MoveResumer); ok {
		err = t.resumed(ctx, b, r, router, dlq, opts.Max)
	} else {
		err = Peek(ctx, b, backends.PeekRequest{Destination: dlq, Limit: opts.Max}, func(m backends.Message) error {
			t.add(router.Resolve(m))
			return nil
		})
	}
	plan = t.plan()
	plan.Source, plan.Options, plan.Warnings = dlq, opts, warnings
	if a, ok := b.(backends.MoveAdvisor); ok && err == nil {
		notice, nerr := a.MoveNotice(ctx, dlq)
		if nerr != nil {
			return plan, fmt.Errorf("plan the redrive of %s: %w", dlq, nerr)
		}
		if notice != "" {
			plan.Warnings = append(plan.Warnings, notice)
		}
	}
	if plan.throughExchanges() {
		plan.Warnings = append(plan.Warnings, "letters sent through an exchange reach the queues bound there when they "+
			"are sent; a letter no queue takes comes back unroutable and stays in "+dlq)
	}
	return plan, err
}

// throughExchanges reports whether some letters go through an exchange, whose bindings decide where.
func (p RedrivePlan) throughExchanges() bool {
	return slices.ContainsFunc(p.Routes, func(r PlannedRoute) bool { return r.Target.Exchange != nil })
}

// tally counts letters per route, and kept letters per reason.
type tally struct {
	letters int64
	routes  map[routeKey]*PlannedRoute
	kept    map[string]*KeptLetters
}

func (t *tally) add(route Route, err error) {
	t.letters++
	var k *KeptError
	if errors.As(err, &k) {
		if t.kept[k.Error()] == nil {
			t.kept[k.Error()] = &KeptLetters{Target: k.Target, Reason: k.Error(), Err: k.Err}
		}
		t.kept[k.Error()].Letters++
		return
	}
	key := keyOf(route)
	if t.routes[key] == nil {
		t.routes[key] = &PlannedRoute{Route: route}
	}
	t.routes[key].Letters++
}

func (t *tally) plan() RedrivePlan {
	p := RedrivePlan{Letters: t.letters}
	for _, r := range t.routes {
		p.Routes = append(p.Routes, *r)
	}
	slices.SortFunc(p.Routes, func(a, b PlannedRoute) int { return compareRoutes(a.Route, b.Route) })
	for _, k := range t.kept {
		p.Kept = append(p.Kept, *k)
	}
	slices.SortFunc(p.Kept, func(a, b KeptLetters) int {
		return cmp.Or(cmp.Compare(b.Letters, a.Letters), strings.Compare(a.Reason, b.Reason))
	})
	return p
}

// resumed tallies the letters from where the next move starts, partition by partition. With a limit,
// the move takes the first limit letters in the order a read of every partition merges them (by time, then
// partition), so each partition's first limit are resolved and the first limit of them all counted.
func (t *tally) resumed(ctx context.Context, b backends.Backend, r backends.MoveResumer, router *DeadLetterRouter,
	dlq string, limit int) error {
	starts, err := r.MoveStart(ctx, dlq)
	if err != nil {
		return fmt.Errorf("where the next move of %s starts: %w", dlq, err)
	}
	type resolved struct {
		at        time.Time
		partition int32
		route     Route
		err       error
	}
	var heads []resolved
	for _, p := range slices.Sorted(maps.Keys(starts)) {
		req := backends.PeekRequest{Destination: dlq, Partitions: []int32{p}, Limit: limit,
			From: backends.Position{Kind: backends.AtOffset, Offset: starts[p]}}
		err := Peek(ctx, b, req, func(m backends.Message) error {
			route, err := router.Resolve(m)
			if limit == 0 {
				t.add(route, err)
			} else {
				heads = append(heads, resolved{m.Timestamp, m.Partition, route, err})
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	slices.SortStableFunc(heads, func(a, b resolved) int {
		return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.partition, b.partition))
	})
	for _, h := range heads[:min(len(heads), limit)] {
		t.add(h.route, h.err)
	}
	return nil
}

// routeKey identifies a route for counting: its target (with the partition) and how it was found.
type routeKey struct {
	label     string
	partition int32 // -1: by key
	via       string
}

func keyOf(r Route) routeKey {
	k := routeKey{label: r.Target.Label(), partition: -1, via: r.Via}
	if r.Target.Partition != nil {
		k.partition = *r.Target.Partition
	}
	return k
}

func compareRoutes(a, b Route) int {
	ka, kb := keyOf(a), keyOf(b)
	return cmp.Or(strings.Compare(ka.label, kb.label), cmp.Compare(ka.partition, kb.partition), strings.Compare(ka.via, kb.via))
}

// RedriveReport is the outcome of a redrive.
type RedriveReport struct {
	Source string
	backends.MoveReport
	Warnings []string
	Way      Way // who moved the letters
}

// Way is who moves the letters of a redrive.
type Way string

const (
	ByClient     Way = "client-side" // mqscope's mover: backends.Mover
	ByServerMove Way = "server-side" // the broker's shovel, on request: backends.ServerMover
	ByMoveTask   Way = "move task"   // the broker's own move task, where the plan fits it: backends.TaskMover
)

// Complete reports whether every letter moved: none kept, none failed.
func (r RedriveReport) Complete() bool { return r.Kept == 0 && r.Failed == 0 }

// Stopped says how far a redrive that stopped early (interrupted, or cut off from the broker) got, for
// the CLI and the TUI alike: what moved for certain and, when some letters are in doubt, how many, why
// and what to do.
func (r RedriveReport) Stopped() string {
	switch {
	case r.InDoubt == 0:
		return fmt.Sprintf("%d moved", r.Moved)
	case r.CommitInDoubt:
		return fmt.Sprintf("%d moved for certain, %d in doubt (a commit was under way when the redrive stopped; "+
			"run redrive again — it moves each letter exactly once)", r.Moved, r.InDoubt)
	default:
		return fmt.Sprintf("%d moved for certain, %s in doubt (they may be in both places; "+
			"run redrive again — it moves them again with the rest)", r.Moved, r.InDoubtFigure(decimal))
	}
}

func decimal(n int64) string { return strconv.FormatInt(n, 10) }

// StopTrouble is what err, the error of a redrive that was interrupted, says beyond the interruption:
// nil when it is only that (it wraps context.Canceled or DeadlineExceeded, as the movers' plain stops
// do), else err itself, which says what went wrong while the move stopped (a server-side part that did
// not finish, a shovel left to delete by hand). Front ends show it next to Stopped.
func StopTrouble(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return nil
	}
	return err
}

// ExecuteRedrive moves the dead letters of dlq back, each to the target the same DeadLetterRouter a plan
// uses resolves, through the broker's Mover: a letter leaves the dead-letter queue only once its target
// confirmed it, and letters without a target stay (reported as kept). Refused in read-only mode.
func (s *Session) Redrive(ctx context.Context, dlq string, opts RedriveOptions,
	progress func(backends.MoveProgress)) (RedriveReport, error) {
	return s.redrive(ctx, dlq, opts, nil, progress)
}

// RedriveConfirmed is Redrive of the letters of plan, the dry run the user has just confirmed, with opts:
// the plan's options, Max at most the letters it read. Where the broker's own move task decides by a plan
// (SQS), it decides by this one, checked against the dead-letter queue's count now, rather than read every
// letter again, which SQS counts as a receive of each (see confirmedPlan).
func (s *Session) RedriveConfirmed(ctx context.Context, plan RedrivePlan, opts RedriveOptions,
	progress func(backends.MoveProgress)) (RedriveReport, error) {
	return s.redrive(ctx, plan.Source, opts, &plan, progress)
}

func (s *Session) redrive(ctx context.Context, dlq string, opts RedriveOptions, confirmed *RedrivePlan,
	progress func(backends.MoveProgress)) (out RedriveReport, err error) {
	scope := []any{"source", dlq, "to", opts.To, "max", opts.Max, "rate", opts.Rate, "original_exchange", opts.UseOriginalExchange,
		"server_side", opts.ServerSide}
	if err := s.begin(VerbRedrive, scope...); err != nil {
		return RedriveReport{}, err
	}
	defer func() {
		out.Source = dlq // a report is of dlq, even one cut off before anything was read (Ctrl-C while planning)
		s.done(VerbRedrive, err, append(scope, "way", string(out.Way), "moved", out.Moved, "kept", out.Kept,
			"failed", out.Failed)...)
	}()
	mover := s.b.(backends.Mover)
	if opts.Max < 0 {
		return RedriveReport{}, fmt.Errorf("max %d: want 0 (all) or more", opts.Max)
	}
	if progress == nil {
		progress = func(backends.MoveProgress) {}
	}
	if opts.ServerSide {
		if err := s.Can(VerbServerMove); err != nil {
			return RedriveReport{}, err
		}
		if _, ok := s.b.(backends.ServerMover); ok {
			return serverSideRedrive(ctx, s.b, dlq, opts, confirmed, progress)
		}
	}
	var why []string // why the broker's own move task does not do it
	if tm, ok := s.b.(backends.TaskMover); ok {
		out, clientSide, err := taskRedrive(ctx, s.b, tm, dlq, opts, confirmed, progress)
		switch {
		case clientSide == "":
			return out, err
		case opts.ServerSide:
			return RedriveReport{Source: dlq}, fmt.Errorf("server-side redrive of %s: %w", dlq, &ServerSideError{Why: clientSide})
		}
		why = []string{"moving client-side: " + clientSide}
	}
	router, warnings, err := NewDeadLetterRouter(ctx, s.b, dlq, opts)
	if err != nil {
		return RedriveReport{}, err
	}
	report, err := mover.Move(ctx, backends.MoveRequest{Source: dlq, Max: opts.Max, Rate: opts.Rate,
		Notice: opts.Notice}, router.Route, progress)
	out = RedriveReport{Source: dlq, MoveReport: report, Warnings: append(why, warnings...), Way: ByClient}
	if report.Gone > 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("%d of the letters %s held when the redrive began were gone "+
			"before it reached them (another consumer or a purge took them); it ended once %s held none", report.Gone, dlq, dlq))
	}
	if err != nil {
		return out, fmt.Errorf("redrive %s: %w", dlq, err)
	}
	return out, nil
}

// ServerSideTarget is the queue a server-side move of the plan sends its letters to. The broker's mover
// sends every letter to one queue and reads no headers, so it is offered (where the session allows
// VerbServerMove) only where the plan sends every
// letter it read to the same existing queue, straight (not through an exchange), and keeps none.
func ServerSideTarget(p RedrivePlan) (string, error) {
	switch {
	case p.Letters == 0:
		return "", fmt.Errorf("%s holds no letters to move", p.Source)
	case p.Keeps() > 0:
		return "", &ServerSideError{Why: fmt.Sprintf("%d of the %d letters would stay (%s), and the broker's mover would move them too",
			p.Keeps(), p.Letters, p.Kept[0].Reason)}
	case len(p.Routes) != 1:
		return "", &ServerSideError{Why: fmt.Sprintf("the letters go to %d places, and the broker's mover sends everything to one",
			len(p.Routes))}
	}
	t := p.Routes[0].Target
	if t.Exchange != nil || t.Partition != nil || t.Destination == "" {
		return "", &ServerSideError{Why: fmt.Sprintf("the letters go to %s, and the broker's mover sends only to a queue", t.Label())}
	}
	return t.Destination, nil
}

// ServerSideCheck is ServerSideTarget, plus what the broker says of the plan's source where it can say
// it before a move (backends.ServerMoveChecker): RabbitMQ refuses a quorum source whose delivery limit
// the shovel's hand-backs count toward. Its refusal is a ServerSideError.
func ServerSideCheck(ctx context.Context, b backends.Backend, p RedrivePlan) (string, error) {
	target, err := ServerSideTarget(p)
	if err != nil {
		return "", err
	}
	if c, ok := b.(backends.ServerMoveChecker); ok {
		if err := c.CheckServerMove(ctx, p.Source); errors.Is(err, backends.ErrNotSupported) {
			return "", &ServerSideError{Why: err.Error(), Err: err}
		} else if err != nil {
			return "", err
		}
	}
	return target, nil
}

// serverSideRedrive plans the redrive, checks that every letter goes to one queue, and has the broker
// move as many letters as the plan read there.
func serverSideRedrive(ctx context.Context, b backends.Backend, dlq string, opts RedriveOptions, confirmed *RedrivePlan,
	progress func(backends.MoveProgress)) (RedriveReport, error) {
	mover := b.(backends.ServerMover) // the session checked
	// Reading the letters of a confirmed plan again would only mark each one redelivered once more (and
	// count a delivery on a quorum queue); the move takes no more than the letters the plan read.
	plan, _, err := planOrConfirmed(ctx, b, dlq, opts, confirmed)
	if err != nil {
		return RedriveReport{}, fmt.Errorf("plan the redrive of %s: %w", dlq, err)
	}
	if plan.Letters == 0 { // nothing to move, as a client-side redrive of an empty queue says: not an error
		return RedriveReport{Source: dlq, Warnings: plan.Warnings}, nil
	}
	target, err := ServerSideCheck(ctx, b, plan)
	if err != nil {
		return RedriveReport{Source: dlq, Warnings: plan.Warnings}, fmt.Errorf("server-side redrive of %s: %w", dlq, err)
	}
	report, err := mover.ServerMove(ctx, backends.MoveRequest{Source: dlq, Max: int(plan.Letters)}, target, progress)
	out := RedriveReport{Source: dlq, MoveReport: report, Warnings: plan.Warnings, Way: ByServerMove}
	if err != nil {
		return out, fmt.Errorf("redrive %s: %w", dlq, err)
	}
	return out, nil
}
