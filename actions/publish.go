package actions

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mqscope/mqscope/backends"
)

// PublishOptions describe test messages to send: one message, or Count of them built from the same
// templates (see Template) at up to Rate per second.
type PublishOptions struct {
	Target backends.Target
	// Key is the Kafka key or the message's key for reports; nil sends none. A template.
	Key []byte
	// Headers are sent in order; their values are templates.
	Headers []backends.Header
	// Body is a template.
	Body []byte
	// Properties are AMQP basic properties (RabbitMQ); Kafka has none and ignores them.
	Properties *backends.Properties
	// JSON asks that every body be valid JSON. A JSON content type (application/json, anything+json)
	// asks the same.
	JSON bool
	// Transient sends RabbitMQ messages with delivery mode 1 when Properties set none. By default they go
	// persistent (delivery mode 2), so that a durable queue keeps what the broker confirmed across a
	// restart; a queue that is not durable keeps nothing either way.
	Transient bool
	// GroupID and DeduplicationID are an SQS message's FIFO group and deduplication id ("" sends none; a
	// FIFO message without a deduplication id is given a fresh one). DeduplicationID is a template, so that
	// --count sends messages SQS does not take for one another ({{seq}}, {{uuid}}).
	GroupID, DeduplicationID string
	Count                    int     // how many messages; 0 means 1
	Rate                     float64 // messages per second; 0 sends as fast as the broker confirms
	// Encode, when set, turns each body (its placeholders filled in) into what is sent: publish --schema
	// encodes JSON with a registry schema. A body without placeholders is encoded once.
	Encode func(body []byte) ([]byte, error)
	Patience
}

// Patience is what a run does when the broker stops confirming (a partition, a broker down): it says so
// after Notice, and goes on waiting (the client retries and reconnects) unless GiveUpAfter ends the run.
type Patience struct {
	Notice      time.Duration // 0: DefaultNotice
	GiveUpAfter time.Duration // 0: wait until the run is cancelled
}

// DefaultNotice is how long a run goes without any confirmation before its progress says so.
const DefaultNotice = backends.DefaultNotice

// ErrGaveUp ends a run that went Patience.GiveUpAfter without a confirmation.
var ErrGaveUp = errors.New("gave up waiting for the broker")

// SendProgress is reported as messages go out: after each batch the broker confirmed.
type SendProgress struct {
	Sent, Failed int64
	Total        int64 // what the run will send; 0 when unknown (a file, a range being read)
	// Waiting is how long the broker has confirmed nothing, once that is Patience.Notice or more
	// (repeated every Notice while it lasts); 0 while confirmations come.
	Waiting time.Duration
}

// SendReport is the outcome of a publish or a replay.
type SendReport struct {
	Sent, Failed int64
	Errors       []ErrorCount // why messages failed, most frequent first
	Elapsed      time.Duration
	// ResumeLine, for records read from a file or a pipe and stopped early with every record before it
	// confirmed, is the line to send on from: nothing before it needs sending again. 0 otherwise.
	ResumeLine int
}

// ErrorCount is how many messages failed with one error.
type ErrorCount struct {
	Error string
	Count int64
}

// OK reports whether every message was confirmed.
func (r SendReport) OK() bool { return r.Failed == 0 }

// ParseHeader reads a header given as KEY=VALUE (-H on the command line, a header field in the TUI).
func ParseHeader(s string) (backends.Header, error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return backends.Header{}, fmt.Errorf("header %q: want KEY=VALUE, such as trace-id=abc", s)
	}
	return backends.Header{Key: k, Value: []byte(v)}, nil
}

// PropertyNames are the AMQP properties SetProperty knows, for help texts.
const PropertyNames = "content_type, content_encoding, delivery_mode (1 transient, 2 persistent), priority, " +
	"correlation_id, reply_to, expiration (ms), message_id, type, user_id, app_id"

