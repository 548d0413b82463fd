package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/metrics"
)

// lagOptions are the flags of `mqscope lag`.
type lagOptions struct {
	watch      bool
	interval   time.Duration // between refreshes; 0: the context's refresh interval
	sample     time.Duration // a one-shot lag samples the log ends over this long
	partitions bool
	exact      bool
	metrics    string             // with --watch: serve each refresh's snapshot to Prometheus on this address
	sink       *metrics.Collector // what serves it, once listening
}

func (a *app) lagCommand() *cobra.Command {
	var o lagOptions
	cmd := &cobra.Command{
		Use:   "lag [GROUP|QUEUE...]",
		Short: "Consumer lag per group (Kafka, Redis, NATS), or backlog per queue (RabbitMQ, SQS)",
		Long: "lag shows who is behind. On Kafka, per consumer group: state, members, lag in messages, lag\n" +
			"in seconds and a health verdict (OK, WARN, ERR; per partition STOP, STALL, REWIND; … while a\n" +
			"partition behind has too few commits seen to judge, - where nothing is committed), with a row\n" +
			"per partition when groups are named or with --partitions. On RabbitMQ, per queue: ready,\n" +
			"unacked, consumers, rates and the time to drain at the current rates, or instead: growing\n" +
			"(measurably more arrives than leaves), steady (as much as leaves), stalled (messages wait and\n" +
			"none leave: no consumers, or stuck ones), idle (nothing waits, nothing moves).\n\n" +
			"Lag in seconds is how old the first record a group has not consumed is, read from the record at\n" +
			"its committed offset (at most " + fmt.Sprint(actions.DatesPerRefresh) + " new reads per refresh, each partition and offset once).\n" +
			"Where that record cannot be read, it is estimated from how fast the log end moves and marked ≈\n" +
			"(lag_seconds_source \"estimate\" in JSON); a log that did not move while sampled cannot date a\n" +
			"position behind it (- , null in JSON). The verdict needs several looks: a one-shot lag takes\n" +
			fmt.Sprint(actions.MinCommits) + " snapshots spread over --sample (default 1s) and reports the last. --exact reads\n" +
			"every lagging partition, however many. --watch prints a snapshot every refresh until Ctrl-C.",
		Example: "  mqscope lag                                # every group, one row each\n" +
			"  mqscope lag billing-service --exact        # its partitions, exact lag in seconds\n" +
			"  mqscope lag --watch -o json                # a JSON line per group per refresh\n" +
			"  mqscope lag --watch --metrics :9308        # and serve the last snapshot on :9308/metrics",
		RunE: func(cmd *cobra.Command, args []string) error { return a.runLag(cmd.Context(), args, o) },
	}
	f := cmd.Flags()
	f.BoolVarP(&o.watch, "watch", "w", false, "print a snapshot every refresh until Ctrl-C")
	f.DurationVar(&o.interval, "interval", 0, "time between refreshes with --watch, 500ms at least (default: the context's refresh, 2s)")
	f.DurationVar(&o.sample, "sample", time.Second, "Kafka, one-shot: sample the log ends over this long to estimate lag in seconds (0: one snapshot)")
	f.BoolVarP(&o.partitions, "partitions", "p", false, "Kafka: a row per partition for every group (the default when groups are named)")
	f.StringVar(&o.metrics, "metrics", "", "with --watch: serve the last snapshot to Prometheus on this address (host:port), at /metrics")
	f.BoolVar(&o.exact, "exact", false, "Kafka: exact lag in seconds, from the record at each lagging committed offset (named groups only)")
	return cmd
}

func (a *app) runLag(ctx context.Context, names []string, o lagOptions) error {
	if o.exact && len(names) == 0 {
		return usageError{errors.New("--exact reads a record per lagging partition: name the groups it is for")}
	}
	if o.metrics != "" && !o.watch {
		return usageError{errors.New("--metrics serves the snapshots of a watch: add --watch")}
	}
	if o.interval < 0 || o.sample < 0 {
		return usageError{errors.New("--interval and --sample must not be negative")}
	}
	c, _, err := a.resolve()
	if err != nil {
		return err
	}
	if o.watch {
		o.interval = a.watchInterval(o.interval, c.RefreshInterval())
	}
	if o.watch {
		// Watch until SIGINT or SIGTERM, then stop cleanly and exit 0.
		var stop context.CancelFunc
		ctx, stop = signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
	}
	s, err := a.connect(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	b := s.Backend()
	if o.metrics != "" {
		if o.sink, err = a.serveMetrics(ctx, o.metrics); err != nil {
			return err
		}
	}
	if s.Allows(actions.VerbLag) {
		return a.groupLag(ctx, b, names, o)
	}
	if !s.Allows(actions.VerbBacklog) {
		return errNothingLags
	}
	if o.exact || o.partitions {
		return usageError{errors.New("--exact and --partitions are for Kafka consumer groups; this broker has queues")}
	}
	return a.queueBacklog(ctx, b, names, o)
}

// watchInterval is --interval, or the context's refresh when it is not given, and never below
// config.MinRefresh: a shorter one is raised to it, with a note saying so.
func (a *app) watchInterval(asked, refresh time.Duration) time.Duration {
	switch {
	case asked == 0:
		return refresh
	case asked < config.MinRefresh:
		a.warn(fmt.Sprintf("note: --interval %s is below the floor of %s (each refresh asks the broker); refreshing every %s",
			asked, config.MinRefresh, config.MinRefresh))
		return config.MinRefresh
	}
	return asked
}

// groupLag reports Kafka consumer groups: sampled once, or at every refresh with --watch.
func (a *app) groupLag(ctx context.Context, b backends.Backend, names []string, o lagOptions) error {
	tracker := actions.NewLagTracker()
	show := lagView{partitions: o.partitions || len(names) > 0, words: a.words()}
	observe := func(ctx context.Context) (actions.LagReport, error) {
		s, err := actions.LagSnapshot(ctx, b, names)
		if err != nil {
			return actions.LagReport{}, err
		}
		if !o.watch {
			// A watch may start before its group does; a one-shot look at a name nobody knows is a typo.
			if err := actions.GroupsFound(s, names, show.words.Group); err != nil {
				return actions.LagReport{}, err
			}
		}
		r := tracker.Observe(tracker.Date(ctx, b, s))
		if o.exact {
			return exactLag(ctx, b, r)
		}
		return r, nil
	}
	if o.watch {
		first := true
		return a.every(ctx, o.interval, func(ctx context.Context) error {
			r, err := observe(ctx)
			if err != nil {
				return err
			}
			if o.sink != nil {
				o.sink.SetLag(r)
			}
			if err := a.frame(r.At, o.interval, func(w io.Writer) error { return show.render(w, a.output, r) }); err != nil {
				return err
			}
			// Said once, after the first frame, as lag without --watch says it: not at every refresh.
			if first && len(names) == 0 && len(r.Groups) == 0 {
				a.warn(a.noGroups())
			}
			first = false
			return nil
		})
	}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout+o.sample)
	defer cancel()
	var r actions.LagReport
	err := spread(ctx, o.sample, actions.MinCommits, func() (err error) {
		r, err = observe(ctx)
		return err
	})
	if err != nil {
		return err
	}
	if err := show.render(a.deps.Stdout, a.output, r); err != nil {
		return err
	}
	if len(names) == 0 && len(r.Groups) == 0 {
		a.warn(a.noGroups())
	}
	return nil
}

