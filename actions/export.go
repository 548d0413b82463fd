package actions

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mqscope/mqscope/backends"
)

// Record is one message in mqscope's export format, one JSON object per line: what `peek -o json` writes
// and `publish --from-file` reads back. It is complete and lossless: ParseRecord(AppendRecord(m)) gives m
// back, bytes for bytes.
//
//	{"destination":"orders","partition":3,"offset":41,"timestamp":"2026-11-26T03:00:00.123Z",
//	 "key":"cust-0042","key_encoding":"utf8",
//	 "headers":[{"key":"trace-id","value":"4bf9…","value_encoding":"utf8"}],
//	 "value":"{\"order_id\":…}","value_encoding":"utf8"}
//
// Bytes (key, value, header keys and values) are written as text when they are valid UTF-8 and as
// standard base64 otherwise, with an `*_encoding` of "utf8" or "base64" beside them. A null key or value
// (a Kafka record without a key, a tombstone) is null and has no encoding; an empty one is "". A header
// key carries `key_encoding: "base64"` only when it is not UTF-8.
//
// Headers keep their order and repeats. A header from an AMQP table also has `type` and `typed`: its
// original typed value (see the typed values below), so that tables, arrays, numbers of every width,
// timestamps and byte arrays survive a round trip; `value` is then the adapter's text form of it.
//
// RabbitMQ messages add `properties` (only the fields that are set), `redelivered` and, where it is known
// (not on a redelivered message of a queue that keeps no count), `delivery_count`.
// Dead letters of any broker add `death`, the origin parsed from their headers (backends.Origin).
//
// Timestamps are RFC 3339 in UTC with as many fractional digits as they have, or null when unknown. Text
// fields that are names or AMQP properties (destination, property strings, origin fields, table keys) are
// JSON strings: the protocols make them text, and any invalid UTF-8 in them is written as U+FFFD.
//
// Typed values: a header's `typed` is the JSON of its `type`:
//
//	string                   a string; string_base64 when the AMQP string is not valid UTF-8
//	bool                     true or false
//	int8 int16 int32 int64   a number (Go's int is written as int64)
//	uint8 uint16 uint32 uint64
//	float32 float64          a number, or "NaN", "Infinity", "-Infinity"
//	timestamp                an RFC 3339 string, or null for the zero time
//	bytes                    base64, or null for nil
//	array                    an array of {"type": T, "value": V}, or null for nil
//	table                    an object of key → {"type": T, "value": V}, or null for nil
//	void                     null (nested only: a header whose typed value is nil has no type)
type Record struct {
	Destination   string            `json:"destination"`
	Partition     int32             `json:"partition"`
	Offset        int64             `json:"offset"`
	Timestamp     Time              `json:"timestamp"`
	Key           *string           `json:"key"`
	KeyEncoding   string            `json:"key_encoding,omitempty"`
	Headers       []RecordHeader    `json:"headers"`
	Value         *string           `json:"value"`
	ValueEncoding string            `json:"value_encoding,omitempty"`
	Properties    *RecordProperties `json:"properties,omitempty"`
	Redelivered   *bool             `json:"redelivered,omitempty"`
	DeliveryCount *int64            `json:"delivery_count,omitempty"`
	Death         *RecordOrigin     `json:"death,omitempty"`
	MQTT          *RecordMQTT       `json:"mqtt,omitempty"`
}

// RecordMQTT is how an MQTT message arrived; it is shown, not sent again (a publish names its QoS).
type RecordMQTT struct {
	QoS      int  `json:"qos"`
	Retained bool `json:"retained"`
}

// RecordHeader is one header of a Record.
type RecordHeader struct {
	Key           string          `json:"key"`
	KeyEncoding   string          `json:"key_encoding,omitempty"` // "base64" when the key is not UTF-8
	Value         *string         `json:"value"`
	ValueEncoding string          `json:"value_encoding,omitempty"`
	Type          string          `json:"type,omitempty"`  // the AMQP type; empty for Kafka headers
	Typed         json.RawMessage `json:"typed,omitempty"` // the typed value, as the Record doc says
}

