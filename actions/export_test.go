package actions

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mqscope/mqscope/backends"
)

var when = time.Date(2026, 11, 26, 3, 0, 0, 123456789, time.UTC)

// A Kafka record's line, field by field, exactly.
func TestRecordLineIsTheDocumentedFormat(t *testing.T) {
	m := backends.Message{
		Destination: "orders", Partition: 3, Offset: 41, Timestamp: when.Truncate(time.Millisecond),
		Key:     []byte("cust-0042"),
		Headers: []backends.Header{{Key: "trace-id", Value: []byte("4bf9")}, {Key: "bin", Value: []byte{0xff, 0}}, {Key: "nil"}},
		Body:    []byte(`{"order_id":"ord-1","note":"a\tb"}`),
	}
	want := `{"destination":"orders","partition":3,"offset":41,"timestamp":"2026-11-26T03:00:00.123Z",` +
		`"key":"cust-0042","key_encoding":"utf8","headers":[{"key":"trace-id","value":"4bf9","value_encoding":"utf8"},` +
		`{"key":"bin","value":"/wA=","value_encoding":"base64"},{"key":"nil","value":null}],` +
		`"value":"{\"order_id\":\"ord-1\",\"note\":\"a\\tb\"}","value_encoding":"utf8"}`
	if got := string(AppendRecord(nil, m)); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}

	// No key, no value (a tombstone), no timestamp: nulls, without encodings.
	got := string(AppendRecord(nil, backends.Message{Destination: "customers", Offset: 7}))
	if want := `{"destination":"customers","partition":0,"offset":7,"timestamp":null,"key":null,"headers":[],"value":null}`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// A RabbitMQ dead letter: properties with only what is set, delivery fields, typed headers, death.
func TestRecordOfADeadLetterFromRabbitMQ(t *testing.T) {
	m := rabbitDeadLetter()
	var got map[string]any
	if err := json.Unmarshal(AppendRecord(nil, m), &got); err != nil {
		t.Fatal(err)
	}
	props := got["properties"].(map[string]any)
	wantProps := map[string]any{"content_type": "application/json", "delivery_mode": 2.0, "message_id": "m-1",
		"timestamp": "2026-11-26T03:00:00Z", "exchange": "orders.dlx", "routing_key": "orders"}
	if !reflect.DeepEqual(props, wantProps) {
		t.Errorf("properties = %v\nwant %v", props, wantProps)
	}
	if got["redelivered"] != true || got["delivery_count"] != 3.0 {
		t.Errorf("redelivered %v, delivery_count %v", got["redelivered"], got["delivery_count"])
	}
	// A classic queue counts no deliveries: the record says redelivered, and no count rather than 0.
	m.DeliveryCount = 0
	var classic map[string]any
	if err := json.Unmarshal(AppendRecord(nil, m), &classic); err != nil {
		t.Fatal(err)
	}
	if _, has := classic["delivery_count"]; has || classic["redelivered"] != true {
		t.Errorf("classic queue record: redelivered %v, delivery_count %v", classic["redelivered"], classic["delivery_count"])
	}
	death := got["death"].(map[string]any)
	if death["convention"] != "rabbitmq x-death" || death["destination"] != "orders" || death["reason"] != "rejected" ||
		death["count"] != 2.0 || death["exchange"] != "orders.x" || !reflect.DeepEqual(death["routing_keys"], []any{"orders"}) ||
		len(death["deaths"].([]any)) != 1 {
		t.Errorf("death = %v", death)
	}
	xdeath := got["headers"].([]any)[0].(map[string]any)
	if xdeath["key"] != "x-death" || xdeath["type"] != "array" {
		t.Fatalf("x-death header = %v", xdeath)
	}
	first := xdeath["typed"].([]any)[0].(map[string]any)
	count := first["value"].(map[string]any)["count"]
	if first["type"] != "table" || !reflect.DeepEqual(count, map[string]any{"type": "int64", "value": 2.0}) {
		t.Errorf("x-death typed = %v", xdeath["typed"])
	}
	roundTrip(t, m)
}

func rabbitDeadLetter() backends.Message {
	xdeath := []any{map[string]any{
		"queue": "orders", "reason": "rejected", "count": int64(2), "time": when.Truncate(time.Second),
		"exchange": "orders.x", "routing-keys": []any{"orders"},
	}}
	headers := []backends.Header{
		{Key: "x-death", Value: []byte("[...]"), Typed: xdeath},
		{Key: "x-first-death-queue", Value: []byte("orders"), Typed: "orders"},
		{Key: "x-first-death-reason", Value: []byte("rejected"), Typed: "rejected"},
	}
	return backends.Message{
		Destination: "orders.dead", Offset: 0, Key: []byte("orders"), Headers: headers, Body: []byte(`{"id":1}`),
		Properties: &backends.Properties{ContentType: "application/json", DeliveryMode: 2, MessageID: "m-1",
			Timestamp: when.Truncate(time.Second), Exchange: "orders.dlx", RoutingKey: "orders"},
		Redelivered: true, DeliveryCount: 3, Origin: backends.ParseOrigin(headers),
	}
}

