package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/decode"
	"github.com/mqscope/mqscope/present"
)

// decoderFor is the decoder a peek uses: the one --decode names, with the context's registry and Protobuf
// types, or, without --decode, auto when the context configures decoding. Nil when neither: a plain peek
// writes bodies as they are and costs what it did.
func (a *app) decoderFor(ctx context.Context, use string) (*decode.Decoder, error) {
	if use != "" && !decode.Known(use) {
		return nil, usageError{fmt.Errorf("--decode %q: want one of %s", use, strings.Join(decode.Names(), ", "))}
	}
	c, _, err := a.resolve()
	if err != nil {
		return nil, err
	}
	setup := c.DecodeSetup()
	if use == "" && !setup.Configured() {
		return nil, nil
	}
	d, err := decode.Open(ctx, setup)
	if err != nil {
		return nil, err
	}
	d.Use = use
	return d, nil
}

// maxDecodeWarnings is how many different reasons for bodies left undecoded a table peek writes.
const maxDecodeWarnings = 3

// completeDecoders suggests --decode's names.
func completeDecoders(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return decode.Names(), cobra.ShellCompDirectiveNoFileComp
}

// decodingSink shows what the decoder makes of each body: the table previews it, JSON adds a "decoded"
// object to each record ({"format", "schema_id", "note", "value"}), the raw "value" staying as it was.
// The table has no room for why a body is shown in hex (a registry that refuses the credentials): warn
// says it on stderr, each reason once, the first few.
func decodingSink(ctx context.Context, s sink, dec *decode.Decoder, warn func(string)) sink {
	switch s := s.(type) {
	case *messageTable:
		failures := map[string]bool{} // the table sink is called under syncSink's lock
		s.decoded = func(m backends.Message) string {
			b := dec.DecodeInput(ctx, present.DecodeInput(m))
			if b.Format == decode.Binary && b.Note != "" && !failures[b.Note] && len(failures) < maxDecodeWarnings {
				failures[b.Note] = true
				warn("not decoded: " + b.Note)
			}
			if b.Structured || b.Note != "" {
				return b.Text
			}
			return "" // the raw preview is the same text
		}
	case *actions.RecordWriter:
		s.Extra = func(dst []byte, m backends.Message) []byte {
			return appendDecoded(dst, dec.DecodeInput(ctx, present.DecodeInput(m)))
		}
	}
	return s
}

// appendDecoded appends ,"decoded":{...} to a record being written.
func appendDecoded(dst []byte, b decode.Body) []byte {
	start := len(dst)
	dst = append(dst, `,"decoded":{"format":`...)
	dst = append(dst, '"')
	dst = append(dst, b.Format...) // a name of lower-case letters
	dst = append(dst, '"')
	if b.SchemaID != 0 {
		dst = append(dst, `,"schema_id":`...)
		dst = strconv.AppendInt(dst, int64(b.SchemaID), 10)
	}
	if b.Note != "" {
		note, _ := json.Marshal(b.Note)
		dst = append(append(dst, `,"note":`...), note...)
	}
	if b.Structured {
		var compact bytes.Buffer
		if json.Compact(&compact, []byte(b.Text)) == nil {
			dst = append(append(dst, `,"value":`...), compact.Bytes()...)
		}
	}
	dst = append(dst, '}')
	// What a decoder made may hold characters a terminal acts on: escaped like the rest of the record.
	return append(dst[:start], terminalSafeJSON(dst[start:])...)
}
