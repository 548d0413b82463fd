package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/sanitize"
)

// describe shows one thing whole: the cluster (brokers, controller, id; Kafka's non-default broker
// configs, RabbitMQ's vhosts), a topic (its listing and configs) or a queue or exchange (its listing and
// bindings). In table mode each part is a table of its own under a heading; -o json prints one object.
func (a *app) describeCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "describe cluster|topic|queue|exchange [NAME]", Short: "Show the cluster, a topic, a queue or an exchange whole", Args: noArgs}
	var statsWait time.Duration
	cluster := &cobra.Command{Use: "cluster", Short: "Brokers, controller and cluster id; non-default broker configs (Kafka), vhosts (RabbitMQ), $SYS statistics (MQTT)",
		Args: noArgs, RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withSession(cmd.Context(), func(ctx context.Context, s *actions.Session) error {
				return a.describeCluster(ctx, s, statsWait)
			})
		}}
	cluster.Flags().DurationVar(&statsWait, "stats-wait", actions.StatsWait,
		"MQTT: wait at most this long for the broker's next $SYS update, which dates the figures")
	cmd.AddCommand(cluster)
	for _, kind := range []backends.DestinationKind{backends.Topic, backends.Queue, backends.Exchange} {
		cmd.AddCommand(&cobra.Command{Use: string(kind) + " NAME", Short: "A " + string(kind) + " with its " +
			map[bool]string{true: "configs", false: "bindings"}[kind == backends.Topic],
			Args: exactlyOne("NAME"), RunE: func(cmd *cobra.Command, args []string) error {
				return a.withSession(cmd.Context(), func(ctx context.Context, s *actions.Session) error {
					return a.describeDestination(ctx, s, kind, args[0])
				})
			}})
	}
	return cmd
}

type nodeRow = backends.Node

var nodeColumns = []column[nodeRow]{
	{head: "ID", cell: func(n nodeRow) string { return n.ID }},
	{head: "ADDRESS", cell: func(n nodeRow) string { return n.Address }},
	{head: "ROLE", cell: func(n nodeRow) string { return n.Role }},
}

func (a *app) describeCluster(ctx context.Context, s *actions.Session, statsWait time.Duration) error {
	id, err := s.Backend().Identity(ctx)
	if err != nil {
		return err
	}
	stats, err := a.brokerStats(ctx, s, statsWait)
	if err != nil {
		return err
	}
	var brokerConfigs map[string][]backends.ConfigEntry
	if s.Allows(actions.VerbBrokerConfigs) {
		if brokerConfigs, err = s.BrokerConfigs(ctx); err != nil {
			return err
		}
	}
	var vhosts []string
	if s.Allows(actions.VerbVhosts) {
		if vhosts, err = s.Vhosts(ctx); err != nil {
			return err
		}
	}
	if a.output == outputJSON {
		line := map[string]any{"kind": id.Kind, "version": id.Version, "cluster": id.Cluster,
			"nodes": nodesJSON(id.Nodes), "broker_configs": configsJSON(brokerConfigs), "vhosts": vhosts}
		if stats != nil {
			line["stats"] = statsJSON(*stats)
		}
		return a.jsonLine(line)
	}
	fmt.Fprintf(a.deps.Stdout, "%s %s, cluster %s\n\n", id.Kind, id.Version, id.Cluster)
	if err := writeTable(a.deps.Stdout, id.Nodes, nodeColumns); err != nil {
		return err
	}
	for _, broker := range slices.Sorted(maps.Keys(brokerConfigs)) {
		fmt.Fprintf(a.deps.Stdout, "\nbroker %s, configs away from their defaults:\n", broker)
		if err := writeTable(a.deps.Stdout, configRows(broker, brokerConfigs[broker]), configColumns); err != nil {
			return err
		}
	}
	if len(vhosts) > 0 {
		fmt.Fprintf(a.deps.Stdout, "\nvhosts:\n")
		for _, v := range vhosts {
			fmt.Fprintf(a.deps.Stdout, "  %s\n", sanitize.Line(v))
		}
	}
	if stats != nil {
		fmt.Fprintf(a.deps.Stdout, "\nbroker statistics, %s:\n", present.StatsAge(*stats, time.Now(), statsWait))
		return writeTable(a.deps.Stdout, present.StatRows(*stats), statColumns)
	}
	return nil
}

var statColumns = columnsOf(present.Stats)

