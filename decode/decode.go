// Package decode turns a message body into something a person can read: pretty JSON, Avro through a
// schema registry, text, or a hex dump. It does not sanitize: renderers do that last, right before the
// terminal, so that exports stay lossless.
package decode

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/vmihailenco/msgpack/v5"
)

// Format is how a body was read.
type Format string

const (
	JSON Format = "json"
	Avro Format = "avro"
	// MessagePack is a binary body that reads whole as a MessagePack map or array; it is shown as JSON.
	MessagePack Format = "msgpack"
	Text        Format = "text"
	Binary      Format = "binary"
	Empty       Format = "empty"
)

// DefaultMaxBytes bounds how much of a body is decoded for display, so a 5 MiB message costs what the
// screen can show, not what the broker holds.
const DefaultMaxBytes = 256 << 10

// Body is a decoded body, ready to be sanitized and drawn.
type Body struct {
	Format    Format
	Text      string // pretty JSON, the text, or a hex dump; never sanitized here
	SchemaID  int    // Confluent wire format schema id; 0 when the body is not in that format
	Note      string // why it was shown as it is, e.g. "schema registry unreachable: shown as hex"
	Size      int    // the whole body's size in bytes
	Truncated bool   // only the first MaxBytes were decoded
}

// Decoder decodes bodies. The zero value decodes JSON, text and binary; set Registry to decode Avro.
type Decoder struct {
	Registry *Registry // nil: no schema registry configured
	MaxBytes int       // 0: DefaultMaxBytes
}

// Decode reads body as the best format it fits. Only Avro bodies do I/O (one registry request per schema
// id, cached), so callers on a UI thread run it in a command.
func (d *Decoder) Decode(ctx context.Context, body []byte) Body {
	out := Body{Size: len(body)}
	if len(body) == 0 {
		out.Format = Empty
		return out
	}
	if id, payload, ok := ConfluentWire(body); ok {
		return d.decodeWire(ctx, out, id, payload, body)
	}
	limited, truncated := d.limit(body)
	out.Truncated = truncated
	switch {
	case !truncated && looksJSON(body):
		out.Format, out.Text = JSON, Pretty(body)
	case IsText(limited):
		out.Format, out.Text = Text, string(limited)
	case !truncated && asMessagePack(body, &out):
	default:
		out.Format, out.Text = Binary, hex.Dump(limited)
	}
	return out
}

func (d *Decoder) limit(b []byte) ([]byte, bool) {
	max := d.MaxBytes
	if max <= 0 {
		max = DefaultMaxBytes
	}
	if len(b) <= max {
		return b, false
	}
	cut := max
	for cut > max-utf8.UTFMax && cut > 0 && !utf8.RuneStart(b[cut]) {
		cut-- // do not split a rune in a text body
	}
	return b[:cut], true
}

func (d *Decoder) decodeWire(ctx context.Context, out Body, id int, payload, body []byte) Body {
	out.SchemaID = id
	if d.Registry == nil {
		return d.asHex(out, body, fmt.Sprintf("Confluent wire format, schema id %d; no schema registry configured: shown as hex", id))
	}
	v, err := d.Registry.DecodeAvro(ctx, id, payload)
	if err != nil {
		return d.asHex(out, body, fmt.Sprintf("schema id %d: %v: shown as hex", id, err))
	}
	js, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return d.asHex(out, body, fmt.Sprintf("schema id %d: cannot show the decoded value: %v", id, err))
	}
	out.Format, out.Text = Avro, string(js)
	return out
}

func (d *Decoder) asHex(out Body, body []byte, note string) Body {
	limited, truncated := d.limit(body)
	out.Format, out.Text, out.Note, out.Truncated = Binary, hex.Dump(limited), note, truncated
	return out
}

// ConfluentWire splits a body in the Confluent wire format: magic byte 0, a 4-byte big-endian schema id,
// then the payload.
func ConfluentWire(b []byte) (id int, payload []byte, ok bool) {
	if len(b) < 6 || b[0] != 0 {
		return 0, nil, false
	}
	id = int(binary.BigEndian.Uint32(b[1:5]))
	if id == 0 {
		return 0, nil, false
	}
	return id, b[5:], true
}

func looksJSON(b []byte) bool {
	t := bytes.TrimSpace(b)
	return len(t) > 0 && (t[0] == '{' || t[0] == '[') && json.Valid(t)
}

// Pretty indents valid JSON, keeping key order and number spelling as they were.
func Pretty(b []byte) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, bytes.TrimSpace(b), "", "  "); err != nil {
		return string(b)
	}
	return buf.String()
}

// IsText reports whether b is UTF-8 text a person would read as such: valid, and with few control
// characters other than whitespace.
func IsText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	controls, runes := 0, 0
	for _, r := range string(b) {
		runes++
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			controls++
		}
	}
	return controls*20 <= runes // at most 5 %: a stray escape sequence is still text, to be escaped
}

// Encoding names how a body is written in JSON exports: "utf8" when it is valid UTF-8, else "base64".
func Encoding(b []byte) string {
	if utf8.Valid(b) {
		return "utf8"
	}
	return "base64"
}

// asMessagePack shows body as JSON when it reads whole, to its last byte, as one MessagePack map or array
// (a shape random binary seldom has); the note says it was recognised, not declared.
func asMessagePack(body []byte, out *Body) bool {
	if len(body) < 2 || !msgpackContainer(body[0]) {
		return false
	}
	// A first pass that only skips proves every count in the body is backed by bytes, so the decode,
	// which sizes maps and slices by the counts it reads, allocates in proportion to the body, not to
	// what a hostile 5-byte message claims.
	r := bytes.NewReader(body)
	if err := msgpack.NewDecoder(r).Skip(); err != nil || r.Len() != 0 {
		return false
	}
	v, err := msgpack.NewDecoder(bytes.NewReader(body)).DecodeInterface()
	if err != nil {
		return false
	}
	js, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return false // keys JSON cannot hold (numbers, binary): left to the hex dump
	}
	out.Format, out.Text, out.Note = MessagePack, string(js), "recognised as MessagePack: shown as JSON"
	return true
}

// msgpackContainer is true for the first byte of a MessagePack map or array.
func msgpackContainer(b byte) bool {
	return b&0xf0 == 0x80 || b&0xf0 == 0x90 || (b >= 0xdc && b <= 0xdf)
}