// RecordProperties are AMQP basic properties; unset ones are left out.
type RecordProperties struct {
	ContentType     string `json:"content_type,omitempty"`
	ContentEncoding string `json:"content_encoding,omitempty"`
	DeliveryMode    uint8  `json:"delivery_mode,omitempty"`
	Priority        uint8  `json:"priority,omitempty"`
	CorrelationID   string `json:"correlation_id,omitempty"`
	ReplyTo         string `json:"reply_to,omitempty"`
	Expiration      string `json:"expiration,omitempty"`
	MessageID       string `json:"message_id,omitempty"`
	Timestamp       Time   `json:"timestamp,omitzero"`
	Type            string `json:"type,omitempty"`
	UserID          string `json:"user_id,omitempty"`
	AppID           string `json:"app_id,omitempty"`
	Exchange        string `json:"exchange,omitempty"`
	RoutingKey      string `json:"routing_key,omitempty"`
}

// RecordOrigin is where a dead letter came from (backends.Origin).
type RecordOrigin struct {
	Convention  string        `json:"convention"`
	Destination string        `json:"destination"`
	Partition   *int32        `json:"partition,omitempty"`
	Offset      *int64        `json:"offset,omitempty"`
	Timestamp   Time          `json:"timestamp,omitzero"`
	Group       string        `json:"group,omitempty"`
	Exchange    string        `json:"exchange,omitempty"`
	RoutingKeys []string      `json:"routing_keys,omitempty"`
	Reason      string        `json:"reason,omitempty"`
	Count       int64         `json:"count,omitempty"`
	Exception   string        `json:"exception,omitempty"`
	Deaths      []RecordDeath `json:"deaths,omitempty"`
}

// RecordDeath is one entry of RabbitMQ's x-death header (backends.Death).
type RecordDeath struct {
	Queue       string   `json:"queue"`
	Reason      string   `json:"reason,omitempty"`
	Count       int64    `json:"count,omitempty"`
	Time        Time     `json:"time,omitzero"`
	Exchange    string   `json:"exchange,omitempty"`
	RoutingKeys []string `json:"routing_keys,omitempty"`
}

// Encodings of bytes in a Record.
const (
	EncodingUTF8   = "utf8"
	EncodingBase64 = "base64"
)

// EncodeMessage turns a message into its Record.
func EncodeMessage(m backends.Message) Record {
	r := Record{
		Destination: m.Destination, Partition: m.Partition, Offset: m.Offset, Timestamp: Time{m.Timestamp},
		Headers: make([]RecordHeader, len(m.Headers)),
	}
	r.Key, r.KeyEncoding = encodeBytes(m.Key)
	r.Value, r.ValueEncoding = encodeBytes(m.Body)
	for i, h := range m.Headers {
		r.Headers[i] = encodeHeader(h)
	}
	if p := m.Properties; p != nil {
		r.Properties = &RecordProperties{
			ContentType: p.ContentType, ContentEncoding: p.ContentEncoding, DeliveryMode: p.DeliveryMode,
			Priority: p.Priority, CorrelationID: p.CorrelationID, ReplyTo: p.ReplyTo, Expiration: p.Expiration,
			MessageID: p.MessageID, Timestamp: Time{p.Timestamp}, Type: p.Type, UserID: p.UserID,
			AppID: p.AppID, Exchange: p.Exchange, RoutingKey: p.RoutingKey,
		}
	}
	if hasDeliveryFields(m) {
		r.Redelivered = &m.Redelivered
		if DeliveriesKnown(m) {
			r.DeliveryCount = &m.DeliveryCount
		}
	}
	if d := m.MQTT; d != nil {
		r.MQTT = &RecordMQTT{QoS: d.QoS, Retained: d.Retained}
	}
	if o := m.Origin; o != nil {
		r.Death = &RecordOrigin{
			Convention: string(o.Convention), Destination: o.Destination, Partition: o.Partition,
			Offset: o.Offset, Timestamp: Time{o.Timestamp}, Group: o.Group, Exchange: o.Exchange,
			RoutingKeys: o.RoutingKeys, Reason: o.Reason, Count: o.Count, Exception: o.Exception,
		}
		for _, d := range o.Deaths {
			r.Death.Deaths = append(r.Death.Deaths, RecordDeath{Queue: d.Queue, Reason: d.Reason,
				Count: d.Count, Time: Time{d.Time}, Exchange: d.Exchange, RoutingKeys: d.RoutingKeys})
		}
	}
	return r
}

