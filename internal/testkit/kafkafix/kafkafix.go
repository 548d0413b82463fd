// Package kafkafix is the one Kafka fixture of mqscope's tests: an in-process Kafka-protocol cluster
// (kfake) made for one test and closed when it ends.
package kafkafix

import (
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Start starts a cluster with opts (kfake's defaults otherwise) and closes it when t ends.
func Start(t testing.TB, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		t.Fatalf("kafkafix: start kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// Brokers is the cluster's bootstrap list as --kafka takes it: host:port, comma-separated.
func Brokers(c *kfake.Cluster) string { return strings.Join(c.ListenAddrs(), ",") }
