// Package srfix is the schema registry of mqscope's tests: franz-go's srfake (an in-memory Confluent
// schema registry API on an httptest server, 127.0.0.1) seeded with the same Avro, Protobuf and JSON
// schemas for every test, each with a schema reference. No real registry runs in CI.
package srfix

import (
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"
)

// Subjects and ids of the seeded schemas. Each message schema references a schema of another subject.
const (
	ProtoCommonID   = 1
	ProtoOrderID    = 2 // orders-proto-value: shop.Order (index 0) and shop.Refund (index 1), imports common.proto
	AvroMoneyID     = 3
	AvroOrderID     = 4 // orders-avro-value: shop.Order with a shop.Money from the subject avro-money
	JSONAddressID   = 5
	JSONOrderID     = 6 // orders-json-value: $ref address.json
	AvroPaymentID   = 7 // payments-avro-value: every Avro logical type
	ProtoSubject    = "orders-proto-value"
	AvroSubject     = "orders-avro-value"
	JSONSubject     = "orders-json-value"
	PaymentSubject  = "payments-avro-value"
	UnknownSchemaID = 99
)

// CommonProto is common.proto, the file the order schema imports.
const CommonProto = `syntax = "proto3";
package shop;
message Money {
  int32 cents = 1;
  string currency = 2;
}
`

// OrderProto is the Protobuf schema of orders-proto-value.
const OrderProto = `syntax = "proto3";
package shop;
import "common.proto";
message Order {
  string id = 1;
  shop.Money total = 2;
  message Line {
    string sku = 1;
    int32 qty = 2;
  }
  repeated Line lines = 3;
}
message Refund {
  string order_id = 1;
  string reason = 2;
}
`

// AvroMoney is a named Avro type in a subject of its own.
const AvroMoney = `{"type":"record","name":"Money","namespace":"shop","fields":[{"name":"cents","type":"int"},{"name":"currency","type":"string"}]}`

// AvroOrder names shop.Money, which the registry resolves through a reference.
const AvroOrder = `{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"string"},` +
	`{"name":"total","type":"shop.Money"},{"name":"note","type":["null","string"],"default":null}]}`

// AvroPayment has a field of every Avro logical type, two of them in nullable unions.
const AvroPayment = `{"type":"record","name":"Payment","namespace":"shop","fields":[` +
	`{"name":"id","type":{"type":"string","logicalType":"uuid"}},` +
	`{"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":12,"scale":2}},` +
	`{"name":"fee","type":{"type":"fixed","name":"Fee","size":8,"logicalType":"decimal","precision":10,"scale":4}},` +
	`{"name":"day","type":{"type":"int","logicalType":"date"}},` +
	`{"name":"cutoff_ms","type":{"type":"int","logicalType":"time-millis"}},` +
	`{"name":"cutoff_us","type":{"type":"long","logicalType":"time-micros"}},` +
	`{"name":"at_ms","type":{"type":"long","logicalType":"timestamp-millis"}},` +
	`{"name":"at_us","type":{"type":"long","logicalType":"timestamp-micros"}},` +
	`{"name":"local_ms","type":{"type":"long","logicalType":"local-timestamp-millis"}},` +
	`{"name":"local_us","type":{"type":"long","logicalType":"local-timestamp-micros"}},` +
	`{"name":"grace","type":{"type":"fixed","name":"Grace","size":12,"logicalType":"duration"}},` +
	`{"name":"refund","type":["null",{"type":"bytes","logicalType":"decimal","precision":12,"scale":2}],"default":null},` +
	`{"name":"settled","type":["null",{"type":"long","logicalType":"local-timestamp-millis"}],"default":null}]}`

// JSONAddress and JSONOrder are JSON schemas, the second referencing the first.
const (
	JSONAddress = `{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`
	JSONOrder   = `{"type":"object","properties":{"id":{"type":"string"},"qty":{"type":"integer","minimum":1},` +
		`"ship_to":{"$ref":"address.json"}},"required":["id","qty"]}`
)

// Registry is a seeded registry and the count of requests it has served.
type Registry struct {
	*srfake.Registry
	Requests atomic.Int32
	url      string
}

// URL is where the registry is served.
func (r *Registry) URL() string { return r.url }

// Start serves a seeded registry over HTTP until t ends. srfake.WithAuth(header) makes it answer only
// requests with that Authorization header (401 without one, 403 with another), as a registry behind
// basic auth or a bearer token does.
func Start(t testing.TB, opts ...srfake.Option) *Registry {
	t.Helper()
	r := New(opts...)
	t.Cleanup(r.Close)
	return r
}

// New serves a seeded registry on 127.0.0.1 until Close: the tests' through Start, and `mqscope demo
// --registry`'s (an in-process fake, not Confluent's registry).
func New(opts ...srfake.Option) *Registry {
	r := &Registry{Registry: srfake.New(opts...)}
	r.url = r.Registry.URL()
	r.seed()
	return r
}

// StartTLS serves a seeded registry over HTTPS until t ends, with a certificate for 127.0.0.1 signed by
// the CA in the PEM it returns.
func StartTLS(t testing.TB, opts ...srfake.Option) (*Registry, []byte) {
	t.Helper()
	r := &Registry{Registry: srfake.NewRegistry(opts...)}
	srv := httptest.NewTLSServer(r.Handler())
	t.Cleanup(srv.Close)
	r.url = srv.URL
	r.seed()
	return r, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
}

// BasicAuth is the Authorization header of HTTP basic auth, for srfake.WithAuth.
func BasicAuth(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

func (r *Registry) seed() {
	r.Intercept(func(http.ResponseWriter, *http.Request) bool {
		r.Requests.Add(1)
		return false
	})
	r.SeedSchema("shop-common", 1, ProtoCommonID, sr.Schema{Schema: CommonProto, Type: sr.TypeProtobuf})
	r.SeedSchema(ProtoSubject, 1, ProtoOrderID, sr.Schema{Schema: OrderProto, Type: sr.TypeProtobuf,
		References: []sr.SchemaReference{{Name: "common.proto", Subject: "shop-common", Version: 1}}})
	r.SeedSchema("avro-money", 1, AvroMoneyID, sr.Schema{Schema: AvroMoney, Type: sr.TypeAvro})
	r.SeedSchema(AvroSubject, 1, AvroOrderID, sr.Schema{Schema: AvroOrder, Type: sr.TypeAvro,
		References: []sr.SchemaReference{{Name: "shop.Money", Subject: "avro-money", Version: 1}}})
	r.SeedSchema(PaymentSubject, 1, AvroPaymentID, sr.Schema{Schema: AvroPayment, Type: sr.TypeAvro})
	r.SeedSchema("json-address", 1, JSONAddressID, sr.Schema{Schema: JSONAddress, Type: sr.TypeJSON})
	r.SeedSchema(JSONSubject, 1, JSONOrderID, sr.Schema{Schema: JSONOrder, Type: sr.TypeJSON,
		References: []sr.SchemaReference{{Name: "address.json", Subject: "json-address", Version: 1}}})
}
