package decode

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"reflect"
	"strings"

	"github.com/fxamacker/cbor/v2"
	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// decoder is one way of reading a body. decode fills out (Format, Text, and what else it knows) or says
// why the body is not what it reads.
type decoder struct {
	name   string
	decode func(ctx context.Context, d *Decoder, in Input, out *Body) error
}

// The decoders, in the order v cycles through them in the TUI. wireFormat and sniffed are what auto
// picks from; they are not offered by name.
var decoders = []decoder{
	{string(JSON), decodeJSON},
	{string(Text), decodeText},
	{"hex", decodeHex},
	{string(Avro), wireDecoder(sr.TypeAvro)},
	{string(Protobuf), decodeProtobuf},
	{string(JSONSchema), wireDecoder(sr.TypeJSON)},
	{string(MessagePack), decodeMessagePack},
	{string(CBOR), decodeCBOR},
	{wireFormat, decodeWire},
	{sniffed, decodeSniffed},
}

const (
	wireFormat = "wire"  // the Confluent wire format, whatever the schema's type
	sniffed    = "sniff" // what the first bytes look like
)

// Names are the decoders a person can ask for by name, auto first.
func Names() []string {
	out := []string{Auto}
	for _, d := range decoders {
		if d.name != wireFormat && d.name != sniffed {
			out = append(out, d.name)
		}
	}
	return out
}

// Known reports whether name is one of Names.
func Known(name string) bool {
	for _, n := range Names() {
		if n == name {
			return true
		}
	}
	return false
}

func decoderNamed(name string) *decoder {
	for i := range decoders {
		if decoders[i].name == name {
			return &decoders[i]
		}
	}
	return nil
}

// byContentType maps an AMQP content-type to a decoder; "" when it says nothing useful.
func byContentType(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return string(JSON)
	case strings.Contains(mt, "msgpack"):
		return string(MessagePack)
	case mt == "application/cbor" || strings.HasSuffix(mt, "+cbor"):
		return string(CBOR)
	case strings.Contains(mt, "protobuf"):
		return string(Protobuf)
	}
	return ""
}

func decodeSniffed(_ context.Context, d *Decoder, in Input, out *Body) error {
	limited, truncated := d.limit(in.Body)
	out.Truncated = truncated
	switch {
	case !truncated && looksJSON(in.Body):
		out.Format, out.Text, out.Structured = JSON, Pretty(in.Body), true
	case IsText(limited):
		out.Format, out.Text = Text, string(limited)
	case !truncated && asMessagePack(in.Body, out):
		out.Note = "recognised as MessagePack: shown as JSON"
	case !truncated && cborContainer(in.Body[0]) && decodeCBOR(nil, d, in, out) == nil:
		out.Note = "recognised as CBOR: shown as JSON"
	default:
		out.Format, out.Text = Binary, hex.Dump(limited)
	}
	return nil
}

func decodeJSON(_ context.Context, d *Decoder, in Input, out *Body) error {
	if len(in.Body) > d.maxBytes() {
		return fmt.Errorf("json: too big to parse here (over %d bytes)", d.maxBytes())
	}
	if t := bytes.TrimSpace(in.Body); len(t) == 0 || !json.Valid(t) {
		return errors.New("json: not valid JSON")
	}
	out.Format, out.Text, out.Structured = JSON, Pretty(in.Body), true
	return nil
}

func decodeText(_ context.Context, d *Decoder, in Input, out *Body) error {
	limited, truncated := d.limit(in.Body)
	out.Format, out.Text, out.Truncated = Text, string(limited), truncated
	if !IsText(limited) {
		out.Format = Binary
	}
	return nil
}

func decodeHex(_ context.Context, d *Decoder, in Input, out *Body) error {
	limited, truncated := d.limit(in.Body)
	out.Format, out.Text, out.Truncated = Binary, hex.Dump(limited), truncated
	return nil
}

func decodeMessagePack(_ context.Context, _ *Decoder, in Input, out *Body) error {
	if !asMessagePack(in.Body, out) {
		return errors.New("msgpack: not one whole MessagePack map or array with string keys")
	}
	return nil
}