// SetProperty sets one AMQP property given as NAME=VALUE on p (allocating it when nil) and returns it.
func SetProperty(p *backends.Properties, s string) (*backends.Properties, error) {
	name, v, ok := strings.Cut(s, "=")
	if !ok {
		return p, fmt.Errorf("property %q: want NAME=VALUE, NAME one of %s", s, PropertyNames)
	}
	if p == nil {
		p = &backends.Properties{}
	}
	text := map[string]*string{
		"content_type": &p.ContentType, "content_encoding": &p.ContentEncoding, "correlation_id": &p.CorrelationID,
		"reply_to": &p.ReplyTo, "message_id": &p.MessageID, "type": &p.Type, "user_id": &p.UserID, "app_id": &p.AppID,
	}
	switch name = strings.ReplaceAll(strings.ToLower(name), "-", "_"); name {
	case "delivery_mode", "priority":
		n, err := strconv.ParseUint(v, 10, 8)
		if err != nil || (name == "delivery_mode" && n != 1 && n != 2) {
			return p, fmt.Errorf("property %s=%q: want %s", name, v, map[string]string{
				"delivery_mode": "1 (transient) or 2 (persistent)", "priority": "0 to 255"}[name])
		}
		if name == "priority" {
			p.Priority = uint8(n)
		} else {
			p.DeliveryMode = uint8(n)
		}
	case "expiration":
		if n, err := strconv.ParseUint(v, 10, 32); err != nil || n == 0 && v != "0" {
			return p, fmt.Errorf("property expiration=%q: want milliseconds, such as 60000", v)
		}
		p.Expiration = v
	default:
		field, ok := text[name]
		if !ok {
			return p, fmt.Errorf("property %q: unknown; want one of %s", name, PropertyNames)
		}
		*field = v
	}
	return p, nil
}

// IsJSONContentType reports whether a content type says JSON: application/json or any type+json.
func IsJSONContentType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// wantsJSON says whether bodies must be valid JSON.
func (o PublishOptions) wantsJSON() bool {
	return o.JSON || (o.Properties != nil && IsJSONContentType(o.Properties.ContentType))
}

// Check finds what is wrong with the options before anything is sent: a count or rate out of range, or
// a body that is not the JSON it says it is.
func (o PublishOptions) Check() error {
	if o.Count < 0 {
		return fmt.Errorf("count %d: want 1 or more", o.Count)
	}
	if o.Rate < 0 {
		return fmt.Errorf("rate %g: want messages per second, or 0 for as fast as the broker confirms", o.Rate)
	}
	if o.Target.Destination == "" && o.Target.Exchange == nil {
		return errors.New("no destination: name a topic or queue, or an exchange")
	}
	if o.wantsJSON() {
		return checkJSON(ParseTemplate(o.Body).Expand(nil, 1, time.Now()), 1)
	}
	return nil
}

func checkJSON(body []byte, seq int64) error {
	if json.Valid(body) {
		return nil
	}
	var syntax *json.SyntaxError
	err := json.Unmarshal(body, new(any))
	if errors.As(err, &syntax) {
		return &BodyError{Seq: seq, Offset: syntax.Offset, Err: err}
	}
	return &BodyError{Seq: seq, Err: err}
}

// Publish sends the messages opts describes and waits for the broker to confirm each one. Refused in
// read-only mode. A message the broker refused or could not route is counted as failed with its reason;
// the run goes on. A lost connection ends it with an error, and the report says what was confirmed.
func (s *Session) Publish(ctx context.Context, opts PublishOptions, progress func(SendProgress)) (
	report SendReport, err error) {
	scope := []any{"target", opts.Target.Label(), "count", max(opts.Count, 1)}
	if err := s.begin(VerbPublish, scope...); err != nil {
		return SendReport{}, err
	}
	defer func() { s.done(VerbPublish, err, append(scope, "sent", report.Sent, "failed", report.Failed)...) }()
	if err := opts.Check(); err != nil {
		return SendReport{}, err
	}
	count := max(opts.Count, 1)
	snd := newSender(s.publisher(), opts.Rate, int64(count), progress)
	snd.patience = opts.Patience
	draft := newDraft(opts)
	for seq := int64(1); seq <= int64(count); seq++ {
		var now time.Time // reading the clock costs more than building a message
		if draft.clock {
			now = time.Now()
		}
		m, err := draft.message(seq, now)
		if err == nil {
			err = snd.send(ctx, backends.Outgoing{Target: opts.Target, Message: m})
		}
		if err != nil {
			return snd.finish(ctx, err)
		}
	}
	return snd.finish(ctx, nil)
}

