// Package opener turns a context into a live backend: it resolves the context's passwords, picks the
// adapter for its broker and bounds the dial by the caller's deadline. It is the only package that imports
// every adapter; front ends get its Open as an actions.Opener.
package opener

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"

	"github.com/IBM/sarama"
	amqp "github.com/rabbitmq/amqp091-go"
	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/kafka"
	"github.com/mqscope/mqscope/backends/mqtt"
	natsb "github.com/mqscope/mqscope/backends/nats"
	"github.com/mqscope/mqscope/backends/rabbitmq"
	"github.com/mqscope/mqscope/backends/redis"
	sqsb "github.com/mqscope/mqscope/backends/sqs"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/logging"
)

// QuietLibraries routes the broker clients' own loggers into mqscope's log (debug level), so that
// nothing they say reaches the terminal, where the TUI draws.
func QuietLibraries() {
	logging.Install()
	l := slog.NewLogLogger(slog.Default().Handler(), slog.LevelDebug)
	sarama.Logger, sarama.DebugLogger = l, l
	amqp.SetLogger(l)
	goredis.SetLogger(redisLogger{l})
}

// redisLogger is go-redis's logger interface on top of mqscope's log.
type redisLogger struct{ l *log.Logger }

func (r redisLogger) Printf(_ context.Context, format string, v ...any) { r.l.Printf(format, v...) }

// secrets reads contexts' passwords when they connect, remembering what a password-cmd printed so that
// reconnecting does not ask again; a refused password is forgotten.
var secrets config.Secrets

// Open connects to the broker c describes, with its passwords read from their sources. It returns by
// the time ctx is done, even if an adapter is still dialling, so that no front end waits on a dead
// broker longer than it chose to.
func Open(ctx context.Context, c config.Context) (backends.Backend, error) {
	slog.Info("connecting", "context", c.Name, "kind", c.Kind(), "address", c.Address(), "read_only", c.ReadOnly)
	b, err := connect(ctx, c)
	if err != nil {
		if errors.Is(err, backends.ErrAuth) {
			secrets.Forget(c)
		}
		slog.Warn("connection failed", "context", c.Name, "error", err)
		return nil, err
	}
	slog.Info("connected", "context", c.Name)
	return b, nil
}

func connect(ctx context.Context, c config.Context) (backends.Backend, error) {
	c, err := secrets.Resolve(ctx, c)
	if err != nil {
		return nil, err
	}
	switch {
	case c.Kafka != nil:
		cfg := kafkaConfig(c.Kafka)
		return bounded(ctx, c, func() (backends.Backend, error) { return backend(kafka.Open(ctx, cfg)) })
	case c.RabbitMQ != nil:
		cfg := rabbitmqConfig(c.RabbitMQ)
		return bounded(ctx, c, func() (backends.Backend, error) { return backend(rabbitmq.Open(ctx, cfg)) })
	case c.Redis != nil:
		cfg := redisConfig(c.Redis)
		return bounded(ctx, c, func() (backends.Backend, error) { return backend(redis.Open(ctx, cfg)) })
	case c.NATS != nil:
		cfg := natsConfig(c.NATS)
		return bounded(ctx, c, func() (backends.Backend, error) { return backend(natsb.Open(ctx, cfg)) })
	case c.MQTT != nil:
		cfg := mqttConfig(c.MQTT)
		return bounded(ctx, c, func() (backends.Backend, error) { return backend(mqtt.Open(ctx, cfg)) })
	case c.SQS != nil:
		cfg := sqsb.Config{Region: c.SQS.Region, Profile: c.SQS.Profile, Endpoint: c.SQS.Endpoint}
		return bounded(ctx, c, func() (backends.Backend, error) { return backend(sqsb.Open(ctx, cfg)) })
	}
	return nil, fmt.Errorf("context %q names no broker: give it kafka, rabbitmq, redis, nats, mqtt or sqs", c.Name)
}

