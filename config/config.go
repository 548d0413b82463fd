// Package config reads the contexts file and overlays flags and environment on it. It knows nothing of
// brokers' client libraries: it describes where to connect, and main.go turns that into a backend.
package config

import "time"

// DefaultRefresh is how often views refresh when neither the context nor a flag says otherwise.
const DefaultRefresh = 2 * time.Second

// File is the contexts file as written on disk.
type File struct {
	CurrentContext string    `yaml:"current-context"`
	Contexts       []Context `yaml:"contexts"`
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

// Duration is a time.Duration written as "2s" in YAML.
type Duration time.Duration

// RefreshInterval is the context's refresh, or the default.
func (c Context) RefreshInterval() time.Duration {
	if c.Refresh > 0 {
		return time.Duration(c.Refresh)
	}
	return DefaultRefresh
}
