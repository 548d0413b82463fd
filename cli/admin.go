package cli

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
)

// The administration commands: create, delete, alter, config, bind, unbind, policy. Each change goes
// through the session (read-only refuses it, the audit log records it) and prints one row saying what
// was done, or with --dry-run what would be.

// change is what an administration command did or would do.
type change struct {
	// Context names the config context of a topology file's section; "" for the command line's.
	Context string `json:"context,omitempty"`
	Action  string `json:"action"` // create, delete, bind, ...
	Kind    string `json:"kind"`   // topic, queue, exchange, group, binding, policy, config
	Name    string `json:"name"`
	Detail  string `json:"detail"`
	DryRun  bool   `json:"dry_run"`
	// Refused says why the broker cannot make this change in place (diff and apply); "" otherwise.
	Refused string `json:"refused"`
}

var changeColumns = []column[change]{
	{head: "CONTEXT", cell: func(c change) string { return c.Context }, applies: func(c change) bool { return c.Context != "" }},
	{head: "ACTION", cell: func(c change) string {
		if c.DryRun {
			return "would " + c.Action
		}
		return c.Action
	}},
	{head: "KIND", cell: func(c change) string { return c.Kind }},
	{head: "NAME", cell: func(c change) string { return c.Name }},
	{head: "DETAIL", cell: func(c change) string { return c.Detail }},
	{head: "REFUSED", cell: func(c change) string { return c.Refused }, applies: func(c change) bool { return c.Refused != "" }},
}

func (a *app) report(c change) error {
	return render(a.deps.Stdout, a.output, []change{c}, changeColumns, func(c change) any { return c })
}

// keyValues parses k=v arguments; flag names the flag in errors.
func keyValues(flag string, pairs []string) (map[string]string, error) {
	out := make(map[string]string, len(pairs))
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return nil, usageError{fmt.Errorf("%s %q: want KEY=VALUE", flag, p)}
		}
		out[k] = v
	}
	return out, nil
}

func detailOf(m map[string]string) string {
	parts := make([]string, 0, len(m))
	for k, v := range m {
		parts = append(parts, k+"="+v)
	}
	slices.Sort(parts)
	return strings.Join(parts, " ")
}

func (a *app) createCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "create topic|queue|exchange NAME", Short: "Create a topic (Kafka), a queue or an exchange (RabbitMQ)",
		Args: noArgs}
	cmd.AddCommand(a.createTopicCommand(), a.createQueueCommand(), a.createExchangeCommand())
	return cmd
}

func (a *app) createTopicCommand() *cobra.Command {
	var partitions, replication int
	var configs []string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "topic NAME [--partitions N] [--replication-factor N] [--set KEY=VALUE]... [--dry-run]",
		Short: "Create a Kafka topic",
		Long: "create topic makes a topic with the partitions, replication factor and configs given (the broker's\n" +
			"defaults for those not given). --dry-run asks the controller to judge it (policies, replication,\n" +
			"configs) and creates nothing. Refused in read-only mode.",
		Example: "  mqscope create topic orders --partitions 6 --set retention.ms=86400000",
		Args:    exactlyOne("TOPIC"),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := keyValues("--set", configs)
			if err != nil {
				return err
			}
			spec := backends.DestinationSpec{Name: args[0], Partitions: partitions, ReplicationFactor: replication, Configs: cfg}
			return a.create(cmd.Context(), "topic", spec, dryRun,
				strings.TrimSpace(actions.TopicShape(partitions, replication)+" "+detailOf(cfg)))
		},
	}
	cmd.Flags().IntVar(&partitions, "partitions", 0, "number of partitions (default: the broker's)")
	cmd.Flags().IntVar(&replication, "replication-factor", 0, "replicas of each partition (default: the broker's)")
	cmd.Flags().StringArrayVar(&configs, "set", nil, "topic config `KEY=VALUE` (repeatable; --config is the config file)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "have the broker check it, create nothing")
	return mutating(cmd, actions.VerbCreate, "always")
}

