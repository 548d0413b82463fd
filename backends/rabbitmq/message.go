package rabbitmq

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/backends"
)

// Delivery annotations the broker adds to what it delivers. They describe one delivery, not the message,
// so a message sent on is published without them.
const (
	headerDeliveryCount = "x-delivery-count" // quorum queues: how often it was given back
	headerStreamOffset  = "x-stream-offset"  // streams: the message's offset
)

// message turns a delivery into the contract's message. offset is the position in a queue read, or the
// stream offset.
func message(queue string, d amqp.Delivery, offset int64) backends.Message {
	hs := headers(d.Headers)
	m := backends.Message{
		Destination: queue, Offset: offset, Timestamp: d.Timestamp, Key: []byte(d.RoutingKey), Headers: hs,
		Body: d.Body, Redelivered: d.Redelivered, DeliveryCount: deliveryCount(d.Headers),
		Properties: &backends.Properties{
			ContentType: d.ContentType, ContentEncoding: d.ContentEncoding, DeliveryMode: d.DeliveryMode,
			Priority: d.Priority, CorrelationID: d.CorrelationId, ReplyTo: d.ReplyTo, Expiration: d.Expiration,
			MessageID: d.MessageId, Timestamp: d.Timestamp, Type: d.Type, UserID: d.UserId, AppID: d.AppId,
			Exchange: d.Exchange, RoutingKey: d.RoutingKey,
		},
	}
	m.Origin = backends.ParseOrigin(hs)
	return m
}

// deliveryCount reads a quorum queue's x-delivery-count; 0 where there is none.
func deliveryCount(t amqp.Table) int64 {
	n, _ := wholeNumber(t[headerDeliveryCount])
	return n
}

// wholeNumber reads an AMQP integer of any width.
func wholeNumber(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int32:
		return int64(n), true
	case int16:
		return int64(n), true
	case int8:
		return int64(n), true
	case uint8:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint32:
		return int64(n), true
	}
	return 0, false
}

// headers turns an AMQP table into ordered headers. A table is a map to amqp091-go, so its wire order is
// already lost: headers come sorted by key, the same every time.
func headers(t amqp.Table) []backends.Header {
	if len(t) == 0 {
		return nil
	}
	hs := make([]backends.Header, 0, len(t))
	for _, k := range sortedKeys(t) {
		v := plain(t[k])
		hs = append(hs, backends.Header{Key: k, Value: text(v), Typed: v})
	}
	return hs
}

// sortedKeys is m's keys in order, in one allocation.
func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// plain converts an AMQP field value to plain Go types: tables become map[string]any, arrays []any, and
// decimals their exact decimal text ("12.50"), since Go has no decimal type.
func plain(v any) any {
	switch x := v.(type) {
	case amqp.Table:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = plain(e)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	case amqp.Decimal:
		return decimalText(int64(x.Value), x.Scale)
	case time.Time:
		return x.UTC()
	}
	return v
}

// decimalText writes value × 10^-scale exactly.
func decimalText(value int64, scale uint8) string {
	s := strconv.FormatInt(value, 10)
	if scale == 0 {
		return s
	}
	neg := value < 0
	if neg {
		s = s[1:]
	}
	for len(s) <= int(scale) {
		s = "0" + s
	}
	s = s[:len(s)-int(scale)] + "." + s[len(s)-int(scale):]
	if neg {
		s = "-" + s
	}
	return s
}

// text is a header value's text form: strings and byte strings as they are, times in RFC 3339, tables and
// arrays as JSON, numbers and booleans as Go prints them.
func text(v any) []byte {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return []byte(x)
	case []byte:
		return x
	case time.Time:
		return []byte(x.Format(time.RFC3339))
	case map[string]any, []any:
		if b, ok := appendJSON(make([]byte, 0, 256), x); ok {
			return b
		}
	}
	return fmtText(v)
}

func fmtText(v any) []byte { return fmt.Append(nil, v) }

// appendJSON writes what encoding/json writes for v, a plain value (see plain), without its reflection:
// a mover turns every letter's x-death into text, and json.Marshal was a sixth of its CPU. What the fast
// paths do not cover goes to encoding/json; ok is false where that fails (NaN, say).
func appendJSON(buf []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case nil:
		return append(buf, "null"...), true
	case bool:
		return strconv.AppendBool(buf, x), true
	case string:
		return appendJSONString(buf, x), true
	case int8:
		return strconv.AppendInt(buf, int64(x), 10), true
	case int16:
		return strconv.AppendInt(buf, int64(x), 10), true
	case int32:
		return strconv.AppendInt(buf, int64(x), 10), true
	case int64:
		return strconv.AppendInt(buf, x, 10), true
	case uint8:
		return strconv.AppendUint(buf, uint64(x), 10), true
	case uint16:
		return strconv.AppendUint(buf, uint64(x), 10), true
	case uint32:
		return strconv.AppendUint(buf, uint64(x), 10), true
	case time.Time:
		if y := x.Year(); x.Location() == time.UTC && y >= 0 && y <= 9999 { // as MarshalJSON writes it
			buf = append(buf, '"')
			return append(x.AppendFormat(buf, time.RFC3339Nano), '"'), true
		}
	case map[string]any:
		buf = append(buf, '{')
		for i, k := range sortedKeys(x) {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(appendJSONString(buf, k), ':')
			var ok bool
			if buf, ok = appendJSON(buf, x[k]); !ok {
				return buf, false
			}
		}
		return append(buf, '}'), true
	case []any:
		buf = append(buf, '[')
		for i, e := range x {
			if i > 0 {
				buf = append(buf, ',')
			}
			var ok bool
			if buf, ok = appendJSON(buf, e); !ok {
				return buf, false
			}
		}
		return append(buf, ']'), true
	}
	b, err := json.Marshal(v) // floats, byte strings and anything else, as encoding/json has them
	return append(buf, b...), err == nil
}

