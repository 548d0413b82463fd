package decode

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/hamba/avro/v2"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/mqscope/mqscope/internal/testkit/srfix"
)

// sameJSON fails unless a and b hold the same JSON value, whatever the spacing and key order.
func sameJSON(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Errorf("JSON = %s, want %s", gb, wb)
	}
}

func newRegistry(t *testing.T, url string, o RegistryOptions) *Registry {
	t.Helper()
	r, err := NewRegistryWith(url, o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestWireFormatEveryType(t *testing.T) {
	t.Parallel()
	fix := srfix.Start(t)
	d := Decoder{Registry: newRegistry(t, fix.URL(), RegistryOptions{})}
	file := srfix.OrderTypes(t)
	order := `{"id":"o-1","total":{"cents":1250,"currency":"EUR"},"lines":[{"sku":"tea","qty":2}]}`
	refund := `{"orderId":"o-1","reason":"late"}`
	avroSchema, err := avro.ParseWithCache(srfix.AvroOrder, "", func() *avro.SchemaCache {
		c := &avro.SchemaCache{}
		_, _ = avro.ParseWithCache(srfix.AvroMoney, "", c)
		return c
	}())
	if err != nil {
		t.Fatal(err)
	}
	avroPayload, err := avro.Marshal(avroSchema, map[string]any{"id": "o-2",
		"total": map[string]any{"cents": 99, "currency": "USD"}, "note": map[string]any{"string": "gift"}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		body   []byte
		format Format
		want   string
	}{
		{"protobuf, first message, reference", srfix.Wire(srfix.ProtoOrderID, []int{0}, srfix.ProtoPayload(t, file.Messages().Get(0), order)), Protobuf, order},
		{"protobuf, second message", srfix.Wire(srfix.ProtoOrderID, []int{1}, srfix.ProtoPayload(t, file.Messages().Get(1), refund)), Protobuf, refund},
		{"protobuf, nested message", srfix.Wire(srfix.ProtoOrderID, []int{0, 0}, srfix.ProtoPayload(t, file.Messages().Get(0).Messages().Get(0), `{"sku":"x","qty":3}`)), Protobuf, `{"sku":"x","qty":3}`},
		{"avro, reference", srfix.Wire(srfix.AvroOrderID, nil, avroPayload), Avro, `{"id":"o-2","total":{"cents":99,"currency":"USD"},"note":"gift"}`},
		{"json schema", srfix.Wire(srfix.JSONOrderID, nil, []byte(`{"id":"o-3","qty":1}`)), JSONSchema, `{"id":"o-3","qty":1}`},
	}
	for _, c := range cases {
		got := d.Decode(context.Background(), c.body)
		if got.Format != c.format || !got.Structured || got.Note != "" {
			t.Errorf("%s: Format=%s Structured=%v Note=%q\n%s", c.name, got.Format, got.Structured, got.Note, got.Text)
			continue
		}
		sameJSON(t, got.Text, c.want)
	}
	// Three ids decoded (one of them three times), three references fetched: each asked once.
	if n := fix.Requests.Load(); n != 6 {
		t.Errorf("the registry served %d requests, want 6 (3 schemas by id, 3 references; then the cache)", n)
	}
}

func TestUnknownSchemaIDShowsHexWithReasonAndIsAskedOnce(t *testing.T) {
	t.Parallel()
	fix := srfix.Start(t)
	d := Decoder{Registry: newRegistry(t, fix.URL(), RegistryOptions{})}
	body := srfix.Wire(srfix.UnknownSchemaID, nil, []byte("whatever"))
	for range 5 {
		got := d.Decode(context.Background(), body)
		if got.Format != Binary || got.SchemaID != srfix.UnknownSchemaID || !strings.Contains(got.Note, "schema id 99") ||
			!strings.Contains(got.Note, "404") || !strings.Contains(got.Text, "00 00 00 00 63") {
			t.Fatalf("unknown id: %+v", got)
		}
	}
	if n := fix.Requests.Load(); n != 1 {
		t.Errorf("an unknown id was asked %d times in a row, want 1", n)
	}
}

// A registry that accepts connections and never answers: every decode would wait a whole timeout.
func TestRegistryDownCostsOneTimeout(t *testing.T) {
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
	const timeout = 300 * time.Millisecond
	d := Decoder{Registry: newRegistry(t, "http://"+ln.Addr().String(), RegistryOptions{Timeout: timeout})}
	start := time.Now()
	var wg sync.WaitGroup
	notes := make([]string, 20)
	for i := range notes {
		wg.Go(func() {
			got := d.Decode(context.Background(), srfix.Wire(1+i%4, nil, []byte{2, 'x'}))
			if got.Format == Binary {
				notes[i] = got.Note
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if accepted.Load() != 1 {
		t.Errorf("20 decodes of 4 ids opened %d connections to a silent registry, want 1", accepted.Load())
	}
	if elapsed > 3*timeout {
		t.Errorf("20 decodes took %s with a %s timeout: more than one timeout", elapsed, timeout)
	}
	for i, n := range notes {
		if !strings.Contains(n, "did not answer") {
			t.Fatalf("decode %d: note %q, want the registry named as not answering", i, n)
		}
	}
}

func TestProtoFilesWithoutRegistry(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir+"/common.proto", srfix.CommonProto)
	writeFile(t, dir+"/order.proto", srfix.OrderProto)
	p, err := LoadProtoFiles(context.Background(), ProtoSettings{Files: []string{"order.proto"}, ImportPaths: []string{dir},
		Types: map[string]string{"orders": "shop.Order", "refunds": "shop.Refund"}})
	if err != nil {
		t.Fatal(err)
	}
	file := srfix.OrderTypes(t)
	order := `{"id":"o-9","total":{"cents":5,"currency":"EUR"}}`
	d := Decoder{Protos: p}
	got := d.DecodeInput(context.Background(), Input{Body: srfix.ProtoPayload(t, file.Messages().Get(0), order), Destination: "orders"})
	if got.Format != Protobuf {
		t.Fatalf("bare protobuf with a .proto context: %+v", got)
	}
	sameJSON(t, got.Text, order)
	// Wire format, no registry: the settings' type, after the indexes.
	wired := d.DecodeInput(context.Background(), Input{Body: srfix.Wire(7, []int{1}, srfix.ProtoPayload(t, file.Messages().Get(1), `{"reason":"x"}`)), Destination: "refunds"})
	if wired.Format != Protobuf || !strings.Contains(wired.Note, "no registry") {
		t.Fatalf("wire format with settings: %+v", wired)
	}
	sameJSON(t, wired.Text, `{"reason":"x"}`)
	if _, err := LoadProtoFiles(context.Background(), ProtoSettings{Files: []string{"order.proto"}, ImportPaths: []string{dir},
		Types: map[string]string{"orders": "shop.Nope"}}); err == nil || !strings.Contains(err.Error(), "shop.Nope") {
		t.Errorf("an unknown type: %v", err)
	}
}

func TestChoiceAndOverride(t *testing.T) {
	t.Parallel()
	cborBody, _ := cbor.Marshal(map[string]any{"a": 1, "b": []any{"x"}})
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(`{"zipped":true}`))
	_ = zw.Close()
	cases := []struct {
		name   string
		use    string
		in     Input
		format Format
		note   string
	}{
		{"cbor sniffed", "", Input{Body: cborBody}, CBOR, "recognised as CBOR"},
		{"gzip inflated", "", Input{Body: gz.Bytes(), ContentEncoding: "gzip"}, JSON, "content-encoding gzip"},
		{"bad gzip", "", Input{Body: []byte("plain"), ContentEncoding: "gzip"}, Binary, "not gzip"},
		{"content-type", "", Input{Body: cborBody, ContentType: "application/cbor"}, CBOR, ""},
		{"forced json on text", "json", Input{Body: []byte("hello")}, Binary, "json: not valid JSON"},
		{"forced hex", "hex", Input{Body: []byte(`{"a":1}`)}, Binary, ""},
		{"forced avro, not wire", "avro", Input{Body: []byte(`{"a":1}`)}, Binary, "avro: not in the Confluent wire format"},
		{"forced protobuf, no type", "protobuf", Input{Body: []byte{8, 1}, Destination: "t"}, Binary, `give "t" no type`},
		{"unknown name", "yaml", Input{Body: []byte("x")}, Binary, `no decoder named "yaml"`},
	}
	for _, c := range cases {
		got := (&Decoder{Use: c.use}).DecodeInput(context.Background(), c.in)
		if got.Format != c.format || !strings.Contains(got.Note, c.note) || got.Text == "" {
			t.Errorf("%s: Format=%s Note=%q Text=%q", c.name, got.Format, got.Note, got.Text)
		}
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	t.Parallel()
	fix := srfix.Start(t)
	reg := newRegistry(t, fix.URL(), RegistryOptions{})
	d := Decoder{Registry: reg}
	cases := []struct {
		subject string
		body    string
		format  Format
	}{
		{srfix.ProtoSubject, `{"id":"o-1","total":{"cents":7,"currency":"EUR"},"lines":[{"sku":"a","qty":1}]}`, Protobuf},
		{srfix.AvroSubject + ":1", `{"id":"o-2","total":{"cents":7,"currency":"EUR"},"note":"hi"}`, Avro},
		{srfix.JSONSubject + ":latest", `{"id":"o-3","qty":2,"ship_to":{"city":"Lyon"}}`, JSONSchema},
	}
	for _, c := range cases {
		ref, err := ParseSchemaRef(c.subject)
		if err != nil {
			t.Fatal(err)
		}
		wire, s, err := reg.Encode(context.Background(), ref, []byte(c.body))
		if err != nil {
			t.Fatalf("%s: %v", c.subject, err)
		}
		if id, _, ok := ConfluentWire(wire); !ok || id != s.ID {
			t.Fatalf("%s: not wire format with id %d: % x", c.subject, s.ID, wire[:8])
		}
		got := d.Decode(context.Background(), wire)
		if got.Format != c.format {
			t.Fatalf("%s: decoded as %s: %s", c.subject, got.Format, got.Note)
		}
		sameJSON(t, got.Text, c.body)
	}
	// A Protobuf schema of several message types writes the one named after #, with its message indexes.
	for spec, want := range map[string]string{
		srfix.ProtoSubject + "#shop.Refund":       `{"orderId":"o-1","reason":"late"}`,
		srfix.ProtoSubject + ":1#Refund":          `{"orderId":"o-2","reason":"lost"}`,
		srfix.ProtoSubject + "#shop.Order.Line":   `{"sku":"tea","qty":2}`,
		srfix.ProtoSubject + ":latest#shop.Order": `{"id":"o-3"}`,
	} {
		ref, err := ParseSchemaRef(spec)
		if err != nil {
			t.Fatal(err)
		}
		wire, _, err := reg.Encode(context.Background(), ref, []byte(want))
		if err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
		got := d.Decode(context.Background(), wire)
		if got.Format != Protobuf || got.Note != "" {
			t.Fatalf("%s: decoded as %s: %s", spec, got.Format, got.Note)
		}
		sameJSON(t, got.Text, want)
	}
	bad := []struct{ subject, body, want string }{
		{srfix.ProtoSubject + "#shop.Nope", `{}`, `subject orders-proto-value (latest) message shop.Nope: the schema declares no message "shop.Nope"; it has shop.Order, shop.Order.Line, shop.Refund`},
		{srfix.ProtoSubject + "#Line", `{"orderId":"x"}`, `not a shop.Order.Line`},
		{srfix.AvroSubject + "#shop.Order", `{}`, "#shop.Order names a Protobuf message type, and the schema is avro"},
		{srfix.JSONSubject, `{"id":"o","qty":0}`, "does not match the JSON schema"},
		{srfix.AvroSubject, `{"id":"o"}`, "total: missing"},
		{srfix.ProtoSubject, `{"nope":1}`, "not a shop.Order"},
		{"no-such-subject", `{}`, "404"},
	}
	for _, b := range bad {
		ref, _ := ParseSchemaRef(b.subject)
		if _, _, err := reg.Encode(context.Background(), ref, []byte(b.body)); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%s %s: err %v, want %q", b.subject, b.body, err, b.want)
		}
	}
}

func TestParseSchemaRef(t *testing.T) {
	for in, want := range map[string]SchemaRef{"orders-value": {"orders-value", 0, ""}, "orders-value:3": {"orders-value", 3, ""},
		"orders-value:latest": {"orders-value", 0, ""}, ":.ctx:orders": {":.ctx:orders", 0, ""}, ":.ctx:orders:2": {":.ctx:orders", 2, ""},
		"orders-value#shop.Refund": {"orders-value", 0, "shop.Refund"}, "orders-value:2#Refund": {"orders-value", 2, "Refund"},
		"orders-value:latest#shop.Order.Line": {"orders-value", 0, "shop.Order.Line"},
		"odd#subject!":                        {"odd#subject!", 0, ""}, "odd#:4": {"odd#", 4, ""}} {
		if got, err := ParseSchemaRef(in); err != nil || got != want {
			t.Errorf("ParseSchemaRef(%q) = %+v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", ":3", "x:0", "#shop.Refund", "x:0#shop.Refund"} {
		if _, err := ParseSchemaRef(in); err == nil {
			t.Errorf("ParseSchemaRef(%q) accepted", in)
		}
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// A descriptor set (protoc --include_imports --descriptor_set_out) stands in for .proto files.
func TestProtoDescriptorSet(t *testing.T) {
	t.Parallel()
	file := srfix.OrderTypes(t)
	set := &descriptorpb.FileDescriptorSet{File: []*descriptorpb.FileDescriptorProto{
		protodesc.ToFileDescriptorProto(file.Imports().Get(0).FileDescriptor), protodesc.ToFileDescriptorProto(file)}}
	raw, err := proto.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	path := t.TempDir() + "/shop.pb"
	writeFile(t, path, string(raw))
	p, err := LoadProtoFiles(context.Background(), ProtoSettings{DescriptorSet: path, Types: map[string]string{"refunds": "shop.Refund"}})
	if err != nil {
		t.Fatal(err)
	}
	got := (&Decoder{Protos: p}).DecodeInput(context.Background(),
		Input{Body: srfix.ProtoPayload(t, file.Messages().Get(1), `{"orderId":"o-1"}`), Destination: "refunds"})
	if got.Format != Protobuf {
		t.Fatalf("%+v", got)
	}
	sameJSON(t, got.Text, `{"orderId":"o-1"}`)
	writeFile(t, path, "not a descriptor set")
	if _, err := LoadProtoFiles(context.Background(), ProtoSettings{DescriptorSet: path, Types: map[string]string{"x": "shop.Refund"}}); err == nil {
		t.Error("a file that is not a descriptor set was accepted")
	}
}

// BenchmarkDecodeProtobufWire is the cost of showing one wire-format Protobuf body once its schema is
// cached: what a peek of a Protobuf topic pays per record.
func BenchmarkDecodeProtobufWire(b *testing.B) {
	fix := srfix.Start(b)
	reg, _ := NewRegistry(fix.URL())
	wire, _, err := reg.Encode(context.Background(), SchemaRef{Subject: srfix.ProtoSubject},
		[]byte(`{"id":"o-1","total":{"cents":1250,"currency":"EUR"},"lines":[{"sku":"tea","qty":2},{"sku":"cup","qty":1}]}`))
	if err != nil {
		b.Fatal(err)
	}
	d := Decoder{Registry: reg}
	b.ReportAllocs()
	for b.Loop() {
		if d.Decode(context.Background(), wire).Format != Protobuf {
			b.Fatal("not decoded")
		}
	}
}

// A CacheOnly decode (the TUI's, on its UI goroutine) never asks the registry: a schema not fetched yet
// shows the bytes with ErrNotFetched; once ByID fetched it, the same decode reads it. A lookup cancelled
// by its caller is not remembered as the id's failure.
func TestCacheOnlyNeverAsks(t *testing.T) {
	t.Parallel()
	fix := srfix.Start(t)
	reg := newRegistry(t, fix.URL(), RegistryOptions{})
	body := srfix.Wire(srfix.JSONOrderID, nil, []byte(`{"id":"o-3","qty":1}`))
	cacheOnly := Decoder{Registry: reg, CacheOnly: true}
	got := cacheOnly.Decode(context.Background(), body)
	if got.Format != Binary || !strings.Contains(got.Note, "schema id 6") || !strings.Contains(got.Note, ErrNotFetched.Error()) {
		t.Fatalf("not fetched yet: %+v", got)
	}
	if n := fix.Requests.Load(); n != 0 || reg.Fetched(srfix.JSONOrderID) {
		t.Fatalf("a cache-only decode asked the registry %d times", n)
	}

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := reg.ByID(cancelled, srfix.JSONOrderID); !errors.Is(err, context.Canceled) || reg.Fetched(srfix.JSONOrderID) {
		t.Fatalf("a cancelled lookup: %v, remembered %v", err, reg.Fetched(srfix.JSONOrderID))
	}
	if _, err := reg.ByID(context.Background(), srfix.JSONOrderID); err != nil || !reg.Fetched(srfix.JSONOrderID) {
		t.Fatalf("fetch: %v", err)
	}
	asked := fix.Requests.Load()
	got = cacheOnly.Decode(context.Background(), body)
	if got.Format != JSONSchema || !strings.Contains(got.Text, `"o-3"`) || fix.Requests.Load() != asked {
		t.Fatalf("after the fetch, from the cache: %+v (requests %d → %d)", got, asked, fix.Requests.Load())
	}
}

// A registry behind a proxy that answers 503 while the registry is down counts as down, not as the
// registry's answer about that id: the browser asks again once it may be back.
func TestRegistryBehindAFailingProxyIsDown(t *testing.T) {
	t.Parallel()
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "no healthy upstream", http.StatusServiceUnavailable)
	}))
	t.Cleanup(proxy.Close)
	r := newRegistry(t, proxy.URL, RegistryOptions{})
	_, err := r.ByID(context.Background(), 1)
	if !errors.Is(err, ErrRegistryDown) || !strings.Contains(err.Error(), "HTTP 503") {
		t.Fatalf("a 503 from the proxy: %v; want ErrRegistryDown naming HTTP 503", err)
	}
}