func TestRecordsRoundTrip(t *testing.T) {
	springHeaders := []backends.Header{
		{Key: "kafka_dlt-original-topic", Value: []byte("orders")},
		{Key: "kafka_dlt-original-partition", Value: binary.BigEndian.AppendUint32(nil, 4)},
		{Key: "kafka_dlt-original-offset", Value: binary.BigEndian.AppendUint64(nil, 1234)},
		{Key: "kafka_dlt-original-timestamp", Value: binary.BigEndian.AppendUint64(nil, uint64(when.UnixMilli()))},
		{Key: "kafka_dlt-exception-message", Value: []byte("Unsupported currency 'XXX'")},
	}
	hostile := "cust-\x1b[31m9999\x1b[0m \x1b]0;pwned\x07 \u202egnp.exe \u0085\u009b \u2028\u2029 \u200b \U0001F600 \x7f"
	cases := map[string]backends.Message{
		"binary key and body": {Destination: "telemetry-bin", Partition: 1, Offset: 9, Timestamp: when,
			Key: []byte{0, 1, 0xfe, 0xff}, Body: []byte{0xca, 0xfe, 0xff, 0x03, 0, 0, 0, 1}},
		"invalid UTF-8 in an otherwise text body": {Destination: "t", Body: []byte("caf\xc3 au lait \xe2\x82")},
		"empty key and body, not nil":             {Destination: "t", Key: []byte{}, Body: []byte{}},
		"nil key, empty body":                     {Destination: "t", Body: []byte{}},
		"empty key, nil body (tombstone)":         {Destination: "t", Key: []byte{}},
		"headers: repeats, order, nil and empty values, binary key": {Destination: "t", Headers: []backends.Header{
			{Key: "a", Value: []byte("1")}, {Key: "a", Value: []byte("2")}, {Key: "", Value: []byte{}},
			{Key: "nil"}, {Key: "\xff\xfe", Value: []byte{0x80}}, {Key: hostile, Value: []byte(hostile)},
		}},
		"hostile key, header and body": {Destination: "customers", Key: []byte(hostile), Body: []byte(hostile),
			Headers: []backends.Header{{Key: "x-display-name", Value: []byte("\x1b]0;pwned\x07\x1b[2J\u202egnp.exe")}}},
		"spring dead letter": {Destination: "orders-dlt", Partition: 4, Offset: 10, Timestamp: when,
			Headers: springHeaders, Origin: backends.ParseOrigin(springHeaders), Body: []byte("{}")},
		"rabbitmq dead letter":      rabbitDeadLetter(),
		"rabbitmq with nothing set": {Destination: "q", Properties: &backends.Properties{}, Body: []byte("x")},
		"every AMQP type": {Destination: "q", Properties: &backends.Properties{RoutingKey: "q"},
			Headers: []backends.Header{{Key: "all", Value: []byte("table"), Typed: everyType()}}},
		"timestamps outside 0000-9999": {Destination: "t", Timestamp: time.UnixMilli(math.MaxInt64).UTC(),
			Properties: &backends.Properties{Timestamp: time.UnixMilli(-62_200_000_000_000).UTC()}},
		"nanoseconds": {Destination: "t", Timestamp: time.Unix(1, 1).UTC()},
	}
	for name, m := range cases {
		t.Run(name, func(t *testing.T) { roundTrip(t, m) })
	}
}

func everyType() map[string]any {
	return map[string]any{
		"s": "text \x1b[31m", "s-binary": "\xff\x00", "b": true, "i8": int8(-8), "i16": int16(-16),
		"i32": int32(-32), "i64": int64(math.MinInt64), "u8": uint8(255), "u16": uint16(65535),
		"u32": uint32(math.MaxUint32), "u64": uint64(math.MaxUint64), "f32": float32(0.1), "f64": 0.1,
		"nan": math.NaN(), "inf": math.Inf(1), "-inf": float32(math.Inf(-1)), "neg0": math.Copysign(0, -1),
		"t": when.Truncate(time.Second), "zero-t": time.Time{}, "bytes": []byte{0, 0xff}, "no-bytes": []byte(nil),
		"empty-bytes": []byte{}, "void": nil, "array": []any{int32(1), "two", []any{}, map[string]any{}},
		"nil-array": []any(nil), "nil-table": map[string]any(nil),
		"table": map[string]any{"nested": map[string]any{"deeper": []any{nil, false}}},
	}
}

