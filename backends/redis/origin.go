package redis

import "github.com/mqscope/mqscope/backends"

// originFields are the fields applications write into a dead letter to name the stream it came from.
var originFields = []string{"original-stream", "original_stream", "origin-stream", "origin_stream", "origin"}

// origin says where a letter came from: the conventions every broker shares (headers that Kafka
// frameworks write, copied into fields), then a field naming its stream. A letter that carries none is
// routed by the redrive's plan (the dead-letter stream's name, such as orders:dlq, or --to).
func origin(fields []backends.Header) *backends.Origin {
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
