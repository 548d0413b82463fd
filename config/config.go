// Package config reads the contexts file and overlays flags and environment on it. It knows nothing of
// brokers' client libraries: it describes where to connect, and main.go turns that into a backend.
package config

import (
	"net/url"
	"strings"
	"time"

	"github.com/mqscope/mqscope/backends"
)

// DefaultRefresh is how often views refresh when neither the context nor a flag says otherwise.
const DefaultRefresh = 2 * time.Second

// File is the contexts file as written on disk.
type File struct {
	CurrentContext string    `yaml:"current-context,omitempty"`
	Contexts       []Context `yaml:"contexts,omitempty"`

	// Path is where the file was read from (or would be, when it does not exist yet); errors name it.
	Path string `yaml:"-"`
}

// Context is one named connection: exactly one of Kafka or RabbitMQ is set.
type Context struct {
	Name     string          `yaml:"name"`
	Kafka    *KafkaConfig    `yaml:"kafka,omitempty"`
	RabbitMQ *RabbitMQConfig `yaml:"rabbitmq,omitempty"`
	ReadOnly bool            `yaml:"read-only,omitempty"`
	Theme    string          `yaml:"theme,omitempty"`
	Refresh  Duration        `yaml:"refresh,omitempty"`
}

// KafkaConfig says how to reach a Kafka cluster.
type KafkaConfig struct {
	Brokers []string `yaml:"brokers"`
}

// RabbitMQConfig says how to reach a RabbitMQ broker. ManagementURL defaults to http://HOST:15672 derived
// from URL.
type RabbitMQConfig struct {
	URL           string `yaml:"url"`
	ManagementURL string `yaml:"management-url,omitempty"`
}

// RefreshInterval is the context's refresh, or the default.
func (c Context) RefreshInterval() time.Duration {
	if c.Refresh > 0 {
		return time.Duration(c.Refresh)
	}
	return DefaultRefresh
}

// Kind is the broker family the context connects to, or "" when it names none.
func (c Context) Kind() backends.Kind {
	switch {
	case c.Kafka != nil:
		return backends.Kafka
	case c.RabbitMQ != nil:
		return backends.RabbitMQ
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
		return backends.RedactURL(c.RabbitMQ.URL)
	}
	return ""
}

// hostOf is the host:port of a URL, without user or password; "" when s is not a URL with a host.
func hostOf(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return u.Host
}
