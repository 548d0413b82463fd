package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
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
	cmd := &cobra.Command{Use: "describe cluster|topic|queue|exchange|group [NAME]", Short: "Show the cluster, a topic, a queue, an exchange or a group whole", Args: noArgs}
	var statsWait time.Duration
	cluster := &cobra.Command{Use: "cluster", Short: "Brokers, controller and cluster id; non-default broker configs (Kafka), vhosts (RabbitMQ), $SYS statistics (MQTT)",
		Args: noArgs, RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withSession(cmd.Context(), func(ctx context.Context, s *actions.Session) error {
				return a.describeCluster(ctx, s, statsWait)
			})
		}}
	cluster.Flags().DurationVar(&statsWait, "stats-wait", actions.StatsWait,
		"MQTT: wait at most this long for the broker's next $SYS update, which dates the figures")
	cmd.AddCommand(cluster, &cobra.Command{Use: "group NAME", Short: "A consumer group: members with their assignments, committed offsets against the log",
		Args: exactlyOne("NAME"), RunE: func(cmd *cobra.Command, args []string) error {
			return a.withSession(cmd.Context(), func(ctx context.Context, s *actions.Session) error {
				return a.describeGroup(ctx, s, args[0])
			})
		}})
	for _, kind := range []backends.DestinationKind{backends.Topic, backends.Queue, backends.Exchange} {
		cmd.AddCommand(&cobra.Command{Use: string(kind) + " NAME", Short: describeShort[kind],
			Args: exactlyOne("NAME"), RunE: func(cmd *cobra.Command, args []string) error {
				return a.withSession(cmd.Context(), func(ctx context.Context, s *actions.Session) error {
					return a.describeDestination(ctx, s, kind, args[0])
				})
			}})
	}
	return cmd
}

var describeShort = map[backends.DestinationKind]string{
	backends.Topic:    "A topic: partitions with leader, replicas, ISR and offsets; configs set away from their defaults",
	backends.Queue:    "A queue: arguments, policy, durability, node, consumers with their prefetch, bindings; counts taken now",
	backends.Exchange: "An exchange: its type, arguments and the bindings that lead to it and leave it",
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
	d, err := actions.Describe(ctx, s.Backend(), kind, name)
	if err != nil {
		return err
	}
	if a.output == outputJSON {
		return a.jsonLine(detailsJSON(d))
	}
	return a.writeSections(present.DestinationSections(d))
}

func (a *app) describeGroup(ctx context.Context, s *actions.Session, name string) error {
	g, err := actions.DescribeGroup(ctx, s.Backend(), name)
	if nf := (*actions.NotFoundError)(nil); errors.As(err, &nf) && nf.Group {
		nf.Kind = a.words().Group // what this broker calls a group (NATS: consumer), as lag names it
	}
	if err != nil {
		return err
	}
	if a.output == outputJSON {
		return a.jsonLine(map[string]any{"group": groupJSON(g.Group), "members": membersJSON(g.Members),
			"offsets": partitionLagsJSON(g.Partitions)})
	}
	return a.writeSections(present.GroupSections(g))
}

// writeSections prints a details page: each section under its heading, a blank line between them.
func (a *app) writeSections(secs []present.Section) error {
	for i, sec := range secs {
		if i > 0 {
			fmt.Fprintln(a.deps.Stdout)
		}
		for _, l := range sec.Lines() {
			if _, err := fmt.Fprintln(a.deps.Stdout, strings.TrimRight(l, " ")); err != nil {
				return err
			}
		}
	}
	return nil
}

// detailsJSON is `describe topic|queue|exchange -o json`: the listing's line, and every part the broker
// has (null or [] where it has none). Configs are all of them, each with its source.
func detailsJSON(d backends.Details) map[string]any {
	parts := make([]map[string]any, len(d.Partitions))
	for i, p := range d.Partitions {
		parts[i] = map[string]any{"partition": p.Partition, "leader": p.Leader, "replicas": orEmpty(p.Replicas),
			"isr": orEmpty(p.ISR), "offline": orEmpty(p.Offline), "start": countJSON(p.Start), "end": countJSON(p.End)}
	}
	consumers := make([]map[string]any, len(d.Consumers))
	for i, c := range d.Consumers {
		consumers[i] = map[string]any{"tag": c.Tag, "channel": c.Channel, "connection": c.Connection, "user": c.User,
			"prefetch": c.Prefetch, "ack_required": c.AckRequired, "exclusive": c.Exclusive, "active": c.Active}
	}
	readers := make([]map[string]any, len(d.Readers))
	for i, r := range d.Readers {
		readers[i] = map[string]any{"name": r.Name, "consumers": countJSON(r.Consumers), "position": r.Position,
			"pending": countJSON(r.Pending), "lag": countJSON(r.Lag)}
	}
	props := map[string]string{}
	for _, p := range d.Properties {
		props[p.Name] = p.Value
	}
	return map[string]any{
		"destination": destinationJSON(d.Destination), "counts": countsJSON(d.Destination),
		"partitions": parts, "configs": configsJSON(map[string][]backends.ConfigEntry{d.Destination.Name: d.Configs})[d.Destination.Name],
		"durable": d.Durable, "auto_delete": d.AutoDelete, "exclusive": d.Exclusive, "arguments": d.Arguments,
		"policy": d.Policy, "operator_policy": d.OperatorPolicy, "policy_definition": d.PolicyDefinition,
		"node": d.Node, "members": orEmpty(d.Members), "online": orEmpty(d.Online), "consumers": consumers,
		"bindings": bindingsJSON(d.Bindings), "properties": props, "readers": readers,
	}
}

// countsJSON says how current a destination's counts are: "exact" (counted now), "sampled" (the
// management API's figures, up to 5 s old), or "" where the broker's counts are its own log's.
func countsJSON(d backends.Destination) string {
	switch present.CountsNote(d) {
	case "":
		return ""
	case "counted now":
		return "exact"
	}
	return "sampled"
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func membersJSON(ms []backends.GroupMember) []map[string]any {
	out := make([]map[string]any, len(ms))
	for i, m := range ms {
		assigned := make([]map[string]any, len(m.Assigned))
		for j, tp := range m.Assigned {
			assigned[j] = map[string]any{"topic": tp.Topic, "partition": tp.Partition}
		}
		out[i] = map[string]any{"id": m.ID, "client_id": m.ClientID, "host": m.Host, "assigned": assigned}
	}
	return out
}

func partitionLagsJSON(ps []backends.PartitionLag) []map[string]any {
	out := make([]map[string]any, len(ps))
	for i, p := range ps {
		var committed *int64
		if p.Committed >= 0 {
			committed = &p.Committed
		}
		out[i] = map[string]any{"topic": p.Topic, "partition": p.Partition, "committed": committed,
			"start": p.Start, "end": p.End, "lag": p.Lag, "member": p.Member}
	}
	return out
}

var bindingColumns = columnsOf(present.Bindings)

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