// draft builds each message of a publish from its templates. Parts without placeholders are shared by
// every message rather than copied.
type draft struct {
	opts       PublishOptions
	key, body  Template
	dedup      Template
	headers    []Template
	staticHdrs bool
	json       bool
	clock      bool   // some template holds {{now}}
	encoded    []byte // the static body, encoded
	scratch    []byte
	chunk      []byte // where bodies are kept: one allocation for many small ones
}

// keep copies b into the draft's chunk and returns the copy, which nothing else writes over: one
// allocation for many bodies instead of one each (allocation was a sixth of publish's CPU).
func (d *draft) keep(b []byte) []byte {
	const chunkSize = 64 << 10
	n := len(d.chunk)
	if d.chunk == nil || cap(d.chunk)-n < len(b) {
		d.chunk, n = make([]byte, 0, max(chunkSize, len(b))), 0
	}
	d.chunk = append(d.chunk, b...)
	return d.chunk[n:len(d.chunk):len(d.chunk)]
}

func newDraft(o PublishOptions) *draft {
	o.Properties = withDeliveryMode(o.Properties, o.Transient)
	d := &draft{opts: o, key: ParseTemplate(o.Key), body: ParseTemplate(o.Body), staticHdrs: true, json: o.wantsJSON(),
		dedup: ParseTemplate([]byte(o.DeduplicationID))}
	d.clock = d.key.UsesNow() || d.body.UsesNow() || d.dedup.UsesNow()
	for _, h := range o.Headers {
		t := ParseTemplate(h.Value)
		d.headers = append(d.headers, t)
		d.staticHdrs = d.staticHdrs && t.Static()
		d.clock = d.clock || t.UsesNow()
	}
	return d
}

// withDeliveryMode gives properties that name no delivery mode the default one: persistent, unless
// transient is asked for. A delivery mode set explicitly stays.
func withDeliveryMode(p *backends.Properties, transient bool) *backends.Properties {
	if p != nil && p.DeliveryMode != 0 {
		return p
	}
	out := backends.Properties{}
	if p != nil {
		out = *p
	}
	out.DeliveryMode = deliveryPersistent
	if transient {
		out.DeliveryMode = deliveryTransient
	}
	return &out
}

// AMQP delivery modes.
const (
	deliveryTransient  = 1
	deliveryPersistent = 2
)

func (d *draft) message(seq int64, now time.Time) (backends.Message, error) {
	m := backends.Message{Key: d.opts.Key, Body: d.opts.Body, Headers: d.opts.Headers, Properties: d.opts.Properties}
	if !d.key.Static() {
		m.Key = d.key.Expand(nil, seq, now)
	}
	if !d.body.Static() {
		d.scratch = d.body.Expand(d.scratch[:0], seq, now)
		m.Body = d.keep(d.scratch)
	}
	if !d.staticHdrs {
		m.Headers = slices.Clone(d.opts.Headers)
		for i, t := range d.headers {
			m.Headers[i].Value = t.Expand(nil, seq, now)
		}
	}
	if d.opts.GroupID != "" || d.opts.DeduplicationID != "" {
		m.SQS = &backends.SQSMessage{GroupID: d.opts.GroupID,
			DeduplicationID: string(d.dedup.Expand(nil, seq, now))}
	}
	if d.json && !d.body.Static() {
		if err := checkJSON(m.Body, seq); err != nil {
			return m, err
		}
	}
	if d.opts.Encode == nil {
		return m, nil
	}
	if d.body.Static() && d.encoded != nil {
		m.Body = d.encoded
		return m, nil
	}
	body, err := d.opts.Encode(m.Body)
	if err != nil {
		return m, fmt.Errorf("message %d: %w", seq, err)
	}
	if d.body.Static() {
		d.encoded = body
	}
	m.Body = body
	return m, nil
}

// publisher is the session's backend as a publisher, once begin allowed a publish or a replay.
func (s *Session) publisher() backends.Publisher { return s.b.(backends.Publisher) }

// PublishFile sends the messages of a JSON Lines file in mqscope's export format (what `peek -o json`
// writes; see Record) to target, keeping each one's key, headers, properties and body byte for byte. The
// records' own destinations and positions are ignored, and so are their timestamps: the broker stamps a
// message sent now. name is the file's name, for errors. Refused in read-only mode.
func (s *Session) PublishFile(ctx context.Context, r io.Reader, name string, target backends.Target,
	rate float64, progress func(SendProgress)) (SendReport, error) {
	return s.sendRecords(ctx, VerbPublish, r, name, target, rate, progress)
}