// brokerStats reads the figures a broker publishes about itself, where it does (MQTT's $SYS), waiting at
// most wait for an update that dates them. A broker that publishes none is a warning, not a failure: the
// rest of the description stands.
func (a *app) brokerStats(ctx context.Context, s *actions.Session, wait time.Duration) (*backends.BrokerStats, error) {
	if !s.Allows(actions.VerbStats) {
		return nil, nil
	}
	if a.output == outputTable {
		a.warn(fmt.Sprintf("note: waiting up to %s for the broker's next $SYS update, which dates its figures (--stats-wait)", wait))
	}
	stats, err := s.BrokerStats(ctx, wait)
	if errors.Is(err, backends.ErrNoStats) {
		a.warn("warning: no broker statistics: " + err.Error())
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &stats, nil
}

// statsJSON is the statistics as one object: each count under its key, the sample time (null when
// unknown) and the age in seconds at printing.
func statsJSON(s backends.BrokerStats) map[string]any {
	counts := map[string]int64{}
	for _, f := range s.Figures {
		counts[f.Key] = f.Value
	}
	out := map[string]any{"version": s.Version, "source": s.Source, "uptime_seconds": s.Uptime.Seconds(),
		"counts": counts, "sampled_at": nil, "age_seconds": nil, "interval_seconds": nil}
	if !s.SampledAt.IsZero() {
		out["sampled_at"] = s.SampledAt.UTC().Format(time.RFC3339Nano)
		out["age_seconds"] = time.Since(s.SampledAt).Seconds()
	}
	if s.Interval > 0 {
		out["interval_seconds"] = s.Interval.Seconds()
	}
	return out
}

func nodesJSON(nodes []backends.Node) []map[string]any {
	out := make([]map[string]any, len(nodes))
	for i, n := range nodes {
		out[i] = map[string]any{"id": n.ID, "address": n.Address, "role": n.Role, "down": n.Down}
	}
	return out
}

func configsJSON(m map[string][]backends.ConfigEntry) map[string][]any {
	out := map[string][]any{}
	for k, entries := range m {
		for _, e := range entries {
			out[k] = append(out[k], configJSON(configRow{k, e}))
		}
	}
	return out
}

func configRows(owner string, entries []backends.ConfigEntry) []configRow {
	rows := make([]configRow, len(entries))
	for i, e := range entries {
		rows[i] = configRow{owner, e}
	}
	return rows
}

func (a *app) describeDestination(ctx context.Context, s *actions.Session, kind backends.DestinationKind, name string) error {
	dests, err := actions.ListDestinations(ctx, s.Backend(), backends.ListOptions{IncludeInternal: true})
	if err != nil {
		return err
	}
	i := slices.IndexFunc(dests, func(d backends.Destination) bool {
		return d.Name == name && (d.Kind == kind || kind == backends.Queue && d.Kind == backends.Stream)
	})
	if i < 0 {
		return fmt.Errorf("no %s %s here: %w", kind, sanitize.Line(name), backends.ErrNotFound)
	}
	d := dests[i]
	var configs []backends.ConfigEntry
	var bindings []backends.Binding
	if kind == backends.Topic && s.Allows(actions.VerbReadConfig) {
		configs, err = s.TopicConfig(ctx, name)
	} else if kind != backends.Topic && s.Allows(actions.VerbBindings) {
		bindings, err = s.Bindings(ctx, kind, name)
	}
	if err != nil {
		return err
	}
	if a.output == outputJSON {
		line := map[string]any{"destination": destinationJSON(d)}
		if kind == backends.Topic {
			line["configs"] = configsJSON(map[string][]backends.ConfigEntry{name: configs})[name]
		} else {
			line["bindings"] = bindingsJSON(bindings)
		}
		return a.jsonLine(line)
	}
	if err := writeTable(a.deps.Stdout, []dest{d}, destinationColumns); err != nil {
		return err
	}
	if kind == backends.Topic {
		fmt.Fprintln(a.deps.Stdout)
		return writeTable(a.deps.Stdout, configRows(name, configs), configColumns)
	}
	fmt.Fprintf(a.deps.Stdout, "\nbindings:\n")
	return writeTable(a.deps.Stdout, bindings, bindingColumns)
}

var bindingColumns = []column[backends.Binding]{
	{head: "SOURCE", cell: func(b backends.Binding) string { return cmpOr(b.Source, "(default)") }},
	{head: "DESTINATION", cell: func(b backends.Binding) string { return b.Destination }},
	{head: "KIND", cell: func(b backends.Binding) string { return string(b.DestinationKind) }},
	{head: "ROUTING KEY", cell: func(b backends.Binding) string { return b.RoutingKey }},
}

func bindingsJSON(bs []backends.Binding) []map[string]any {
	out := make([]map[string]any, len(bs))
	for i, b := range bs {
		out[i] = map[string]any{"source": b.Source, "destination": b.Destination, "destination_kind": b.DestinationKind,
			"routing_key": b.RoutingKey, "arguments": b.Arguments}
	}
	return out
}

// jsonLine prints one JSON object, escaped for the terminal like every JSON line.
func (a *app) jsonLine(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = a.deps.Stdout.Write(append(terminalSafeJSON(b), '\n'))
	return err
}
