package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
)

// Flags is what the command line says on top of the file. Empty fields say nothing.
type Flags struct {
	Kafka       string // --kafka: comma-separated host:port list; makes an ad-hoc context
	RabbitMQ    string // --rabbitmq: AMQP URL; makes an ad-hoc context
	RabbitMQAPI string // --rabbitmq-api: the management API's URL
	Redis       string // --redis: redis:// URL; makes an ad-hoc context
	NATS        string // --nats: nats:// URL; makes an ad-hoc context
	MQTT        string // --mqtt: tcp:// or ssl:// URL; makes an ad-hoc context
	SQS         string // --sqs: an SQS endpoint URL; makes an ad-hoc context
	Context     string // --context; $MQSCOPE_CONTEXT stands in when empty
	ReadOnly    bool   // --read-only: adds to the context's own read-only, never lifts it
	// SchemaRegistry is --schema-registry: the Kafka context's schema registry URL, over the file's.
	SchemaRegistry string
}

// ErrUsage marks errors in what the user typed (flags, environment) rather than in the file or the
// broker; the CLI exits 2 on them.
var ErrUsage = errors.New("usage error")

// ErrNoContext means nothing says where to connect: no connection flag, no context picked and no
// current-context in the file.
var ErrNoContext = errors.New("no broker given")

type usageError string

func (e usageError) Error() string        { return string(e) }
func (e usageError) Is(target error) bool { return target == ErrUsage }

func usagef(format string, args ...any) error { return usageError(fmt.Sprintf(format, args...)) }

// Resolve is the context to connect to. In order: --kafka or --rabbitmq make an ad-hoc context (the
// file's contexts are then ignored); else --context, $MQSCOPE_CONTEXT or the file's current-context
// pick one. --rabbitmq-api and --read-only then apply to whichever it is.
func (f *File) Resolve(fl Flags) (Context, error) {
	c, err := f.pick(fl)
	if err != nil {
		return Context{}, err
	}
	if fl.RabbitMQAPI != "" {
		if c.RabbitMQ == nil {
			return Context{}, usagef("--rabbitmq-api is for RabbitMQ, and context %q is %s", c.Name, c.Kind())
		}
		r := *c.RabbitMQ // the File's contexts stay as read
		r.ManagementURL = fl.RabbitMQAPI
		if p := r.check(); p != nil {
			return Context{}, usagef("--rabbitmq-api: %s", p.msg)
		}
		c.RabbitMQ = &r
	}
	if fl.SchemaRegistry != "" {
		if c.Kafka == nil {
			return Context{}, usagef("--schema-registry is for Kafka, and context %q is %s", c.Name, c.Kind())
		}
		k := *c.Kafka
		// The URL only: a user, password and CA the file gives its registry go to the flag's URL too.
		sr := SchemaRegistryConfig{}
		if k.SchemaRegistry != nil {
			sr = *k.SchemaRegistry
		}
		sr.URL = fl.SchemaRegistry
		if msg := checkURL(sr.URL, "the schema registry URL", schemaRegistryLike, "http", "https"); msg != "" {
			return Context{}, usagef("--schema-registry: %s", msg)
		}
		k.SchemaRegistry = &sr
		c.Kafka = &k
	}
	c.ReadOnly = c.ReadOnly || fl.ReadOnly
	if w := fl.passwordWarning(); w != "" {
		f.warnings = append(f.warnings, warning{context: c.Name, msg: w})
	}
	return c, nil
}

// passwordWarning says so when a connection flag carries a password: every user of the machine can read
// a command line (ps, /proc). RabbitMQ's own guest:guest is public knowledge, not a secret.
func (fl Flags) passwordWarning() string {
	for _, f := range []struct{ flag, url string }{{"--rabbitmq", fl.RabbitMQ}, {"--rabbitmq-api", fl.RabbitMQAPI},
		{"--redis", fl.Redis}, {"--nats", fl.NATS}, {"--mqtt", fl.MQTT}} {
		u, err := url.Parse(f.url)
		if err != nil || u.User == nil {
			continue
		}
		if pw, ok := u.User.Password(); ok && pw != "" && !(u.User.Username() == "guest" && pw == "guest") {
			return f.flag + " carries a password, which anyone on this machine can read in the process list; " +
				"put the URL without it in a context with password-env, password-cmd or password-file (see `mqscope ctx`)"
		}
	}
	return ""
}

// connection is one flag that makes an ad-hoc context.
type connection struct {
	flag, value string
	adHoc       func(string) (Context, error)
}

