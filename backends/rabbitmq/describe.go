package rabbitmq

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"

	"github.com/mqscope/mqscope/backends"
)

var _ backends.Describer = (*Backend)(nil)

// apiQueueDetails is one queue as the management API describes it alone: what the listing has, and where
// it lives, who consumes it and on which channel.
type apiQueueDetails struct {
	apiQueue
	Durable    bool     `json:"durable"`
	AutoDelete bool     `json:"auto_delete"`
	Exclusive  bool     `json:"exclusive"`
	Node       string   `json:"node"`   // classic queues
	Leader     string   `json:"leader"` // quorum queues and streams
	Members    []string `json:"members"`
	Online     []string `json:"online"`
	// Each consumer is decoded on its own: while a channel closes the API gives its channel_details as
	// an empty list ([]) instead of an object, and one such consumer must not fail the whole page.
	ConsumerDetails []json.RawMessage `json:"consumer_details"`
}

type apiConsumer struct {
	Tag         string          `json:"consumer_tag"`
	Prefetch    int             `json:"prefetch_count"`
	AckRequired bool            `json:"ack_required"`
	Exclusive   bool            `json:"exclusive"`
	Active      *bool           `json:"active"` // absent before 3.8: every consumer was active
	Channel     json.RawMessage `json:"channel_details"`
}

type apiChannel struct {
	Name           string `json:"name"`
	ConnectionName string `json:"connection_name"`
	User           string `json:"user"`
}

// consumers decodes what it can of the API's consumer details.
func consumers(raw []json.RawMessage) []backends.Consumer {
	var out []backends.Consumer
	for _, r := range raw {
		var c apiConsumer
		if json.Unmarshal(r, &c) != nil {
			continue
		}
		var ch apiChannel
		_ = json.Unmarshal(c.Channel, &ch) // [] while the channel closes: no channel to name
		out = append(out, backends.Consumer{Tag: c.Tag, Channel: ch.Name, Connection: ch.ConnectionName, User: ch.User,
			Prefetch: c.Prefetch, AckRequired: c.AckRequired, Exclusive: c.Exclusive, Active: c.Active == nil || *c.Active})
	}
	return out
}

type apiExchangeDetails struct {
	apiExchange
	Durable    bool   `json:"durable"`
	AutoDelete bool   `json:"auto_delete"`
	Arguments  table  `json:"arguments"`
	Policy     string `json:"policy"`
}

// Describe is one queue (its arguments, policy, durability, node or members and consumers with their
// prefetch, and counts taken now by a passive declare) or one exchange, from the management API.
func (b *Backend) Describe(ctx context.Context, kind backends.DestinationKind, name string) (backends.Details, error) {
	if err := b.managementAPI(ctx); err != nil {
		return backends.Details{}, b.needsAPI("describing a "+string(kind), err)
	}
	switch kind {
	case backends.Queue, backends.Stream:
		return b.describeQueue(ctx, name)
	case backends.Exchange:
		return b.describeExchange(ctx, name)
	}
	return backends.Details{}, fmt.Errorf("RabbitMQ has no %s: %w", kind, backends.ErrNotSupported)
}

func (b *Backend) describeQueue(ctx context.Context, name string) (backends.Details, error) {
	var q apiQueueDetails
	if err := getOne(ctx, b.api, "/api/queues/"+segment(b.vhost), name, "", &q); err != nil {
		if errors.Is(err, backends.ErrNotFound) {
			return backends.Details{}, b.missingQueue(ctx, name)
		}
		return backends.Details{}, fmt.Errorf("describe queue %s: %w", quoted(name), err)
	}
	d := backends.Details{Destination: q.destination(),
		Durable: q.Durable, AutoDelete: q.AutoDelete, Exclusive: q.Exclusive, Arguments: nilIfEmpty(q.Arguments),
		Policy: q.Policy, OperatorPolicy: q.OperatorPolicy, PolicyDefinition: nilIfEmpty(q.EffectivePolicy),
		Node: firstNonEmpty(q.Leader, q.Node), Members: q.Members, Online: q.Online}
	if q.Policy == "" && q.OperatorPolicy == "" { // the API's record may not carry it yet
		d.Policy, d.PolicyDefinition = b.policyFor(ctx, name, d.Destination.Type)
		d.Destination.Policy, d.Destination.DeadLetter = d.Policy, deadLetter(q.Arguments, d.PolicyDefinition)
	}
	d.Consumers = consumers(q.ConsumerDetails)
	if d.Destination.Kind == backends.Queue { // a stream answers no passive declare with counts
		if ready, consumers, err := b.QueueCount(ctx, name); err == nil {
			dst := &d.Destination
			dst.Ready, dst.Consumers, dst.CountsExact = ready, consumers, true
			if backends.Known(dst.Unacked) {
				dst.Messages = ready + dst.Unacked
			}
		}
	}
	return d, nil
}

func (b *Backend) describeExchange(ctx context.Context, name string) (backends.Details, error) {
	var x apiExchangeDetails
	path := name
	if name == "" {
		path = "amq.default" // the API's name for the default exchange
	}
	if err := getOne(ctx, b.api, "/api/exchanges/"+segment(b.vhost), path, "", &x); err != nil {
		if errors.Is(err, backends.ErrNotFound) {
			return backends.Details{}, backends.NotFound("no exchange %s in vhost %s", quoted(name), quoted(b.vhost))
		}
		return backends.Details{}, fmt.Errorf("describe exchange %s: %w", quoted(name), err)
	}
	return backends.Details{Destination: x.destination(), Durable: x.Durable, AutoDelete: x.AutoDelete,
		Arguments: nilIfEmpty(x.Arguments), Policy: x.Policy}, nil
}

// policyFor is the policy that applies to a queue, worked out as the broker does (the highest priority
// among the policies for queues whose pattern matches the name), for a queue whose own record the
// management API does not carry yet: its statistics arrive every few seconds. Nothing where the policies
// cannot be read.
func (b *Backend) policyFor(ctx context.Context, queue, typ string) (string, map[string]any) {
	policies, err := b.Policies(ctx)
	if err != nil {
		return "", nil
	}
	var best *backends.Policy
	for i, p := range policies {
		re, err := regexp.Compile(p.Pattern)
		if err != nil || !appliesToQueue(p.ApplyTo, typ) || !re.MatchString(queue) {
			continue
		}
		if best == nil || p.Priority > best.Priority {
			best = &policies[i]
		}
	}
	if best == nil {
		return "", nil
	}
	return best.Name, best.Definition
}

// appliesToQueue says whether a policy's apply-to takes in a queue of type typ (RabbitMQ 4 adds
// classic_queues, quorum_queues and streams to queues, exchanges and all).
func appliesToQueue(applyTo, typ string) bool {
	switch applyTo {
	case "queues", "all", "":
		return true
	case "classic_queues":
		return typ == "classic"
	case "quorum_queues":
		return typ == "quorum"
	case "streams":
		return typ == "stream"
	}
	return false
}
