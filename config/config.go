// Package config reads the contexts file and overlays flags and environment on it. It knows nothing of
// brokers' client libraries: it describes where to connect, and main.go turns that into a backend.
package config

import (
	"net/url"
	"strings"
	"time"

	"github.com/mqscope/mqscope/decode"
	"github.com/mqscope/mqscope/redact"
)

// DefaultRefresh is how often views refresh when neither the context nor a flag says otherwise.
const DefaultRefresh = 2 * time.Second

// MinRefresh is the shortest refresh a context, the TUI or `lag --watch --interval` may ask for: every
// refresh costs the broker requests, and a person cannot read faster.
const MinRefresh = 500 * time.Millisecond

// File is the contexts file as written on disk.
type File struct {
	CurrentContext string `yaml:"current-context,omitempty"`
	// Theme is the theme of contexts that name none; empty follows the terminal's background.
	Theme    string      `yaml:"theme,omitempty"`
	Keys     KeyBindings `yaml:"keys,omitempty"` // the user's key bindings, on top of the built-in ones
	Contexts []Context   `yaml:"contexts,omitempty"`

	// Path is where the file was read from (or would be, when it does not exist yet); errors name it.
	Path string `yaml:"-"`
	// warnings are things the file allows but should not do (a file others can read, a password written
	// inline), by the context they concern ("" for the whole file).
	warnings []warning
}

type warning struct{ context, msg string }

// Warnings are what the file does that it should not, one line each, for the front end to show once:
// those about the whole file (others can read it), and those about the context named (its password is
// written inline), which is the one in use.
func (f *File) Warnings(context string) []string {
	var out []string
	for _, w := range f.warnings {
		if w.context == "" || w.context == context {
			out = append(out, w.msg)
		}
	}
	return out
}

// Context is one named connection: exactly one of Kafka, RabbitMQ, Redis, NATS, MQTT or SQS is set.
type Context struct {
	Name     string          `yaml:"name"`
	Kafka    *KafkaConfig    `yaml:"kafka,omitempty"`
	RabbitMQ *RabbitMQConfig `yaml:"rabbitmq,omitempty"`
	Redis    *RedisConfig    `yaml:"redis,omitempty"`
	NATS     *NATSConfig     `yaml:"nats,omitempty"`
	MQTT     *MQTTConfig     `yaml:"mqtt,omitempty"`
	SQS      *SQSConfig      `yaml:"sqs,omitempty"`
	ReadOnly bool            `yaml:"read-only,omitempty"`
	Theme    string          `yaml:"theme,omitempty"`
	Refresh  Duration        `yaml:"refresh,omitempty"`
	Decode   *DecodeConfig   `yaml:"decode,omitempty"`
}

// DecodeConfig is how a context's bodies are decoded beyond what they say of themselves (the Kafka
// schema registry is kafka.schema-registry).
type DecodeConfig struct {
	Protobuf *ProtobufConfig `yaml:"protobuf,omitempty"`
}

// ProtobufConfig names the Protobuf message type of each topic or queue whose bodies come without a
// schema registry, and where the types are declared: .proto files (found in ImportPaths, or relative to
// the config file's folder when there are none) or a descriptor set (protoc --include_imports
// --descriptor_set_out).
type ProtobufConfig struct {
	Files         []string          `yaml:"files,omitempty"`
	ImportPaths   []string          `yaml:"import-paths,omitempty"`
	DescriptorSet string            `yaml:"descriptor-set,omitempty"`
	Types         map[string]string `yaml:"types"` // topic or queue → fully-qualified message name
}

// KafkaConfig says how to reach a Kafka cluster.
type KafkaConfig struct {
	Brokers        []string              `yaml:"brokers"`
	SASL           *SASLConfig           `yaml:"sasl,omitempty"`
	TLS            *TLSConfig            `yaml:"tls,omitempty"` // set (even empty: {}) to connect over TLS
	SchemaRegistry *SchemaRegistryConfig `yaml:"schema-registry,omitempty"`
}

// SASL mechanisms Kafka contexts may name.
const (
	SASLPlain       = "PLAIN"
	SASLSCRAMSHA256 = "SCRAM-SHA-256"
	SASLSCRAMSHA512 = "SCRAM-SHA-512"
)

