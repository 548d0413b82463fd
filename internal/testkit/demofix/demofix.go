// Package demofix is the one demo starter of mqscope's tests: the embedded demo cluster, still (no
// trickle of new orders), so that tests see exactly what demo.Seeded says for as long as they look.
package demofix

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mqscope/mqscope/demo"
)

// Start starts a still demo cluster for t and closes it when t ends. Tests that change the cluster use it.
func Start(t testing.TB) *demo.Cluster {
	t.Helper()
	c, err := start()
	if err != nil {
		t.Fatalf("demofix: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

var shared struct {
	once sync.Once
	c    *demo.Cluster
	err  error
}

// Shared is one still demo cluster for the whole test binary, for the tests that only look (or are
// refused): none of them may change it. It is never closed: it ends with the test process.
func Shared(t testing.TB) *demo.Cluster {
	t.Helper()
	shared.once.Do(func() { shared.c, shared.err = start() })
	if shared.err != nil {
		t.Fatalf("demofix: %v", shared.err)
	}
	return shared.c
}

// Brokers is the cluster's bootstrap list as --kafka takes it: host:port, comma-separated.
func Brokers(c *demo.Cluster) string { return strings.Join(c.Bootstrap(), ",") }

// starting lets one demo cluster start and seed at a time. The e2e tests start a dozen in parallel; on two
// cores, all seeding at once starved each other past the minute each may take (seen in a full run at load
// 24: "seed the demo cluster: produce: context deadline exceeded"), where one at a time each takes seconds.
var starting = make(chan struct{}, 1)

func start() (*demo.Cluster, error) {
	starting <- struct{}{}
	defer func() { <-starting }()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return demo.Start(ctx, demo.Options{Still: true})
}
