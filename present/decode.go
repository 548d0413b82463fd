package present

import (
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/decode"
)

// DecodeInput is what a decoder needs of a message: its body, where it was read, and its AMQP
// content-type and content-encoding.
func DecodeInput(m backends.Message) decode.Input {
	in := decode.Input{Body: m.Body, Destination: m.Destination}
	if p := m.Properties; p != nil {
		in.ContentType, in.ContentEncoding = p.ContentType, p.ContentEncoding
	}
	return in
}