func (fl Flags) connections() []connection {
	var given []connection
	for _, c := range []connection{{"--kafka", fl.Kafka, adHocKafka}, {"--rabbitmq", fl.RabbitMQ, adHocRabbitMQ},
		{"--redis", fl.Redis, adHocRedis}, {"--nats", fl.NATS, adHocNATS},
		{"--mqtt", fl.MQTT, adHocMQTT}, {"--sqs", fl.SQS, adHocSQS}} {
		if c.value != "" {
			given = append(given, c)
		}
	}
	return given
}

func (f *File) pick(fl Flags) (Context, error) {
	switch given := fl.connections(); {
	case len(given) > 1:
		return Context{}, usagef("%s and %s both given; connect to one broker at a time", given[0].flag, given[1].flag)
	case len(given) == 1 && fl.Context != "":
		return Context{}, usagef("--context and a connection flag (%s) both given; use one", given[0].flag)
	case len(given) == 1:
		return given[0].adHoc(given[0].value)
	}
	name, from := fl.Context, "--context"
	if name == "" {
		name, from = os.Getenv(EnvContext), EnvContext
	}
	if name == "" {
		name, from = f.CurrentContext, "current-context"
	}
	if name == "" {
		return Context{}, ErrNoContext
	}
	if c, ok := f.Find(name); ok {
		return c, nil
	}
	return Context{}, usagef("context %q (from %s) is not in %s%s", name, from, f.Path, f.known())
}

func (f *File) known() string {
	if len(f.Contexts) == 0 {
		return ", which has no contexts"
	}
	return "; it has " + strings.Join(f.Names(), ", ")
}

// Find is the context called name.
func (f *File) Find(name string) (Context, bool) {
	for _, c := range f.Contexts {
		if c.Name == name {
			return c, true
		}
	}
	return Context{}, false
}

// adHocKafka is the context --kafka describes, named after its brokers.
func adHocKafka(list string) (Context, error) {
	var brokers []string
	for _, b := range strings.Split(list, ",") {
		if b = strings.TrimSpace(b); b != "" {
			brokers = append(brokers, b)
		}
	}
	k := &KafkaConfig{Brokers: brokers}
	if p := k.check(); p != nil {
		return Context{}, usagef("--kafka: %s", p.msg)
	}
	return Context{Name: strings.Join(brokers, ","), Kafka: k}, nil
}

// adHocRabbitMQ is the context --rabbitmq describes, named after its host (never its password).
func adHocRabbitMQ(amqpURL string) (Context, error) {
	r := &RabbitMQConfig{URL: amqpURL}
	if p := r.check(); p != nil {
		return Context{}, usagef("--rabbitmq: %s", p.msg)
	}
	return Context{Name: hostOf(amqpURL), RabbitMQ: r}, nil
}

// adHocRedis is the context --redis describes, named after its host (never its password).
func adHocRedis(redisURL string) (Context, error) {
	r := &RedisConfig{URL: redisURL}
	if p := r.check(); p != nil {
		return Context{}, usagef("--redis: %s", p.msg)
	}
	return Context{Name: hostOf(redisURL), Redis: r}, nil
}

// adHocNATS is the context --nats describes, named after its host (never its password).
func adHocNATS(natsURL string) (Context, error) {
	n := &NATSConfig{URL: natsURL}
	if p := n.check(); p != nil {
		return Context{}, usagef("--nats: %s", p.msg)
	}
	return Context{Name: hostOf(natsURL), NATS: n}, nil
}

// adHocMQTT is the context --mqtt describes, named after its host (never its password).
func adHocMQTT(mqttURL string) (Context, error) {
	m := &MQTTConfig{URL: mqttURL}
	if p := m.check(); p != nil {
		return Context{}, usagef("--mqtt: %s", p.msg)
	}
	return Context{Name: hostOf(mqttURL), MQTT: m}, nil
}

// adHocSQS is the context --sqs describes: an endpoint, its region read from an AWS host name
// (sqs.REGION.amazonaws.com), else left to the profile or AWS_REGION.
func adHocSQS(endpoint string) (Context, error) {
	s := &SQSConfig{Endpoint: endpoint}
	if p := s.check(); p != nil {
		return Context{}, usagef("--sqs: %s", p.msg)
	}
	if u, err := url.Parse(endpoint); err == nil {
		if parts := strings.Split(u.Hostname(), "."); len(parts) == 4 && parts[0] == "sqs" && parts[2] == "amazonaws" {
			s.Region = parts[1]
		}
	}
	return Context{Name: hostOf(endpoint), SQS: s}, nil
}