// cborMode refuses what would let a small body claim large allocations, and gives maps string keys so
// that the value reads as JSON.
var cborMode, _ = cbor.DecOptions{
	MaxArrayElements: 1 << 16, MaxMapPairs: 1 << 16, MaxNestedLevels: 32,
	DefaultMapType: mapStringAny,
}.DecMode()

func decodeCBOR(_ context.Context, _ *Decoder, in Input, out *Body) error {
	var v any
	if err := cborMode.Unmarshal(in.Body, &v); err != nil { // Unmarshal refuses trailing bytes
		return fmt.Errorf("cbor: %w", err)
	}
	js, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("cbor: cannot show the value as JSON: %w", err)
	}
	out.Format, out.Text, out.Structured = CBOR, string(js), true
	return nil
}

// cborContainer is true for the first byte of a CBOR map (the usual shape of a message), which is not a
// MessagePack map's.
func cborContainer(b byte) bool { return b >= 0xa0 && b <= 0xbb || b == 0xbf }

// decodeWire reads the Confluent wire format with the schema its id names, whatever its type.
func decodeWire(ctx context.Context, d *Decoder, in Input, out *Body) error {
	return wireDecoder(anyType)(ctx, d, in, out)
}

// anyType is no particular schema type.
const anyType sr.SchemaType = -1

// wireDecoder reads the Confluent wire format, insisting on a schema type unless it is anyType.
func wireDecoder(want sr.SchemaType) func(context.Context, *Decoder, Input, *Body) error {
	return func(ctx context.Context, d *Decoder, in Input, out *Body) error {
		id, payload, ok := ConfluentWire(in.Body)
		if !ok {
			return fmt.Errorf("%s: not in the Confluent wire format (magic byte 0, schema id)", typeName(want))
		}
		out.SchemaID = id
		if d.Registry == nil {
			if md := d.Protos.For(in.Destination); md != nil && (want == anyType || want == sr.TypeProtobuf) {
				return protoWithIndexes(md, payload, out)
			}
			return fmt.Errorf("Confluent wire format, schema id %d; no schema registry configured", id)
		}
		s, err := d.schema(ctx, id)
		if err != nil {
			return err
		}
		if want != anyType && s.Type != want {
			return fmt.Errorf("schema id %d is %s, not %s", id, s.TypeName(), typeName(want))
		}
		return s.decode(payload, out)
	}
}

// schema is the registry's schema id: asked for, or only read from the cache when d is CacheOnly.
func (d *Decoder) schema(ctx context.Context, id int) (*Schema, error) {
	if !d.CacheOnly {
		return d.Registry.ByID(ctx, id)
	}
	s, err, ok := d.Registry.cached(id)
	if !ok {
		return nil, fmt.Errorf("schema id %d: %w", id, ErrNotFetched)
	}
	return s, err
}

func typeName(t sr.SchemaType) string {
	switch t {
	case anyType:
		return "wire format"
	case sr.TypeJSON:
		return string(JSONSchema)
	case sr.TypeProtobuf:
		return string(Protobuf)
	}
	return string(Avro)
}

// decode reads a wire-format payload (after the id) with the schema.
func (s *Schema) decode(payload []byte, out *Body) error {
	var err error
	switch {
	case s.proto != nil:
		index, rest, ierr := new(sr.ConfluentHeader).DecodeIndex(payload, 64)
		if ierr != nil {
			return fmt.Errorf("schema id %d: the Protobuf message indexes are broken: %w", s.ID, ierr)
		}
		md, merr := s.proto.message(index)
		if merr != nil {
			return fmt.Errorf("schema id %d: %w", s.ID, merr)
		}
		out.Text, err = protoToJSON(md, rest)
		out.Format = Protobuf
	case s.json != nil:
		if !json.Valid(payload) {
			return fmt.Errorf("schema id %d (JSON Schema): the payload is not JSON", s.ID)
		}
		out.Format, out.Text = JSONSchema, Pretty(payload)
	default:
		out.Format = Avro
		out.Text, err = avroToJSON(s.avro, payload)
	}
	if err != nil {
		return fmt.Errorf("schema id %d: %w", s.ID, err)
	}
	out.Structured = true
	return nil
}

