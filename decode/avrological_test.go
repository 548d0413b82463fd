package decode

import (
	"context"
	"math/big"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin for the daylight-saving case, whatever the machine has

	"github.com/hamba/avro/v2"

	"github.com/mqscope/mqscope/internal/testkit/srfix"
)

// paymentJSON is what a payment with every logical type decodes to, and what publish --schema reads back.
const paymentJSON = `{"id":"123e4567-e89b-12d3-a456-426614174000","amount":"-1234567890.05","fee":"0.0125",` +
	`"day":"2024-05-01","cutoff_ms":"13:45:30.123","cutoff_us":"23:59:59.999999",` +
	`"at_ms":"2024-05-01T12:00:00.123Z","at_us":"1969-12-31T23:59:59.999999Z",` +
	`"local_ms":"2024-03-31T02:30:00.000","local_us":"2024-10-27T02:30:00.000001",` +
	`"grace":{"months":1,"days":2,"milliseconds":3},"refund":"7.00","settled":"2024-05-02T08:00:00.500"}`

// A payment written by hamba/avro from Go values (not by mqscope's encoder) decodes to readable JSON:
// decimals exact, timestamps RFC 3339 in UTC at their precision, local timestamps with no zone.
func TestAvroLogicalTypesDecodeReadably(t *testing.T) {
	t.Parallel()
	fix := srfix.Start(t)
	d := Decoder{Registry: newRegistry(t, fix.URL(), RegistryOptions{})}
	schema := avro.MustParse(srfix.AvroPayment)
	rat := func(s string) *big.Rat { r, _ := new(big.Rat).SetString(s); return r }
	berlin := time.FixedZone("CEST", 2*3600)
	payload, err := avro.Marshal(schema, map[string]any{
		"id": "123e4567-e89b-12d3-a456-426614174000", "amount": rat("-1234567890.05"), "fee": rat("0.0125"),
		"day":       time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC),
		"cutoff_ms": 13*time.Hour + 45*time.Minute + 30*time.Second + 123*time.Millisecond,
		"cutoff_us": 24*time.Hour - time.Microsecond,
		"at_ms":     time.Date(2024, 5, 1, 14, 0, 0, 123e6, berlin), // 12:00 UTC
		"at_us":     time.Unix(0, -1000).UTC(),
		"local_ms":  int(time.Date(2024, 3, 31, 2, 30, 0, 0, time.UTC).UnixMilli()), // the wall clock as Avro holds it
		"local_us":  int(time.Date(2024, 10, 27, 2, 30, 0, 1000, time.UTC).UnixMicro()),
		"grace":     avro.LogicalDuration{Months: 1, Days: 2, Milliseconds: 3},
		"refund":    map[string]any{"bytes.decimal": rat("7")},
		"settled":   map[string]any{"long.local-timestamp-millis": int(time.Date(2024, 5, 2, 8, 0, 0, 5e8, time.UTC).UnixMilli())},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := d.Decode(context.Background(), srfix.Wire(srfix.AvroPaymentID, nil, payload))
	if got.Format != Avro || got.Note != "" {
		t.Fatalf("Format=%s Note=%q\n%s", got.Format, got.Note, got.Text)
	}
	sameJSON(t, got.Text, paymentJSON)
}

// hamba/avro would decode a local timestamp through time.Local, where two wall clocks around a
// daylight-saving change give the same time: each must come back as written. Not parallel: it sets
// time.Local, which the package's parallel tests wait to read until it is put back.
func TestLocalTimestampsAcrossDaylightSaving(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	was := time.Local
	time.Local = berlin
	defer func() { time.Local = was }()
	s, err := compileAvro(`{"type":"record","name":"T","fields":[{"name":"at","type":{"type":"long","logicalType":"local-timestamp-millis"}},`+
		`{"name":"maybe","type":["null",{"type":"long","logicalType":"local-timestamp-micros"}]}]}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, wall := range []string{"2024-03-31T01:59:59.000", "2024-03-31T02:30:00.000", "2024-03-31T03:00:00.000",
		"2024-10-27T01:00:00.000", "2024-10-27T02:30:00.000", "2024-10-27T03:00:00.000", "2024-07-01T12:00:00.000"} {
		body := `{"at":"` + wall + `","maybe":"` + wall + `000"}`
		payload, err := jsonToAvro(s, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		got, err := avroToJSON(s, payload)
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, got, body)
	}
}

// publish --schema reads back what a decode shows (and Avro's own numbers for the same values); then a
// decode shows the same JSON again.
func TestAvroLogicalTypesRoundTrip(t *testing.T) {
	t.Parallel()
	fix := srfix.Start(t)
	reg := newRegistry(t, fix.URL(), RegistryOptions{})
	d := Decoder{Registry: reg}
	ref := SchemaRef{Subject: srfix.PaymentSubject}
	wire, _, err := reg.Encode(context.Background(), ref, []byte(paymentJSON))
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, d.Decode(context.Background(), wire).Text, paymentJSON)

	// The underlying numbers, as Avro's JSON encoding (and other producers) write them.
	raw := strings.NewReplacer(`"day":"2024-05-01"`, `"day":19844`, `"cutoff_us":"23:59:59.999999"`, `"cutoff_us":86399999999`,
		`"at_ms":"2024-05-01T12:00:00.123Z"`, `"at_ms":1714564800123`, `"fee":"0.0125"`, `"fee":0.0125`,
		`"settled":"2024-05-02T08:00:00.500"`, `"settled":{"long":1714636800500}`).Replace(paymentJSON)
	wire, _, err = reg.Encode(context.Background(), ref, []byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, d.Decode(context.Background(), wire).Text, paymentJSON)

	for _, bad := range []struct{ from, to, want string }{
		{`"amount":"-1234567890.05"`, `"amount":"1.005"`, "amount: 1.005 has more than the schema's 2 decimal places"},
		{`"amount":"-1234567890.05"`, `"amount":"12345678901.00"`, "more than the schema's precision 12"},
		{`"amount":"-1234567890.05"`, `"amount":"1/3"`, "not a decimal number"},
		{`"at_ms":"2024-05-01T12:00:00.123Z"`, `"at_ms":"2024-05-01T12:00:00.1234Z"`, "more precise than the schema's milliseconds"},
		{`"at_ms":"2024-05-01T12:00:00.123Z"`, `"at_ms":"yesterday"`, "not an RFC 3339 time"},
		{`"local_ms":"2024-03-31T02:30:00.000"`, `"local_ms":"2024-03-31T02:30:00Z"`, "a local time with no zone"},
		{`"id":"123e4567-e89b-12d3-a456-426614174000"`, `"id":"nope"`, "want a UUID"},
		{`"cutoff_ms":"13:45:30.123"`, `"cutoff_ms":"25:00:00"`, "not a time of day"},
		{`"grace":{"months":1,"days":2,"milliseconds":3}`, `"grace":{"weeks":1}`, "months, days and milliseconds only"},
	} {
		body := strings.Replace(paymentJSON, bad.from, bad.to, 1)
		if _, _, err := reg.Encode(context.Background(), ref, []byte(body)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: err %v, want %q", bad.to, err, bad.want)
		}
	}
}
