package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/config"
)

// DemoStarter starts the embedded demo cluster. It is injected, so that the CLI does not carry an
// embedded Kafka (and its client) into every program that uses it.
type DemoStarter func(ctx context.Context, o DemoOptions) (DemoCluster, error)

// DemoCluster is a running demo cluster.
type DemoCluster interface {
	Bootstrap() []string // the brokers' host:port addresses
	Close()
}

// DemoOptions are the demo command's flags, as the demo package's Options take them.
type DemoOptions struct {
	Port            int  // first broker's port; 0 picks free ports
	Still           bool // no trickle of new orders
	ExtraTopics     int  // empty topics load-00000, ... for listing benchmarks
	ExtraPartitions int  // partitions of each extra topic; 0 means the demo's default
	BigTopic        int  // records in the benchmark topic bigTopic; 0 adds none
	// Redis, when set (the --redis flag), seeds that Redis server under the key prefix mqscope-demo:
	// instead of starting a Kafka cluster.
	Redis string
	// NATS, when set (the --nats flag), seeds that NATS server's DEMO_* streams instead.
	NATS string
	// Broker is the broker to start: "kafka" (the default) or "nats", embedded, or "redis", the local
	// server at LocalRedis unless Redis names another.
	Broker string
	// Registry (the --registry flag) also serves a schema registry beside the Kafka demo, with topics
	// of Avro, Protobuf and JSON Schema records; the cluster then has a SchemaRegistry URL.
	Registry bool
}

// schemaRegistry is the URL of the demo's schema registry, or "" when it serves none.
func schemaRegistry(c DemoCluster) string {
	if r, ok := c.(interface{ SchemaRegistry() string }); ok {
		return r.SchemaRegistry()
	}
	return ""
}

// natsDemo reports whether the demo is a NATS server (embedded or the user's).
func (o DemoOptions) natsDemo() bool { return o.NATS != "" || o.Broker == "nats" }

// LocalRedis is the server `demo --broker redis` seeds when --redis names none.
const LocalRedis = "redis://127.0.0.1:6379/0"

// bigTopic is the name of the demo's benchmark topic, for the help text (e2e tests hold it to the demo's).
const bigTopic = "bench-1m"

func (a *app) demoCommand() *cobra.Command {
	var opts DemoOptions
	var serve bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Open the TUI on a seeded broker: an embedded 3-broker Kafka cluster, or NATS, Redis or SQS (--broker)",
		Long: "demo starts a Kafka-protocol cluster inside mqscope, seeded with topics, keyed JSON messages,\n" +
			"a lagging consumer group and a dead-letter topic, and opens the TUI on it. With --serve it\n" +
			"prints `ready host:port,...` and serves until interrupted, for scripts and benchmarks.\n\n" +
			"With --broker redis (the local server) or --redis URL it seeds that Redis server instead (keys under mqscope-demo:, replaced on each\n" +
			"run, nothing else touched): streams with lagging groups, pending entries past a delivery count,\n" +
			"dead-letter streams with letters from two origins, hostile and binary entries, and a list used\n" +
			"as a work queue.\n\n" +
			"With --broker nats it starts an embedded NATS server with JetStream instead (127.0.0.1, a free\n" +
			"port, a temporary store), and with --nats URL it seeds that server (streams DEMO_*, replaced on\n" +
			"each run): lagging consumers, advisories of messages a consumer gave up on, a dead-letter stream\n" +
			"with letters from two origins, hostile and binary messages, and a key-value bucket.\n\n" +
			"With --broker sqs it starts the SQS emulator goaws in process (127.0.0.1, a free port; not AWS):\n" +
			"two queues whose redrive policy fed one dead-letter queue, a FIFO queue with its own, delayed and\n" +
			"hostile messages. Its endpoint takes any credentials: the demo sets AWS_ACCESS_KEY_ID=demo where\n" +
			"none is set.\n\n" +
			"With --registry the Kafka demo also serves a schema registry on 127.0.0.1: franz-go's srfake, an\n" +
			"in-process fake of the Confluent registry API (not Confluent's registry), with the subjects\n" +
			"orders-avro-value, orders-proto-value and orders-json-value and the topics orders-avro, orders-proto\n" +
			"and orders-json of records in the Confluent wire format. The TUI decodes them and offers :schemas;\n" +
			"with --serve a second line says `schema-registry URL`, for --schema-registry.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runDemo(cmd.Context(), opts, serve) },
	}
	f := cmd.Flags()
	f.BoolVar(&serve, "serve", false, "serve without the TUI: print \"ready host:port,...\" and run until Ctrl-C or SIGTERM")
	f.IntVar(&opts.Port, "port", 0, "first broker's `PORT`; the others take the next two (default: free ports)")
	f.BoolVar(&opts.Still, "still", false, "no trickle of new orders: the data stays exactly as seeded")
	f.IntVar(&opts.ExtraTopics, "topics", 0, "add `N` empty topics load-00000, ... (for listing benchmarks)")
	f.IntVar(&opts.ExtraPartitions, "topic-partitions", 0, "`N` partitions for each added topic (default 4)")
	f.IntVar(&opts.BigTopic, "big-topic", 0, "add topic "+bigTopic+" with `N` small JSON records (for peek benchmarks)")
	f.BoolVar(&opts.Registry, "registry", false, "also serve a schema registry (an in-process fake, not Confluent's) with Avro, Protobuf and JSON Schema topics")
	f.StringVar(&opts.Broker, "broker", "kafka", "the `BROKER` to demo: kafka, nats or sqs (embedded), or redis (the local server, or --redis URL)")
	return cmd
}