// decodeProtobuf reads the Confluent wire format with a Protobuf schema, or a bare message of the type the
// context's settings give the destination.
func decodeProtobuf(ctx context.Context, d *Decoder, in Input, out *Body) error {
	if _, _, ok := ConfluentWire(in.Body); ok && d.Registry != nil {
		return wireDecoder(sr.TypeProtobuf)(ctx, d, in, out)
	}
	md := d.Protos.For(in.Destination)
	if md == nil {
		return fmt.Errorf("protobuf: no schema registry body, and the context's protobuf settings give %q no type", in.Destination)
	}
	text, err := protoToJSON(md, in.Body)
	if err != nil {
		return fmt.Errorf("protobuf: %w", err)
	}
	out.Format, out.Text, out.Structured = Protobuf, text, true
	out.Note = "as " + string(md.FullName()) + " (context settings)"
	return nil
}

// protoWithIndexes reads a wire-format Protobuf payload with the type the settings give, the registry
// being absent: the message indexes are skipped, trusting the settings.
func protoWithIndexes(md protoreflect.MessageDescriptor, payload []byte, out *Body) error {
	_, rest, err := new(sr.ConfluentHeader).DecodeIndex(payload, 64)
	if err != nil {
		return fmt.Errorf("protobuf: the message indexes are broken: %w", err)
	}
	text, err := protoToJSON(md, rest)
	if err != nil {
		return fmt.Errorf("protobuf: %w", err)
	}
	out.Format, out.Text, out.Structured = Protobuf, text, true
	out.Note = fmt.Sprintf("schema id %d, no registry: as %s (context settings)", out.SchemaID, md.FullName())
	return nil
}

// maxInflated bounds what a compressed body may inflate to, so that a small hostile body cannot fill
// memory.
const maxInflated = 64 << 20

// Compressed reports whether a content-encoding is one DecodeInput inflates (gzip, deflate).
func Compressed(encoding string) bool {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "gzip", "x-gzip", "deflate":
		return true
	}
	return false
}

// inflate undoes an AMQP content-encoding of gzip or deflate; other encodings leave the body as it is.
func inflate(body []byte, encoding string) ([]byte, string, error) {
	var r io.Reader
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, "", fmt.Errorf("content-encoding gzip, but the body is not gzip: %w", err)
		}
		r = zr
	case "deflate":
		r = flate.NewReader(bytes.NewReader(body))
	default:
		return body, "", nil
	}
	out, err := io.ReadAll(io.LimitReader(r, maxInflated+1))
	if err != nil {
		return nil, "", fmt.Errorf("content-encoding %s: cannot inflate the body: %w", encoding, err)
	}
	if len(out) > maxInflated {
		return nil, "", fmt.Errorf("content-encoding %s: inflates to over %d MiB", encoding, maxInflated>>20)
	}
	return out, fmt.Sprintf("content-encoding %s: %d bytes inflated to %d", encoding, len(body), len(out)), nil
}

var mapStringAny = reflect.TypeFor[map[string]any]()

// MayApply says, from the first bytes and the settings, whether the decoder name could read in: a cheap
// look, not a decode. Front ends use it to offer only the decoders worth trying.
func (d *Decoder) MayApply(name string, in Input) bool {
	_, _, wire := ConfluentWire(in.Body)
	switch name {
	case string(Avro), string(JSONSchema):
		return wire
	case string(Protobuf):
		return wire || d.Protos.For(in.Destination) != nil || byContentType(in.ContentType) == name
	case string(MessagePack):
		return len(in.Body) > 0 && msgpackContainer(in.Body[0])
	case string(CBOR):
		return len(in.Body) > 0 && (cborContainer(in.Body[0]) || in.Body[0]&0xe0 == 0x80)
	}
	return decoderNamed(name) != nil || name == Auto
}