// spread runs look n times spread evenly over span (once when span is 0).
func spread(ctx context.Context, span time.Duration, n int, look func() error) error {
	if span == 0 {
		n = 1
	}
	for i := range n {
		if i > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(span / time.Duration(n-1)):
			}
		}
		if err := look(); err != nil {
			return err
		}
	}
	return nil
}

// exactLag replaces the estimates of every group in the report by exact figures.
func exactLag(ctx context.Context, b backends.Backend, r actions.LagReport) (actions.LagReport, error) {
	now := time.Now()
	groups := slices.Clone(r.Groups)
	for i, g := range groups {
		exact, err := actions.ExactLag(ctx, b, g, now)
		if err != nil {
			return r, err
		}
		groups[i] = exact
	}
	r.Groups = groups
	return r, nil
}

// queueBacklog reports queues: what waits and when it will be gone.
func (a *app) queueBacklog(ctx context.Context, b backends.Backend, names []string, o lagOptions) error {
	look := func(ctx context.Context) ([]actions.QueueBacklog, error) {
		dests, err := actions.ListDestinations(ctx, b, backends.ListOptions{})
		if err != nil {
			return nil, err
		}
		// The management API's counts are samples, seconds old: count the named queues now (all of them
		// when there are few).
		return pickQueues(actions.Backlog(actions.ExactCounts(ctx, b, dests, actions.WorthCounting(dests, names))), names)
	}
	if o.watch {
		return a.every(ctx, o.interval, func(ctx context.Context) error {
			queues, err := look(ctx)
			if err != nil {
				return err
			}
			at := time.Now()
			if o.sink != nil {
				o.sink.SetBacklog(at, queues)
			}
			return a.frame(at, o.interval, func(w io.Writer) error {
				return render(w, a.output, queues, backlogColumns, backlogJSON(at))
			})
		})
	}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	queues, err := look(ctx)
	if err != nil {
		return err
	}
	a.noteApproximateBacklog(queues)
	return render(a.deps.Stdout, a.output, queues, backlogColumns, backlogJSON(time.Now()))
}

// noteApproximateBacklog says what a backlog of approximate counts (SQS) leaves out and why.
func (a *app) noteApproximateBacklog(queues []actions.QueueBacklog) {
	if slices.ContainsFunc(queues, func(q actions.QueueBacklog) bool { return q.Approximate }) {
		a.warn("note: SQS counts are approximate, and it tells the age of a queue's oldest message only as the " +
			"CloudWatch metric ApproximateAgeOfOldestMessage, which mqscope does not read; receiving the oldest " +
			"message to date it would raise its receive count, so mqscope does not")
	}
}

// pickQueues keeps the named queues, in the order named (all of them, by name, when none are).
func pickQueues(all []actions.QueueBacklog, names []string) ([]actions.QueueBacklog, error) {
	slices.SortStableFunc(all, func(x, y actions.QueueBacklog) int { return strings.Compare(x.Queue, y.Queue) })
	if len(names) == 0 {
		return all, nil
	}
	picked := make([]actions.QueueBacklog, 0, len(names))
	for _, name := range names {
		i := slices.IndexFunc(all, func(q actions.QueueBacklog) bool { return q.Queue == name })
		if i < 0 {
			return nil, &actions.NotFoundError{Kind: "queue", Name: name}
		}
		picked = append(picked, all[i])
	}
	return picked, nil
}

// errNothingLags is lag on a broker that keeps nothing for its subscribers (MQTT).
var errNothingLags = fmt.Errorf("this broker keeps nothing for its subscribers, so nothing lags and there are no "+
	"consumer groups (its topics: `mqscope ls`; what arrives: `mqscope peek TOPIC --follow`): %w", backends.ErrNotSupported)
