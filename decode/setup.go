package decode

import (
	"context"
	"fmt"
)

// Setup is what a context says about decoding its bodies.
type Setup struct {
	RegistryURL string          // the Kafka schema registry; "" for none
	Registry    RegistryOptions // timeouts
	Protobuf    *ProtoSettings  // .proto files or a descriptor set, and each destination's type; nil for none
}

// Configured is true when the context says anything about decoding.
func (s Setup) Configured() bool { return s.RegistryURL != "" || s.Protobuf != nil }

// Open builds the decoder a context's settings describe: its registry client (no request yet) and its
// Protobuf types, compiled now so that a mistake in them is said once, up front.
func Open(ctx context.Context, s Setup) (*Decoder, error) {
	d := &Decoder{}
	if s.RegistryURL != "" {
		r, err := NewRegistryWith(s.RegistryURL, s.Registry)
		if err != nil {
			return nil, err
		}
		d.Registry = r
	}
	if s.Protobuf != nil {
		p, err := LoadProtoFiles(ctx, *s.Protobuf)
		if err != nil {
			return nil, fmt.Errorf("the context's decode.protobuf settings: %w", err)
		}
		d.Protos = p
	}
	return d, nil
}
