package rabbitmq

import (
	"errors"
	"fmt"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/sanitize"
)

// maxName is the longest queue name, exchange name or routing key AMQP 0-9-1 can carry (a short string).
const maxName = 255

// checkNames refuses a queue, exchange or routing key too long for AMQP. amqp091-go would fail the
// publish itself, quoting the whole name, and leave the channel unusable.
func checkNames(exchange, key string, toQueue bool) error {
	what := "routing key"
	if toQueue {
		what = "queue name"
	}
	switch {
	case len(exchange) > maxName:
		return fmt.Errorf("the exchange name is %d bytes long: AMQP allows at most %d", len(exchange), maxName)
	case len(key) > maxName:
		return fmt.Errorf("the %s is %d bytes long: AMQP allows at most %d", what, len(key), maxName)
	}
	return nil
}

// shownName is a name fit for a one-line message: sanitized, and cut short when longer than AMQP allows.
func shownName(name string) string {
	if len(name) <= maxName {
		return sanitize.Line(name)
	}
	return fmt.Sprintf("%s… (%d bytes)", sanitize.Line(strings.ToValidUTF8(name[:48], "")), len(name))
}

// quoted is a name in quotes for an error, escaped once and shortened as shownName does.
func quoted(name string) string { return `"` + shownName(name) + `"` }

// errTooLarge is what a message whose properties and headers do not fit in one frame is refused with.
var errTooLarge = errors.New("headers too large")

// checkFrame refuses a message whose properties and headers do not fit in one AMQP frame of frameMax
// bytes (the size negotiated with the broker): its header frame cannot be split, and RabbitMQ answers an
// oversized one by closing the whole connection (frame_too_large).
func checkFrame(p amqp.Publishing, frameMax int) error {
	if frameMax <= 0 {
		return nil
	}
	if n := headerFrameSize(p); n > frameMax {
		return fmt.Errorf("%w: its properties and headers take %d bytes, and RabbitMQ takes them in one frame of at most %d "+
			"(the broker's frame_max); body size is not the problem: shrink the headers", errTooLarge, n, frameMax)
	}
	return nil
}

// headerFrameSize is the size on the wire of the content header frame amqp091-go writes for p: frame
// header and end (8), class, weight, body size and flags (14), then each property present.
func headerFrameSize(p amqp.Publishing) int {
	n := 8 + 14
	for _, s := range []string{p.ContentType, p.ContentEncoding, p.CorrelationId, p.ReplyTo, p.Expiration,
		p.MessageId, p.Type, p.UserId, p.AppId} {
		if s != "" {
			n += 1 + len(s)
		}
	}
	if p.DeliveryMode > 0 {
		n++
	}
	if p.Priority > 0 {
		n++
	}
	if !p.Timestamp.IsZero() {
		n += 8
	}
	if len(p.Headers) > 0 {
		n += tableSize(p.Headers)
	}
	return n
}

// tableSize is the encoded size of an AMQP table: a 4-byte length, then each key (short string) and value.
func tableSize(t amqp.Table) int {
	n := 4
	for k, v := range t {
		n += 1 + len(k) + fieldSize(v)
	}
	return n
}

// fieldSize is the encoded size of one field value, its type byte included.
func fieldSize(v any) int {
	switch x := v.(type) {
	case bool, byte, int8:
		return 2
	case int16, uint16:
		return 3
	case int, int32, uint32, float32:
		return 5
	case int64, float64, time.Time:
		return 9
	case amqp.Decimal:
		return 6
	case string:
		return 5 + len(x)
	case []byte:
		return 5 + len(x)
	case []any:
		n := 5
		for _, e := range x {
			n += fieldSize(e)
		}
		return n
	case amqp.Table:
		return 1 + tableSize(x)
	}
	return 1
}
