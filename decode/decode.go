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
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vmihailenco/msgpack/v5"
)

// Format is how a body was read. The formats that are decoders too are also the names --decode and the
// TUI's v take (see Names).
type Format string

const (
	JSON       Format = "json"
	Avro       Format = "avro"
	Protobuf   Format = "protobuf"
	JSONSchema Format = "jsonschema" // a JSON body in the Confluent wire format, its schema in the registry
	// MessagePack is a binary body that reads whole as a MessagePack map or array; it is shown as JSON.
	MessagePack Format = "msgpack"
	CBOR        Format = "cbor"
	Text        Format = "text"
	Binary      Format = "binary" // shown as a hex dump; the decoder that does so is named "hex"
	Empty       Format = "empty"
)

// Auto is the decoder name that picks one per message.
const Auto = "auto"

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
	// Structured is true when Text is JSON a decoder made (any of them, not only a JSON body).
	Structured bool
	// Failed is true when the decoder chosen could not read the body (Text is its hex dump, Note says why).
	Failed bool
}

// Input is a body and what its message says about it.
type Input struct {
	Body            []byte
	Destination     string // the topic, queue or stream: the context's settings may name its Protobuf type
	ContentType     string // AMQP content-type, when the message has one
	ContentEncoding string // AMQP content-encoding: gzip and deflate are inflated first
}

// Decoder decodes bodies. The zero value decodes JSON, text, MessagePack, CBOR and binary; Registry adds
// the Confluent wire format (Avro, Protobuf, JSON Schema), Protos the Protobuf types of a context.
type Decoder struct {
	Registry *Registry   // nil: no schema registry configured
	Protos   *ProtoFiles // nil: the context names no .proto files
	MaxBytes int         // 0: DefaultMaxBytes
	Use      string      // a decoder's name (Names); "" or "auto" picks one per message
	// CacheOnly has registry lookups read only what the Registry holds already (a schema, or a failure
	// it still remembers): a schema not fetched yet fails with ErrNotFetched instead of asking. For a UI
	// goroutine, which must never wait on the network; the fetch goes to a command (Registry.ByID).
	CacheOnly bool
}

// Decode reads body as the best format it fits.
func (d *Decoder) Decode(ctx context.Context, body []byte) Body {
	return d.DecodeInput(ctx, Input{Body: body})
}

// DecodeInput reads a message's body: inflated first when its content-encoding says so, then with the
// decoder Use names, or else the one its wire format, the context's settings, its content-type or its
// first bytes point to. Only registry bodies do I/O (one request per schema id, cached), so callers on a
// UI thread run it in a command. A decoder that fails shows the bytes in hex, with the reason.
func (d *Decoder) DecodeInput(ctx context.Context, in Input) Body {
	out := Body{Size: len(in.Body)}
	if len(in.Body) == 0 {
		out.Format = Empty
		return out
	}
	body, note, err := inflate(in.Body, in.ContentEncoding)
	if err != nil {
		return d.asHex(out, in.Body, err.Error())
	}
	in.Body = body
	name := d.Use
	if name == "" || name == Auto {
		name = d.choose(in)
	}
	dec := decoderNamed(name)
	if dec == nil {
		return d.asHex(out, body, fmt.Sprintf("no decoder named %q (%s)", name, strings.Join(Names(), ", ")))
	}
	if err := dec.decode(ctx, d, in, &out); err != nil {
		return d.asHex(out, body, err.Error())
	}
	out.Note = joinNotes(note, out.Note)
	return out
}

// Plain reports whether auto shows in's body as the bytes are, JSON or text: no wire format, no
// compression, no setting or content-type naming another decoder, and text in its first bytes. A one-line
// preview of such a body needs no decoder; of any other, it shows what DecodeInput makes of it.
func (d *Decoder) Plain(in Input) bool {
	if Compressed(in.ContentEncoding) {
		return false
	}
	if len(in.Body) == 0 {
		return true
	}
	if d.Use != "" && d.Use != Auto {
		return false
	}
	switch d.choose(in) {
	case sniffed, string(JSON), string(Text):
	default:
		return false
	}
	head := in.Body[:min(len(in.Body), plainHead)]
	for len(head) < len(in.Body) && len(head) > 0 && !utf8.RuneStart(in.Body[len(head)]) {
		head = head[:len(head)-1] // a rune cut at the end is not a sign of binary
	}
	return IsText(head)
}

// plainHead is how much of a body Plain looks at.
const plainHead = 256

// choose picks a decoder for a message: its wire format first, then the context's settings, then its
// content-type, then its first bytes.
func (d *Decoder) choose(in Input) string {
	if _, _, ok := ConfluentWire(in.Body); ok {
		return wireFormat
	}
	if d.Protos.For(in.Destination) != nil {
		return string(Protobuf)
	}
	if name := byContentType(in.ContentType); name != "" {
		return name
	}
	return sniffed
}

func (d *Decoder) maxBytes() int {
	if d.MaxBytes <= 0 {
		return DefaultMaxBytes
	}
	return d.MaxBytes
}

func joinNotes(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}

func (d *Decoder) limit(b []byte) ([]byte, bool) {
	max := d.maxBytes()
	if len(b) <= max {
		return b, false
	}
	cut := max
	for cut > max-utf8.UTFMax && cut > 0 && !utf8.RuneStart(b[cut]) {
		cut-- // do not split a rune in a text body
	}
	return b[:cut], true
}

// asHex shows body as a hex dump, saying why: a body is never an empty pane.
func (d *Decoder) asHex(out Body, body []byte, note string) Body {
	limited, truncated := d.limit(body)
	out.Format, out.Text, out.Truncated, out.Structured, out.Failed = Binary, hex.Dump(limited), truncated, false, true
	out.Note = joinNotes(note, "shown as hex")
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
	out.Format, out.Text, out.Structured = MessagePack, string(js), true
	return true
}

// msgpackContainer is true for the first byte of a MessagePack map or array.
func msgpackContainer(b byte) bool {
	return b&0xf0 == 0x80 || b&0xf0 == 0x90 || (b >= 0xdc && b <= 0xdf)
}