// SASLConfig is how a Kafka context authenticates. Mechanism defaults to PLAIN.
type SASLConfig struct {
	Mechanism      string `yaml:"mechanism,omitempty"`
	Username       string `yaml:"username"`
	PasswordSource `yaml:",inline"`
}

// TLSConfig are a connection's TLS settings. Relative paths are relative to the config file's folder.
type TLSConfig struct {
	CAFile     string `yaml:"ca-file,omitempty"`   // PEM certificates to trust instead of the system's
	CertFile   string `yaml:"cert-file,omitempty"` // a client certificate (PEM), with KeyFile
	KeyFile    string `yaml:"key-file,omitempty"`
	ServerName string `yaml:"server-name,omitempty"` // the name to expect in the server's certificate
	// InsecureSkipVerify accepts any server certificate: for a test cluster only, and only when written.
	InsecureSkipVerify bool `yaml:"insecure-skip-verify,omitempty"`
}

// RabbitMQConfig says how to reach a RabbitMQ broker. ManagementURL defaults to http://HOST:15672 derived
// from URL. The password is the URL's, or comes from the PasswordSource (then the URL names only the
// user); Vhost, when set, replaces the URL's vhost. TLS applies to amqps:// URLs and an https management
// API.
type RabbitMQConfig struct {
	URL            string `yaml:"url"`
	PasswordSource `yaml:",inline"`
	ManagementURL  string     `yaml:"management-url,omitempty"`
	Vhost          string     `yaml:"vhost,omitempty"`
	TLS            *TLSConfig `yaml:"tls,omitempty"`
}

// RedisConfig says how to reach a Redis server: URL is redis://[user@]host:6379/DB (rediss:// for TLS).
// The password is the URL's, or comes from the PasswordSource; Username, when set, is the ACL user and
// replaces the URL's.
type RedisConfig struct {
	URL            string `yaml:"url"`
	Username       string `yaml:"username,omitempty"`
	PasswordSource `yaml:",inline"`
	TLS            *TLSConfig `yaml:"tls,omitempty"`
}

// DialURL is the URL to dial: URL with the ACL user and the password (once resolved) applied. It carries
// the password: show it only through redact.URL.
func (r RedisConfig) DialURL() string {
	if r.Password == "" && r.Username == "" {
		return r.URL
	}
	u, err := url.Parse(r.URL)
	if err != nil {
		return r.URL // validation has refused such a URL already
	}
	user := r.Username
	if user == "" && u.User != nil {
		user = u.User.Username()
	}
	pw, _ := u.User.Password()
	if r.Password != "" {
		pw = r.Password.Reveal()
	}
	if pw != "" {
		u.User = url.UserPassword(user, pw)
	} else {
		u.User = url.User(user)
	}
	return u.String()
}

// NATSConfig says how to reach a NATS server with JetStream: URL is nats://host:4222 (tls:// for TLS).
// One way to prove who we are: User with a password (the URL's, or from the PasswordSource); a password
// without a user, sent as a token; an NKey seed file; or a .creds file (a user JWT and its seed).
type NATSConfig struct {
	URL            string `yaml:"url"`
	User           string `yaml:"user,omitempty"`
	PasswordSource `yaml:",inline"`
	NKeyFile       string     `yaml:"nkey-file,omitempty"`
	CredsFile      string     `yaml:"creds-file,omitempty"`
	TLS            *TLSConfig `yaml:"tls,omitempty"`
}

// UserName is the user the context connects as: User, or the URL's.
func (n NATSConfig) UserName() string {
	if n.User != "" {
		return n.User
	}
	if u, err := url.Parse(n.URL); err == nil {
		return u.User.Username()
	}
	return ""
}

// MQTTConfig says how to reach an MQTT broker: URL is tcp://host:1883 (ssl://host:8883 for TLS). ClientID
// names the connection (default mqscope-RANDOM; listings and peeks add a suffix, since a broker drops the
// older of two connections with one id).
type MQTTConfig struct {
	URL            string `yaml:"url"`
	ClientID       string `yaml:"client-id,omitempty"`
	Username       string `yaml:"username,omitempty"`
	PasswordSource `yaml:",inline"`
	TLS            *TLSConfig `yaml:"tls,omitempty"`
}

