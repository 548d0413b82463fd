package config

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
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

// schema-registry as a mapping: a user and a password from the file's usual sources (read only when the
// registry is first asked), a CA relative to the file; mistakes at their line; the URL alone still reads.
func TestSchemaRegistryCredentials(t *testing.T) {
	t.Setenv("MQSCOPE_TEST_SR_PW", "s3cret-from-env")
	path := write(t, `contexts:
  - name: cloud
    kafka:
      brokers: ["k:9092"]
      schema-registry:
        url: https://sr.example:443
        username: API_KEY
        password-env: MQSCOPE_TEST_SR_PW
        tls: {ca-file: certs/sr-ca.pem}
  - name: token
    kafka: {brokers: ["k:9092"], schema-registry: {url: "http://sr:8081", password-file: token.txt}}
  - name: in-url
    kafka: {brokers: ["k:9092"], schema-registry: "http://u:s3cret-in-url@sr:8081"}
`)
	dir := filepath.Dir(path)
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	s := f.Contexts[0].DecodeSetup()
	pw, err := s.Registry.Password(context.Background())
	if s.RegistryURL != "https://sr.example:443" || s.Registry.Username != "API_KEY" || err != nil || pw != "s3cret-from-env" ||
		s.Registry.TLS.CAFile != filepath.Join(dir, "certs/sr-ca.pem") || s.Registry.PasswordSetting != "kafka.schema-registry.password-env" {
		t.Errorf("cloud: %+v %q %v", s, pw, err)
	}
	s = f.Contexts[1].DecodeSetup()
	_, err = s.Registry.Password(context.Background())
	if s.Registry.Username != "" || err == nil || !strings.Contains(err.Error(), `context "token": kafka.schema-registry.password-file `+filepath.Join(dir, "token.txt")) {
		t.Errorf("token: %+v %v", s.Registry, err)
	}
	s = f.Contexts[2].DecodeSetup()
	pw, _ = s.Registry.Password(context.Background())
	if s.RegistryURL != "http://sr:8081" || s.Registry.Username != "u" || pw != "s3cret-in-url" {
		t.Errorf("in the URL: %q %+v %q", s.RegistryURL, s.Registry, pw)
	}
	if w := strings.Join(f.Warnings("in-url"), "\n"); !strings.Contains(w, "the password in kafka.schema-registry.url") {
		t.Errorf("warnings: %q", w)
	}

	// --schema-registry replaces the URL and keeps the file's credentials.
	c, err := f.Resolve(Flags{Context: "cloud", SchemaRegistry: "https://other:443"})
	if s := c.DecodeSetup(); err != nil || s.RegistryURL != "https://other:443" || s.Registry.Username != "API_KEY" {
		t.Errorf("flag: %+v %v", s, err)
	}

	for body, want := range map[string]string{
		`{url: "http://sr:8081", username: u}`:                                   "schema-registry has a username and no password",
		`{url: "http://sr:8081", password-env: A, password-file: b}`:             "give one of password-env and password-file",
		`{url: "http://sr:8081", tls: {}}`:                                       "tls is for an https:// registry URL",
		`{username: u, password-env: A}`:                                         "schema-registry needs url",
		`{url: "ftp://sr"}`:                                                      "must start with http:// or https://",
		`{url: "http://sr:8081", passwrd-env: A}`:                                "passwrd-env",
		`[http://sr:8081]`:                                                       "schema-registry must be a URL, or a mapping",
		`{url: "https://sr:8081", tls: {cert-file: c.pem}, password-cmd: "x y"}`: "needs both cert-file and key-file",
	} {
		_, err := Load(write(t, "contexts:\n  - name: x\n    kafka:\n      brokers: [\"k:9092\"]\n      schema-registry: "+body+"\n"))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), ":5:") {
			t.Errorf("%s: %v, want %q at line 5", body, err, want)
		}
	}
}

// A registry's password is never printed, whatever prints the context.
func TestSchemaRegistryPasswordStaysHidden(t *testing.T) {
	c := Context{Name: "x", Kafka: &KafkaConfig{Brokers: []string{"k:1"}, SchemaRegistry: &SchemaRegistryConfig{URL: "http://sr:1",
		Username: "u", PasswordSource: PasswordSource{Password: "s3cret-inline", PasswordCmd: "pass show sr-token"}}}}
	y, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	j, _ := json.Marshal(c)
	for _, out := range []string{string(y), string(j), fmt.Sprintf("%+v %v", *c.Kafka.SchemaRegistry, c)} {
		if strings.Contains(out, "s3cret-inline") || strings.Contains(out, "sr-token") {
			t.Errorf("the password shows: %s", out)
		}
	}
	plain, _ := yaml.Marshal(KafkaConfig{Brokers: []string{"k:1"}, SchemaRegistry: RegistryURL("http://sr:1")})
	if !strings.Contains(string(plain), "schema-registry: http://sr:1\n") {
		t.Errorf("a URL alone is written as one: %s", plain)
	}
}
