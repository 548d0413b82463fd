package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/decode"
)

const (
	// defaultTableLimit is how many messages a table shows unless -n says otherwise: a screenful. JSON,
	// which is for scripts, reads to the end by default, like kcat -e.
	defaultTableLimit = 20
	// flushEvery bounds how long a message waits in the output buffer, so that a slow topic or a
	// --follow shows what arrived promptly while a fast dump still writes in big chunks.
	flushEvery = 200 * time.Millisecond
)

// peekOptions are peek's flags.
type peekOptions struct {
	from       string
	limit      int
	partitions partitionList
	follow     bool
	where      string // an expression: only the messages it holds for (-n counts those)
	until      string // with --where: end the scan before this offset or time
	decode     string // a decoder's name; "" is auto when the context configures decoding, else none
}

func (a *app) peekCommand() *cobra.Command {
	var o peekOptions
	cmd := &cobra.Command{
		Use:   "peek DEST",
		Short: "Show the messages in a topic, queue or stream without consuming them",
		Long: "peek reads the messages of a topic, queue or stream and changes nothing: it joins no consumer\n" +
			"group and commits nothing. RabbitMQ classic and quorum queues can only be read by taking each\n" +
			"message and giving it back, which marks it redelivered; peek says so before it starts, and the\n" +
			"adapter refuses where giving back could push a message over a quorum queue's delivery limit.\n\n" +
			"-o table (the default) shows one sanitized, truncated line per message, the first 20 unless -n\n" +
			"says otherwise. -o json writes every message whole, one object per line (the export format that\n" +
			"publish --from-file reads back), from --from to the end of what the destination holds unless -n\n" +
			"says otherwise. --follow keeps reading what arrives until Ctrl-C.\n\n" +
			"A peek stopped before its end (Ctrl-C or SIGTERM without --follow, a broker gone) says on\n" +
			"stderr how many messages it wrote and exits 1: the output is incomplete.",
		Example: "  mqscope peek orders                            # the first 20 messages as a table\n" +
			"  mqscope peek orders --from -5 --partition 0    # the last 5 of partition 0\n" +
			"  mqscope peek orders --from @-15m --follow      # the last 15 minutes, then live\n" +
			"  mqscope peek orders -o json > orders.jsonl     # everything, losslessly\n" +
			"  mqscope peek orders --where 'value.amount > 990 && key startsWith \"k-1\"' -n 5 -o json",
		Args: oneDestination,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("limit") && a.output == outputTable && !o.follow {
				o.limit = defaultTableLimit
			}
			return a.peek(cmd.Context(), args[0], o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.from, "from", "earliest", "`POSITION` to start from: earliest, latest, an offset, -N (the last N "+
		"of each partition), @RFC3339 time or @-DURATION ago")
	f.IntVarP(&o.limit, "limit", "n", 0, "stop after `N` messages; 0 for no limit (default 20 for tables, "+
		"no limit for json and --follow)")
	f.Var(&o.partitions, "partition", "read only partition `P` (repeat or comma-separate for more; default all)")
	f.BoolVarP(&o.follow, "follow", "f", false, "after what is there, keep showing what arrives until Ctrl-C")
	f.StringVar(&o.where, "where", "", "only messages for which `EXPR` holds (expr-lang: value.status == \"ok\", "+
		"key startsWith \"k-\", headers[\"type\"] == \"x\", partition, offset, timestamp); -n counts matches")
	f.StringVar(&o.decode, "decode", "", "show bodies decoded with `NAME`: "+strings.Join(decode.Names(), ", ")+
		" (default auto when the context has a schema registry or Protobuf types, else the bytes as they are)")
	_ = cmd.RegisterFlagCompletionFunc("decode", completeDecoders)
	f.StringVar(&o.until, "until", "", "with --where: stop scanning before `POSITION`, an offset, @RFC3339 time or @-DURATION ago")
	return cmd
}

// partitionList is --partition: partitions given one by one or comma-separated.
type partitionList []int32

func (l *partitionList) Type() string { return "P" }

func (l *partitionList) String() string {
	s := make([]string, len(*l))
	for i, p := range *l {
		s[i] = strconv.Itoa(int(p))
	}
	return strings.Join(s, ",")
}

func (l *partitionList) Set(v string) error {
	for _, f := range strings.Split(v, ",") {
		p, err := strconv.ParseInt(strings.TrimSpace(f), 10, 32)
		if err != nil || p < 0 {
			return fmt.Errorf("want partition numbers such as 0 or 0,2, not %q", v)
		}
		*l = append(*l, int32(p))
	}
	return nil
}

// oneDestination accepts exactly one argument, the destination.
func oneDestination(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return usageError{fmt.Errorf("%s takes one topic, queue or stream name, got %d arguments", cmd.CommandPath(), len(args))}
	}
	return nil
}

