package config

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// problem is one thing wrong with a context: what is wrong, and the key below the context where it shows
// (".kafka.brokers[1]"), so that a file can point at the line and flags can name the flag.
type problem struct {
	at  string
	msg string
}

// check finds the first thing wrong with a context's connection and settings; the name is the file's
// business and is checked there.
func (c Context) check() *problem {
	switch brokers := c.brokers(); {
	case len(brokers) == 0:
		return &problem{"", "needs a broker: add kafka: {brokers: [\"host:9092\"]}, rabbitmq: {url: amqp://host:5672/}, " +
			"redis: {url: redis://host:6379/0}, nats: {url: nats://host:4222}, mqtt: {url: tcp://host:1883} or " +
			"sqs: {region: eu-west-1}"}
	case len(brokers) > 1:
		return &problem{"." + brokers[1], fmt.Sprintf("has both %s and %s; a context connects to one broker, so keep one",
			brokers[0], brokers[1])}
	case c.Refresh < 0:
		return &problem{".refresh", "refresh must be positive"}
	case c.Refresh > 0 && time.Duration(c.Refresh) < MinRefresh:
		return &problem{".refresh", fmt.Sprintf("refresh %s is too short: every refresh asks the broker; use %s or more",
			time.Duration(c.Refresh), MinRefresh)}
	case c.Decode != nil && c.Decode.Protobuf.check() != nil:
		return c.Decode.Protobuf.check().under(".decode.protobuf")
	case c.Kafka != nil:
		return c.Kafka.check()
	case c.Redis != nil:
		return c.Redis.check()
	case c.NATS != nil:
		return c.NATS.check()
	case c.MQTT != nil:
		return c.MQTT.check()
	case c.SQS != nil:
		return c.SQS.check()
	}
	return c.RabbitMQ.check()
}

// brokers are the keys of the brokers a context names, in the file's spelling.
func (c Context) brokers() []string {
	var keys []string
	for _, b := range []struct {
		key string
		set bool
	}{{"kafka", c.Kafka != nil}, {"rabbitmq", c.RabbitMQ != nil}, {"redis", c.Redis != nil}, {"nats", c.NATS != nil},
		{"mqtt", c.MQTT != nil}, {"sqs", c.SQS != nil}} {
		if b.set {
			keys = append(keys, b.key)
		}
	}
	return keys
}

func (r *RedisConfig) check() *problem {
	if r.URL == "" {
		return &problem{".redis", "redis needs url, like url: redis://host:6379/0"}
	}
	// The URL may carry a password: say what is wrong with it without quoting it.
	if msg := checkURL(r.URL, "the Redis URL", "redis://host:6379/0, or rediss:// for TLS", "redis", "rediss"); msg != "" {
		return &problem{".redis.url", msg}
	}
	if p := r.PasswordSource.check(); p != nil {
		return p.under(".redis")
	}
	u, _ := url.Parse(r.URL) // checked above
	_, inURL := u.User.Password()
	switch db := strings.Trim(u.Path, "/"); {
	case db != "" && !isDigits(db):
		return &problem{".redis.url", "the Redis URL's path must be a database number, like redis://host:6379/0"}
	case r.PasswordSource.IsSet() && inURL:
		return &problem{".redis." + r.PasswordSource.given()[0],
			"the URL has a password already; keep one (write the URL as redis://USER@host:6379/0)"}
	case r.TLS != nil && u.Scheme != "rediss":
		return &problem{".redis.tls", "tls settings apply to rediss:// URLs; write the URL as rediss://host:6379/0"}
	}
	return r.TLS.check().under(".redis.tls")
}

func (n *NATSConfig) check() *problem {
	if n.URL == "" {
		return &problem{".nats", "nats needs url, like url: nats://host:4222"}
	}
	// The URL may carry a password: say what is wrong with it without quoting it.
	if msg := checkURL(n.URL, "the NATS URL", "nats://host:4222, or tls:// for TLS", "nats", "tls"); msg != "" {
		return &problem{".nats.url", msg}
	}
	if p := n.PasswordSource.check(); p != nil {
		return p.under(".nats")
	}
	u, _ := url.Parse(n.URL) // checked above
	_, inURL := u.User.Password()
	var ways []string
	for _, w := range []struct {
		key string
		set bool
	}{{"password", n.PasswordSource.IsSet() || inURL}, {"nkey-file", n.NKeyFile != ""}, {"creds-file", n.CredsFile != ""}} {
		if w.set {
			ways = append(ways, w.key)
		}
	}
	switch {
	case len(ways) > 1:
		return &problem{".nats." + ways[1], fmt.Sprintf("give one way to authenticate, not both %s and %s", ways[0], ways[1])}
	case n.PasswordSource.IsSet() && inURL:
		return &problem{".nats." + n.PasswordSource.given()[0],
			"the URL has a password already; keep one (write the URL as nats://USER@host:4222)"}
	case n.User != "" && u.User != nil && u.User.Username() != n.User:
		return &problem{".nats.user", "the URL names another user; keep one"}
	}
	return n.TLS.check().under(".nats.tls")
}

