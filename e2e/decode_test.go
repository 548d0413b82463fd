package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/mqscope/mqscope/decode"
	"github.com/mqscope/mqscope/internal/testkit/kafkafix"
	"github.com/mqscope/mqscope/internal/testkit/rabbitfix"
	"github.com/mqscope/mqscope/internal/testkit/srfix"
)

// produce writes values to a one-partition topic of a new kfake cluster, in order.
func produce(t *testing.T, topic string, values ...[]byte) string {
	t.Helper()
	c := kafkafix.Start(t, kfake.NumBrokers(1), kfake.SeedTopics(1, topic))
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, v := range values {
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: v}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	return kafkafix.Brokers(c)
}

// decodedOf is each record's "decoded" object.
func decodedOf(t *testing.T, out string) []map[string]any {
	t.Helper()
	var got []map[string]any
	for _, row := range jsonLines(t, out) {
		d, _ := row["decoded"].(map[string]any)
		got = append(got, d)
	}
	return got
}

func jsonEqual(t *testing.T, what string, got any, want string) {
	t.Helper()
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Errorf("%s: %s, want %s", what, gb, wb)
	}
}

// Protobuf (two message types of one schema, with a reference), Avro (with a reference), JSON Schema and
// an unknown id, in the Confluent wire format on Kafka, peeked through the registry the test serves.
func TestPeekDecodesTheConfluentWireFormat(t *testing.T) {
	t.Parallel()
	reg := srfix.Start(t)
	types := srfix.OrderTypes(t)
	order := `{"id":"o-1","total":{"cents":1250,"currency":"EUR"},"lines":[{"sku":"tea","qty":2}]}`
	refund := `{"orderId":"o-1","reason":"late"}`
	avroOrder := `{"id":"o-2","total":{"cents":99,"currency":"USD"},"note":null}`
	jsonOrder := `{"id":"o-3","qty":1}`
	avroWire, _, err := mustRegistry(t, reg.URL()).Encode(context.Background(), decode.SchemaRef{Subject: srfix.AvroSubject}, []byte(avroOrder))
	if err != nil {
		t.Fatal(err)
	}
	brokers := produce(t, "orders",
		srfix.Wire(srfix.ProtoOrderID, []int{0}, srfix.ProtoPayload(t, types.Messages().Get(0), order)),
		srfix.Wire(srfix.ProtoOrderID, []int{1}, srfix.ProtoPayload(t, types.Messages().Get(1), refund)),
		avroWire,
		srfix.Wire(srfix.JSONOrderID, nil, []byte(jsonOrder)),
		srfix.Wire(srfix.UnknownSchemaID, nil, []byte("??")))
	before := reg.Requests.Load()

	r := mqscope(t, "--kafka", brokers, "--schema-registry", reg.URL(), "peek", "orders", "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	got := decodedOf(t, r.stdout)
	if len(got) != 5 {
		t.Fatalf("%d records: %s", len(got), r.stdout)
	}
	for i, want := range []struct {
		format string
		id     float64
		value  string
	}{{"protobuf", srfix.ProtoOrderID, order}, {"protobuf", srfix.ProtoOrderID, refund}, {"avro", srfix.AvroOrderID, avroOrder},
		{"jsonschema", srfix.JSONOrderID, jsonOrder}} {
		if got[i]["format"] != want.format || got[i]["schema_id"] != want.id {
			t.Errorf("record %d: %v", i, got[i])
			continue
		}
		jsonEqual(t, want.format, got[i]["value"], want.value)
	}
	if u := got[4]; u["format"] != "binary" || u["schema_id"] != float64(srfix.UnknownSchemaID) ||
		!strings.Contains(u["note"].(string), "schema id 99") || !strings.Contains(u["note"].(string), "404") {
		t.Errorf("unknown id: %v", u)
	}
	// The raw value stays as it was on the broker, beside what was decoded.
	if v := jsonLines(t, r.stdout)[3]["value"]; !strings.HasSuffix(v.(string), jsonOrder) {
		t.Errorf("raw value %q", v)
	}
	// One request per id (4, the unknown one included) and per reference (3), whatever the records repeat.
	if n := reg.Requests.Load() - before; n != 7 {
		t.Errorf("the registry served %d requests for the peek, want 7", n)
	}

	// The table previews the decoded body; --where reads decoded fields.
	r = mqscope(t, "--kafka", brokers, "--schema-registry", reg.URL(), "peek", "orders")
	if r.code != 0 || !strings.Contains(r.stdout, `{ "id": "o-1", "total": { "cents": 1250`) {
		t.Errorf("table: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = mqscope(t, "--kafka", brokers, "--schema-registry", reg.URL(), "peek", "orders", "--where", `value.total.currency == "USD"`, "-o", "json")
	if rows := decodedOf(t, r.stdout); r.code != 0 || len(rows) != 1 || rows[0]["format"] != "avro" {
		t.Errorf("--where on a decoded field: exit %d, %v %s", r.code, rows, r.stderr)
	}
	// --decode forces a decoder: hex shows bytes; a wrong one says why, with the bytes.
	r = mqscope(t, "--kafka", brokers, "--schema-registry", reg.URL(), "peek", "orders", "--decode", "avro", "-n", "1", "-o", "json")
	if rows := decodedOf(t, r.stdout); r.code != 0 || len(rows) != 1 || !strings.Contains(rows[0]["note"].(string), "is protobuf, not avro") {
		t.Errorf("--decode avro on a Protobuf record: %v %s", rows, r.stderr)
	}
	r = mqscope(t, "--kafka", brokers, "peek", "orders", "--decode", "yaml")
	if r.code != 2 || !strings.Contains(r.stderr, `--decode "yaml": want one of auto, json`) {
		t.Errorf("--decode yaml: exit %d %q", r.code, r.stderr)
	}
}

func mustRegistry(t *testing.T, url string) *decode.Registry {
	t.Helper()
	r, err := decode.NewRegistry(url)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A registry that takes connections and never answers costs one timeout for the whole peek, not one per
// record; every record is shown in hex with the reason.
func TestPeekWithARegistryThatIsDown(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var accepted atomic.Int32
	var held sync.WaitGroup
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close(); held.Wait() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			held.Go(func() { <-done; c.Close() })
		}
	}()
	var values [][]byte
	for i := range 8 {
		values = append(values, srfix.Wire(1+i%3, nil, []byte(`{"n":1}`)))
	}
	brokers := produce(t, "silent", values...)
	start := time.Now()
	r := mqscope(t, "--kafka", brokers, "--schema-registry", "http://"+ln.Addr().String(), "peek", "silent", "-o", "json")
	elapsed := time.Since(start)
	rows := decodedOf(t, r.stdout)
	if r.code != 0 || len(rows) != 8 {
		t.Fatalf("exit %d, %d rows: %s", r.code, len(rows), r.stderr)
	}
	for i, d := range rows {
		if d["format"] != "binary" || !strings.Contains(d["note"].(string), "did not answer") {
			t.Errorf("record %d: %v", i, d)
		}
	}
	if accepted.Load() != 1 || elapsed > 2*decode.DefaultRegistryTimeout {
		t.Errorf("8 records of 3 ids: %d connections, %s (one timeout is %s)", accepted.Load(), elapsed, decode.DefaultRegistryTimeout)
	}
}

// paymentBody has a value of every Avro logical type, written as peek shows them: decimals exact, timestamps
// RFC 3339 in UTC, local timestamps with no zone, a duration's three parts.
const paymentBody = `{"id":"123e4567-e89b-12d3-a456-426614174000","amount":"19.99","fee":"0.0125","day":"2024-05-01",` +
	`"cutoff_ms":"13:45:30.123","cutoff_us":"23:59:59.999999","at_ms":"2024-05-01T12:00:00.123Z",` +
	`"at_us":"2024-05-01T12:00:00.123456Z","local_ms":"2024-03-31T02:30:00.000","local_us":"2024-10-27T02:30:00.000001",` +
	`"grace":{"months":0,"days":14,"milliseconds":0},"refund":null,"settled":"2024-05-02T08:00:00.500"}`

// publish --schema encodes JSON with each kind of schema; peek shows the same JSON back. A body the
// schema refuses is one line and exit 1, nothing sent.
func TestPublishWithASchemaThenPeek(t *testing.T) {
	t.Parallel()
	reg := srfix.Start(t)
	brokers := produce(t, "typed")
	bodies := []struct{ schema, body string }{
		{srfix.ProtoSubject, `{"id":"p-1","total":{"cents":5,"currency":"EUR"},"lines":[{"sku":"a","qty":3}]}`},
		{srfix.AvroSubject + ":1", `{"id":"a-1","total":{"cents":6,"currency":"EUR"},"note":"gift"}`},
		{srfix.JSONSubject + ":latest", `{"id":"j-1","qty":2,"ship_to":{"city":"Lyon"}}`},
		{srfix.PaymentSubject, paymentBody},                                          // every Avro logical type
		{srfix.ProtoSubject + ":1#shop.Refund", `{"orderId":"p-1","reason":"late"}`}, // the schema's second type
	}
	for _, b := range bodies {
		r := mqscope(t, "--kafka", brokers, "--schema-registry", reg.URL(), "publish", "typed", "--schema", b.schema, "--body", b.body)
		if r.code != 0 {
			t.Fatalf("publish --schema %s: exit %d %s", b.schema, r.code, r.stderr)
		}
	}
	r := mqscope(t, "--kafka", brokers, "--schema-registry", reg.URL(), "peek", "typed", "-o", "json")
	rows := decodedOf(t, r.stdout)
	if r.code != 0 || len(rows) != len(bodies) {
		t.Fatalf("peek: exit %d, %d rows %s", r.code, len(rows), r.stderr)
	}
	for i, b := range bodies {
		jsonEqual(t, b.schema, rows[i]["value"], b.body)
	}
	r = mqscope(t, "--kafka", brokers, "--schema-registry", reg.URL(), "publish", "typed", "--schema", srfix.JSONSubject, "--body", `{"id":"x","qty":0}`)
	if r.code != 1 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "does not match the JSON schema") {
		t.Errorf("a body the schema refuses: exit %d %q", r.code, r.stderr)
	}
	r = mqscope(t, "--kafka", brokers, "--schema-registry", reg.URL(), "publish", "typed", "--schema", srfix.ProtoSubject+"#Rfund", "--body", `{}`)
	if r.code != 1 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, `no message "Rfund"; it has shop.Order, shop.Order.Line, shop.Refund`) {
		t.Errorf("a message type the schema does not declare: exit %d %q", r.code, r.stderr)
	}
	r = mqscope(t, "--kafka", brokers, "publish", "typed", "--schema", srfix.JSONSubject, "--body", `{}`)
	if r.code != 2 || !strings.Contains(r.stderr, "--schema needs a schema registry") {
		t.Errorf("no registry: exit %d %q", r.code, r.stderr)
	}
	if n := len(jsonLines(t, mqscope(t, "--kafka", brokers, "peek", "typed", "-o", "json").stdout)); n != len(bodies) {
		t.Errorf("%d records after the refused publishes, want %d", n, len(bodies))
	}
}