// DeliveriesKnown says whether a message's DeliveryCount is a count: quorum queues count from the first
// redelivery on (x-delivery-count), so a message never delivered before has 0, while a redelivered one
// without a count comes from a queue that keeps none (classic), whose count is unknown, not 0.
func DeliveriesKnown(m backends.Message) bool { return m.DeliveryCount != 0 || !m.Redelivered }

// hasDeliveryFields says whether a record carries redelivered and delivery_count: every AMQP message
// does (they are part of what a RabbitMQ read tells), other messages only when they are set.
func hasDeliveryFields(m backends.Message) bool {
	return m.Properties != nil || m.Redelivered || m.DeliveryCount != 0
}

func encodeHeader(h backends.Header) RecordHeader {
	out := RecordHeader{Key: h.Key}
	if !utf8.ValidString(h.Key) {
		out.Key, out.KeyEncoding = base64.StdEncoding.EncodeToString([]byte(h.Key)), EncodingBase64
	}
	out.Value, out.ValueEncoding = encodeBytes(h.Value)
	if h.Typed != nil {
		var typ string
		out.Typed, typ = appendTyped(nil, h.Typed)
		out.Type = typ
	}
	return out
}

func encodeBytes(b []byte) (*string, string) {
	if b == nil {
		return nil, ""
	}
	if utf8.Valid(b) {
		s := string(b)
		return &s, EncodingUTF8
	}
	s := base64.StdEncoding.EncodeToString(b)
	return &s, EncodingBase64
}

// ParseRecord reads one line of the export format back into the message it was written from.
func ParseRecord(line []byte) (backends.Message, error) {
	var r Record
	if err := json.Unmarshal(line, &r); err != nil {
		return backends.Message{}, fmt.Errorf("not a message record: %w", err)
	}
	return r.Message()
}

// Message decodes a Record back into the message it was made from.
func (r Record) Message() (backends.Message, error) {
	m := backends.Message{Destination: r.Destination, Partition: r.Partition, Offset: r.Offset,
		Timestamp: r.Timestamp.Time}
	var err error
	if m.Key, err = decodeBytes(r.Key, r.KeyEncoding); err != nil {
		return m, fmt.Errorf("key: %w", err)
	}
	if m.Body, err = decodeBytes(r.Value, r.ValueEncoding); err != nil {
		return m, fmt.Errorf("value: %w", err)
	}
	if len(r.Headers) > 0 {
		m.Headers = make([]backends.Header, len(r.Headers))
	}
	for i, h := range r.Headers {
		if m.Headers[i], err = h.header(); err != nil {
			return m, fmt.Errorf("headers[%d]: %w", i, err)
		}
	}
	if p := r.Properties; p != nil {
		m.Properties = &backends.Properties{
			ContentType: p.ContentType, ContentEncoding: p.ContentEncoding, DeliveryMode: p.DeliveryMode,
			Priority: p.Priority, CorrelationID: p.CorrelationID, ReplyTo: p.ReplyTo, Expiration: p.Expiration,
			MessageID: p.MessageID, Timestamp: p.Timestamp.Time, Type: p.Type, UserID: p.UserID,
			AppID: p.AppID, Exchange: p.Exchange, RoutingKey: p.RoutingKey,
		}
	}
	if r.Redelivered != nil {
		m.Redelivered = *r.Redelivered
	}
	if r.DeliveryCount != nil {
		m.DeliveryCount = *r.DeliveryCount
	}
	if o := r.Death; o != nil {
		m.Origin = &backends.Origin{
			Convention: backends.Convention(o.Convention), Destination: o.Destination, Partition: o.Partition,
			Offset: o.Offset, Timestamp: o.Timestamp.Time, Group: o.Group, Exchange: o.Exchange,
			RoutingKeys: o.RoutingKeys, Reason: o.Reason, Count: o.Count, Exception: o.Exception,
		}
		for _, d := range o.Deaths {
			m.Origin.Deaths = append(m.Origin.Deaths, backends.Death{Queue: d.Queue, Reason: d.Reason,
				Count: d.Count, Time: d.Time.Time, Exchange: d.Exchange, RoutingKeys: d.RoutingKeys})
		}
	}
	return m, nil
}

