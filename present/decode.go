package present

import (
	"context"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/decode"
)

// DecodeInput is what a decoder needs of a message: its body, where it was read, and its content-type and
// content-encoding: AMQP properties, or else headers of those names (as mqscope's publish form writes a
// Kafka record's content type).
func DecodeInput(m backends.Message) decode.Input {
	in := decode.Input{Body: m.Body, Destination: m.Destination}
	if p := m.Properties; p != nil {
		in.ContentType, in.ContentEncoding = p.ContentType, p.ContentEncoding
		return in
	}
	if h, ok := m.HeaderValue("content-type"); ok {
		in.ContentType = string(h.Value)
	}
	if h, ok := m.HeaderValue("content-encoding"); ok {
		in.ContentEncoding = string(h.Value)
	}
	return in
}

// WhereBody is what a --where expression's value reads, for the CLI's peek and the TUI's browser alike: the
// body a decoder made (Protobuf or Avro as JSON) when it made a structured one, else the body as it is.
func WhereBody(ctx context.Context, dec *decode.Decoder) func(backends.Message) []byte {
	return func(m backends.Message) []byte { return WhereValue(m, dec.DecodeInput(ctx, DecodeInput(m))) }
}

// WhereValue is WhereBody's choice for m, which a decoder read as d.
func WhereValue(m backends.Message, d decode.Body) []byte {
	if d.Structured {
		return []byte(d.Text)
	}
	return m.Body
}