// sendRecords sends every record of r to target, as verb (publish or replay). A file (anything r can seek
// in) is checked whole before anything is sent, so that a broken line sends nothing; a stream (stdin, a
// pipe) is sent as it is read, and a broken line sends everything before it and stops, its error saying
// which lines went, so that a resume loses nothing.
func (s *Session) sendRecords(ctx context.Context, verb Verb, r io.Reader, name string,
	target backends.Target, rate float64, progress func(SendProgress)) (report SendReport, err error) {
	scope := []any{"file", name, "target", target.Label()}
	if err := s.begin(verb, scope...); err != nil {
		return SendReport{}, err
	}
	defer func() { s.done(verb, err, append(scope, "sent", report.Sent, "failed", report.Failed)...) }()
	total, err := checkRecords(r, name)
	if err != nil {
		return SendReport{}, err
	}
	snd := newSender(s.publisher(), rate, total, progress)
	var lines lineQueue
	err = readRecords(r, name, func(m backends.Message, line int) error {
		lines.push(line, snd.sent+snd.failed)
		return snd.send(ctx, backends.Outgoing{Target: target, Message: forSending(m)})
	})
	var bad *RecordError
	if errors.As(err, &bad) {
		// Everything before the broken line goes, so that the lines sent are exactly 1 to bad.Line-1.
		if ferr := snd.flush(ctx); ferr != nil {
			return snd.finish(ctx, ferr)
		}
		bad.Sent = true
	}
	report, err = snd.finish(ctx, err)
	if err != nil && bad == nil && !snd.gapped {
		// The records confirmed are the first ones read: the rest, from the next one's line, is what to send.
		report.ResumeLine = lines.at(report.Sent)
	}
	return report, err
}

// lineQueue remembers the line of each record not yet counted by the sender, oldest first: as many as
// are in flight, never the whole file.
type lineQueue struct {
	lines   []int
	dropped int64 // records whose lines were forgotten, counted
	last    int   // the line of the last record read
}

// push adds the line of the next record, forgetting those of the done records the sender counted.
func (q *lineQueue) push(line int, done int64) {
	if n := done - q.dropped; n > 0 {
		q.lines = q.lines[n:]
		q.dropped = done
	}
	q.lines = append(q.lines, line)
	q.last = line
}

// at is the line of record i (from 0): for the record after the last one read, the line after its line;
// 0 when forgotten.
func (q *lineQueue) at(i int64) int {
	switch j := i - q.dropped; {
	case j >= 0 && j < int64(len(q.lines)):
		return q.lines[j]
	case j == int64(len(q.lines)):
		return q.last + 1
	}
	return 0
}

// checkRecords reads a seekable r to its end, to find a broken line before anything is sent, and goes
// back to where it was; it returns how many records r holds. A stream cannot be read twice: it says 0.
func checkRecords(r io.Reader, name string) (int64, error) {
	seeker, ok := r.(io.Seeker)
	if !ok {
		return 0, nil
	}
	start, err := seeker.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, nil // a pipe or terminal behind an *os.File
	}
	var n int64
	if err := ReadRecords(r, name, func(backends.Message) error { n++; return nil }); err != nil {
		return 0, err
	}
	if _, err := seeker.Seek(start, io.SeekStart); err != nil {
		return 0, fmt.Errorf("read %s again after checking it: %w", name, err)
	}
	return n, nil
}

// MaxBody is the largest message body publish reads from a file or stdin: more than brokers take by
// default (Kafka's message.max.bytes is 1 MiB, RabbitMQ 4's max_message_size 16 MiB), and a bound that
// keeps --body @/dev/zero from taking all of memory.
const MaxBody = 32 << 20

// ReadBody reads a message body of at most MaxBody bytes from r.
func ReadBody(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxBody+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxBody {
		return nil, fmt.Errorf("larger than %d MiB, the most one message body may take", MaxBody>>20)
	}
	return b, nil
}

// MaxRecordLine is the longest line ReadRecords takes: a record of a MaxBody body, base64-encoded, with
// room for its headers. A longer line (or a file with no line breaks at all, such as /dev/zero) is an
// error as soon as it passes this, rather than all of memory.
const MaxRecordLine = 48 << 20

