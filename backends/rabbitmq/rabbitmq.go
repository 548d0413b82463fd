// Package rabbitmq is the RabbitMQ adapter: AMQP 0-9-1 through github.com/rabbitmq/amqp091-go, and the
// management HTTP API for listings and statistics.
package rabbitmq

import (
	"context"
	"errors"

	"github.com/mqscope/mqscope/backends"
)

// Config says how to reach a RabbitMQ broker. ManagementURL defaults to http://HOST:15672 from URL.
type Config struct {
	URL           string
	ManagementURL string
}

// Backend is a connection to one RabbitMQ broker.
type Backend struct{}

// Open connects to the broker. STUB: being written.
func Open(ctx context.Context, cfg Config) (*Backend, error) {
	return nil, errors.New("rabbitmq adapter not written yet")
}

func (b *Backend) Identity(ctx context.Context) (backends.Identity, error) {
	return backends.Identity{}, nil
}
func (b *Backend) Close() error { return nil }
