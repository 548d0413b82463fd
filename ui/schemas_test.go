package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/kafka"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/internal/testkit/kafkafix"
	"github.com/mqscope/mqscope/internal/testkit/srfix"
)

// :schemas lists the registry's subjects with the topics that use them; enter on one shows its versions,
// references and the schema text, scrolled a window at a time. Without a registry :schemas says how to
// configure one and the UI stays where it was.
func TestSchemasViewBrowsesTheRegistry(t *testing.T) {
	t.Parallel()
	reg := srfix.Start(t)
	cluster := kafkafix.Start(t)
	open := func(ctx context.Context, c config.Context) (backends.Backend, error) {
		return kafka.Open(ctx, kafka.Config{Brokers: c.Kafka.Brokers})
	}
	c := config.Context{Name: "kfake", Kafka: &config.KafkaConfig{Brokers: cluster.ListenAddrs(), SchemaRegistry: config.RegistryURL(reg.URL())}}
	h := newHarness(t, Options{Context: c, Open: open}, 120, 20)
	t.Cleanup(h.m.Close)
	h.run(h.m.Init())
	h.mustShow("● connected")
	b, err := kafka.Open(context.Background(), kafka.Config{Brokers: cluster.ListenAddrs()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.CreateDestination(context.Background(), backends.DestinationSpec{Name: "orders-proto", Partitions: 1}); err != nil {
		t.Fatal(err)
	}

	h.run(h.key("?"))
	h.mustShow(":schemas")
	h.run(h.key("esc"))
	h.command("schemas")
	h.mustMatch(`SUBJECT\b.* +VERSION +TYPE +COMPATIBILITY +ID +TOPICS`,
		`orders-proto-value +1 +protobuf +BACKWARD +2 +orders-proto`, `orders-avro-value +1 +avro`)
	h.filterTo("orders-proto-value")
	h.run(h.key("enter"))
	h.mustShow("orders-proto-value", "common.proto → shop-common v1", "schema (protobuf)", "syntax = \"proto3\";")
	h.mustMatch(`lines 1–\d+ of \d+`)
	h.run(h.key("G"))
	h.mustShow("string reason = 2;")
}

func TestSchemasWithoutARegistrySaysHowToSetOne(t *testing.T) {
	t.Parallel()
	h, _ := kafkaHarness(t, false)
	h.command("schemas")
	h.mustShow("no schema registry is configured: set kafka.schema-registry")
	h.run(h.key("?"))
	if s := h.screen(); strings.Contains(s, ":schemas") {
		t.Errorf("help offers :schemas without a registry:\n%s", s)
	}
}

// A registry that refuses the context's credentials: :schemas says so on the flash line (at 80 columns,
// the reason first), the broker stays connected (the registry is not the broker: no redial), and the
// password shows nowhere on screen.
func TestSchemasWithRefusedCredentialsHidesThePassword(t *testing.T) {
	t.Parallel()
	const secret = "s3cret-tui-registry"
	reg := srfix.Start(t, srfake.WithAuth(srfix.BasicAuth("api-key", "the-right-one")))
	cluster := kafkafix.Start(t)
	opened := 0
	open := func(ctx context.Context, c config.Context) (backends.Backend, error) {
		opened++
		return kafka.Open(ctx, kafka.Config{Brokers: c.Kafka.Brokers})
	}
	c := config.Context{Name: "kfake", Kafka: &config.KafkaConfig{Brokers: cluster.ListenAddrs(), SchemaRegistry: &config.SchemaRegistryConfig{
		URL: reg.URL(), Username: "api-key", PasswordSource: config.PasswordSource{Password: secret}}}}
	h := newHarness(t, Options{Context: c, Open: open}, 80, 20)
	t.Cleanup(h.m.Close)
	h.run(h.m.Init())
	h.mustShow("● connected")
	h.command("schemas")
	h.mustShow("list subjects: the schema registry refused the credentials (HTTP 403", "● connected")
	if strings.Contains(h.screen(), secret) || strings.Contains(h.screen(), "unreachable") || opened != 1 {
		t.Errorf("opened the broker %d times; screen:\n%s", opened, h.screen())
	}
}