// appendJSONString writes s as a JSON string. Printable ASCII other than encoding/json's escapes goes as it
// is; anything else is left to encoding/json (HTML-safe escapes, U+2028, invalid UTF-8).
func appendJSONString(buf []byte, s string) []byte {
	for i := range len(s) {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s) // a string always marshals
			return append(buf, b...)
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
}

// amqpTable turns headers back into an AMQP table for publishing. Typed values go as they are (converted
// back from plain Go types); headers without a type (from Kafka, or read back from a file) go as text,
// or as bytes when they are not UTF-8. The broker's delivery annotations are left out.
func amqpTable(hs []backends.Header) (amqp.Table, error) {
	if len(hs) == 0 {
		return nil, nil
	}
	t := make(amqp.Table, len(hs))
	for _, h := range hs {
		if h.Key == headerDeliveryCount || h.Key == headerStreamOffset {
			continue
		}
		if _, dup := t[h.Key]; dup {
			continue // AMQP tables hold one value per key: the first wins, as HeaderValue reads it
		}
		v, err := field(h)
		if err != nil {
			return nil, fmt.Errorf("header %q: %w", h.Key, err)
		}
		t[h.Key] = v
	}
	return t, nil
}

func field(h backends.Header) (any, error) {
	if h.Typed != nil {
		return amqpValue(h.Typed)
	}
	if h.Value == nil {
		return nil, nil
	}
	if utf8.Valid(h.Value) {
		return string(h.Value), nil
	}
	return h.Value, nil
}

// amqpValue converts a plain Go value to the types amqp091-go can write. Go's int goes as a 64-bit long
// (amqp091-go would write it as 32 bits); unsigned values too wide for AMQP go as longs, or as text
// beyond int64.
func amqpValue(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, string, []byte, int8, int16, int32, int64, uint8, uint16, uint32, float32, float64, time.Time:
		return x, nil
	case int:
		return int64(x), nil
	case uint:
		return amqpValue(uint64(x))
	case uint64:
		if x > math.MaxInt64 {
			return strconv.FormatUint(x, 10), nil
		}
		return int64(x), nil
	case map[string]any:
		t := make(amqp.Table, len(x))
		for k, e := range x {
			c, err := amqpValue(e)
			if err != nil {
				return nil, fmt.Errorf("field %q: %w", k, err)
			}
			t[k] = c
		}
		return t, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := amqpValue(e)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case amqp.Table, amqp.Decimal:
		return x, nil
	}
	return nil, fmt.Errorf("a value of type %T cannot go in an AMQP table", v)
}

// forwarding is what is sent on for a delivery, as it came: its own AMQP table (exact types, no
// round trip through plain Go types) without the delivery annotations, and its properties, under the
// same user-id rule as publishing.
func forwarding(d amqp.Delivery, user string) amqp.Publishing {
	hs := d.Headers
	_, count := hs[headerDeliveryCount]
	_, offset := hs[headerStreamOffset]
	if count || offset {
		hs = maps.Clone(hs)
		delete(hs, headerDeliveryCount)
		delete(hs, headerStreamOffset)
	}
	p := amqp.Publishing{
		Headers: hs, ContentType: d.ContentType, ContentEncoding: d.ContentEncoding, DeliveryMode: d.DeliveryMode,
		Priority: d.Priority, CorrelationId: d.CorrelationId, ReplyTo: d.ReplyTo, Expiration: d.Expiration,
		MessageId: d.MessageId, Timestamp: d.Timestamp, Type: d.Type, AppId: d.AppId, Body: d.Body,
	}
	if d.UserId == user {
		p.UserId = d.UserId
	}
	return p
}

// publishing builds what is sent for m: body, properties and headers as they were. The delivery's
// exchange and routing key describe where it came from and are not sent. A user-id property goes only
// when it names the user we are connected as: the broker closes the channel on any other.
//
// x-death headers go too, for traceability: up to 4.0 the broker carries them on if the message dies
// again; from 4.0 it ignores x-death sent by clients and starts its own.
func publishing(m backends.Message, user string) (amqp.Publishing, error) {
	hs, err := amqpTable(m.Headers)
	if err != nil {
		return amqp.Publishing{}, err
	}
	p := amqp.Publishing{Headers: hs, Body: m.Body, Timestamp: m.Timestamp}
	if pr := m.Properties; pr != nil {
		p.ContentType, p.ContentEncoding, p.DeliveryMode, p.Priority = pr.ContentType, pr.ContentEncoding, pr.DeliveryMode, pr.Priority
		p.CorrelationId, p.ReplyTo, p.Expiration, p.MessageId = pr.CorrelationID, pr.ReplyTo, pr.Expiration, pr.MessageID
		p.Type, p.AppId = pr.Type, pr.AppID
		if pr.UserID == user {
			p.UserId = pr.UserID
		}
		if !pr.Timestamp.IsZero() {
			p.Timestamp = pr.Timestamp
		}
	}
	return p, nil
}
