// Package app is mqscope's composition root: the one place that knows every part. It gives the CLI the
// opener (contexts to live backends), the terminal UI and the embedded demo cluster, so that the front
// ends depend on none of them directly. main and the whole-program tests (e2e/) both start here.
package app

import (
	"context"
	"os"

	"github.com/mqscope/mqscope/cli"
	"github.com/mqscope/mqscope/demo"
	"github.com/mqscope/mqscope/opener"
	"github.com/mqscope/mqscope/ui"
)

// Main runs mqscope with args (without the program name) on the process's own terminal and returns the
// exit code.
func Main(ctx context.Context, args []string) int {
	opener.QuietLibraries()
	d := Deps()
	d.Stdin, d.Stdout, d.Stderr = os.Stdin, os.Stdout, os.Stderr
	return cli.Execute(ctx, args, d)
}

// Deps are the real parts, without the standard streams (Execute defaults them to the process's own).
func Deps() cli.Deps {
	return cli.Deps{Open: opener.Open, RunUI: ui.Run, CheckUI: ui.CheckConfig, Demo: startDemo}
}

func startDemo(ctx context.Context, o cli.DemoOptions) (cli.DemoCluster, error) {
	if o.Redis != "" {
		return cluster(demo.SeedRedis(ctx, o.Redis))
	}
	opts := demo.Options{Port: o.Port, Still: o.Still, ExtraTopics: o.ExtraTopics,
		ExtraPartitions: o.ExtraPartitions, BigTopic: o.BigTopic, SchemaRegistry: o.Registry}
	switch {
	case o.NATS != "":
		return cluster(demo.SeedNATS(ctx, o.NATS, opts))
	case o.Broker == "nats":
		return cluster(demo.StartNATS(ctx, opts))
	case o.Broker == "sqs":
		return cluster(demo.StartSQS(ctx))
	}
	c, err := demo.Start(ctx, opts)
	if err != nil {
		return nil, err // not c: a nil *Cluster in the interface would not be nil
	}
	return c, nil
}

// cluster turns a demo's (*T, error) into (cli.DemoCluster, error) without a nil *T in the interface.
func cluster[C cli.DemoCluster](c C, err error) (cli.DemoCluster, error) {
	if err != nil {
		return nil, err
	}
	return c, nil
}
