package srfix

import (
	"context"
	"testing"

	"github.com/bufbuild/protocompile"
	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// OrderTypes compiles the fixture's order schema (order.proto importing common.proto) independently of
// the code under test, to write payloads with.
func OrderTypes(t testing.TB) protoreflect.FileDescriptor {
	t.Helper()
	fd, err := CompileOrder()
	if err != nil {
		t.Fatal(err)
	}
	return fd
}

// CompileOrder is OrderTypes for code without a testing.TB (the demo's seeding).
func CompileOrder() (protoreflect.FileDescriptor, error) {
	c := protocompile.Compiler{Resolver: &protocompile.SourceResolver{Accessor: protocompile.SourceAccessorFromMap(
		map[string]string{"order.proto": OrderProto, "common.proto": CommonProto})}}
	fds, err := c.Compile(context.Background(), "order.proto")
	if err != nil {
		return nil, err
	}
	return fds[0], nil
}

// ProtoPayload is the Protobuf encoding of js, a message of type md in protojson.
func ProtoPayload(t testing.TB, md protoreflect.MessageDescriptor, js string) []byte {
	t.Helper()
	b, err := EncodeProto(md, js)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// EncodeProto is ProtoPayload for code without a testing.TB.
func EncodeProto(md protoreflect.MessageDescriptor, js string) ([]byte, error) {
	m := dynamicpb.NewMessage(md)
	if err := protojson.Unmarshal([]byte(js), m); err != nil {
		return nil, err
	}
	return proto.Marshal(m)
}

// AvroOrderSchema is the Avro order schema with its Money reference resolved, compiled independently of
// the code under test (hamba/avro), to write payloads with.
func AvroOrderSchema() (avro.Schema, error) {
	cache := &avro.SchemaCache{}
	if _, err := avro.ParseWithCache(AvroMoney, "", cache); err != nil {
		return nil, err
	}
	return avro.ParseWithCache(AvroOrder, "", cache)
}

// Wire is the Confluent wire format written by hand: magic byte, id, message indexes, payload.
func Wire(id int, index []int, payload []byte) []byte {
	b, _ := new(sr.ConfluentHeader).AppendEncode(nil, id, index)
	return append(b, payload...)
}
