package actions

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/mqscope/mqscope/backends"
)

// ReplayOptions say which messages of a destination to copy, and where to.
type ReplayOptions struct {
	Source     string            // the topic, queue or stream to copy from
	Partitions []int32           // Kafka: only these partitions; empty means all
	From       backends.Position // where the copy starts
	// Until ends the range before a position: an offset (AtOffset: messages at lower offsets) or a time
	// (AtTime: messages stamped earlier). nil copies to the end of what the source holds now.
	Until *backends.Position
	Limit int // copy at most this many; 0 for no limit
	To    backends.Target
	Rate  float64 // messages per second; 0 for as fast as the broker confirms
}

// Check finds what is wrong with the options before anything is read.
func (o ReplayOptions) Check() error {
	if o.To.Destination == "" && o.To.Exchange == nil {
		return errors.New("no target: say where the copies go")
	}
	if o.To.Exchange == nil && o.To.Destination == o.Source {
		return fmt.Errorf("%s is both the source and the target; copy into another destination", o.Source)
	}
	if o.Until != nil && o.Until.Kind != backends.AtOffset && o.Until.Kind != backends.AtTime {
		return errors.New("the range ends at an offset or a time")
	}
	if o.Limit < 0 || o.Rate < 0 {
		return errors.New("the limit and the rate are 0 or more")
	}
	return nil
}

// Replay copies a range of a destination's messages to a target: each keeps its key, headers,
// properties and body (the broker stamps the copy with the time it is sent). The source is read the way
// peek reads it and is left as it was. Refused in read-only mode.
func (s *Session) Replay(ctx context.Context, opts ReplayOptions, progress func(SendProgress)) (
	report SendReport, err error) {
	scope := []any{"source", opts.Source, "target", opts.To.Label()}
	if err := s.begin(VerbReplay, scope...); err != nil {
		return SendReport{}, err
	}
	defer func() { s.done(VerbReplay, err, append(scope, "sent", report.Sent, "failed", report.Failed)...) }()
	if err := opts.Check(); err != nil {
		return SendReport{}, err
	}
	snd := newSender(s.publisher(), opts.Rate, int64(opts.Limit), progress)
	req := backends.PeekRequest{Destination: opts.Source, From: opts.From, Partitions: opts.Partitions}
	if opts.Until == nil {
		req.Limit = opts.Limit // otherwise messages past Until are read but not counted
	}
	r := rangeReader{opts: opts, passed: map[int32]bool{}}
	err = Peek(ctx, s.b, req, func(m backends.Message) error {
		switch r.judge(m) {
		case outOfRange:
			return nil
		case pastRange:
			return errRangeDone
		}
		return snd.send(ctx, backends.Outgoing{Target: opts.To, Message: copyForSending(m)})
	})
	if errors.Is(err, errRangeDone) {
		err = nil
	}
	return snd.finish(ctx, err)
}

// errRangeDone ends a peek once the range is copied.
var errRangeDone = errors.New("the range is copied")

// rangeReader decides, message by message, what of a peek is in the range.
type rangeReader struct {
	opts   ReplayOptions
	taken  int
	passed map[int32]bool // partitions read past an offset Until
}

type verdict int

const (
	inRange    verdict = iota
	outOfRange         // skip it, and read on
	pastRange          // the range is done
)

func (r *rangeReader) judge(m backends.Message) verdict {
	if r.opts.Limit > 0 && r.taken >= r.opts.Limit {
		return pastRange
	}
	if u := r.opts.Until; u != nil {
		switch {
		case u.Kind == backends.AtOffset && m.Offset >= u.Offset:
			r.passed[m.Partition] = true
			// Partitions are merged by time, so one partition past the end says nothing of the others,
			// unless the read is of named partitions that all are.
			if len(r.opts.Partitions) > 0 && len(r.passed) >= len(r.opts.Partitions) {
				return pastRange
			}
			return outOfRange
		case u.Kind == backends.AtTime && !m.Timestamp.Before(u.Time):
			return outOfRange // a later message of another partition may still be earlier
		}
	}
	r.taken++
	return inRange
}

// ReplayFile copies the messages of a JSON Lines export (what `peek -o json` writes) to a target, each
// keeping its key, headers, properties and body byte for byte. name is the file's name, for errors.
// Refused in read-only mode.
func (s *Session) ReplayFile(ctx context.Context, r io.Reader, name string, to backends.Target,
	rate float64, progress func(SendProgress)) (SendReport, error) {
	return s.sendRecords(ctx, VerbReplay, r, name, to, rate, progress)
}

// ReplayMessages copies messages already in hand (those marked in the browser) to a target. Refused in
// read-only mode.
func (s *Session) ReplayMessages(ctx context.Context, msgs []backends.Message, to backends.Target,
	progress func(SendProgress)) (report SendReport, err error) {
	scope := []any{"messages", len(msgs), "target", to.Label()}
	if err := s.begin(VerbReplay, scope...); err != nil {
		return SendReport{}, err
	}
	defer func() { s.done(VerbReplay, err, append(scope, "sent", report.Sent, "failed", report.Failed)...) }()
	snd := newSender(s.publisher(), 0, int64(len(msgs)), progress)
	for _, m := range msgs {
		if err := snd.send(ctx, backends.Outgoing{Target: to, Message: forSending(m)}); err != nil {
			return snd.finish(ctx, err)
		}
	}
	return snd.finish(ctx, nil)
}

// copyForSending is forSending with the bytes copied: a peek may hand over messages that point into its
// read buffers, which it reuses once emit returns, while the copy waits in a batch.
func copyForSending(m backends.Message) backends.Message {
	out := backends.Message{Key: bytes.Clone(m.Key), Body: bytes.Clone(m.Body), Properties: m.Properties}
	if m.Headers != nil {
		out.Headers = slices.Clone(m.Headers)
		for i := range out.Headers {
			out.Headers[i].Value = bytes.Clone(out.Headers[i].Value)
		}
	}
	return out
}