func (a *app) createQueueCommand() *cobra.Command {
	var typ string
	var durable bool
	var arguments, attrs []string
	var dryRun bool
	var sqsSpec backends.DestinationSpec
	cmd := &cobra.Command{
		Use: "queue NAME [--type classic|quorum|stream] [--arg KEY=VALUE]... | " +
			"[--fifo] [--dlq DLQ --max-receives N] [--attr KEY=VALUE]... [--dry-run]",
		Short: "Declare a RabbitMQ queue, or create an SQS queue",
		Long: "create queue declares a queue in the connection's vhost. Arguments are checked for type before\n" +
			"anything is sent (x-message-ttl, x-max-length, x-delivery-limit take whole numbers; x-delivery-limit\n" +
			"is for quorum queues). A queue that exists with other arguments is refused, naming each difference.\n" +
			"Quorum queues and streams are always durable. Refused in read-only mode.\n\n" +
			"SQS: --fifo makes a FIFO queue (its name must end in .fifo; a .fifo name is FIFO anyway); --dlq and\n" +
			"--max-receives give it a redrive policy (the DLQ must exist and be of the same type; 1 to 1000\n" +
			"receives); --attr sets further queue attributes as SQS names them (VisibilityTimeout=60,\n" +
			"MessageRetentionPeriod=1209600, ...). A queue that exists is refused. --dry-run checks all that,\n" +
			"creating nothing. SQS refuses a name deleted less than 60 seconds ago.",
		Example: "  mqscope create queue orders --type quorum --arg x-delivery-limit=5 --arg x-dead-letter-exchange=dlx\n" +
			"  mqscope --sqs $EP create queue orders.fifo --dlq orders-dlq.fifo --max-receives 5",
		Args: exactlyOne("QUEUE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(attrs) > 0 || sqsSpec.FIFO || sqsSpec.DeadLetterQueue != "" || sqsSpec.MaxReceiveCount != 0 ||
				(typ == "" && len(arguments) == 0 && a.kind() == backends.SQS) {
				return a.createSQSQueue(cmd.Context(), args[0], sqsSpec, attrs, dryRun)
			}
			raw, err := keyValues("--arg", arguments)
			if err != nil {
				return err
			}
			typed := make(map[string]any, len(raw))
			for k, v := range raw {
				if typed[k], err = backends.ParseQueueArgument(k, v); err != nil {
					return usageError{err}
				}
			}
			if err := backends.CheckQueueArguments(typ, typed); err != nil {
				return usageError{err}
			}
			spec := backends.DestinationSpec{Name: args[0], Type: typ, Durable: durable, Arguments: typed}
			return a.create(cmd.Context(), "queue", spec, dryRun, strings.TrimSpace("type="+cmpOr(typ, "classic")+" "+detailOf(raw)))
		},
	}
	cmd.Flags().StringVar(&typ, "type", "", "queue type: classic, quorum or stream (default classic)")
	cmd.Flags().BoolVar(&durable, "durable", true, "survive a broker restart (classic queues)")
	cmd.Flags().StringArrayVar(&arguments, "arg", nil, "queue argument `KEY=VALUE` (repeatable)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "check the arguments, declare nothing")
	cmd.Flags().BoolVar(&sqsSpec.FIFO, "fifo", false, "SQS: a FIFO queue (the name must end in .fifo)")
	cmd.Flags().StringVar(&sqsSpec.DeadLetterQueue, "dlq", "", "SQS: the `DLQ` its redrive policy sends messages to")
	cmd.Flags().IntVar(&sqsSpec.MaxReceiveCount, "max-receives", 0, "SQS: receives before a message goes to --dlq (`N`, 1 to 1000)")
	cmd.Flags().StringArrayVar(&attrs, "attr", nil, "SQS: queue attribute `KEY=VALUE` (repeatable)")
	return mutating(cmd, actions.VerbCreate, "always")
}

// kind is the broker kind of the connection the flags and context name; Kafka when they name none.
func (a *app) kind() backends.Kind {
	if c, _, err := a.resolve(); err == nil {
		return backends.Kind(c.Kind())
	}
	return backends.Kafka
}

// createSQSQueue creates an SQS queue from the SQS flags.
func (a *app) createSQSQueue(ctx context.Context, name string, spec backends.DestinationSpec, attrs []string, dryRun bool) error {
	cfg, err := keyValues("--attr", attrs)
	if err != nil {
		return err
	}
	if (spec.DeadLetterQueue == "") != (spec.MaxReceiveCount == 0) {
		return usageError{errors.New("--dlq and --max-receives go together: a redrive policy needs both")}
	}
	spec.Name, spec.Configs = name, cfg
	detail := detailOf(cfg)
	if spec.FIFO || strings.HasSuffix(name, ".fifo") {
		detail = strings.TrimSpace("fifo " + detail)
	}
	if spec.DeadLetterQueue != "" {
		detail = strings.TrimSpace(fmt.Sprintf("dlq=%s max-receives=%d %s", spec.DeadLetterQueue, spec.MaxReceiveCount, detail))
	}
	return a.create(ctx, "queue", spec, dryRun, detail)
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (a *app) create(ctx context.Context, kind string, spec backends.DestinationSpec, dryRun bool, detail string) error {
	return a.withSession(ctx, func(ctx context.Context, s *actions.Session) error {
		warning, err := s.CheckName(spec.Name)
		if err != nil {
			return err
		}
		if warning != "" {
			a.warn("warning: " + warning)
		}
		if dryRun {
			if err := s.CheckCreate(ctx, spec); err != nil {
				return err
			}
		} else if err := s.CreateDestination(ctx, spec); err != nil {
			return err
		}
		return a.report(change{Action: "create", Kind: kind, Name: spec.Name, Detail: detail, DryRun: dryRun})
	})
}

func (a *app) createExchangeCommand() *cobra.Command {
	var spec backends.ExchangeSpec
	cmd := &cobra.Command{
		Use:   "exchange NAME [--type direct|fanout|topic|headers] [--durable]",
		Short: "Declare a RabbitMQ exchange",
		Args:  exactlyOne("EXCHANGE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			spec.Name = args[0]
			return a.withSession(cmd.Context(), func(ctx context.Context, s *actions.Session) error {
				if err := s.DeclareExchange(ctx, spec); err != nil {
					return err
				}
				return a.report(change{Action: "create", Kind: "exchange", Name: spec.Name,
					Detail: fmt.Sprintf("type=%s durable=%t", spec.Type, spec.Durable)})
			})
		},
	}
	cmd.Flags().StringVar(&spec.Type, "type", "direct", "exchange type: direct, fanout, topic or headers")
	cmd.Flags().BoolVar(&spec.Durable, "durable", true, "survive a broker restart")
	return mutating(cmd, actions.VerbDeclareExch, "always")
}

func (a *app) deleteCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "delete topic|queue|exchange|group|offsets|policy NAME --yes",
		Short: "Delete a topic, queue, exchange, consumer group, a group's offsets or a policy", Args: noArgs}
	for _, d := range []struct {
		kind, short string
		verb        actions.Verb
		conditions  bool
	}{
		{"topic", "Delete a Kafka topic and every record in it", actions.VerbDelete, false},
		{"queue", "Delete a queue (RabbitMQ, SQS) and its messages", actions.VerbDelete, true},
		{"exchange", "Delete a RabbitMQ exchange and its bindings", actions.VerbDeleteExch, true},
		{"group", "Delete a Kafka consumer group and its committed offsets (refused while it has members)", actions.VerbDeleteGroup, false},
		{"policy", "Clear a RabbitMQ policy", actions.VerbClearPolicy, false},
	} {
		cmd.AddCommand(a.deleteOne(d.kind, d.short, d.verb, d.conditions))
	}
	cmd.AddCommand(a.deleteOffsetsCommand())
	return cmd
}