// UserName is the user the context connects as: Username, or the URL's.
func (m MQTTConfig) UserName() string {
	if m.Username != "" {
		return m.Username
	}
	if u, err := url.Parse(m.URL); err == nil {
		return u.User.Username()
	}
	return ""
}

// SQSConfig says how to reach Amazon SQS: credentials come from the standard AWS chain (environment,
// ~/.aws files, SSO, instance or task role), Profile picks a profile of it, Region the region (else the
// profile's or AWS_REGION), and Endpoint an SQS-compatible server instead of AWS's own (an emulator, a
// VPC endpoint).
type SQSConfig struct {
	Region   string `yaml:"region,omitempty"`
	Profile  string `yaml:"profile,omitempty"`
	Endpoint string `yaml:"endpoint,omitempty"`
}

// Where names what the context reaches: the endpoint, or the region.
func (s SQSConfig) Where() string {
	switch {
	case s.Endpoint != "":
		return redact.URL(s.Endpoint)
	case s.Region != "":
		return "sqs " + s.Region
	}
	return "sqs (default region)"
}

// RefreshInterval is the context's refresh, or the default.
func (c Context) RefreshInterval() time.Duration {
	if c.Refresh > 0 {
		return time.Duration(c.Refresh)
	}
	return DefaultRefresh
}

// Kind is the broker family the context connects to, spelt as its key in the file ("kafka", "rabbitmq"),
// or "" when it names none. It is a plain string so that the config does not depend on the backends contract.
func (c Context) Kind() string {
	switch {
	case c.Kafka != nil:
		return "kafka"
	case c.RabbitMQ != nil:
		return "rabbitmq"
	case c.Redis != nil:
		return "redis"
	case c.NATS != nil:
		return "nats"
	case c.MQTT != nil:
		return "mqtt"
	case c.SQS != nil:
		return "sqs"
	}
	return ""
}

// Address is where the context connects, fit to show anywhere: Kafka's brokers comma-separated, or
// RabbitMQ's AMQP URL with its password hidden.
func (c Context) Address() string {
	switch {
	case c.Kafka != nil:
		return strings.Join(c.Kafka.Brokers, ",")
	case c.RabbitMQ != nil:
		return redact.URL(c.RabbitMQ.AMQPURL())
	case c.Redis != nil:
		return redact.URL(c.Redis.DialURL())
	case c.NATS != nil:
		return redact.URL(c.NATS.URL)
	case c.MQTT != nil:
		return redact.URL(c.MQTT.URL)
	case c.SQS != nil:
		return c.SQS.Where()
	}
	return ""
}

// AMQPURL is the URL to dial: URL with the password (once resolved, see Context.WithSecrets) and the
// vhost applied. It carries the password: show it only through redact.URL.
func (r RabbitMQConfig) AMQPURL() string {
	if r.Password == "" && r.Vhost == "" {
		return r.URL
	}
	u, err := url.Parse(r.URL)
	if err != nil {
		return r.URL // validation has refused such a URL already
	}
	if r.Password != "" && u.User != nil {
		u.User = url.UserPassword(u.User.Username(), r.Password.Reveal())
	}
	if r.Vhost != "" {
		u.Path, u.RawPath = "/"+r.Vhost, "/"+url.PathEscape(r.Vhost)
	}
	return u.String()
}

// hostOf is the host:port of a URL, without user or password; "" when s is not a URL with a host.
func hostOf(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return u.Host
}

// hasPassword says whether a URL carries a password.
func hasPassword(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	_, has := u.User.Password()
	return has
}

// DecodeSetup is what the context says about decoding bodies: its schema registry and Protobuf types.
func (c Context) DecodeSetup() decode.Setup {
	var s decode.Setup
	if c.Kafka != nil {
		s.RegistryURL, s.Registry = c.Kafka.SchemaRegistry.setup(c.Name)
	}
	if c.Decode != nil && c.Decode.Protobuf != nil {
		p := c.Decode.Protobuf
		s.Protobuf = &decode.ProtoSettings{Files: p.Files, ImportPaths: p.ImportPaths, DescriptorSet: p.DescriptorSet, Types: p.Types}
	}
	return s
}
