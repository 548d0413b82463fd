package actions

import (
	"encoding/base64"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/sanitize"
)

// AppendRecord appends m's Record as one line of JSON (without the newline). It writes what
// json.Marshal(EncodeMessage(m)) would mean, directly from the message: no Record, no reflection, no
// copies of keys and bodies, so that streaming a topic costs little more than reading it.
//
// The JSON is safe to print on a terminal: besides what JSON escapes anyway, C1 controls, bidi controls,
// invisible characters and U+2028/U+2029 are written as \u escapes, which decode to the same text.
func AppendRecord(dst []byte, m backends.Message) []byte {
	dst = append(dst, `{"destination":`...)
	dst = appendString(dst, m.Destination)
	dst = append(dst, `,"partition":`...)
	dst = strconv.AppendInt(dst, int64(m.Partition), 10)
	dst = append(dst, `,"offset":`...)
	dst = strconv.AppendInt(dst, m.Offset, 10)
	dst = append(dst, `,"timestamp":`...)
	dst = appendTime(dst, m.Timestamp)
	dst = append(dst, `,"key":`...)
	dst = appendBytes(dst, m.Key, `,"key_encoding":`)
	dst = append(dst, `,"headers":[`...)
	for i, h := range m.Headers {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendHeader(dst, h)
	}
	dst = append(dst, `],"value":`...)
	dst = appendBytes(dst, m.Body, `,"value_encoding":`)
	if m.Properties != nil {
		dst = append(dst, `,"properties":`...)
		dst = appendProperties(dst, m.Properties)
	}
	if hasDeliveryFields(m) {
		dst = append(dst, `,"redelivered":`...)
		dst = strconv.AppendBool(dst, m.Redelivered)
		if DeliveriesKnown(m) {
			dst = append(dst, `,"delivery_count":`...)
			dst = strconv.AppendInt(dst, m.DeliveryCount, 10)
		}
	}
	if m.Origin != nil {
		dst = append(dst, `,"death":`...)
		dst = appendOrigin(dst, m.Origin)
	}
	if d := m.MQTT; d != nil {
		dst = append(dst, `,"mqtt":{"qos":`...)
		dst = strconv.AppendInt(dst, int64(d.QoS), 10)
		dst = append(dst, `,"retained":`...)
		dst = strconv.AppendBool(dst, d.Retained)
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

// appendBytes writes b as text or base64, then its encoding after encodingField; nil is null, with no
// encoding.
func appendBytes(dst, b []byte, encodingField string) []byte {
	if b == nil {
		return append(dst, "null"...)
	}
	encoding := `"utf8"`
	if utf8.Valid(b) {
		dst = appendString(dst, b)
	} else {
		dst, encoding = appendBase64(dst, b), `"base64"`
	}
	dst = append(dst, encodingField...)
	return append(dst, encoding...)
}

func appendBase64(dst, b []byte) []byte {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, '"')
}

func appendHeader(dst []byte, h backends.Header) []byte {
	dst = append(dst, `{"key":`...)
	if utf8.ValidString(h.Key) {
		dst = appendString(dst, h.Key)
	} else {
		dst = appendBase64(dst, []byte(h.Key))
		dst = append(dst, `,"key_encoding":"base64"`...)
	}
	dst = append(dst, `,"value":`...)
	dst = appendBytes(dst, h.Value, `,"value_encoding":`)
	if h.Typed != nil {
		typed, typ := appendTyped(nil, h.Typed)
		dst = append(dst, `,"type":"`...)
		dst = append(dst, typ...)
		dst = append(dst, `","typed":`...)
		dst = append(dst, typed...)
	}
	return append(dst, '}')
}

// object writes the fields of a JSON object, leaving out the empty ones.
type object struct {
	dst   []byte
	first bool
}

func newObject(dst []byte) *object { return &object{dst: append(dst, '{'), first: true} }

func (o *object) name(name string) {
	if !o.first {
		o.dst = append(o.dst, ',')
	}
	o.first = false
	o.dst = append(o.dst, '"')
	o.dst = append(o.dst, name...)
	o.dst = append(o.dst, `":`...)
}

func (o *object) str(name, v string) {
	if v != "" {
		o.name(name)
		o.dst = appendString(o.dst, v)
	}
}

func (o *object) int(name string, v int64) {
	if v != 0 {
		o.name(name)
		o.dst = strconv.AppendInt(o.dst, v, 10)
	}
}

func (o *object) time(name string, t Time) {
	if !t.IsZero() {
		o.name(name)
		o.dst = appendTime(o.dst, t.Time)
	}
}

func (o *object) strs(name string, v []string) {
	if len(v) == 0 {
		return
	}
	o.name(name)
	o.dst = append(o.dst, '[')
	for i, s := range v {
		if i > 0 {
			o.dst = append(o.dst, ',')
		}
		o.dst = appendString(o.dst, s)
	}
	o.dst = append(o.dst, ']')
}

func (o *object) end() []byte { return append(o.dst, '}') }

func appendProperties(dst []byte, p *backends.Properties) []byte {
	o := newObject(dst)
	o.str("content_type", p.ContentType)
	o.str("content_encoding", p.ContentEncoding)
	o.int("delivery_mode", int64(p.DeliveryMode))
	o.int("priority", int64(p.Priority))
	o.str("correlation_id", p.CorrelationID)
	o.str("reply_to", p.ReplyTo)
	o.str("expiration", p.Expiration)
	o.str("message_id", p.MessageID)
	o.time("timestamp", Time{p.Timestamp})
	o.str("type", p.Type)
	o.str("user_id", p.UserID)
	o.str("app_id", p.AppID)
	o.str("exchange", p.Exchange)
	o.str("routing_key", p.RoutingKey)
	return o.end()
}

func appendOrigin(dst []byte, g *backends.Origin) []byte {
	o := newObject(dst)
	o.name("convention")
	o.dst = appendString(o.dst, string(g.Convention))
	o.name("destination")
	o.dst = appendString(o.dst, g.Destination)
	if g.Partition != nil {
		o.name("partition")
		o.dst = strconv.AppendInt(o.dst, int64(*g.Partition), 10)
	}
	if g.Offset != nil {
		o.name("offset")
		o.dst = strconv.AppendInt(o.dst, *g.Offset, 10)
	}
	o.time("timestamp", Time{g.Timestamp})
	o.str("group", g.Group)
	o.str("exchange", g.Exchange)
	o.strs("routing_keys", g.RoutingKeys)
	o.str("reason", g.Reason)
	o.int("count", g.Count)
	o.str("exception", g.Exception)
	if len(g.Deaths) > 0 {
		o.name("deaths")
		o.dst = append(o.dst, '[')
		for i, d := range g.Deaths {
			if i > 0 {
				o.dst = append(o.dst, ',')
			}
			o.dst = appendDeath(o.dst, d)
		}
		o.dst = append(o.dst, ']')
	}
	return o.end()
}

func appendDeath(dst []byte, d backends.Death) []byte {
	o := newObject(dst)
	o.name("queue")
	o.dst = appendString(o.dst, d.Queue)
	o.str("reason", d.Reason)
	o.int("count", d.Count)
	o.time("time", Time{d.Time})
	o.str("exchange", d.Exchange)
	o.strs("routing_keys", d.RoutingKeys)
	return o.end()
}

const hexDigits = "0123456789abcdef"

// plainJSON marks the bytes a JSON string holds as they are: printable ASCII other than " and \.
var plainJSON = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendString writes s as a JSON string that is also safe on a terminal. Invalid UTF-8 becomes U+FFFD,
// as encoding/json does; callers with bytes that may not be UTF-8 write them as base64 instead.
func appendString[S string | []byte](dst []byte, s S) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		for i < len(s) && plainJSON[s[i]] {
			i++
		}
		if i == len(s) {
			break
		}
		if c := s[i]; c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune([]byte(s[i:min(i+utf8.UTFMax, len(s))]))
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' || !sanitize.IsClean(string(s[i:i+size])) {
			dst = append(dst, s[start:i]...)
			dst = appendRuneEscape(dst, r)
			start = i + size
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendRuneEscape writes r as \uXXXX, or as a UTF-16 surrogate pair beyond the basic plane.
func appendRuneEscape(dst []byte, r rune) []byte {
	if r > 0xffff {
		r -= 0x10000
		dst = appendU16(dst, 0xd800+(r>>10))
		return appendU16(dst, 0xdc00+(r&0x3ff))
	}
	return appendU16(dst, r)
}

func appendU16(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}

// RecordWriter writes messages as JSON Lines, one Record per line, through a buffer it reuses. It is not
// safe for concurrent use.
type RecordWriter struct {
	w   io.Writer
	buf []byte
	// Extra, when set, appends more fields to each record (after a comma it writes itself), such as what
	// a decoder made of the body.
	Extra func(dst []byte, m backends.Message) []byte
}

const (
	// recordFlushAt is how much a RecordWriter gathers before it writes: big enough that a pipe sees few
	// writes, small enough to stay in cache.
	recordFlushAt = 64 << 10
	// recordKeepAt bounds the buffer kept after a flush, so one huge message does not pin its size.
	recordKeepAt = 1 << 20
)

// NewRecordWriter writes to w. Call Flush at the end.
func NewRecordWriter(w io.Writer) *RecordWriter {
	return &RecordWriter{w: w, buf: make([]byte, 0, recordFlushAt+4<<10)}
}

// Write adds m as one line; it writes to w once enough has gathered.
func (rw *RecordWriter) Write(m backends.Message) error {
	rw.buf = AppendRecord(rw.buf, m)
	if rw.Extra != nil {
		rw.buf = append(rw.Extra(rw.buf[:len(rw.buf)-1], m), '}') // the record's closing brace moves after the extra fields
	}
	rw.buf = append(rw.buf, '\n')
	if len(rw.buf) >= recordFlushAt {
		return rw.Flush()
	}
	return nil
}

// Flush writes what has gathered.
func (rw *RecordWriter) Flush() error {
	if len(rw.buf) == 0 {
		return nil
	}
	_, err := rw.w.Write(rw.buf)
	rw.buf = rw.buf[:0]
	if cap(rw.buf) > recordKeepAt {
		rw.buf = make([]byte, 0, recordFlushAt+4<<10)
	}
	return err
}