// RecordError is a line of an export that is not a record.
type RecordError struct {
	Name         string // the file's name
	Line, Column int    // Column is 0 where the fault is not at one place (a bad field value)
	Err          error
	// Sent is true when every line before this one was sent (a stream, which could not be checked
	// first); false when nothing was.
	Sent bool
}

func (e *RecordError) Error() string {
	at := fmt.Sprintf("%s line %d", e.Name, e.Line)
	if e.Column > 0 {
		at += fmt.Sprintf(", column %d", e.Column)
	}
	msg := fmt.Sprintf("%s: %v", at, e.Err)
	if e.Sent {
		msg += fmt.Sprintf("; lines 1 to %d were sent (see the report), nothing from line %d on: fix it and "+
			"send the rest with tail -n +%d", e.Line-1, e.Line, e.Line)
	} else {
		msg += "; nothing was sent"
	}
	return msg
}

func (e *RecordError) Unwrap() error { return e.Err }

// ReadRecords reads a JSON Lines file of export records one line at a time (memory holds one line, at
// most MaxRecordLine), handing each message to fn. Blank lines are skipped; name is the file's name, for
// errors, which are *RecordError for a line that is not a record.
func ReadRecords(r io.Reader, name string, fn func(backends.Message) error) error {
	return readRecords(r, name, func(m backends.Message, _ int) error { return fn(m) })
}

// readRecords is ReadRecords, telling fn each record's line too.
func readRecords(r io.Reader, name string, fn func(m backends.Message, line int) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for line := 1; ; line++ {
		text, err := readLine(br, MaxRecordLine)
		if errors.Is(err, errLineTooLong) {
			return &RecordError{Name: name, Line: line, Err: fmt.Errorf("longer than %d MiB, the most a record may take", MaxRecordLine>>20)}
		}
		if len(bytes.TrimSpace(text)) > 0 {
			m, perr := ParseRecord(text)
			if perr != nil {
				return &RecordError{Name: name, Line: line, Column: column(text, perr), Err: perr}
			}
			if ferr := fn(m, line); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
	}
}

var errLineTooLong = errors.New("line too long")

// readLine reads up to and including the next newline, or to the end; longer than max is errLineTooLong.
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) > max {
			return nil, errLineTooLong
		}
		line = append(line, chunk...)
		if !errors.Is(err, bufio.ErrBufferFull) {
			return line, err
		}
	}
}

// column is where in line the JSON decoder found err, counted in characters from 1, or 0 when it does
// not say.
func column(line []byte, err error) int {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var at int64
	switch {
	case errors.As(err, &syntax):
		at = syntax.Offset
	case errors.As(err, &typ):
		at = typ.Offset
	default:
		return 0
	}
	at = min(max(at, 1), int64(len(line)))
	return utf8.RuneCount(line[:at-1]) + 1
}

// forSending is a message as it goes out again: what it carries, not where it was read or when.
func forSending(m backends.Message) backends.Message {
	return backends.Message{Key: m.Key, Headers: m.Headers, Body: m.Body, Properties: m.Properties}
}

// Batches are bounded in messages and bytes, so that memory stays small however much is sent. A
// pipelined publisher holds batches until maxMessagesOut messages or maxBytesOut bytes are out (the
// Java client's buffer.memory is 32 MB too). Measured on Kafka, publish --count 100000 (medians of 8,
// under load): 8 batches out (4,000 messages) waited on confirmations for half the run, 0.30 s; 16,000
// to 32,000 out took 0.15 s; 100,000 out (librdkafka's queue.buffering.max.messages) 0.25 s, its larger
// heap costing the collector more than the wait it saved.
const (
	maxBatch       = 500
	maxBatchBytes  = 4 << 20
	maxMessagesOut = 32_000
	maxBytesOut    = 32 << 20
)

// sender batches outgoing messages to a Publisher at a bounded rate and keeps the tally.
type sender struct {
	pub      backends.Publisher
	limit    *limiter // nil: no rate limit
	batch    []backends.Outgoing
	bytes    int
	size     int // messages per batch
	total    int64
	progress func(SendProgress)
	patience Patience
	start    time.Time
	sent     int64
	failed   int64
	gapped   bool // a message was confirmed after one that failed: the confirmed ones are no prefix
	errs     map[string]int64
	pending  []pending             // batches handed over and not yet counted, oldest first
	out      outstanding           // what pending holds
	free     [][]backends.Outgoing // counted batches' slices, to fill again
	quiet    time.Time             // the last confirmation, or the start
	told     time.Duration
	ctx      context.Context // the run's sends; cancelled with ErrGaveUp
	cancel   context.CancelCauseFunc
}

