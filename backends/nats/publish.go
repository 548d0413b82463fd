package nats

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/backends"
)

// publishBatch is how many messages are in flight, unconfirmed, at once.
const publishBatch = 512

// Publish sends each message to the subject its target names, or, where the target is a stream's name,
// to the stream's subject (the message's own subject when the stream takes it, else the stream's one
// literal subject), and waits for JetStream's acknowledgement, which says the stream stored it. A
// Nats-Msg-Id header is sent as it is, so the server drops a duplicate within the stream's window.
func (b *Backend) Publish(ctx context.Context, msgs []backends.Outgoing) ([]error, error) {
	errs := make([]error, len(msgs))
	r := resolver{b: b, streams: map[string]*jetstream.StreamInfo{}}
	out := make([]outgoing, 0, len(msgs))
	for i, m := range msgs {
		o, err := r.resolve(ctx, m.Target.Destination, string(m.Message.Key))
		if err != nil {
			if !errors.Is(err, backends.ErrNotFound) && !errors.Is(err, backends.ErrNotSupported) {
				return nil, err
			}
			errs[i] = err
			continue
		}
		o.index, o.msg = i, natsMsg(o.subject, m.Message)
		out = append(out, o)
	}
	acks, err := b.publish(ctx, out)
	if err != nil {
		return nil, err
	}
	for j, o := range out {
		errs[o.index] = acks[j].err
	}
	return errs, nil
}

// outgoing is one message resolved to a subject, and the stream that must take it ("" when any may).
type outgoing struct {
	index   int
	subject string
	stream  string
	msg     *nats.Msg
}

// ack is the server's answer to one publish.
type ack struct {
	err       error
	duplicate bool
}

// publish sends msgs in flights of publishBatch and waits for every acknowledgement. The batch error is
// for a connection that failed, where nothing can be said of the messages without an answer.
func (b *Backend) publish(ctx context.Context, msgs []outgoing) ([]ack, error) {
	acks := make([]ack, len(msgs))
	for start := 0; start < len(msgs); start += publishBatch {
		flight := msgs[start:min(start+publishBatch, len(msgs))]
		futures := make([]jetstream.PubAckFuture, len(flight))
		for i, o := range flight {
			var opts []jetstream.PublishOpt
			if o.stream != "" {
				opts = append(opts, jetstream.WithExpectStream(o.stream))
			}
			f, err := b.js.PublishMsgAsync(o.msg, opts...)
			if err != nil {
				if errors.Is(err, nats.ErrConnectionClosed) || errors.Is(err, nats.ErrDisconnected) {
					return nil, b.opError("publish", err)
				}
				acks[start+i].err = b.publishError(o, err)
				continue
			}
			futures[i] = f
		}
		for i, f := range futures {
			if f == nil {
				continue
			}
			select {
			case pa := <-f.Ok():
				acks[start+i].duplicate = pa.Duplicate
			case err := <-f.Err():
				acks[start+i].err = b.publishError(flight[i], err)
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
	}
	return acks, nil
}

func (b *Backend) publishError(o outgoing, err error) error {
	switch {
	case errors.Is(err, jetstream.ErrNoStreamResponse), errors.Is(err, nats.ErrNoResponders):
		return backends.NotFound("no stream takes subject %q (see `mqscope ls`)", o.subject)
	case errors.Is(err, nats.ErrMaxPayload):
		return fmt.Errorf("publish to %s: the message is bigger than the server's max_payload", o.subject)
	}
	return b.opError("publish to "+o.subject, err)
}

// natsMsg builds the message to send: the body and headers, nothing of where it was read.
func natsMsg(subject string, m backends.Message) *nats.Msg {
	msg := nats.NewMsg(subject)
	msg.Data = m.Body
	for _, h := range m.Headers {
		msg.Header.Add(h.Key, string(h.Value))
	}
	return msg
}

// resolver turns a target into a subject, looking each stream up once.
type resolver struct {
	b       *Backend
	streams map[string]*jetstream.StreamInfo // nil entries: no stream of that name
}

// resolve: a target that names a stream goes to a subject of that stream (key, where the stream takes
// it, else the stream's one literal subject); any other target is a subject.
func (r resolver) resolve(ctx context.Context, target, key string) (outgoing, error) {
	si, err := r.stream(ctx, target)
	if err != nil {
		return outgoing{}, err
	}
	if si == nil {
		if !validSubject(target) {
			return outgoing{}, backends.NotFound("%q is neither a stream here nor a subject one can publish to (no spaces, "+
				"no * or >)", target)
		}
		return outgoing{subject: target}, nil
	}
	subjects := si.Config.Subjects
	switch {
	case key != "" && validSubject(key) && takes(subjects, key):
		return outgoing{subject: key, stream: target}, nil
	case len(subjects) == 1 && validSubject(subjects[0]):
		return outgoing{subject: subjects[0], stream: target}, nil
	case takes(subjects, target):
		return outgoing{subject: target, stream: target}, nil
	case len(subjects) == 0:
		return outgoing{}, fmt.Errorf("stream %s takes no subjects of its own (a mirror or a stream of sources): "+
			"publish to its sources: %w", target, backends.ErrNotSupported)
	}
	return outgoing{}, backends.NotFound("stream %s takes the subjects %s: name a subject it takes, as the destination "+
		"or as the key (--key)", target, strings.Join(subjects, ", "))
}

// stream looks a stream up by name; nil when there is none (or the name cannot be a stream's).
func (r resolver) stream(ctx context.Context, name string) (*jetstream.StreamInfo, error) {
	if si, ok := r.streams[name]; ok {
		return si, nil
	}
	var si *jetstream.StreamInfo
	if validStreamName(name) {
		var err error
		si, err = r.b.info(ctx, name)
		if err != nil && !errors.Is(err, backends.ErrNotFound) {
			return nil, err
		}
	}
	r.streams[name] = si
	return si, nil
}

func validStreamName(s string) bool {
	return s != "" && !strings.ContainsAny(s, ">*. /\\\t\r\n")
}

// validSubject is true for a subject one can publish to: dot-separated tokens, none empty, no wildcard.
func validSubject(s string) bool {
	if s == "" || strings.ContainsAny(s, " \t\r\n") {
		return false
	}
	for _, tok := range strings.Split(s, ".") {
		if tok == "" || tok == "*" || tok == ">" {
			return false
		}
	}
	return true
}

// takes reports whether one of a stream's subject filters matches subject.
func takes(filters []string, subject string) bool {
	for _, f := range filters {
		if matches(f, subject) {
			return true
		}
	}
	return false
}

// matches is NATS's subject matching: * is one token, > the rest (one token or more).
func matches(filter, subject string) bool {
	ft, st := strings.Split(filter, "."), strings.Split(subject, ".")
	for i, f := range ft {
		switch {
		case f == ">":
			return len(st) > i
		case i >= len(st):
			return false
		case f != "*" && f != st[i]:
			return false
		}
	}
	return len(ft) == len(st)
}
