// Command mqscope is a terminal console for message brokers. This file is wiring only: it gives the front
// ends the one Opener that turns a context into a live backend, and hands over to the CLI.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/kafka"
	"github.com/mqscope/mqscope/backends/rabbitmq"
	"github.com/mqscope/mqscope/cli"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/ui"
)

func main() {
	os.Exit(cli.Execute(context.Background(), os.Args[1:], cli.Deps{
		Open: open, RunUI: ui.Run, Stdout: os.Stdout, Stderr: os.Stderr,
	}))
}

// open connects to the broker c describes. It returns by the time ctx is done, even if an adapter is
// still dialling, so that no front end waits on a dead broker longer than it chose to.
func open(ctx context.Context, c config.Context) (backends.Backend, error) {
	switch {
	case c.Kafka != nil:
		cfg := kafka.Config{Brokers: c.Kafka.Brokers}
		return bounded(ctx, c, func() (backends.Backend, error) { return backend(kafka.Open(ctx, cfg)) })
	case c.RabbitMQ != nil:
		cfg := rabbitmq.Config{URL: c.RabbitMQ.URL, ManagementURL: c.RabbitMQ.ManagementURL}
		return bounded(ctx, c, func() (backends.Backend, error) { return backend(rabbitmq.Open(ctx, cfg)) })
	}
	return nil, fmt.Errorf("context %q names no broker: give it kafka or rabbitmq", c.Name)
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
			return nil, backends.Unreachable(c.Kind(), c.Address(), errors.New("no answer in time"))
		}
		return nil, ctx.Err()
	}
}
