package cli

import (
	"context"
	"slices"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/sanitize"
)

func (a *app) lsCommand() *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "ls [NAME...]",
		Short: "List topics, queues, streams and exchanges (only those NAMEd; named queues are counted now)",
		Long: "ls lists every topic, queue, stream and exchange, or only those named. RabbitMQ's management API\n" +
			"samples a queue's figures every 5 s, so right after a publish they are behind: a queue named here\n" +
			"is counted now (a passive declare gives its ready and consumer counts exactly).",
		RunE: func(cmd *cobra.Command, names []string) error {
			return a.withBackend(cmd.Context(), func(ctx context.Context, b backends.Backend) error {
				dests, err := actions.ListDestinations(ctx, b, backends.ListOptions{IncludeInternal: all || len(names) > 0})
				if err != nil {
					return err
				}
				if dests, err = pickDestinations(dests, names); err != nil {
					return err
				}
				dests = actions.ExactCounts(ctx, b, dests, actions.WorthCounting(dests, names))
				sortDestinations(dests)
				if err := render(a.deps.Stdout, a.output, dests, destinationColumns, destinationJSON); err != nil {
					return err
				}
				if len(dests) == 0 {
					a.warn(a.emptyListing(all))
				}
				if a.output != outputJSON && slices.ContainsFunc(dests, func(d dest) bool { return countsJSON(d) == "sampled" }) {
					a.warn("note: the queues' READY, UNACKED and CONSUMERS are the management API's samples, up to 5 s old; " +
						"`mqscope ls QUEUE...` counts named queues now")
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "also list the broker's own destinations (__consumer_offsets, amq.*)")
	return cmd
}

// pickDestinations keeps the destinations named (every one when none is), and says which name is not there.
func pickDestinations(dests []dest, names []string) ([]dest, error) {
	if len(names) == 0 {
		return dests, nil
	}
	var picked []dest
	for _, name := range names {
		n := len(picked)
		for _, d := range dests {
			if d.Name == name {
				picked = append(picked, d)
			}
		}
		if len(picked) == n {
			// Said as every front end says a missing destination, with no ": not found" after it.
			return nil, &actions.NotFoundError{Kind: "topic, queue, stream or exchange", Name: sanitize.Line(name)}
		}
	}
	return picked, nil
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

// destinationColumns are the shared columns of a listing.
var destinationColumns = columnsOf(present.Destinations)

// destinationLine is one line of `ls -o json`. Every field is always present, so that scripts need not
// guess; counts and rates are null where unknown, dead-lettering where unset.
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
	Messages          *int64          `json:"messages"` // counts are null where the broker could not give them
	Ready             *int64          `json:"ready"`
	Unacked           *int64          `json:"unacked"`
	Consumers         *int            `json:"consumers"`
	PublishRate       *float64        `json:"publish_rate"`
	DeliverRate       *float64        `json:"deliver_rate"`
	DeadLetter        *deadLetterLine `json:"dead_letter"`
	Policy            string          `json:"policy"`
	State             string          `json:"state"`
	// Logs whose entries carry their time (Redis streams); empty, null or 0 elsewhere.
	FirstID string     `json:"first_id"`
	LastID  string     `json:"last_id"`
	Oldest  *time.Time `json:"oldest"`
	Newest  *time.Time `json:"newest"`
	Groups  int        `json:"groups"`
	Bytes   int64      `json:"bytes"`
	// Subjects a NATS stream takes; [] elsewhere.
	Subjects []string `json:"subjects"`
	// Counts says how current ready, unacked and consumers are: "exact" (counted now), "sampled" (RabbitMQ's
	// management API, up to 5 s old), or "" where the broker's figures are its own (Kafka's offsets).
	Counts string `json:"counts"`
	// MQTT topics, as the listing's window saw them; null elsewhere.
	MQTT *mqttTopicLine `json:"mqtt"`
	// SQS queues: counts SQS calls approximate, the redrive policy and a DLQ's sources; null elsewhere.
	SQS *sqsQueueLine `json:"sqs"`
}

type sqsQueueLine struct {
	Approximate       bool            `json:"approximate"`
	Visible           *int64          `json:"visible"`
	InFlight          *int64          `json:"in_flight"`
	Delayed           *int64          `json:"delayed"`
	Redrive           *sqsRedriveLine `json:"redrive"`
	DeadLetterSources []string        `json:"dead_letter_sources"`
}

type sqsRedriveLine struct {
	DeadLetterQueue string `json:"dead_letter_queue"`
	MaxReceiveCount int    `json:"max_receive_count"`
}

type mqttTopicLine struct {
	Retained      bool    `json:"retained"`
	Seen          int64   `json:"seen"`
	WindowSeconds float64 `json:"window_seconds"`
	QoS           int     `json:"qos"`
	LastSize      int     `json:"last_size"`
	// LastPayload is the first bytes of the last payload (a preview; last_size says how long it was).
	LastPayload string `json:"last_payload"`
}

func timeJSON(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
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
		Offline: d.Offline, Messages: countJSON(d.Messages), Ready: countJSON(d.Ready), Unacked: countJSON(d.Unacked), Consumers: countJSON(d.Consumers),
		PublishRate: d.PublishRate, DeliverRate: d.DeliverRate, Policy: d.Policy, State: d.State,
		FirstID: d.FirstID, LastID: d.LastID, Oldest: timeJSON(d.Oldest), Newest: timeJSON(d.Newest),
		Groups: d.Groups, Bytes: d.Bytes, Subjects: d.Subjects, Counts: countsJSON(d),
	}
	if line.Subjects == nil {
		line.Subjects = []string{}
	}
	if d.Window > 0 {
		line.MQTT = &mqttTopicLine{Retained: d.Retained, Seen: d.Seen, WindowSeconds: d.Window.Seconds(), QoS: d.QoS,
			LastSize: d.LastSize, LastPayload: string(d.LastPayload)}
	}
	if d.Approximate {
		line.SQS = &sqsQueueLine{Approximate: true, Visible: countJSON(d.Ready), InFlight: countJSON(d.Unacked),
			Delayed: countJSON(d.Delayed), DeadLetterSources: d.DeadLetterSources}
		if line.SQS.DeadLetterSources == nil {
			line.SQS.DeadLetterSources = []string{}
		}
		if r := d.Redrive; r != nil {
			line.SQS.Redrive = &sqsRedriveLine{DeadLetterQueue: r.DeadLetterQueue, MaxReceiveCount: r.MaxReceiveCount}
		}
	}
	if dl := d.DeadLetter; dl != nil {
		line.DeadLetter = &deadLetterLine{Exchange: dl.Exchange, RoutingKey: dl.RoutingKey,
			DeliveryLimit: dl.DeliveryLimit, FromPolicy: dl.FromPolicy}
	}
	return line
}

// emptyListing is the one line on stderr for a listing with nothing in it, so that a bare header row does
// not look like a failure; it says what this broker lists and what --all would add.
func (a *app) emptyListing(all bool) string {
	kind := a.kind()
	more := func(what string) string {
		if all {
			return ""
		}
		return " (--all also lists " + what + ")"
	}
	switch kind {
	case backends.RabbitMQ:
		return "no queues or exchanges in this vhost" + more("the amq.* exchanges")
	case backends.Redis:
		return "no streams in this database"
	case backends.NATS:
		return "no streams"
	case backends.MQTT:
		return "no topics seen: MQTT lists the topics that carried a message, or kept a retained one, while ls listened"
	case backends.SQS:
		return "no queues"
	}
	return "no topics" + more("the broker's own, such as __consumer_offsets")
}