func (a *app) deleteOne(kind, short string, verb actions.Verb, conditions bool) *cobra.Command {
	var yes bool
	var opts backends.DeleteOptions
	cmd := &cobra.Command{
		Use:   kind + " NAME --yes",
		Short: short,
		Long:  short + ". Without --yes it only says what would go, and exits 2. Refused in read-only mode.",
		Args:  exactlyOne(strings.ToUpper(kind)),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			c := change{Action: "delete", Kind: kind, Name: name, Detail: conditionsOf(opts), DryRun: !yes}
			if !yes {
				if err := a.report(c); err != nil {
					return err
				}
				return needsConfirm(fmt.Sprintf("would delete %s %s; add --yes to delete it", kind, name))
			}
			return a.withSession(cmd.Context(), func(ctx context.Context, s *actions.Session) error {
				var err error
				switch kind {
				case "topic", "queue":
					err = s.DeleteDestination(ctx, name, opts)
				case "exchange":
					err = s.DeleteExchange(ctx, name, opts)
				case "group":
					err = s.DeleteGroup(ctx, name)
				case "policy":
					err = s.ClearPolicy(ctx, name)
				}
				if err != nil {
					return err
				}
				return a.report(c)
			})
		},
	}
	cmd.Flags().BoolVar(&yes, "yes", false, "really delete it")
	if conditions {
		cmd.Flags().BoolVar(&opts.IfUnused, "if-unused", false, "only while nothing consumes from it (or, for an exchange, is bound to it)")
		if kind == "queue" {
			cmd.Flags().BoolVar(&opts.IfEmpty, "if-empty", false, "only while it holds no ready message")
		}
	}
	return mutating(cmd, verb, "always")
}