func (s *SQSConfig) check() *problem {
	if s.Endpoint != "" {
		if msg := checkURL(s.Endpoint, "the SQS endpoint", "https://sqs.REGION.amazonaws.com, or http://host:4566 for a local one", "http", "https"); msg != "" {
			return &problem{".sqs.endpoint", msg}
		}
	}
	return nil
}

func (m *MQTTConfig) check() *problem {
	if m.URL == "" {
		return &problem{".mqtt", "mqtt needs url, like url: tcp://host:1883"}
	}
	// The URL may carry a password: say what is wrong with it without quoting it.
	if msg := checkURL(m.URL, "the MQTT URL", "tcp://host:1883, or ssl:// for TLS", "tcp", "ssl", "mqtt", "mqtts"); msg != "" {
		return &problem{".mqtt.url", msg}
	}
	if p := m.PasswordSource.check(); p != nil {
		return p.under(".mqtt")
	}
	u, _ := url.Parse(m.URL) // checked above
	_, inURL := u.User.Password()
	switch {
	case m.PasswordSource.IsSet() && inURL:
		return &problem{".mqtt." + m.PasswordSource.given()[0],
			"the URL has a password already; keep one (write the URL as tcp://USER@host:1883)"}
	case m.Username != "" && u.User != nil && u.User.Username() != m.Username:
		return &problem{".mqtt.username", "the URL names another user; keep one"}
	}
	return m.TLS.check().under(".mqtt.tls")
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func (k *KafkaConfig) check() *problem {
	if len(k.Brokers) == 0 {
		return &problem{".kafka", `kafka needs brokers, like brokers: ["k1:9092"]`}
	}
	for i, b := range k.Brokers {
		if host, port, err := net.SplitHostPort(b); err != nil || host == "" || port == "" {
			return &problem{fmt.Sprintf(".kafka.brokers[%d]", i), fmt.Sprintf("broker %q must be host:port", b)}
		}
	}
	if p := k.SchemaRegistry.check(); p != nil {
		return p.under(".kafka.schema-registry")
	}
	if p := k.SASL.check(); p != nil {
		return p.under(".kafka.sasl")
	}
	return k.TLS.check().under(".kafka.tls")
}

func (s *SASLConfig) check() *problem {
	if s == nil {
		return nil
	}
	switch strings.ToUpper(s.Mechanism) {
	case "", SASLPlain, SASLSCRAMSHA256, SASLSCRAMSHA512:
	default:
		return &problem{".mechanism", fmt.Sprintf("SASL mechanism %q is not one mqscope speaks: use %s, %s or %s",
			s.Mechanism, SASLPlain, SASLSCRAMSHA256, SASLSCRAMSHA512)}
	}
	if s.Username == "" {
		return &problem{"", "sasl needs username"}
	}
	if !s.PasswordSource.IsSet() {
		return &problem{"", "sasl needs a password: add password-env, password-cmd or password-file"}
	}
	return s.PasswordSource.check()
}

// check refuses two sources for one password: which one wins would be a guess.
func (p PasswordSource) check() *problem {
	if keys := p.given(); len(keys) > 1 {
		return &problem{"." + keys[1], fmt.Sprintf("give one of %s, not both", strings.Join(keys, " and "))}
	}
	return nil
}

func (t *TLSConfig) check() *problem {
	switch {
	case t == nil:
		return nil
	case (t.CertFile == "") != (t.KeyFile == ""):
		return &problem{"", "a client certificate needs both cert-file and key-file"}
	}
	return nil
}

// under puts a problem found in a part of the context at that part's place.
func (p *problem) under(at string) *problem {
	if p == nil {
		return nil
	}
	return &problem{at + p.at, p.msg}
}

func (r *RabbitMQConfig) check() *problem {
	if r.URL == "" {
		return &problem{".rabbitmq", "rabbitmq needs url, like url: amqp://user@host:5672/"}
	}
	// The URL may carry a password: say what is wrong with it without quoting it.
	if msg := checkURL(r.URL, "the AMQP URL", "amqp://user:password@host:5672/vhost, or amqps:// for TLS", "amqp", "amqps"); msg != "" {
		return &problem{".rabbitmq.url", msg}
	}
	if r.ManagementURL != "" {
		if msg := checkURL(r.ManagementURL, "the management URL", managementLike, "http", "https"); msg != "" {
			return &problem{".rabbitmq.management-url", msg}
		}
	}
	if p := r.PasswordSource.check(); p != nil {
		return p.under(".rabbitmq")
	}
	u, _ := url.Parse(r.URL) // checked above
	_, inURL := u.User.Password()
	switch {
	case r.PasswordSource.IsSet() && inURL:
		return &problem{".rabbitmq." + r.PasswordSource.given()[0],
			"the URL has a password already; keep one (write the URL as amqp://USER@host/)"}
	case r.PasswordSource.IsSet() && u.User.Username() == "":
		return &problem{".rabbitmq.url", "the URL names no user for the password: write it as amqp://USER@host/"}
	case r.TLS != nil && u.Scheme != "amqps" && !strings.HasPrefix(r.ManagementURL, "https:"):
		return &problem{".rabbitmq.tls", "tls settings apply to amqps:// or an https management-url, and this context uses neither"}
	}
	return r.TLS.check().under(".rabbitmq.tls")
}

// Examples of the URLs whose form is checked in more than one place.
const (
	managementLike     = "http://host:15672, or https://"
	schemaRegistryLike = "https://host:8081, or http://"
)

// checkURL says what is wrong with s, a URL of one of schemes, or "" when nothing is. like is an example
// of the right form: a bare host:port is not a URL at all, and "not a valid URL" alone does not say what is.
func checkURL(s, what, like string, schemes ...string) string {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Sprintf("%s is not a valid URL (write it as %s)", what, like)
	case !contains(schemes, u.Scheme):
		return fmt.Sprintf("%s must start with %s://", what, strings.Join(schemes, ":// or "))
	case u.Host == "":
		return what + " has no host"
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// locator finds where a key of the file is written, to put a line and column on a mistake.
type locator struct {
	file string
	root ast.Node
}

// errorAt is an Error at the YAML path (such as "$.contexts[1].name"), or at the nearest enclosing node
// that exists when the key itself is missing.
func (l locator) errorAt(path string, format string, args ...any) error {
	for {
		if p, err := yaml.PathString(path); err == nil {
			if n, err := p.FilterNode(l.root); err == nil && n != nil {
				return errorAt(l.file, n, format, args...)
			}
		}
		cut := strings.LastIndexAny(path, ".[")
		if cut <= 0 {
			return errorAt(l.file, l.root, format, args...)
		}
		path = path[:cut]
	}
}

// validate checks what the YAML types cannot: names, connections, and that current-context exists.
func (f *File) validate(l locator) error {
	seen := map[string]int{}
	for i, c := range f.Contexts {
		at := fmt.Sprintf("$.contexts[%d]", i)
		if c.Name == "" {
			return l.errorAt(at, "context #%d has no name; add name: ...", i+1)
		}
		if first, dup := seen[c.Name]; dup {
			return l.errorAt(at+".name", "context name %q is used twice (contexts #%d and #%d)", c.Name, first+1, i+1)
		}
		seen[c.Name] = i
		if p := c.check(); p != nil {
			return l.errorAt(at+p.at, "context %q%s", c.Name, withVerb(p.msg))
		}
	}
	if _, ok := seen[f.CurrentContext]; f.CurrentContext != "" && !ok {
		return l.errorAt("$.current-context", "current-context %q is not one of the contexts (%s)",
			f.CurrentContext, strings.Join(f.Names(), ", "))
	}
	return nil
}

// withVerb joins a problem to the context's name: `context "a" needs ...` reads well, and a message
// that starts with a noun gets a colon: `context "a": kafka needs brokers`.
func withVerb(msg string) string {
	if strings.HasPrefix(msg, "needs ") || strings.HasPrefix(msg, "has ") {
		return " " + msg
	}
	return ": " + msg
}

// Names lists the contexts' names in file order.
func (f *File) Names() []string {
	names := make([]string, len(f.Contexts))
	for i, c := range f.Contexts {
		names[i] = c.Name
	}
	return names
}

func (p *ProtobufConfig) check() *problem {
	switch {
	case p == nil:
		return nil
	case len(p.Files) == 0 && p.DescriptorSet == "":
		return &problem{"", "protobuf needs files (.proto) or descriptor-set, like files: [orders.proto]"}
	case len(p.Types) == 0:
		return &problem{".types", "protobuf needs types, the message type of each topic or queue, like types: {orders: shop.Order}"}
	}
	return nil
}
