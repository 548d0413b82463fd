package present

import (
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