func (a *app) runDemo(ctx context.Context, opts DemoOptions, serve bool) error {
	opts.Redis, opts.NATS = a.flags.Redis, a.flags.NATS
	gaveCredentials := false
	switch opts.Broker {
	case "kafka", "nats":
	case "sqs":
		gaveCredentials = demoCredentials()
	case "redis":
		opts.Redis = cmp.Or(opts.Redis, LocalRedis)
	default:
		return usageError{fmt.Errorf("--broker %q: want kafka, nats, redis or sqs", opts.Broker)}
	}
	if opts.Registry && (opts.Broker != "kafka" || opts.Redis != "" || opts.NATS != "") {
		return usageError{errors.New("--registry serves a schema registry beside the Kafka demo only: drop --broker, --redis and --nats")}
	}
	if a.deps.Demo == nil {
		return errors.New("this build of mqscope has no demo cluster")
	}
	if serve {
		// Serve until SIGINT or SIGTERM, then shut down cleanly and exit 0. (The TUI handles its own keys
		// and signals.)
		var stop context.CancelFunc
		ctx, stop = signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
	}
	cluster, err := a.deps.Demo(ctx, opts)
	if err != nil {
		return fmt.Errorf("start the demo cluster: %w", err)
	}
	defer cluster.Close()
	if serve {
		fmt.Fprintf(a.deps.Stdout, "ready %s\n", strings.Join(cluster.Bootstrap(), ","))
		if gaveCredentials {
			// The credentials went to this process only: a `--sqs URL` elsewhere would find none and fail.
			a.warn("note: the emulator takes any credentials, but the AWS SDK wants some: before `mqscope --sqs " +
				cluster.Bootstrap()[0] + " ...` elsewhere, export AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo")
		}
		if url := schemaRegistry(cluster); url != "" {
			fmt.Fprintf(a.deps.Stdout, "schema-registry %s\n", url)
		}
		<-ctx.Done()
		return nil
	}
	file, err := config.Read(a.configPath)
	if err != nil {
		return err
	}
	c := config.Context{Name: "demo", Kafka: &config.KafkaConfig{Brokers: cluster.Bootstrap()}, ReadOnly: a.flags.ReadOnly}
	if url := schemaRegistry(cluster); url != "" {
		c.Kafka.SchemaRegistry = config.RegistryURL(url)
	}
	if opts.Redis != "" {
		c = config.Context{Name: "demo", Redis: &config.RedisConfig{URL: opts.Redis}, ReadOnly: a.flags.ReadOnly}
	}
	if opts.Broker == "sqs" {
		c = config.Context{Name: "demo", SQS: &config.SQSConfig{Endpoint: cluster.Bootstrap()[0]}, ReadOnly: a.flags.ReadOnly}
	}
	if opts.natsDemo() {
		c = config.Context{Name: "demo", NATS: &config.NATSConfig{URL: cluster.Bootstrap()[0]}, ReadOnly: a.flags.ReadOnly}
	}
	return a.openUI(c, file)
}

// demoCredentials gives the SQS emulator the credentials the AWS SDK wants to sign with, where the
// environment has none: the emulator takes any. It reports whether it set them.
func demoCredentials() bool {
	if os.Getenv("AWS_ACCESS_KEY_ID") != "" || os.Getenv("AWS_PROFILE") != "" {
		return false
	}
	os.Setenv("AWS_ACCESS_KEY_ID", "demo")
	os.Setenv("AWS_SECRET_ACCESS_KEY", "demo")
	return true
}
