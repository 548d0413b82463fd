package cli

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
)

func (a *app) lsCommand() *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "ls",
		Short: "List topics, queues, streams and exchanges",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withBackend(cmd.Context(), func(ctx context.Context, b backends.Backend) error {
				dests, err := actions.ListDestinations(ctx, b, backends.ListOptions{IncludeInternal: all})
				if err != nil {
					return err
				}
				sortDestinations(dests)
				return render(a.deps.Stdout, a.output, dests, destinationColumns, destinationJSON)
			})
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "also list the broker's own destinations (__consumer_offsets, amq.*)")
	return cmd
}

// sortDestinations orders a listing the way people scan it: by vhost, then the places that hold messages
// (topics, queues, streams) by name, then exchanges by name.
func sortDestinations(d []backends.Destination) {
	sort.SliceStable(d, func(i, j int) bool {
		if d[i].Vhost != d[j].Vhost {
			return d[i].Vhost < d[j].Vhost
		}
		if xi, xj := d[i].Kind == backends.Exchange, d[j].Kind == backends.Exchange; xi != xj {
			return xj
		}
		return d[i].Name < d[j].Name
	})
}

type dest = backends.Destination

func isTopic(d dest) bool { return d.Kind == backends.Topic }

// holdsMessages is true for queues and streams: what has ready, unacked, consumers and rates.
func holdsMessages(d dest) bool { return d.Kind == backends.Queue || d.Kind == backends.Stream }

func has(s func(dest) string) func(dest) bool { return func(d dest) bool { return s(d) != "" } }

func itoa[N int | int64](n N) string { return strconv.FormatInt(int64(n), 10) }

var destinationColumns = []column[dest]{
	{head: "VHOST", cell: func(d dest) string { return d.Vhost }, applies: has(func(d dest) string { return d.Vhost })},
	{head: "NAME", cell: displayName},
	{head: "KIND", cell: func(d dest) string { return string(d.Kind) }},
	{head: "TYPE", cell: func(d dest) string { return d.Type }, applies: has(func(d dest) string { return d.Type })},
	{head: "PARTITIONS", right: true, cell: func(d dest) string { return itoa(d.Partitions) }, applies: isTopic},
	{head: "RF", right: true, cell: func(d dest) string { return itoa(d.ReplicationFactor) }, applies: isTopic},
	{head: "UNDER-REPL", right: true, cell: func(d dest) string { return itoa(d.UnderReplicated) }, applies: isTopic},
	{head: "OFFLINE", right: true, cell: func(d dest) string { return itoa(d.Offline) }, applies: isTopic},
	{head: "MESSAGES", right: true, cell: func(d dest) string { return itoa(d.Messages) },
		applies: func(d dest) bool { return d.Kind != backends.Exchange }},
	{head: "READY", right: true, cell: func(d dest) string { return itoa(d.Ready) }, applies: holdsMessages},
	{head: "UNACKED", right: true, cell: func(d dest) string { return itoa(d.Unacked) }, applies: holdsMessages},
	{head: "CONSUMERS", right: true, cell: func(d dest) string { return itoa(d.Consumers) }, applies: holdsMessages},
	{head: "PUBLISH/S", right: true, cell: func(d dest) string { return rate(d.PublishRate) }, applies: holdsMessages},
	{head: "DELIVER/S", right: true, cell: func(d dest) string { return rate(d.DeliverRate) }, applies: holdsMessages},
	{head: "DEAD-LETTER", cell: func(d dest) string { return deadLetter(d.DeadLetter) },
		applies: func(d dest) bool { return d.DeadLetter != nil }},
	{head: "INTERNAL", cell: func(d dest) string { return "yes" }, applies: func(d dest) bool { return d.Internal }},
}

// displayName is the name as the table shows it; the default exchange has none, so it gets a label (JSON
// keeps the empty name).
func displayName(d dest) string {
	if d.Name == "" && d.Kind == backends.Exchange {
		return "(default exchange)"
	}
	return d.Name
}

// deadLetter says where a queue's rejected messages go: "orders.dlx key=orders.dead limit=5 (policy)".
func deadLetter(dl *backends.DeadLetterConfig) string {
	if dl == nil {
		return ""
	}
	parts := []string{dl.Exchange}
	if dl.Exchange == "" {
		parts[0] = "(default exchange)"
	}
	if dl.RoutingKey != "" {
		parts = append(parts, "key="+dl.RoutingKey)
	}
	if dl.DeliveryLimit > 0 {
		parts = append(parts, fmt.Sprintf("limit=%d", dl.DeliveryLimit))
	}
	if dl.FromPolicy {
		parts = append(parts, "(policy)")
	}
	return strings.Join(parts, " ")
}

// destinationLine is one line of `ls -o json`. Every field is always present, so that scripts need not
// guess; rates and dead-lettering are null where unknown or unset.
type destinationLine struct {
	Name              string          `json:"name"`
	Kind              string          `json:"kind"`
	Type              string          `json:"type"`
	Vhost             string          `json:"vhost"`
	Internal          bool            `json:"internal"`
	Partitions        int             `json:"partitions"`
	ReplicationFactor int             `json:"replication_factor"`
	UnderReplicated   int             `json:"under_replicated"`
	Offline           int             `json:"offline"`
	Messages          int64           `json:"messages"`
	Ready             int64           `json:"ready"`
	Unacked           int64           `json:"unacked"`
	Consumers         int             `json:"consumers"`
	PublishRate       *float64        `json:"publish_rate"`
	DeliverRate       *float64        `json:"deliver_rate"`
	DeadLetter        *deadLetterLine `json:"dead_letter"`
	Policy            string          `json:"policy"`
	State             string          `json:"state"`
}

type deadLetterLine struct {
	Exchange      string `json:"exchange"`
	RoutingKey    string `json:"routing_key"`
	DeliveryLimit int    `json:"delivery_limit"`
	FromPolicy    bool   `json:"from_policy"`
}

func destinationJSON(d dest) any {
	line := destinationLine{
		Name: d.Name, Kind: string(d.Kind), Type: d.Type, Vhost: d.Vhost, Internal: d.Internal,
		Partitions: d.Partitions, ReplicationFactor: d.ReplicationFactor, UnderReplicated: d.UnderReplicated,
		Offline: d.Offline, Messages: d.Messages, Ready: d.Ready, Unacked: d.Unacked, Consumers: d.Consumers,
		PublishRate: d.PublishRate, DeliverRate: d.DeliverRate, Policy: d.Policy, State: d.State,
	}
	if dl := d.DeadLetter; dl != nil {
		line.DeadLetter = &deadLetterLine{Exchange: dl.Exchange, RoutingKey: dl.RoutingKey,
			DeliveryLimit: dl.DeliveryLimit, FromPolicy: dl.FromPolicy}
	}
	return line
}