func conditionsOf(o backends.DeleteOptions) string {
	var c []string
	if o.IfEmpty {
		c = append(c, "if-empty")
	}
	if o.IfUnused {
		c = append(c, "if-unused")
	}
	return strings.Join(c, " ")
}

func (a *app) deleteOffsetsCommand() *cobra.Command {
	var yes bool
	var topic string
	cmd := &cobra.Command{
		Use:   "offsets GROUP --topic TOPIC --yes",
		Short: "Delete the offsets a Kafka group committed on one topic (refused while a member reads it)",
		Args:  exactlyOne("GROUP"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if topic == "" {
				return usageError{errors.New("--topic is required: name the topic whose offsets go")}
			}
			c := change{Action: "delete", Kind: "offsets", Name: args[0], Detail: "topic=" + topic, DryRun: !yes}
			if !yes {
				if err := a.report(c); err != nil {
					return err
				}
				return needsConfirm(fmt.Sprintf("would delete the offsets of group %s on %s; add --yes to delete them", args[0], topic))
			}
			return a.withSession(cmd.Context(), func(ctx context.Context, s *actions.Session) error {
				if err := s.DeleteGroupOffsets(ctx, args[0], topic); err != nil {
					return err
				}
				return a.report(c)
			})
		},
	}
	cmd.Flags().BoolVar(&yes, "yes", false, "really delete them")
	cmd.Flags().StringVar(&topic, "topic", "", "the `TOPIC` whose committed offsets go")
	return mutating(cmd, actions.VerbDeleteOffsets, "always")
}

func (a *app) alterCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "alter topic NAME --partitions N", Short: "Change a Kafka topic's partition count", Args: noArgs}
	var partitions int
	topic := &cobra.Command{
		Use:   "topic NAME --partitions N",
		Short: "Raise a topic's partition count (Kafka cannot lower it; keyed records then map to other partitions)",
		Args:  exactlyOne("TOPIC"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if partitions <= 0 {
				return usageError{errors.New("--partitions N: want the new total, 1 or more")}
			}
			return a.withSession(cmd.Context(), func(ctx context.Context, s *actions.Session) error {
				if err := s.AddPartitions(ctx, args[0], partitions); err != nil {
					return err
				}
				return a.report(change{Action: "alter", Kind: "topic", Name: args[0], Detail: "partitions=" + strconv.Itoa(partitions)})
			})
		},
	}
	topic.Flags().IntVar(&partitions, "partitions", 0, "the new total of partitions")
	cmd.AddCommand(mutating(topic, actions.VerbAddPartitions, "always"))
	return cmd
}

// configRow is one topic config.
type configRow struct {
	Topic string `json:"topic"`
	backends.ConfigEntry
}

var configColumns = []column[configRow]{
	{head: "NAME", cell: func(r configRow) string { return r.Name }},
	{head: "VALUE", cell: func(r configRow) string {
		if r.Sensitive {
			return "(hidden)"
		}
		return r.Value
	}},
	{head: "SOURCE", cell: func(r configRow) string { return string(r.Source) }},
}

