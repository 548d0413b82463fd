package redis

import (
	"strings"

	"github.com/mqscope/mqscope/backends"
)

// originFields are the fields applications write into a dead letter to name the stream it came from.
var originFields = []string{"original-stream", "original_stream", "origin-stream", "origin_stream", "origin"}

// dlqSuffixes name dead-letter streams after their origin: orders:dlq holds the letters of orders.
var dlqSuffixes = []string{":dlq", ":dead-letter", ":deadletter", ":dead", "-dlq", ".dlq", "_dlq"}

// origin says where a letter of stream came from: the conventions every broker shares (headers that
// Kafka frameworks write, copied into fields), then an origin field, then the stream's own name.
func origin(stream string, fields []backends.Header) *backends.Origin {
	if o := backends.ParseOrigin(fields); o != nil {
		return o
	}
	for _, name := range originFields {
		for _, f := range fields {
			if f.Key == name && len(f.Value) > 0 {
				return &backends.Origin{Convention: backends.OriginField, Destination: string(f.Value),
					Exception: fieldText(fields, "error", "exception", "reason")}
			}
		}
	}
	for _, suffix := range dlqSuffixes {
		if base, ok := strings.CutSuffix(stream, suffix); ok && base != "" {
			return &backends.Origin{Convention: backends.DeadLetterName, Destination: base,
				Exception: fieldText(fields, "error", "exception", "reason")}
		}
	}
	return nil
}

func fieldText(fields []backends.Header, names ...string) string {
	for _, n := range names {
		for _, f := range fields {
			if f.Key == n {
				return string(f.Value)
			}
		}
	}
	return ""
}