// kafkaConfig maps a context's Kafka settings, passwords resolved, onto the adapter's.
func kafkaConfig(k *config.KafkaConfig) kafka.Config {
	cfg := kafka.Config{Brokers: k.Brokers}
	if s := k.SASL; s != nil {
		cfg.SASL = &kafka.SASL{Mechanism: s.Mechanism, Username: s.Username, Password: s.Password.Reveal()}
	}
	if t := k.TLS; t != nil {
		cfg.TLS = &kafka.TLS{CAFile: t.CAFile, CertFile: t.CertFile, KeyFile: t.KeyFile, ServerName: t.ServerName,
			InsecureSkipVerify: t.InsecureSkipVerify}
	}
	return cfg
}

// rabbitmqConfig maps a context's RabbitMQ settings, password resolved, onto the adapter's: the password
// goes into the AMQP URL.
func rabbitmqConfig(r *config.RabbitMQConfig) rabbitmq.Config {
	cfg := rabbitmq.Config{URL: r.AMQPURL(), Vhost: r.Vhost, ManagementURL: r.ManagementURL}
	if t := r.TLS; t != nil {
		cfg.TLS = &rabbitmq.TLS{CAFile: t.CAFile, CertFile: t.CertFile, KeyFile: t.KeyFile, ServerName: t.ServerName,
			InsecureSkipVerify: t.InsecureSkipVerify}
	}
	return cfg
}

// redisConfig maps a context's Redis settings, password resolved, onto the adapter's: the ACL user and
// the password go into the URL.
func redisConfig(r *config.RedisConfig) redis.Config {
	cfg := redis.Config{URL: r.DialURL()}
	if t := r.TLS; t != nil {
		cfg.TLS = &backends.TLS{CAFile: t.CAFile, CertFile: t.CertFile, KeyFile: t.KeyFile, ServerName: t.ServerName,
			InsecureSkipVerify: t.InsecureSkipVerify}
	}
	return cfg
}

// natsConfig maps a context's NATS settings, password resolved, onto the adapter's: a password without a
// user is a token.
func natsConfig(n *config.NATSConfig) natsb.Config {
	cfg := natsb.Config{URL: n.URL, NKeySeedFile: n.NKeyFile, CredsFile: n.CredsFile}
	switch pw := n.Password.Reveal(); {
	case pw != "" && n.UserName() == "":
		cfg.Token = pw
	case pw != "":
		cfg.User, cfg.Password = n.UserName(), pw
	}
	if t := n.TLS; t != nil {
		cfg.TLS = &backends.TLS{CAFile: t.CAFile, CertFile: t.CertFile, KeyFile: t.KeyFile, ServerName: t.ServerName,
			InsecureSkipVerify: t.InsecureSkipVerify}
	}
	return cfg
}

// mqttConfig maps a context's MQTT settings, password resolved, onto the adapter's.
func mqttConfig(m *config.MQTTConfig) mqtt.Config {
	cfg := mqtt.Config{URL: m.URL, ClientID: m.ClientID, Username: m.UserName(), Password: m.Password.Reveal()}
	if t := m.TLS; t != nil {
		cfg.TLS = &backends.TLS{CAFile: t.CAFile, CertFile: t.CertFile, KeyFile: t.KeyFile, ServerName: t.ServerName,
			InsecureSkipVerify: t.InsecureSkipVerify}
	}
	return cfg
}

// backend turns an adapter's (*Backend, error) into (backends.Backend, error) without the trap of a
// non-nil interface holding a nil pointer.
func backend[B backends.Backend](b B, err error) (backends.Backend, error) {
	if err != nil {
		return nil, err
	}
	return b, nil
}

// bounded runs connect, but gives up when ctx is done; a connection that completes later is closed.
func bounded(ctx context.Context, c config.Context, connect func() (backends.Backend, error)) (backends.Backend, error) {
	type result struct {
		b   backends.Backend
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := connect()
		done <- result{b, err}
	}()
	select {
	case r := <-done:
		return r.b, r.err
	case <-ctx.Done():
		go func() {
			if r := <-done; r.b != nil {
				r.b.Close()
			}
		}()
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, backends.Unreachable(backends.Kind(c.Kind()), c.Address(), errors.New("no answer in time"))
		}
		return nil, ctx.Err()
	}
}
