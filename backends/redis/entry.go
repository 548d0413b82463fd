package redis

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mqscope/mqscope/backends"
)

// bodyField is the field an entry's body is read from and written to.
const bodyField = "body"

// entry is one stream entry as the server sent it: fields keep their order and bytes.
type entry struct {
	id     string
	fields []string // name, value, name, value, ...
}

// parseEntries reads an XRANGE/XREVRANGE reply (RESP2): [[id, [f, v, ...]], ...].
func parseEntries(reply any) ([]entry, error) {
	items, ok := reply.([]any)
	if !ok {
		if reply == nil {
			return nil, nil
		}
		return nil, fmt.Errorf("unexpected reply %T for a range of entries", reply)
	}
	out := make([]entry, 0, len(items))
	for _, it := range items {
		pair, ok := it.([]any)
		if !ok || len(pair) != 2 {
			return nil, fmt.Errorf("unexpected entry %T in a range", it)
		}
		id, _ := pair[0].(string)
		raw, _ := pair[1].([]any) // nil for an entry deleted under a pending list
		e := entry{id: id, fields: make([]string, 0, len(raw))}
		for _, f := range raw {
			s, _ := f.(string)
			e.fields = append(e.fields, s)
		}
		out = append(out, e)
	}
	return out, nil
}

// message is e as a backends.Message read from stream at position pos of the read.
func (e entry) message(stream string, pos int64) backends.Message {
	m := backends.Message{Destination: stream, Offset: pos, Key: []byte(e.id), Timestamp: idTime(e.id)}
	var body []byte
	hasBody := false
	for i := 0; i+1 < len(e.fields); i += 2 {
		if e.fields[i] == bodyField && !hasBody {
			body, hasBody = []byte(e.fields[i+1]), true
			continue
		}
		m.Headers = append(m.Headers, backends.Header{Key: e.fields[i], Value: []byte(e.fields[i+1])})
	}
	if hasBody {
		m.Body = body
	} else {
		m.Body = entryBody(m.Headers)
	}
	m.Origin = origin(m.Headers)
	return m
}

// entryBody shows the fields of an entry without a body field as a JSON object, in the entry's order. It
// is a view: values that are not UTF-8 show with U+FFFD, and the exact bytes stay in the headers.
func entryBody(fields []backends.Header) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.Key)
		v, _ := json.Marshal(string(f.Value))
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// fieldsOf is the XADD field list for m: its headers, then its body as the body field, unless the body
// is only the view entryBody made of those headers. An entry needs at least one field.
func fieldsOf(m backends.Message) []any {
	args := make([]any, 0, 2*len(m.Headers)+2)
	for _, h := range m.Headers {
		args = append(args, h.Key, h.Value)
	}
	if m.Body != nil && !(len(m.Headers) > 0 && bytes.Equal(m.Body, entryBody(m.Headers))) {
		args = append(args, bodyField, m.Body)
	}
	if len(args) == 0 {
		args = append(args, bodyField, "")
	}
	return args
}

// idTime is when an entry was added: the milliseconds of its id.
func idTime(id string) time.Time {
	ms, err := strconv.ParseInt(strings.SplitN(id, "-", 2)[0], 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// timeID is the smallest entry id at or after t.
func timeID(t time.Time) string {
	return strconv.FormatInt(max(t.UnixMilli(), 0), 10) + "-0"
}
