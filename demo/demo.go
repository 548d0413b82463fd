// Package demo runs an embedded Kafka-protocol cluster (kfake) seeded with realistic data, for `mqscope
// demo`, the end-to-end tests and the benchmarks.
package demo

import (
	"context"
	"errors"
)

// Options shape the demo cluster.
type Options struct {
	// Port is the first broker's port; the others take the next ones. 0 picks free ports.
	Port int
}

// Cluster is a running demo cluster.
type Cluster struct{}

// Start starts and seeds the cluster. STUB: being written.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	return nil, errors.New("demo not written yet")
}

// Bootstrap lists the brokers' host:port addresses.
func (c *Cluster) Bootstrap() []string { return nil }

// Close stops the cluster.
func (c *Cluster) Close() {}