// pending is a batch handed to the publisher: its messages and their bytes, and its results to come.
type pending struct {
	msgs  []backends.Outgoing
	bytes int
	at    time.Time     // when it was handed over
	done  <-chan result // its results, once
}

// outstanding is what the pending batches hold.
type outstanding struct{ msgs, bytes int }

func (o *outstanding) add(p pending)    { o.msgs, o.bytes = o.msgs+len(p.msgs), o.bytes+p.bytes }
func (o *outstanding) remove(p pending) { o.msgs, o.bytes = o.msgs-len(p.msgs), o.bytes-p.bytes }

func newSender(pub backends.Publisher, rate float64, total int64, progress func(SendProgress)) *sender {
	now := time.Now()
	s := &sender{pub: pub, size: maxBatch, total: total, progress: progress, start: now, quiet: now, errs: map[string]int64{}}
	if rate > 0 {
		// About ten batches a second, so that a limited rate goes out steadily rather than in bursts.
		s.size = min(maxBatch, max(1, int(rate/10)))
		s.limit = newLimiter(rate, s.size, now)
	}
	return s
}

// send queues one message, sending the batch when it is full.
func (s *sender) send(ctx context.Context, o backends.Outgoing) error {
	if s.limit != nil {
		if err := s.limit.wait(ctx); err != nil {
			return err
		}
	}
	s.batch = append(s.batch, o)
	s.bytes += len(o.Message.Key) + len(o.Message.Body)
	if len(s.batch) >= s.size || s.bytes >= maxBatchBytes {
		return s.flush(ctx)
	}
	return nil
}

// flush hands the batch to the publisher and counts the batches already confirmed; it waits for the
// oldest while more than the publisher may hold are out, or while the oldest has waited a Notice (a
// broker gone quiet stops the sender, which says so).
func (s *sender) flush(ctx context.Context) error {
	if len(s.batch) == 0 {
		return nil
	}
	if s.ctx == nil {
		s.ctx, s.cancel = context.WithCancelCause(ctx)
	}
	batch := s.batch
	p := pending{msgs: batch, bytes: s.bytes, at: time.Now()}
	s.batch, s.bytes = s.emptyBatch(), 0
	pp, pipelined := s.pub.(backends.PipelinedPublisher)
	if pipelined {
		// Handing over waits while the publisher is full, or cannot reach the broker.
		var wait func() ([]error, error)
		handed := s.watch(background(func() ([]error, error) {
			var err error
			wait, err = pp.Send(s.ctx, batch)
			return nil, err
		}))
		if handed.err != nil {
			wait = func() ([]error, error) { return nil, handed.err }
		}
		p.done = background(wait)
	} else {
		p.done = background(func() ([]error, error) { return s.pub.Publish(s.ctx, batch) })
	}
	s.pending = append(s.pending, p)
	s.out.add(p)
	if err := s.countReady(); err != nil {
		return err
	}
	for len(s.pending) > 0 && (!pipelined || s.out.msgs > maxMessagesOut || s.out.bytes > maxBytesOut ||
		time.Since(s.pending[0].at) >= s.notice()) {
		if err := s.count(); err != nil {
			return err
		}
	}
	return nil
}

// background runs fn on a goroutine of its own; its results come on the channel.
func background(fn func() ([]error, error)) <-chan result {
	done := make(chan result, 1)
	go func() {
		errs, err := fn()
		done <- result{errs, err}
	}()
	return done
}

// result is what a publisher answered for a batch.
type result struct {
	errs []error
	err  error
}

// emptyBatch is a slice for the next batch: one whose messages were all counted, or a new one. Reusing
// them spares a fresh zeroed allocation of 120 KB per batch (filling fresh ones showed as about a
// tenth of publish's CPU in a profile of a 100,000-message run, page faults mostly).
func (s *sender) emptyBatch() []backends.Outgoing {
	if n := len(s.free); n > 0 {
		b := s.free[n-1]
		s.free = s.free[:n-1]
		return b[:0]
	}
	return make([]backends.Outgoing, 0, s.size)
}

