package rabbitmq

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/redact"
	"github.com/mqscope/mqscope/sanitize"
)

// connection returns the AMQP connection, dialling again first when the broker closed it (a restart,
// a network cut, an administrator's `close_connection`).
func (b *Backend) connection(ctx context.Context) (*amqp.Connection, error) {
	b.connMu.Lock()
	defer b.connMu.Unlock()
	if b.closed {
		return nil, fmt.Errorf("RabbitMQ connection to %s: %w", b.target.shownURL, amqp.ErrClosed)
	}
	if !b.conn.IsClosed() {
		return b.conn, nil
	}
	dialCtx, cancel := context.WithTimeout(ctx, b.cfg.Timeout)
	defer cancel()
	conn, err := dial(dialCtx, b.target)
	if err != nil {
		return nil, err
	}
	b.conn = conn
	return conn, nil
}

// channel opens a channel of its own for one operation. A connection found dead is dialled again, once
// per call.
func (b *Backend) channel(ctx context.Context) (*amqp.Channel, error) {
	for attempt := 0; ; attempt++ {
		conn, err := b.connection(ctx)
		if err != nil {
			return nil, err
		}
		ch, err := conn.Channel()
		if err == nil {
			return ch, nil
		}
		if !errors.Is(err, amqp.ErrClosed) || attempt > 0 {
			return nil, fmt.Errorf("open a channel to %s: %w", b.target.shownURL, amqpErr(err))
		}
		_ = conn.Close() // it died between the check and the channel: dial again
	}
}

// frameMax is the largest frame the broker accepts on this connection, as negotiated; 0 when unknown.
func (b *Backend) frameMax() int {
	b.connMu.Lock()
	defer b.connMu.Unlock()
	return b.conn.Config.FrameSize
}

// ownConnection dials a connection for one operation alone, for when what it does might close the
// connection (see queueKind).
func (b *Backend) ownConnection(ctx context.Context) (*amqp.Connection, error) {
	dialCtx, cancel := context.WithTimeout(ctx, b.cfg.Timeout)
	defer cancel()
	return dial(dialCtx, b.target)
}

// closeOnDone closes ch when ctx ends, which ends any call waiting on it: amqp091-go's calls take no
// context. The returned func stops the watch.
func closeOnDone(ctx context.Context, ch *amqp.Channel) (stop func() bool) {
	return context.AfterFunc(ctx, func() { _ = ch.Close() })
}

// brokerVersion is the broker's version as (major, minor), from what it said when the connection opened;
// (0, 0) when unknown.
func (b *Backend) brokerVersion() (major, minor int) {
	v := b.amqpIdentity().Version
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return 0, 0
	}
	major, _ = strconv.Atoi(parts[0])
	minor, _ = strconv.Atoi(parts[1])
	return major, minor
}

// Queue kinds as the broker names them.
const (
	typeClassic = "classic"
	typeQuorum  = "quorum"
	typeStream  = "stream"
)

// queueInfo is what an operation on one queue needs to know before it starts.
type queueInfo struct {
	Name       string
	Type       string // classic, quorum or stream; "" when unknown (no management API)
	DeadLetter *backends.DeadLetterConfig
	// Messages and MessageBytes (their bodies) are the API's figures, up to a few seconds old; 0 and -1
	// when unknown.
	Messages, MessageBytes int64
}

// queueInfo looks the queue up in the management API. Without the API only the name is known, and it is
// not checked: the AMQP operation that follows finds out whether the queue exists.
func (b *Backend) queueInfo(ctx context.Context, name string) (queueInfo, error) {
	if name == "" {
		return queueInfo{}, errors.New("no queue name given: name the queue (an empty name is the default exchange's, " +
			"which holds nothing)")
	}
	if b.managementAPI(ctx) != nil {
		return queueInfo{Name: name, MessageBytes: -1}, nil
	}
	var q apiQueue
	err := getOne(ctx, b.api, "/api/queues/"+segment(b.vhost), name,
		"name,vhost,type,arguments,effective_policy_definition,messages,message_bytes", &q)
	if errors.Is(err, backends.ErrNotFound) {
		return queueInfo{}, b.missingQueue(ctx, name)
	}
	if err != nil {
		return queueInfo{}, fmt.Errorf("look up queue %s: %w", quoted(name), err)
	}
	d := q.destination()
	info := queueInfo{Name: name, Type: d.Type, DeadLetter: d.DeadLetter, MessageBytes: -1}
	if q.Messages != nil && q.MessageBytes != nil {
		info.Messages, info.MessageBytes = *q.Messages, *q.MessageBytes
	}
	return info, nil
}

// notFoundError says what is missing without repeating backends.ErrNotFound's own text.
type notFoundError struct{ msg string }

func (e notFoundError) Error() string { return e.msg }
func (e notFoundError) Unwrap() error { return backends.ErrNotFound }

// missingQueue is the error for a queue that does not exist, saying so more helpfully when the name is an
// exchange's.
func (b *Backend) missingQueue(ctx context.Context, name string) error {
	if b.managementAPI(ctx) != nil {
		return notFoundError{fmt.Sprintf("no queue %s in vhost %s of %s", quoted(name), sanitize.Quote(b.vhost),
			b.target.hostPort())}
	}
	var x apiExchange
	if getOne(ctx, b.api, "/api/exchanges/"+segment(b.vhost), name, "name", &x) == nil {
		return notFoundError{fmt.Sprintf("%s is an exchange in vhost %s, not a queue",
			quoted(name), sanitize.Quote(b.vhost))}
	}
	return notFoundError{fmt.Sprintf("no queue %s in vhost %s (asked the management API at %s)",
		quoted(name), sanitize.Quote(b.vhost), b.target.apiBase)}
}

// amqpErr maps a broker's refusal to the contract's errors and makes its text safe to show.
func amqpErr(err error) error {
	var aerr *amqp.Error
	if !errors.As(err, &aerr) {
		return err
	}
	reason := redact.Text(sanitize.Line(aerr.Reason))
	switch aerr.Code {
	case amqp.NotFound:
		return notFoundError{reason}
	case amqp.AccessRefused:
		return fmt.Errorf("%s: %w", reason, backends.ErrAuth)
	case amqp.NotImplemented:
		return fmt.Errorf("%s: %w", reason, backends.ErrNotSupported)
	}
	return errors.New(reason)
}

// passive checks that queue exists and says how many messages are ready in it. A missing queue closes
// the channel.
func (b *Backend) passive(ctx context.Context, ch *amqp.Channel, queue string) (int, error) {
	ready, _, err := b.counts(ctx, ch, queue)
	return ready, err
}

// counts is passive with the queue's number of consumers too.
func (b *Backend) counts(ctx context.Context, ch *amqp.Channel, queue string) (ready, consumers int, err error) {
	q, err := ch.QueueDeclarePassive(queue, false, false, false, false, nil)
	var aerr *amqp.Error
	if errors.As(err, &aerr) && aerr.Code == amqp.NotFound {
		return 0, 0, b.missingQueue(ctx, queue)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("queue %s: %w", quoted(queue), amqpErr(err))
	}
	return q.Messages, q.Consumers, nil
}