type configLine struct {
	Topic     string  `json:"topic"`
	Name      string  `json:"name"`
	Value     *string `json:"value"` // null where the broker hides it
	Source    string  `json:"source"`
	ReadOnly  bool    `json:"read_only"`
	Sensitive bool    `json:"sensitive"`
}

func configJSON(r configRow) any {
	l := configLine{Topic: r.Topic, Name: r.Name, Source: string(r.Source), ReadOnly: r.ReadOnly, Sensitive: r.Sensitive}
	if !r.Sensitive {
		l.Value = &r.Value
	}
	return l
}

func (a *app) configCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "config get|set TOPIC", Short: "Read or change a Kafka topic's configs", Args: noArgs}
	get := &cobra.Command{
		Use:   "get TOPIC",
		Short: "Every config of a topic: its effective value and where it comes from (default, broker, topic)",
		Args:  exactlyOne("TOPIC"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withSession(cmd.Context(), func(ctx context.Context, s *actions.Session) error {
				return a.printConfig(ctx, s, args[0])
			})
		},
	}
	var reset []string
	var dryRun bool
	var broker string
	set := &cobra.Command{
		Use:   "set TOPIC KEY=VALUE... [--reset KEY]... [--dry-run] | set --broker ID|all KEY=VALUE...",
		Short: "Set topic configs, or take them back to what they inherit (--reset); the others stay",
		Long: "config set changes only the configs it names. --dry-run shows each one's value now and the value\n" +
			"asked, and changes nothing. --broker ID changes a broker's dynamic configs instead (--broker all: the\n" +
			"cluster-wide default every broker takes), through IncrementalAlterConfigs. Refused in read-only mode.",
		Example: "  mqscope config set orders retention.ms=86400000 --reset cleanup.policy\n" +
			"  mqscope config set --broker 1 log.cleaner.threads=2",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 && broker == "" {
				return usageError{errors.New("config set takes a TOPIC (or --broker ID) and KEY=VALUE pairs")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			target, pairs := "", args
			if broker == "" {
				target, pairs = args[0], args[1:]
			}
			values, err := keyValues("config", pairs)
			if err != nil {
				return err
			}
			if len(values) == 0 && len(reset) == 0 {
				return usageError{errors.New("config set: name a KEY=VALUE to set or a --reset KEY")}
			}
			if broker != "" {
				return a.setBrokerConfig(cmd.Context(), broker, values, reset, dryRun)
			}
			return a.withSession(cmd.Context(), func(ctx context.Context, s *actions.Session) error {
				if dryRun {
					return a.previewConfig(ctx, s, target, values, reset)
				}
				if err := s.AlterTopicConfig(ctx, target, values, reset); err != nil {
					return err
				}
				return a.report(change{Action: "set", Kind: "config", Name: target, Detail: configDetail(values, reset)})
			})
		},
	}
	set.Flags().StringVar(&broker, "broker", "", "change the dynamic configs of broker `ID` (all: the cluster-wide default), not a topic's")
	set.Flags().StringArrayVar(&reset, "reset", nil, "take config `KEY` back to its inherited value (repeatable)")
	set.Flags().BoolVar(&dryRun, "dry-run", false, "show the values now and asked, change nothing")
	cmd.AddCommand(get, mutating(set, actions.VerbAlterConfig, "always"))
	return cmd
}

func configDetail(values map[string]string, reset []string) string {
	detail := detailOf(values)
	if len(reset) > 0 {
		detail = strings.TrimSpace(detail + " reset=" + strings.Join(reset, ","))
	}
	return detail
}