func (h RecordHeader) header() (backends.Header, error) {
	out := backends.Header{Key: h.Key}
	if h.KeyEncoding != "" {
		key, err := decodeBytes(&h.Key, h.KeyEncoding)
		if err != nil {
			return out, fmt.Errorf("key: %w", err)
		}
		out.Key = string(key)
	}
	var err error
	if out.Value, err = decodeBytes(h.Value, h.ValueEncoding); err != nil {
		return out, fmt.Errorf("value: %w", err)
	}
	if h.Type != "" {
		if out.Typed, err = decodeTyped(h.Type, h.Typed); err != nil {
			return out, fmt.Errorf("typed: %w", err)
		}
	}
	return out, nil
}

// decodeBytes reads bytes written by encodeBytes: nil stays nil, "" becomes empty but not nil.
func decodeBytes(s *string, encoding string) ([]byte, error) {
	if s == nil {
		return nil, nil
	}
	switch encoding {
	case EncodingUTF8, "": // text is the natural default for hand-written records
		return []byte(*s), nil
	case EncodingBase64:
		return base64.StdEncoding.DecodeString(*s)
	}
	return nil, fmt.Errorf("encoding %q: want utf8 or base64", encoding)
}

// Time is a timestamp in a Record: RFC 3339 in UTC with as many fractional digits as it has, or null for
// the zero time (unknown). A Kafka timestamp can be any 64-bit count of milliseconds, so years outside
// 0000–9999 are written in full ("-0044-03-15T12:00:00Z", "12026-01-01T00:00:00Z") and read back.
type Time struct{ time.Time }

// MarshalJSON writes the time as RFC 3339, or null.
func (t Time) MarshalJSON() ([]byte, error) { return appendTime(nil, t.Time), nil }

// UnmarshalJSON reads what MarshalJSON writes.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		t.Time = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("timestamp: want an RFC 3339 string or null, got %s", b)
	}
	v, err := parseTime(s)
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

func appendTime(dst []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(dst, "null"...)
	}
	dst = append(dst, '"')
	dst = t.UTC().AppendFormat(dst, time.RFC3339Nano)
	return append(dst, '"')
}

// parseTime reads RFC 3339, and also the years outside 0000–9999 that time.Parse refuses: it parses the
// date in a year of the same place in the 400-year Gregorian cycle, then moves it by whole cycles, which
// changes neither the weekday nor leap days.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err == nil {
		return t.UTC(), nil
	}
	sign := 0
	if strings.HasPrefix(s, "-") {
		sign = 1
	}
	dash := strings.IndexByte(s[sign:], '-') + sign
	year, yerr := strconv.Atoi(s[:max(dash, 0)])
	if dash <= sign || yerr != nil || (year >= 0 && year <= 9999 && dash-sign == 4) {
		return time.Time{}, fmt.Errorf("timestamp %q: want RFC 3339 such as 2026-11-26T03:00:00Z", s)
	}
	base := 2000 + ((year%400)+400)%400
	t, err = time.Parse(time.RFC3339Nano, strconv.Itoa(base)+s[dash:])
	if err != nil {
		return time.Time{}, fmt.Errorf("timestamp %q: want RFC 3339 such as 2026-11-26T03:00:00Z", s)
	}
	return t.AddDate(year-base, 0, 0).UTC(), nil
}