// A context that names .proto files and a type per topic decodes bare Protobuf bodies without a registry.
func TestPeekWithProtoFilesAndNoRegistry(t *testing.T) {
	t.Parallel()
	types := srfix.OrderTypes(t)
	order := `{"id":"o-7","total":{"cents":7,"currency":"GBP"}}`
	brokers := produce(t, "bare", srfix.ProtoPayload(t, types.Messages().Get(0), order))
	dir := t.TempDir()
	for name, text := range map[string]string{"protos/order.proto": srfix.OrderProto, "protos/common.proto": srfix.CommonProto} {
		os.MkdirAll(filepath.Join(dir, "protos"), 0o700)
		os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600)
	}
	config := filepath.Join(dir, "config.yaml")
	os.WriteFile(config, []byte(`contexts:
  - name: protos
    kafka: {brokers: ["`+brokers+`"]}
    decode:
      protobuf:
        import-paths: [protos]
        files: [order.proto]
        types: {bare: shop.Order}
`), 0o600)
	r := mqscope(t, "--config", config, "--context", "protos", "peek", "bare", "-o", "json")
	rows := decodedOf(t, r.stdout)
	if r.code != 0 || len(rows) != 1 || rows[0]["format"] != "protobuf" {
		t.Fatalf("exit %d %v %s", r.code, rows, r.stderr)
	}
	jsonEqual(t, "bare protobuf", rows[0]["value"], order)

	os.WriteFile(config, []byte(`contexts:
  - name: protos
    kafka: {brokers: ["`+brokers+`"]}
    decode: {protobuf: {import-paths: [protos], files: [order.proto], types: {bare: shop.Nope}}}
`), 0o600)
	r = mqscope(t, "--config", config, "--context", "protos", "peek", "bare")
	if r.code != 1 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, `"shop.Nope"`) {
		t.Errorf("an unknown type: exit %d %q", r.code, r.stderr)
	}
}