// setBrokerConfig changes a broker's dynamic configs, or with --dry-run says which, from what the broker
// has now (a config not listed there has its default).
func (a *app) setBrokerConfig(ctx context.Context, broker string, values map[string]string, reset []string, dryRun bool) error {
	id, name := broker, "broker "+broker
	if broker == "all" {
		id, name = "", "all brokers"
	}
	return a.withSession(ctx, func(ctx context.Context, s *actions.Session) error {
		if !dryRun {
			if err := s.AlterBrokerConfig(ctx, id, values, reset); err != nil {
				return err
			}
			return a.report(change{Action: "set", Kind: "broker config", Name: name, Detail: configDetail(values, reset)})
		}
		if err := s.Can(actions.VerbAlterBroker); err != nil {
			return err
		}
		now, err := s.BrokerConfigs(ctx)
		if err != nil {
			return err
		}
		current := map[string]backends.ConfigEntry{}
		for b, entries := range now {
			for _, e := range entries {
				if b == id || id == "" {
					current[e.Name] = e
				}
			}
		}
		var rows []change
		for _, k := range slices.Sorted(maps.Keys(values)) {
			rows = append(rows, change{Action: "set", Kind: "broker config", Name: name, DryRun: true,
				Detail: fmt.Sprintf("%s: %s -> %s", k, cmpOr(current[k].Value, "default"), values[k])})
		}
		for _, k := range reset {
			rows = append(rows, change{Action: "reset", Kind: "broker config", Name: name, DryRun: true,
				Detail: fmt.Sprintf("%s: %s -> default", k, cmpOr(current[k].Value, "default"))})
		}
		return render(a.deps.Stdout, a.output, rows, changeColumns, func(c change) any { return c })
	})
}

func (a *app) printConfig(ctx context.Context, s *actions.Session, topic string) error {
	entries, err := s.TopicConfig(ctx, topic)
	if err != nil {
		return err
	}
	rows := make([]configRow, len(entries))
	for i, e := range entries {
		rows[i] = configRow{topic, e}
	}
	return render(a.deps.Stdout, a.output, rows, configColumns, configJSON)
}

// previewConfig shows, for each config named, its value now and the one asked.
func (a *app) previewConfig(ctx context.Context, s *actions.Session, topic string, set map[string]string, reset []string) error {
	entries, err := s.TopicConfig(ctx, topic)
	if err != nil {
		return err
	}
	now := map[string]backends.ConfigEntry{}
	for _, e := range entries {
		now[e.Name] = e
	}
	var rows []change
	for k, v := range set {
		rows = append(rows, change{Action: "set", Kind: "config", Name: topic,
			Detail: fmt.Sprintf("%s: %s (%s) -> %s", k, cmpOr(now[k].Value, "unset"), cmpOr(string(now[k].Source), "none"), v), DryRun: true})
	}
	for _, k := range reset {
		rows = append(rows, change{Action: "reset", Kind: "config", Name: topic,
			Detail: fmt.Sprintf("%s: %s (%s) -> inherited", k, cmpOr(now[k].Value, "unset"), cmpOr(string(now[k].Source), "none")), DryRun: true})
	}
	return render(a.deps.Stdout, a.output, rows, changeColumns, func(c change) any { return c })
}

func (a *app) bindCommands() []*cobra.Command {
	mk := func(use string, bind bool) *cobra.Command {
		var exchange, key string
		var toExchange bool
		var arguments []string
		cmd := &cobra.Command{
			Use:   use,
			Short: map[bool]string{true: "Bind a queue (or, with --exchange-destination, an exchange) to an exchange", false: "Remove a binding"}[bind],
			Args:  exactlyOne("QUEUE"),
			RunE: func(cmd *cobra.Command, args []string) error {
				if exchange == "" {
					return usageError{errors.New("name the source exchange")}
				}
				raw, err := keyValues("--arg", arguments)
				if err != nil {
					return err
				}
				bd := backends.Binding{Source: exchange, Destination: args[0], DestinationKind: backends.Queue, RoutingKey: key}
				if toExchange {
					bd.DestinationKind = backends.Exchange
				}
				if len(raw) > 0 {
					bd.Arguments = map[string]any{}
					for k, v := range raw {
						bd.Arguments[k] = v
					}
				}
				return a.withSession(cmd.Context(), func(ctx context.Context, s *actions.Session) error {
					do, action := s.Bind, "bind"
					if !bind {
						do, action = s.Unbind, "unbind"
					}
					if err := do(ctx, bd); err != nil {
						return err
					}
					return a.report(change{Action: action, Kind: "binding", Name: args[0],
						Detail: fmt.Sprintf("exchange=%s key=%s", exchange, key)})
				})
			},
		}
		flag := map[bool]string{true: "to", false: "from"}[bind]
		cmd.Flags().StringVar(&exchange, flag, "", "the source `EXCHANGE`")
		cmd.Flags().StringVar(&key, "key", "", "the routing `KEY`")
		cmd.Flags().BoolVar(&toExchange, "exchange-destination", false, "the destination is an exchange, not a queue")
		cmd.Flags().StringArrayVar(&arguments, "arg", nil, "binding argument `KEY=VALUE` (headers exchanges)")
		return cmd
	}
	return []*cobra.Command{
		mutating(mk("bind QUEUE --to EXCHANGE [--key K]", true), actions.VerbBind, "always"),
		mutating(mk("unbind QUEUE --from EXCHANGE [--key K]", false), actions.VerbUnbind, "always"),
	}
}

