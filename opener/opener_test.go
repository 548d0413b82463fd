package opener

import (
	"context"
	"reflect"
	"testing"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/kafka"
	"github.com/mqscope/mqscope/backends/rabbitmq"
	"github.com/mqscope/mqscope/config"
)

var tlsSettings = &config.TLSConfig{CAFile: "/ca.pem", CertFile: "/me.pem", KeyFile: "/me.key", ServerName: "k1",
	InsecureSkipVerify: true}

// Every security setting of a context reaches the adapter: a field added to config.TLSConfig without a
// counterpart in an adapter's TLS fails here.
func TestOpenerMapsEverySetting(t *testing.T) {
	t.Setenv("MQSCOPE_TEST_MAP_PW", "env-pw-123")
	k := config.Context{Name: "k", Kafka: &config.KafkaConfig{Brokers: []string{"k1:9093"}, TLS: tlsSettings,
		SASL: &config.SASLConfig{Mechanism: "SCRAM-SHA-512", Username: "ops",
			PasswordSource: config.PasswordSource{PasswordEnv: "MQSCOPE_TEST_MAP_PW"}}}}
	k, err := k.WithSecrets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	kc := kafkaConfig(k.Kafka)
	if want := (kafka.SASL{Mechanism: "SCRAM-SHA-512", Username: "ops", Password: "env-pw-123"}); *kc.SASL != want {
		t.Errorf("SASL = %v", kc.SASL)
	}
	sameFields(t, *tlsSettings, *kc.TLS)

	r := config.Context{Name: "r", RabbitMQ: &config.RabbitMQConfig{URL: "amqps://ops@h:5671/", Vhost: "orders",
		ManagementURL: "https://h:15671", TLS: tlsSettings,
		PasswordSource: config.PasswordSource{PasswordEnv: "MQSCOPE_TEST_MAP_PW"}}}
	r, err = r.WithSecrets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rc := rabbitmqConfig(r.RabbitMQ)
	if rc.URL != "amqps://ops:env-pw-123@h:5671/orders" || rc.Vhost != "orders" || rc.ManagementURL != "https://h:15671" {
		t.Errorf("rabbitmq config = %+v", rc)
	}
	sameFields(t, *tlsSettings, *rc.TLS)

	if kafkaConfig(&config.KafkaConfig{Brokers: []string{"k:1"}}).TLS != nil ||
		rabbitmqConfig(&config.RabbitMQConfig{URL: "amqp://h/"}).TLS != (*rabbitmq.TLS)(nil) {
		t.Error("TLS settings made up where the context has none")
	}
}

// sameFields checks that every field of from has a field of the same name and value in to.
func sameFields(t *testing.T, from, to any) {
	t.Helper()
	f, g := reflect.ValueOf(from), reflect.ValueOf(to)
	for i := 0; i < f.NumField(); i++ {
		name := f.Type().Field(i).Name
		if got := g.FieldByName(name); !got.IsValid() || !reflect.DeepEqual(got.Interface(), f.Field(i).Interface()) {
			t.Errorf("%T.%s is not carried to %T", from, name, to)
		}
	}
}

// The config spells broker kinds as the contract does, so that errors and the log name them alike.
func TestConfigKindsAreTheContractsKinds(t *testing.T) {
	k := config.Context{Kafka: &config.KafkaConfig{}}
	r := config.Context{RabbitMQ: &config.RabbitMQConfig{}}
	if backends.Kind(k.Kind()) != backends.Kafka || backends.Kind(r.Kind()) != backends.RabbitMQ {
		t.Errorf("config kinds %q and %q, contract kinds %q and %q", k.Kind(), r.Kind(), backends.Kafka, backends.RabbitMQ)
	}
}