// count waits for the oldest batch out and counts what the broker confirmed.
func (s *sender) count() error { return s.tally(s.watch(s.pending[0].done)) }

// countReady counts the oldest batches out whose results are in, without waiting.
func (s *sender) countReady() error {
	for len(s.pending) > 0 {
		select {
		case r := <-s.pending[0].done:
			if err := s.tally(r); err != nil {
				return err
			}
		default:
			return nil
		}
	}
	return nil
}

// tally counts r, the results of the oldest batch out. A batch error (the connection failed) counts
// the whole batch as failed, since nothing can be said of it, and ends the run.
func (s *sender) tally(r result) error {
	p := s.pending[0]
	s.pending = s.pending[1:]
	s.out.remove(p)
	n := len(p.msgs)
	errs, err := r.errs, r.err
	if err != nil {
		if errors.Is(context.Cause(s.ctx), ErrGaveUp) {
			err = fmt.Errorf("%w: nothing confirmed for %v", ErrGaveUp, s.patience.GiveUpAfter)
		}
		s.fail(int64(n), "not confirmed: "+err.Error())
	} else {
		s.quiet, s.told = time.Now(), 0
		// Every message answered: the publisher is done with the batch (after an error, messages
		// may still be in flight, so the slice is left alone).
		s.free = append(s.free, p.msgs)
		for i := range n {
			if i < len(errs) && errs[i] != nil {
				s.fail(1, errs[i].Error())
			} else {
				s.sent++
				s.gapped = s.gapped || s.failed > 0
			}
		}
	}
	s.tell(0)
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	return nil
}

// watch waits for done, which waits for the broker, telling every Notice while nothing is confirmed,
// and giving up after GiveUpAfter when asked to.
func (s *sender) watch(done <-chan result) result {
	notice := s.notice()
	tick := time.NewTicker(min(notice, time.Second))
	defer tick.Stop()
	for {
		select {
		case r := <-done:
			return r
		case <-tick.C:
			quiet := time.Since(s.quiet)
			if quiet-s.told >= notice {
				s.told = quiet
				s.tell(quiet)
			}
			if s.patience.GiveUpAfter > 0 && quiet >= s.patience.GiveUpAfter {
				s.cancel(ErrGaveUp)
			}
		}
	}
}

func (s *sender) notice() time.Duration { return cmp.Or(s.patience.Notice, DefaultNotice) }

func (s *sender) tell(waiting time.Duration) {
	if s.progress != nil {
		s.progress(SendProgress{Sent: s.sent, Failed: s.failed, Total: s.total, Waiting: waiting})
	}
}

func (s *sender) fail(n int64, why string) {
	s.failed += n
	s.errs[why] += n
}

// finish sends what is left (unless the run already failed), counts every batch out, and makes the
// report.
func (s *sender) finish(ctx context.Context, err error) (SendReport, error) {
	if err == nil {
		err = s.flush(ctx)
	}
	for len(s.pending) > 0 {
		if cerr := s.count(); err == nil {
			err = cerr
		}
	}
	if s.cancel != nil {
		s.cancel(nil)
	}
	r := SendReport{Sent: s.sent, Failed: s.failed, Elapsed: time.Since(s.start)}
	for e, n := range s.errs {
		r.Errors = append(r.Errors, ErrorCount{Error: e, Count: n})
	}
	slices.SortFunc(r.Errors, func(a, b ErrorCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Error, b.Error))
	})
	return r, err
}

// limiter is a token bucket: rate tokens a second, at most burst saved up, one per message.
type limiter struct {
	rate, burst, tokens float64
	last                time.Time
}

func newLimiter(rate float64, burst int, now time.Time) *limiter {
	return &limiter{rate: rate, burst: float64(burst), tokens: 1, last: now}
}

// wait takes a token, sleeping until there is one or ctx ends.
func (l *limiter) wait(ctx context.Context) error {
	for {
		d := l.take(time.Now())
		if d == 0 {
			return nil
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// take takes a token at now and returns 0, or returns how long until there is one.
func (l *limiter) take(now time.Time) time.Duration {
	l.tokens = min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.rate)
	l.last = now
	if l.tokens >= 1 {
		l.tokens--
		return 0
	}
	return time.Duration((1 - l.tokens) / l.rate * float64(time.Second))
}