func (a *app) policyCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "policy list|set", Short: "List or set RabbitMQ policies (delete policy clears one)", Args: noArgs}
	list := &cobra.Command{Use: "list", Short: "The policies of the connection's vhost", Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withSession(cmd.Context(), func(ctx context.Context, s *actions.Session) error {
				ps, err := s.Policies(ctx)
				if err != nil {
					return err
				}
				return render(a.deps.Stdout, a.output, ps, policyColumns, func(p backends.Policy) any { return policyJSON(p) })
			})
		}}
	var p backends.Policy
	var definition []string
	set := &cobra.Command{
		Use:     "set NAME --pattern REGEX --definition KEY=VALUE... [--apply-to queues|exchanges|all] [--priority N]",
		Short:   "Create or replace a policy",
		Example: "  mqscope policy set cap --pattern '^orders' --definition max-length=1000 --apply-to queues",
		Args:    exactlyOne("POLICY"),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := keyValues("--definition", definition)
			if err != nil {
				return err
			}
			if p.Pattern == "" || len(raw) == 0 {
				return usageError{errors.New("policy set needs --pattern and at least one --definition")}
			}
			p.Name, p.Definition = args[0], map[string]any{}
			for k, v := range raw {
				p.Definition[k], _ = backends.ParseQueueArgument(k, v)
			}
			return a.withSession(cmd.Context(), func(ctx context.Context, s *actions.Session) error {
				if err := s.SetPolicy(ctx, p); err != nil {
					return err
				}
				return a.report(change{Action: "set", Kind: "policy", Name: p.Name, Detail: "pattern=" + p.Pattern + " " + detailOf(raw)})
			})
		},
	}
	set.Flags().StringVar(&p.Pattern, "pattern", "", "`REGEX` of the names it applies to")
	set.Flags().StringVar(&p.ApplyTo, "apply-to", "all", "queues, exchanges or all")
	set.Flags().IntVar(&p.Priority, "priority", 0, "the higher wins where several match")
	set.Flags().StringArrayVar(&definition, "definition", nil, "definition `KEY=VALUE` (repeatable)")
	cmd.AddCommand(list, mutating(set, actions.VerbSetPolicy, "always"))
	return cmd
}

var policyColumns = []column[backends.Policy]{
	{head: "NAME", cell: func(p backends.Policy) string { return p.Name }},
	{head: "PATTERN", cell: func(p backends.Policy) string { return p.Pattern }},
	{head: "APPLY-TO", cell: func(p backends.Policy) string { return p.ApplyTo }},
	{head: "PRIORITY", right: true, cell: func(p backends.Policy) string { return itoa(p.Priority) }},
	{head: "DEFINITION", cell: func(p backends.Policy) string { return fmt.Sprint(p.Definition) }},
}

type policyLine struct {
	Name       string         `json:"name"`
	Vhost      string         `json:"vhost"`
	Pattern    string         `json:"pattern"`
	ApplyTo    string         `json:"apply_to"`
	Priority   int            `json:"priority"`
	Definition map[string]any `json:"definition"`
}

func policyJSON(p backends.Policy) policyLine { return policyLine(p) }