// A gzip'ed body (content-encoding gzip) on the real RabbitMQ is inflated, then decoded by its
// content-type; the raw value stays the compressed bytes.
func TestPeekInflatesAGzipBodyOnRabbitMQ(t *testing.T) {
	t.Parallel()
	rabbit := rabbitfix.New(t)
	queue := rabbitfix.Unique("dec14.gzip")
	rabbit.Declare(t, queue, nil)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"zipped":true,"n":42}`))
	zw.Close()
	rabbitfix.Send(t, rabbit.Channel(t), "", queue, amqp.Publishing{ContentType: "application/json", ContentEncoding: "gzip", Body: gz.Bytes()})
	rabbit.WaitReady(t, queue, 1)
	r := mqscope(t, "--rabbitmq", rabbit.URL, "peek", queue, "--decode", "auto", "-o", "json")
	rows := decodedOf(t, r.stdout)
	if r.code != 0 || len(rows) != 1 || rows[0]["format"] != "json" || !strings.Contains(rows[0]["note"].(string), "content-encoding gzip") {
		t.Fatalf("exit %d %v %s", r.code, rows, r.stderr)
	}
	jsonEqual(t, "inflated", rows[0]["value"], `{"zipped":true,"n":42}`)
	if raw := jsonLines(t, r.stdout)[0]; raw["value_encoding"] != "base64" {
		t.Errorf("the raw value should stay the gzip bytes: %v", raw)
	}
}