// roundTrip checks every path a message takes through the format: the fast writer and the Record agree,
// both decode back to the message, the JSON is valid, and nothing a terminal acts on is left raw.
func roundTrip(t *testing.T, m backends.Message) {
	t.Helper()
	line := AppendRecord(nil, m)
	if !json.Valid(line) {
		t.Fatalf("invalid JSON: %s", line)
	}
	if bad := terminalUnsafe(line); bad != "" {
		t.Errorf("raw %q in %s", bad, line)
	}
	got, err := ParseRecord(line)
	if err != nil {
		t.Fatalf("ParseRecord: %v\n%s", err, line)
	}
	if !sameMessage(got, m) {
		t.Errorf("ParseRecord(AppendRecord(m)):\ngot  %#v\nwant %#v\nline %s", got, m, line)
	}
	rec := EncodeMessage(m)
	if got, err := rec.Message(); err != nil || !sameMessage(got, m) {
		t.Errorf("EncodeMessage(m).Message() = %#v, %v\nwant %#v", got, err, m)
	}
	marshalled, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	json.Unmarshal(line, &a)
	json.Unmarshal(marshalled, &b)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("AppendRecord and json.Marshal(EncodeMessage) differ:\n%s\n%s", line, marshalled)
	}
}

// terminalUnsafe returns the first character in JSON output that a terminal could act on.
func terminalUnsafe(b []byte) string {
	for _, r := range string(b) {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) ||
			(r >= 0x2066 && r <= 0x2069) || r == 0x2028 || r == 0x2029 || r == 0x200b || r == utf8.RuneError {
			return string(r)
		}
	}
	return ""
}

// sameMessage compares messages as the format promises to keep them: times as instants, NaN equal to
// NaN, and no difference between an empty and a nil list (of headers, routing keys, deaths).
func sameMessage(a, b backends.Message) bool {
	return reflect.DeepEqual(normalMessage(a), normalMessage(b))
}

func normalMessage(m backends.Message) backends.Message {
	m.Timestamp = normalTime(m.Timestamp)
	if len(m.Headers) == 0 {
		m.Headers = nil
	}
	hs := make([]backends.Header, len(m.Headers))
	for i, h := range m.Headers {
		h.Typed = normalTyped(h.Typed)
		hs[i] = h
	}
	if m.Headers != nil {
		m.Headers = hs
	}
	if m.Properties != nil {
		p := *m.Properties
		p.Timestamp = normalTime(p.Timestamp)
		m.Properties = &p
	}
	if m.Origin != nil {
		o := *m.Origin
		o.Timestamp = normalTime(o.Timestamp)
		o.RoutingKeys = nonEmpty(o.RoutingKeys)
		var ds []backends.Death
		for _, d := range o.Deaths {
			d.Time, d.RoutingKeys = normalTime(d.Time), nonEmpty(d.RoutingKeys)
			ds = append(ds, d)
		}
		o.Deaths = ds
		m.Origin = &o
	}
	return m
}

func normalTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Round(0)
}

func nonEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

type nan struct{ bits int }

func normalTyped(v any) any {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) {
			return nan{64}
		}
	case float32:
		if x != x {
			return nan{32}
		}
	case time.Time:
		return normalTime(x)
	case []any:
		if x == nil {
			return x
		}
		out := make([]any, len(x))
		for i, it := range x {
			out[i] = normalTyped(it)
		}
		return out
	case map[string]any:
		if x == nil {
			return x
		}
		out := make(map[string]any, len(x))
		for k, it := range x {
			out[k] = normalTyped(it)
		}
		return out
	}
	return v
}

func TestParseRecordErrorsSayWhere(t *testing.T) {
	for line, want := range map[string]string{
		`{"key":"!!","key_encoding":"base64"}`:                            "key: illegal base64",
		`{"value":"x","value_encoding":"rot13"}`:                          `value: encoding "rot13"`,
		`{"headers":[{"key":"a"},{"key":"b","type":"int8","typed":300}]}`: "headers[1]: typed: int8",
		`{"headers":[{"key":"a","type":"decimal","typed":1}]}`:            `unknown type "decimal"`,
		`{"timestamp":"yesterday"}`:                                       "timestamp",
		`[1,2]`:                                                           "not a message record",
	} {
		if _, err := ParseRecord([]byte(line)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseRecord(%s) = %v, want an error with %q", line, err, want)
		}
	}
}

// A hand-written record may leave out encodings and headers: text and none are the defaults.
func TestParseRecordDefaults(t *testing.T) {
	m, err := ParseRecord([]byte(`{"destination":"orders","key":"k","value":"v"}`))
	if err != nil || string(m.Key) != "k" || string(m.Body) != "v" || m.Headers != nil || !m.Timestamp.IsZero() {
		t.Errorf("got %#v, %v", m, err)
	}
}

