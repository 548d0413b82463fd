package config

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// decode.protobuf: paths relative to the file's folder, files relative to the import paths when there
// are some; a setting that names no files or no types is an error at its line.
func TestDecodeSettings(t *testing.T) {
	path := write(t, `contexts:
  - name: with-paths
    kafka: {brokers: ["k:9092"], schema-registry: "http://sr:8081"}
    decode:
      protobuf: {import-paths: [protos], files: [shop/order.proto], types: {orders: shop.Order}}
  - name: bare-files
    rabbitmq: {url: "amqp://guest@r:5672/"}
    decode:
      protobuf: {files: [order.proto], descriptor-set: shop.pb, types: {jobs: shop.Job}}
`)
	dir := filepath.Dir(path)
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	s := f.Contexts[0].DecodeSetup()
	if s.RegistryURL != "http://sr:8081" || !reflect.DeepEqual(s.Protobuf.ImportPaths, []string{filepath.Join(dir, "protos")}) ||
		!reflect.DeepEqual(s.Protobuf.Files, []string{"shop/order.proto"}) || s.Protobuf.Types["orders"] != "shop.Order" {
		t.Errorf("with import paths: %+v %+v", s, s.Protobuf)
	}
	s = f.Contexts[1].DecodeSetup()
	if s.RegistryURL != "" || !reflect.DeepEqual(s.Protobuf.Files, []string{filepath.Join(dir, "order.proto")}) ||
		s.Protobuf.DescriptorSet != filepath.Join(dir, "shop.pb") {
		t.Errorf("without import paths: %+v %+v", s, s.Protobuf)
	}
	for body, want := range map[string]string{
		`decode: {protobuf: {types: {a: b.C}}}`:           "protobuf needs files",
		`decode: {protobuf: {files: [a.proto]}}`:          "protobuf needs types",
		`decode: {protobuf: {files: [a.proto], typo: 1}}`: "typo",
	} {
		_, err := Load(write(t, "contexts:\n  - name: x\n    kafka: {brokers: [\"k:9092\"]}\n    "+body+"\n"))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", body, err, want)
		}
	}
}

// --schema-registry sets a Kafka context's registry, and is refused for other brokers and bad URLs.
func TestSchemaRegistryFlag(t *testing.T) {
	f := &File{}
	c, err := f.Resolve(Flags{Kafka: "k:9092", SchemaRegistry: "http://sr:8081"})
	if err != nil || c.DecodeSetup().RegistryURL != "http://sr:8081" {
		t.Fatalf("%+v %v", c.Kafka, err)
	}
	if _, err := f.Resolve(Flags{RabbitMQ: "amqp://r:5672/", SchemaRegistry: "http://sr:8081"}); err == nil ||
		!strings.Contains(err.Error(), "--schema-registry is for Kafka") {
		t.Errorf("rabbitmq: %v", err)
	}
	if _, err := f.Resolve(Flags{Kafka: "k:9092", SchemaRegistry: "ftp://sr"}); err == nil || !strings.Contains(err.Error(), "--schema-registry") {
		t.Errorf("ftp: %v", err)
	}
}