// peek streams the messages of dest to stdout: each is written as it arrives, never gathered.
func (a *app) peek(parent context.Context, dest string, o peekOptions) error {
	from, err := actions.ParsePosition(o.from, time.Now())
	if err != nil {
		return usageError{fmt.Errorf("--from: %w", err)}
	}
	if o.limit < 0 {
		return usageError{fmt.Errorf("-n %d: want 0 (no limit) or more", o.limit)}
	}
	req := backends.PeekRequest{Destination: dest, From: from, Limit: o.limit, Partitions: o.partitions, Follow: o.follow}
	dec, err := a.decoderFor(parent, o.decode)
	if err != nil {
		return err
	}
	read, err := a.peekReader(req, o, dec)
	if err != nil {
		return err
	}
	// Ctrl-C or SIGTERM ends the peek; what was read is written, and the exit is 0 only for --follow.
	ctx, stop := interruptible(parent)
	defer stop()
	// A reader that goes away (`mqscope peek ... | head`) makes writes fail with EPIPE instead of killing
	// the process with SIGPIPE, so that peek can stop quietly.
	pipe := make(chan os.Signal, 1)
	signal.Notify(pipe, syscall.SIGPIPE)
	defer signal.Stop(pipe)

	count, err := a.streamPeek(ctx, dest, read, dec)
	switch {
	case errors.Is(err, syscall.EPIPE):
		return nil // the reader has all it wanted
	case ctx.Err() != nil && parent.Err() == nil && o.follow:
		return nil // Ctrl-C is how a follow ends: what was read is written
	case errors.Is(context.Cause(ctx), errInterrupted):
		return peekStopped(dest, count, o.limit, errInterrupted)
	case ctx.Err() != nil || err != nil:
		return peekStopped(dest, count, o.limit, cmp.Or(err, context.Cause(ctx)))
	}
	a.notePeekCount(o, count)
	return nil
}

// peekStopped is the error of a peek that ended before it was done (a signal, a cancelled context, a
// broker gone): an export that stopped early must not pass for a whole one. An error before the first
// message is said as it is.
func peekStopped(dest string, count, limit int, why error) error {
	if count == 0 && !errors.Is(why, errInterrupted) {
		return why
	}
	stopped := fmt.Sprintf("stopped after %s message%s", thousands(int64(count)), pluralS(count))
	if limit > 0 {
		stopped = fmt.Sprintf("stopped after %s of %s messages", thousands(int64(count)), thousands(int64(limit)))
	}
	if errors.Is(why, errInterrupted) {
		return fmt.Errorf("interrupted: %s from %s; the output is incomplete", stopped, dest)
	}
	return fmt.Errorf("%w (%s from %s; the output is incomplete)", why, stopped, dest)
}

