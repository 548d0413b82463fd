// Package kafka is the Kafka adapter, built on github.com/IBM/sarama.
package kafka

import (
	"context"
	"errors"

	"github.com/mqscope/mqscope/backends"
)

// Config says how to reach a Kafka cluster.
type Config struct {
	Brokers []string
}

// Backend is a connection to one Kafka cluster.
type Backend struct{}

// Open connects to the cluster. STUB: being written.
func Open(ctx context.Context, cfg Config) (*Backend, error) {
	return nil, errors.New("kafka adapter not written yet")
}

func (b *Backend) Identity(ctx context.Context) (backends.Identity, error) {
	return backends.Identity{}, nil
}
func (b *Backend) Close() error { return nil }
