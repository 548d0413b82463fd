package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/demo"
)

func (a *app) demoCommand() *cobra.Command {
	var (
		serve    bool
		opts     demo.Options
		bigTopic int
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run an embedded 3-broker Kafka cluster with sample data and open the TUI on it",
		Long: "demo starts a Kafka-protocol cluster inside mqscope, seeded with topics, keyed JSON messages,\n" +
			"a lagging consumer group and a dead-letter topic, and opens the TUI on it. With --serve it\n" +
			"prints `ready host:port,...` and serves until interrupted, for scripts and benchmarks.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if serve {
				// Serve until SIGINT or SIGTERM, then shut down cleanly and exit 0. (The TUI handles its
				// own keys and signals.)
				var stop context.CancelFunc
				ctx, stop = signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
				defer stop()
			}
			cluster, err := demo.Start(ctx, opts)
			if err != nil {
				return fmt.Errorf("start the demo cluster: %w", err)
			}
			defer cluster.Close()
			if bigTopic > 0 {
				if err := cluster.AddBigTopic(ctx, demo.BigTopic, bigTopic); err != nil {
					return fmt.Errorf("add the benchmark topic: %w", err)
				}
			}
			if serve {
				fmt.Fprintf(a.deps.Stdout, "ready %s\n", strings.Join(cluster.Bootstrap(), ","))
				<-ctx.Done()
				return nil
			}
			file, err := config.Read(a.configPath)
			if err != nil {
				return err
			}
			c := config.Context{Name: "demo", Kafka: &config.KafkaConfig{Brokers: cluster.Bootstrap()},
				ReadOnly: a.flags.ReadOnly}
			return a.openUI(c, file)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&serve, "serve", false, "serve without the TUI: print \"ready host:port,...\" and run until Ctrl-C or SIGTERM")
	f.IntVar(&opts.Port, "port", 0, "first broker's `PORT`; the others take the next two (default: free ports)")
	f.BoolVar(&opts.Still, "still", false, "no trickle of new orders: the data stays exactly as seeded")
	f.IntVar(&opts.ExtraTopics, "topics", 0, "add `N` empty topics load-00000, ... (for listing benchmarks)")
	f.IntVar(&opts.ExtraPartitions, "topic-partitions", 0, "`N` partitions for each added topic (default 4)")
	f.IntVar(&bigTopic, "big-topic", 0, "add topic "+demo.BigTopic+" with `N` small JSON records (for peek benchmarks)")
	return cmd
}
