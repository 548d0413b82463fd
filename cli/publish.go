package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/decode"
)

// publishOptions are publish's flags.
type publishOptions struct {
	key         string
	headers     []string
	properties  []string
	contentType string
	body        string
	json        bool
	transient   bool
	count       int
	rate        float64
	giveUpAfter time.Duration
	fromFile    string
	exchange    string
	routingKey  string
	partition   int32
	qos         int
	group       string
	dedupID     string
	delay       time.Duration
	retain      bool
	maxLen      string
	minID       string
	schema      string // SUBJECT[:VERSION][#MESSAGE]: encode the JSON body with the registry's schema
}

func (a *app) publishCommand() *cobra.Command {
	var o publishOptions
	cmd := &cobra.Command{
		Use:   "publish DEST [--key K] [-H K=V]... [--body TEXT|@FILE|-] [--count N] [--rate PER_SEC] [--from-file F.jsonl]",
		Short: "Send test messages to a topic, queue or exchange, and wait until the broker confirmed each",
		Long: "publish sends --count messages (1 by default) built from --key, -H headers and --body, at up to\n" +
			"--rate a second, and waits for the broker to confirm every one: Kafka with acks=all, RabbitMQ\n" +
			"with publisher confirms and mandatory, so that a message no queue takes is an error, never\n" +
			"dropped. The report says what was sent and what failed, and why; any failure exits 1.\n\n" +
			"When the broker confirms nothing for 10 s (a network partition, a broker down), publish says\n" +
			"so on stderr and keeps trying, as the client reconnects, until Ctrl-C; --give-up-after D stops it\n" +
			"after D without a confirmation instead. Either way the report says what was confirmed.\n\n" +
			"The key, header values and body may hold placeholders, filled in for each message:\n" +
			"{{seq}} (1, 2, 3, ...), {{uuid}} (a random UUID) and {{now}} (the time, RFC 3339 UTC). Anything\n" +
			"else is sent as written. With --json, or a JSON content type, every body must be valid JSON.\n\n" +
			"--from-file reads messages back from a `peek -o json` export (- for stdin) and sends each with\n" +
			"its key, headers, properties and body exactly as exported.\n\n" +
			"RabbitMQ: DEST is a queue (sent through the default exchange, which reaches exactly it); or\n" +
			"give --exchange X --routing-key K instead of DEST. Messages are sent persistent (delivery mode 2),\n" +
			"so that a durable queue keeps them across a broker restart; --transient (or -P delivery_mode=1)\n" +
			"sends them transient. Kafka: --partition pins a partition; without\n" +
			"it keyed messages go where the Java client puts them (murmur2). MQTT: DEST is a topic, --qos 0, 1\n" +
			"(default) or 2, --retain keeps it as the topic's retained message, headers go as MQTT 5 user\n" +
			"properties, and a key is not sent (MQTT has none). SQS: DEST is a queue, headers go as String\n" +
			"message attributes, --delay holds a message back, and FIFO queues take --group and --dedup-id\n" +
			"(a template; without it each message gets a fresh one). Refused in read-only mode.",
		Example: "  mqscope publish orders --key order-1 -H trace-id=abc --body '{\"total\":12.5}' --json\n" +
			"  mqscope publish orders --count 1000 --rate 100 --body '{\"seq\":{{seq}},\"id\":\"{{uuid}}\"}'\n" +
			"  mqscope publish work --body @job.json --content-type application/json\n" +
			"  mqscope publish --exchange jobs --routing-key work.created --body -  < job.json\n" +
			"  mqscope --mqtt tcp://localhost:1883 publish sensors/kitchen/temp --qos 2 --retain --body 21.5\n" +
			"  mqscope peek orders -o json | mqscope publish orders-copy --from-file -",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			target, err := publishTarget(cmd, args, o)
			if err != nil {
				return usageError{err}
			}
			if o.fromFile != "" {
				if err := onlyWithFromFile(cmd); err != nil {
					return usageError{err}
				}
				return a.publishFile(cmd.Context(), target, o)
			}
			opts, err := a.publishDraft(cmd, target, o)
			var refused schemaError
			if errors.As(err, &refused) {
				return refused.error
			}
			if err != nil {
				return usageError{err}
			}
			return a.publish(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.key, "key", "", "the message `KEY` (Kafka); a template")
	f.StringArrayVarP(&o.headers, "header", "H", nil, "a header `K=V` (repeat for more); the value is a template")
	f.StringVar(&o.body, "body", "", "the body: `TEXT` (a template), @FILE for a file's bytes, or - for stdin")
	f.BoolVar(&o.json, "json", false, "refuse to send a body that is not valid JSON")
	f.BoolVar(&o.transient, "transient", false, "RabbitMQ: send transient messages (delivery mode 1; default: persistent, 2)")
	f.StringVar(&o.contentType, "content-type", "", "RabbitMQ: the content type `TYPE` (a JSON type implies --json)")
	f.StringArrayVarP(&o.properties, "property", "P", nil, "RabbitMQ: an AMQP property `NAME=VALUE` (repeat): "+actions.PropertyNames)
	f.IntVarP(&o.count, "count", "c", 1, "send `N` messages")
	f.Float64Var(&o.rate, "rate", 0, "send at most `PER_SEC` messages a second (default: as fast as the broker confirms)")
	f.DurationVar(&o.giveUpAfter, "give-up-after", 0, "stop when the broker has confirmed nothing for `D` (default: keep trying until Ctrl-C)")
	f.StringVar(&o.fromFile, "from-file", "", "send the messages of a `F.jsonl` export (peek -o json), - for stdin")
	f.StringVar(&o.exchange, "exchange", "", "RabbitMQ: publish to exchange `X` instead of a queue")
	f.StringVar(&o.routingKey, "routing-key", "", "RabbitMQ: the routing `KEY` for --exchange")
	f.Int32Var(&o.partition, "partition", 0, "Kafka: send to partition `P` (default: by key)")
	f.StringVar(&o.group, "group", "", "SQS: the message group `ID` (FIFO queues need one)")
	f.StringVar(&o.dedupID, "dedup-id", "", "SQS FIFO: the deduplication `ID`, a template (default: a fresh one per message)")
	f.DurationVar(&o.delay, "delay", 0, "SQS: keep the message invisible for `D` after it is sent (up to 15m)")
	f.IntVar(&o.qos, "qos", 1, "MQTT: quality of service `Q`: 0 (unacknowledged), 1 or 2")
	f.BoolVar(&o.retain, "retain", false, "MQTT: make it the topic's retained message, sent to every new subscriber")
	f.StringVar(&o.maxLen, "maxlen", "", "Redis: keep at most `N` entries in the stream (~N: about N, cheaper)")
	f.StringVar(&o.schema, "schema", "", "encode the JSON body with the schema registry's `SUBJECT[:VERSION][#MESSAGE]` "+
		"(Avro, Protobuf or JSON Schema; default the latest version; #pkg.Message picks a Protobuf type, default the first) "+
		"in the Confluent wire format")
	f.StringVar(&o.minID, "minid", "", "Redis: drop entries older than `ID` or @-DURATION (~ before it: about)")
	return mutating(cmd, actions.VerbPublish, "always")
}

// publishTarget is where messages go: DEST, or --exchange with --routing-key.
func publishTarget(cmd *cobra.Command, args []string, o publishOptions) (backends.Target, error) {
	var t backends.Target
	exchange := cmd.Flags().Changed("exchange")
	switch {
	case exchange && len(args) == 1:
		return t, fmt.Errorf("give DEST or --exchange, not both (a queue is reached through the default exchange)")
	case exchange:
		t.Exchange, t.RoutingKey = &o.exchange, o.routingKey
	case len(args) == 0:
		return t, fmt.Errorf("%s needs DEST, a topic or queue (or --exchange X --routing-key K)", cmd.CommandPath())
	case cmd.Flags().Changed("routing-key"):
		return t, fmt.Errorf("--routing-key goes with --exchange; a queue named as DEST is reached by its name")
	default:
		t.Destination = args[0]
	}
	trim, err := parseTrim(o.maxLen, o.minID, time.Now())
	if err != nil {
		return t, err
	}
	t.Trim = trim
	if cmd.Flags().Changed("qos") {
		if o.qos < 0 || o.qos > 2 {
			return t, fmt.Errorf("--qos %d: MQTT has QoS 0, 1 and 2", o.qos)
		}
		t.QoS = &o.qos
	}
	t.Retain = o.retain
	if o.delay < 0 || o.delay > 15*time.Minute {
		return t, fmt.Errorf("--delay %v: SQS delays a message by 0 to 15m", o.delay)
	}
	t.Delay = o.delay
	if cmd.Flags().Changed("partition") {
		if o.partition < 0 {
			return t, fmt.Errorf("--partition %d: want 0 or more", o.partition)
		}
		t.Partition = &o.partition
	}
	return t, nil
}

// onlyWithFromFile refuses the flags that build messages when the messages come from a file.
func onlyWithFromFile(cmd *cobra.Command) error {
	for _, name := range []string{"key", "header", "body", "json", "transient", "content-type", "property", "count"} {
		if cmd.Flags().Changed(name) {
			return fmt.Errorf("--%s builds messages, and --from-file sends them as exported; give one or the other", name)
		}
	}
	return nil
}

// publishDraft turns the flags into the messages to build, reading the body from a file or stdin.
func (a *app) publishDraft(cmd *cobra.Command, target backends.Target, o publishOptions) (actions.PublishOptions, error) {
	opts := actions.PublishOptions{Target: target, JSON: o.json, Transient: o.transient, Count: o.count, Rate: o.rate,
		Patience: actions.Patience{GiveUpAfter: o.giveUpAfter}, GroupID: o.group, DeduplicationID: o.dedupID}
	if o.giveUpAfter < 0 {
		return opts, fmt.Errorf("--give-up-after %v: want a duration such as 30s, or 0 to keep trying", o.giveUpAfter)
	}
	if o.count < 1 {
		return opts, fmt.Errorf("--count %d: want 1 or more", o.count)
	}
	if cmd.Flags().Changed("key") {
		opts.Key = []byte(o.key)
	}
	for _, h := range o.headers {
		header, err := actions.ParseHeader(h)
		if err != nil {
			return opts, fmt.Errorf("-H: %w", err)
		}
		opts.Headers = append(opts.Headers, header)
	}
	var err error
	if o.contentType != "" {
		opts.Properties = &backends.Properties{ContentType: o.contentType}
	}
	for _, p := range o.properties {
		if opts.Properties, err = actions.SetProperty(opts.Properties, p); err != nil {
			return opts, fmt.Errorf("-P: %w", err)
		}
	}
	if opts.Body, err = a.readBody(o.body); err != nil {
		return opts, err
	}
	if err := opts.Check(); err != nil {
		return opts, err
	}
	if o.schema != "" {
		return a.withSchema(cmd.Context(), opts, o.schema)
	}
	return opts, nil
}

// withSchema has publish encode each body with a registry schema. The first body is encoded now, before
// connecting, so that a wrong subject or a body the schema refuses is said before anything is sent.
func (a *app) withSchema(ctx context.Context, opts actions.PublishOptions, spec string) (actions.PublishOptions, error) {
	ref, err := decode.ParseSchemaRef(spec)
	if err != nil {
		return opts, err
	}
	c, _, err := a.resolve()
	if err != nil {
		return opts, err
	}
	setup := c.DecodeSetup()
	if setup.RegistryURL == "" {
		return opts, fmt.Errorf("--schema needs a schema registry: set kafka.schema-registry in the context, or give --schema-registry URL")
	}
	reg, err := decode.NewRegistryWith(setup.RegistryURL, setup.Registry)
	if err != nil {
		return opts, err
	}
	opts.JSON = true
	opts.Encode = func(body []byte) ([]byte, error) {
		wire, _, err := reg.Encode(ctx, ref, body)
		return wire, err
	}
	first := actions.ParseTemplate(opts.Body).Expand(nil, 1, time.Now())
	if _, err := opts.Encode(first); err != nil {
		return opts, schemaError{err}
	}
	return opts, nil
}

// schemaError is a body or subject the registry refuses: not a mistake in the command line's shape, so
// it exits 1, not 2.
type schemaError struct{ error }

func (e schemaError) Unwrap() error { return e.error }

// readBody reads --body: text, @FILE, or - for stdin.
func (a *app) readBody(spec string) ([]byte, error) {
	switch {
	case spec == "-":
		b, err := actions.ReadBody(a.deps.Stdin)
		if err != nil {
			return nil, fmt.Errorf("--body -: stdin: %w", err)
		}
		return b, nil
	case strings.HasPrefix(spec, "@"):
		f, err := os.Open(spec[1:])
		if err != nil {
			return nil, fmt.Errorf("--body %s: %w", spec, err)
		}
		defer f.Close()
		b, err := actions.ReadBody(f)
		if err != nil {
			return nil, fmt.Errorf("--body %s: %w", spec, err)
		}
		return b, nil
	}
	return []byte(spec), nil
}

func (a *app) publish(ctx context.Context, opts actions.PublishOptions) error {
	return a.send(ctx, actions.VerbPublish, "publishing", opts.Target, nil,
		func(ctx context.Context, s *actions.Session, progress func(actions.SendProgress)) (actions.SendReport, error) {
			return s.Publish(ctx, opts, progress)
		})
}

func (a *app) publishFile(ctx context.Context, target backends.Target, o publishOptions) error {
	return a.sendFile(ctx, actions.VerbPublish, "publishing", target, o.fromFile,
		func(ctx context.Context, s *actions.Session, in io.Reader, name string, progress func(actions.SendProgress)) (actions.SendReport, error) {
			return s.PublishFile(ctx, in, name, target, o.rate, progress)
		})
}

// sendFunc is one run of a sending action (publish, replay) once connected.
type sendFunc func(ctx context.Context, s *actions.Session, progress func(actions.SendProgress)) (actions.SendReport, error)

// sendFileFunc is one run of a sending action from a file once connected.
type sendFileFunc func(ctx context.Context, s *actions.Session, in io.Reader, name string,
	progress func(actions.SendProgress)) (actions.SendReport, error)

// send runs a sending action: refused read-only before connecting, then before (if any) once connected,
// with a progress bar on a terminal and the report at the end.
func (a *app) send(ctx context.Context, verb actions.Verb, doing string, target backends.Target,
	before func(context.Context, backends.Backend) error, run sendFunc) error {
	if err := a.refuseReadOnly(verb); err != nil {
		return err
	}
	return a.longRun(ctx, func(ctx context.Context, s *actions.Session) error {
		if before != nil {
			if err := before(ctx, s.Backend()); err != nil {
				return err
			}
		}
		bar := a.progress(doing)
		report, err := run(ctx, s, bar.sendProgress) // which also says when the broker goes quiet
		bar.clear()
		return a.sendReport(ctx, target, report, err)
	})
}

// sendFile is send for the messages of a JSON Lines file (or stdin), opened after the read-only check.
func (a *app) sendFile(ctx context.Context, verb actions.Verb, doing string, target backends.Target, path string,
	run sendFileFunc) error {
	if err := a.refuseReadOnly(verb); err != nil {
		return err
	}
	in, name, err := a.openInput(path)
	if err != nil {
		return err
	}
	defer in.Close()
	return a.send(ctx, verb, doing, target, nil,
		func(ctx context.Context, s *actions.Session, progress func(actions.SendProgress)) (actions.SendReport, error) {
			return run(ctx, s, in, name, progress)
		})
}

// openInput opens a file named on the command line, or stdin for -.
func (a *app) openInput(path string) (io.ReadCloser, string, error) {
	if path == "-" {
		return io.NopCloser(a.deps.Stdin), "stdin", nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, "", fmt.Errorf("--from-file: %w", err)
	}
	return f, path, nil
}

// longRun connects and runs work that may take long (publishing, copying, moving) until it is done or
// Ctrl-C: no request timeout bounds it, and an interrupt ends it through ctx, so that what was done is
// still reported. Finishing what is under way (a confirm, a commit, an SQS move task's cancel) can take a
// while, so the first interrupt says so and gives the signals back: a second Ctrl-C quits at once.
func (a *app) longRun(parent context.Context, work func(context.Context, *actions.Session) error) error {
	ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	finished := make(chan struct{})
	defer stop()
	defer close(finished) // before stop: the end of the work is not an interrupt
	context.AfterFunc(ctx, func() {
		stop()
		select {
		case <-finished:
		default:
			if parent.Err() == nil {
				a.warn("stopping: finishing what is under way to report it; Ctrl-C again quits at once")
			}
		}
	})
	s, err := a.connect(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	return work(ctx, s)
}

func (p *progress) sendProgress(s actions.SendProgress) {
	if s.Waiting > 0 {
		p.stillWaiting(s.Waiting, s.Sent, "confirmed")
		return
	}
	p.update(progressState{done: s.Sent, failed: s.Failed, total: s.Total})
}

// sendRow is the report of a publish or replay.
type sendRow struct {
	target string
	actions.SendReport
}

var sendColumns = []column[sendRow]{
	{head: "TARGET", cell: func(r sendRow) string { return r.target }},
	{head: "SENT", right: true, cell: func(r sendRow) string { return itoa(r.Sent) }},
	{head: "FAILED", right: true, cell: func(r sendRow) string { return itoa(r.Failed) }},
	{head: "ELAPSED", right: true, cell: func(r sendRow) string { return r.Elapsed.Round(time.Millisecond).String() }},
	// What went, not what was tried: a publish refused before it reached the broker is no rate.
	{head: "RATE", right: true, cell: func(r sendRow) string { return perSecond(r.Sent, r.Elapsed) }},
}

var errorColumns = []column[actions.ErrorCount]{
	{head: "FAILED", right: true, cell: func(e actions.ErrorCount) string { return itoa(e.Count) }},
	{head: "ERROR", cell: func(e actions.ErrorCount) string { return e.Error }},
}

// sendLine is the line of `publish -o json` and `replay -o json`.
type sendLine struct {
	Target    string       `json:"target"`
	Sent      int64        `json:"sent"`
	Failed    int64        `json:"failed"`
	Errors    []errorCount `json:"errors"`
	ElapsedMS int64        `json:"elapsed_ms"`
}

type errorCount struct {
	Error string `json:"error"`
	Count int64  `json:"count"`
}

func sendJSON(r sendRow) any {
	line := sendLine{Target: r.target, Sent: r.Sent, Failed: r.Failed, Errors: []errorCount{}, ElapsedMS: r.Elapsed.Milliseconds()}
	for _, e := range r.Errors {
		line.Errors = append(line.Errors, errorCount{e.Error, e.Count})
	}
	return line
}

// sendReport prints what a publish or replay did, and turns failures into the error that exits 1.
func (a *app) sendReport(ctx context.Context, target backends.Target, r actions.SendReport, err error) error {
	if err != nil && r.Sent == 0 && r.Failed == 0 && ctx.Err() == nil {
		return err // nothing was sent: the error says it all
	}
	row := sendRow{target.Label(), r}
	if rerr := render(a.deps.Stdout, a.output, []sendRow{row}, sendColumns, sendJSON); rerr != nil {
		return rerr
	}
	if a.output == outputTable && len(r.Errors) > 0 {
		fmt.Fprintln(a.deps.Stdout)
		if rerr := writeTable(a.deps.Stdout, r.Errors, errorColumns); rerr != nil {
			return rerr
		}
	}
	resume := ""
	if r.ResumeLine > 0 {
		resume = fmt.Sprintf("; every record before line %d was confirmed: send the rest with tail -n +%d", r.ResumeLine, r.ResumeLine)
		if r.Failed > 0 {
			resume += fmt.Sprintf(" (the %d not confirmed, from line %d on, may have arrived already)", r.Failed, r.ResumeLine)
		}
	}
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("interrupted after %d message%s confirmed%s", r.Sent, pluralS(int(r.Sent)), resume)
	case err != nil && resume != "":
		return fmt.Errorf("%w%s", err, resume)
	case err != nil:
		return err
	case r.Failed > 0:
		return fmt.Errorf("%d of %d message%s failed: %s", r.Failed, r.Sent+r.Failed, pluralS(int(r.Sent+r.Failed)), r.Errors[0].Error)
	}
	return nil
}

// perSecond is a rate for people: n over d.
func perSecond(n int64, d time.Duration) string {
	if d <= 0 || n == 0 {
		return "-"
	}
	return thousands(int64(float64(n)/d.Seconds()+0.5)) + "/s"
}

// parseTrim reads --maxlen N and --minid ID|@-DURATION, each with an optional leading ~ for an
// approximate trim.
func parseTrim(maxLen, minID string, now time.Time) (*backends.Trim, error) {
	switch {
	case maxLen == "" && minID == "":
		return nil, nil
	case maxLen != "" && minID != "":
		return nil, fmt.Errorf("give --maxlen or --minid, not both")
	}
	t := &backends.Trim{}
	if v, ok := strings.CutPrefix(maxLen, "~"); maxLen != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("--maxlen %q: want a number of entries, 1 or more (~N for about N)", maxLen)
		}
		t.MaxLen, t.Approx = n, ok
		return t, nil
	}
	v, ok := strings.CutPrefix(minID, "~")
	t.Approx = ok
	if d, isAge := strings.CutPrefix(v, "@-"); isAge {
		age, err := time.ParseDuration(d)
		if err != nil || age <= 0 {
			return nil, fmt.Errorf("--minid %q: want an entry id or @-DURATION such as @-24h", minID)
		}
		t.MinID = strconv.FormatInt(now.Add(-age).UnixMilli(), 10)
		return t, nil
	}
	if !streamID.MatchString(v) {
		return nil, fmt.Errorf("--minid %q: want an entry id (1700000000000-0) or @-DURATION such as @-24h", minID)
	}
	t.MinID = v
	return t, nil
}

var streamID = regexp.MustCompile(`^[0-9]+(-[0-9]+)?$`)