func TestRecordWriterFlushesInChunksAndAtTheEnd(t *testing.T) {
	var out countingWriter
	w := NewRecordWriter(&out)
	m := backends.Message{Destination: "t", Body: bytes.Repeat([]byte("x"), 1000)}
	for range 200 {
		if err := w.Write(m); err != nil {
			t.Fatal(err)
		}
	}
	before := out.writes
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if before < 2 || before > 4 || out.writes != before+1 || len(lines) != 200 {
		t.Errorf("%d writes before Flush, %d after, %d lines", before, out.writes, len(lines))
	}
	// One huge message does not leave a huge buffer behind.
	w.Write(backends.Message{Body: bytes.Repeat([]byte("x"), 4<<20)})
	w.Flush()
	if cap(w.buf) > recordKeepAt {
		t.Errorf("buffer kept at %d bytes", cap(w.buf))
	}
}

type countingWriter struct {
	bytes.Buffer
	writes int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.writes++
	return c.Buffer.Write(p)
}

func FuzzRecordRoundTrip(f *testing.F) {
	f.Add("orders", []byte("k"), false, []byte(`{"a":1}`), false, "h", []byte("v"), int64(1), int32(3), "amqp", uint8(0))
	f.Add("\x1b]0;x\x07", []byte{0xff}, false, []byte{0xc3}, true, "\xff", []byte(nil), int64(-1), int32(-1), "", uint8(7))
	f.Fuzz(func(t *testing.T, dest string, key []byte, nilKey bool, body []byte, nilBody bool, hkey string,
		hval []byte, nanos int64, part int32, prop string, typedSeed uint8) {
		if !utf8.ValidString(dest) || !utf8.ValidString(prop) {
			t.Skip("names and properties are text: invalid UTF-8 in them is written as U+FFFD")
		}
		m := backends.Message{Destination: dest, Partition: part, Offset: nanos, Timestamp: time.Unix(0, nanos),
			Key: key, Body: body, Headers: []backends.Header{{Key: hkey, Value: hval}}}
		if nilKey {
			m.Key = nil
		} else if m.Key == nil {
			m.Key = []byte{}
		}
		if nilBody {
			m.Body = nil
		} else if m.Body == nil {
			m.Body = []byte{}
		}
		if prop != "" {
			m.Properties = &backends.Properties{CorrelationID: prop, Timestamp: time.Unix(nanos/1e9, 0)}
			m.Headers = append(m.Headers, backends.Header{Key: prop, Value: []byte(prop),
				Typed: fuzzTyped(typedSeed, string(key), body, nanos)})
			m.Origin = &backends.Origin{Convention: backends.RabbitXDeath, Destination: prop, RoutingKeys: []string{prop}}
		}
		roundTrip(t, m)
	})
}

// fuzzTyped builds a typed value from fuzz input: a scalar picked by seed, nested in arrays and tables.
func fuzzTyped(seed uint8, s string, b []byte, n int64) any {
	scalars := []any{s, b, n, int8(n), int16(n), int32(n), uint8(n), uint16(n), uint32(n), uint64(n),
		float32(math.Float32frombits(uint32(n))), math.Float64frombits(uint64(n)), n%2 == 0, time.Unix(n/1e9, n%1e9), nil}
	v := scalars[int(seed)%len(scalars)]
	if seed&0x10 != 0 {
		v = []any{v, s}
	}
	if seed&0x20 != 0 && utf8.ValidString(s) {
		v = map[string]any{s: v, "k": b}
	}
	return v
}

// A record like the demo's orders: what a topic dump writes a million times.
func benchMessage() backends.Message {
	return backends.Message{
		Destination: "orders", Partition: 3, Offset: 123456, Timestamp: when,
		Key: []byte("cust-0042"),
		Headers: []backends.Header{{Key: "content-type", Value: []byte("application/json")},
			{Key: "trace-id", Value: []byte("4bf92f3577b34da6a3ce929d0e0e4736")}},
		Body: []byte(`{"order_id":"ord-100042","customer_id":"cust-0042","status":"created","items":[{"sku":"SKU-10370","qty":2,"price":19.99}],"total":39.98,"currency":"EUR"}`),
	}
}

func BenchmarkAppendRecord(b *testing.B) {
	m := benchMessage()
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendRecord(buf[:0], m)
	}
	b.SetBytes(int64(len(buf)))
}

// The alternative AppendRecord replaces: a Record through encoding/json, with a reused buffer.
func BenchmarkMarshalRecord(b *testing.B) {
	m := benchMessage()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := enc.Encode(EncodeMessage(m)); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}