// streamPeek connects, says what peeking costs, and writes each message as the backend hands it over,
// flushing at least every flushEvery. It returns how many it wrote.
func (a *app) streamPeek(ctx context.Context, dest string, read reader, dec *decode.Decoder) (int, error) {
	s, err := a.connect(ctx)
	if err != nil {
		return 0, err
	}
	defer s.Close()
	b := s.Backend()
	if err := a.notePeekEffects(ctx, b, dest); err != nil {
		return 0, err
	}
	out := &syncSink{sink: a.peekSink()}
	if dec != nil {
		out.sink = decodingSink(ctx, out.sink, dec, a.warn)
	}
	flushCtx, stopFlushing := context.WithCancel(ctx)
	var flusher sync.WaitGroup
	flusher.Go(func() { out.flushEvery(flushCtx, flushEvery) })
	err = read(ctx, b, func(m backends.Message) error {
		if ctx.Err() != nil {
			return context.Cause(ctx) // stopped: what is still buffered in the adapter is not written
		}
		return out.write(m)
	})
	stopFlushing()
	flusher.Wait()
	if werr := out.flush(); werr != nil {
		return out.count, fmt.Errorf("write the messages: %w", werr)
	}
	return out.count, err
}

// reader reads messages from b and hands each to write.
type reader func(ctx context.Context, b backends.Backend, write func(backends.Message) error) error

// peekReader is how a peek reads: everything in the range, or, with --where, what matches.
func (a *app) peekReader(req backends.PeekRequest, o peekOptions, dec *decode.Decoder) (reader, error) {
	if o.where == "" {
		if o.until != "" {
			return nil, usageError{errors.New("--until ends the range of a --where search; without one, -n bounds a peek")}
		}
		return func(ctx context.Context, b backends.Backend, write func(backends.Message) error) error {
			bar := a.peekProgress()
			defer bar.clear()
			n := int64(0)
			return actions.Peek(ctx, b, req, func(m backends.Message) error {
				n++
				bar.update(progressState{done: n})
				return write(m)
			})
		}, nil
	}
	return a.searchReader(req, o, dec)
}

// peekProgress is the count of messages read so far, on stderr, when the messages go elsewhere than the
// terminal (a file, a pipe): a long read, over a slow link say, shows that it is moving. Nil otherwise.
func (a *app) peekProgress() *progress {
	if f, ok := a.deps.Stdout.(*os.File); ok && term.IsTerminal(f.Fd()) {
		return nil
	}
	return a.progress("reading")
}

// notePeekEffects says once, before reading, what reading dest does to it (classic and quorum queues
// mark what is read redelivered).
func (a *app) notePeekEffects(ctx context.Context, b backends.Backend, dest string) error {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	effects, err := actions.PeekEffects(ctx, b, dest)
	if err != nil {
		return err
	}
	if effects.Notice != "" {
		a.warn("note: " + effects.Notice)
	}
	return nil
}

// notePeekCount tells a person looking at a table when there was nothing, or when the default limit may
// have hidden more.
func (a *app) notePeekCount(o peekOptions, count int) {
	if a.output != outputTable {
		return
	}
	switch {
	case count == 0:
		a.warn("note: no messages from --from " + o.from)
	case count == defaultTableLimit && o.limit == defaultTableLimit:
		a.warn(fmt.Sprintf("note: showed the first %d messages; -n N shows more, -n 0 all", count))
	}
}

// sink writes messages to stdout in the chosen format.
type sink interface {
	Write(backends.Message) error
	Flush() error
}

func (a *app) peekSink() sink {
	if a.output == outputJSON {
		return actions.NewRecordWriter(a.deps.Stdout)
	}
	return newMessageTable(a.deps.Stdout)
}

// syncSink lets the peek write while a timer flushes. The first write error sticks: it ends the peek.
type syncSink struct {
	mu    sync.Mutex
	sink  sink
	count int
	err   error
}

func (s *syncSink) write(m backends.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		if s.err = s.sink.Write(m); s.err == nil {
			s.count++
		}
	}
	return s.err
}

func (s *syncSink) flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = s.sink.Flush()
	}
	return s.err
}

func (s *syncSink) flushEvery(ctx context.Context, d time.Duration) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if s.flush() != nil {
				return
			}
		}
	}
}
