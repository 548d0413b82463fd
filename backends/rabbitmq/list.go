package rabbitmq

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/mqscope/mqscope/backends"
)

// Only these columns are asked for: full queue objects carry garbage-collection and backing-queue details
// that make a page of 500 queues six times larger (700 KB instead of 120 KB).
var (
	queueColumns = []string{
		"name", "vhost", "type", "state", "arguments", "policy", "operator_policy", "effective_policy_definition",
		"messages", "messages_ready", "messages_unacknowledged", "consumers",
		"message_stats.publish_details.rate", "message_stats.deliver_get_details.rate",
		"message_stats.ack_details.rate",
	}
	exchangeColumns = []string{
		"name", "vhost", "type", "internal",
		"message_stats.publish_in_details.rate", "message_stats.publish_out_details.rate",
	}
)

// ListDestinations lists the queues, streams and exchanges of the AMQP URL's vhost, sorted by ID. Names
// and other strings are as the broker gave them (later actions need them exact): front ends escape them.
//
// Only that vhost: an AMQP connection lives in one vhost, so it is the one every later action (peek,
// publish, move) works in, and the user may have no rights on the others. Another vhost is another URL.
func (b *Backend) ListDestinations(ctx context.Context, opts backends.ListOptions) ([]backends.Destination, error) {
	if err := b.managementAPI(ctx); err != nil {
		return nil, b.withoutAPI(err)
	}
	var queues []apiQueue
	var exchanges []apiExchange
	vhost := segment(b.vhost) // "/" becomes %2F
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		queues, err = getAll[apiQueue](gctx, b.api, "/api/queues/"+vhost, queueColumns, b.cfg.PageSize)
		return err
	})
	g.Go(func() (err error) {
		exchanges, err = getAll[apiExchange](gctx, b.api, "/api/exchanges/"+vhost, exchangeColumns, b.cfg.PageSize)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, fmt.Errorf("list RabbitMQ vhost %q: %w", b.vhost, err)
	}
	dests := make([]backends.Destination, 0, len(queues)+len(exchanges))
	for _, q := range queues {
		dests = append(dests, q.destination())
	}
	for _, x := range exchanges {
		if d := x.destination(); opts.IncludeInternal || !d.Internal {
			dests = append(dests, d)
		}
	}
	return sortUnique(dests), nil
}

// sortUnique sorts by ID and drops the duplicates a listing may hold when queues came or went between
// two of its pages.
func sortUnique(dests []backends.Destination) []backends.Destination {
	slices.SortFunc(dests, func(a, b backends.Destination) int { return strings.Compare(a.ID(), b.ID()) })
	return slices.CompactFunc(dests, func(a, b backends.Destination) bool { return a.ID() == b.ID() })
}

// apiQueue is a queue as the management API lists it. Statistics are absent (or null) on queues the stats
// collector has not reported yet, right after a restart for a while, and rates on idle ones: counts are
// pointers, so that missing reads as unknown, not 0.
type apiQueue struct {
	Name            string     `json:"name"`
	Vhost           string     `json:"vhost"`
	Type            string     `json:"type"`
	State           string     `json:"state"`
	Arguments       table      `json:"arguments"`
	Policy          string     `json:"policy"`
	OperatorPolicy  string     `json:"operator_policy"`
	EffectivePolicy table      `json:"effective_policy_definition"`
	Messages        *int64     `json:"messages"`
	MessageBytes    *int64     `json:"message_bytes"`
	Ready           *int64     `json:"messages_ready"`
	Unacked         *int64     `json:"messages_unacknowledged"`
	Consumers       *int       `json:"consumers"`
	Stats           queueStats `json:"message_stats"`
}

// queueStats are a queue's rates. A whole queue object (describe asks for one) may carry them as an empty
// list, [], Erlang's empty property list, before the first sample.
type queueStats struct {
	Publish    rate `json:"publish_details"`
	DeliverGet rate `json:"deliver_get_details"`
	Ack        rate `json:"ack_details"`
}

func (s *queueStats) UnmarshalJSON(data []byte) error {
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("[")) {
		*s = queueStats{}
		return nil
	}
	type plain queueStats
	return json.Unmarshal(data, (*plain)(s))
}

type rate struct {
	Rate *float64 `json:"rate"`
}

func (q apiQueue) destination() backends.Destination {
	typ := q.Type
	if typ == "" { // brokers before 3.8 have no type field
		typ, _ = q.Arguments["x-queue-type"].(string)
		typ = firstNonEmpty(typ, "classic")
	}
	kind := backends.Queue
	if typ == "stream" {
		kind = backends.Stream
	}
	ready, unacked := count(q.Ready), count(q.Unacked)
	messages := count(q.Messages)
	if q.Messages == nil && backends.Known(ready) && backends.Known(unacked) {
		messages = ready + unacked
	}
	return backends.Destination{
		Name: q.Name, Kind: kind, Type: typ, Vhost: q.Vhost,
		Messages: messages, Ready: ready, Unacked: unacked, Consumers: count(q.Consumers),
		PublishRate: q.Stats.Publish.Rate, DeliverRate: q.Stats.DeliverGet.Rate, AckRate: q.Stats.Ack.Rate,
		DeadLetter: deadLetter(q.Arguments, q.EffectivePolicy),
		Policy:     firstNonEmpty(q.Policy, q.OperatorPolicy),
		State:      q.State,
	}
}

// count is a figure the API gave, or backends.Unknown where it gave none.
func count[N int | int64](n *N) N {
	if n == nil {
		return backends.Unknown
	}
	return *n
}

// deadLetter merges a queue's dead-lettering from its x- arguments and its effective policy the way
// RabbitMQ resolves them: the argument wins for the exchange and the routing key, and the delivery limit
// is the lower of the two (a negative limit, meaning none, loses to any other). It is nil when the queue
// has none of the three.
func deadLetter(args, policy table) *backends.DeadLetterConfig {
	var dl backends.DeadLetterConfig
	set := false
	if v, fromPolicy, ok := setting(args, policy, "dead-letter-exchange"); ok {
		dl.Exchange, dl.HasExchange, set = fmt.Sprint(v), true, true
		dl.FromPolicy = dl.FromPolicy || fromPolicy
	}
	if v, fromPolicy, ok := setting(args, policy, "dead-letter-routing-key"); ok {
		dl.RoutingKey, set = fmt.Sprint(v), true
		dl.FromPolicy = dl.FromPolicy || fromPolicy
	}
	argLimit, argOK := integer(args["x-delivery-limit"])
	polLimit, polOK := integer(policy["delivery-limit"])
	dl.HasDeliveryLimit = argOK || polOK
	switch {
	case argOK && polOK && resolveLimit(polLimit, argLimit) != argLimit:
		dl.DeliveryLimit, dl.FromPolicy, set = polLimit, true, true
	case argOK:
		dl.DeliveryLimit, set = argLimit, true
	case polOK:
		dl.DeliveryLimit, dl.FromPolicy, set = polLimit, true, true
	}
	if !set {
		return nil
	}
	return &dl
}

// setting looks a queue setting up in the queue's arguments ("x-" + key) first, then in its policy.
func setting(args, policy table, key string) (v any, fromPolicy, ok bool) {
	if v, ok := args["x-"+key]; ok {
		return v, false, true
	}
	v, ok = policy[key]
	return v, true, ok
}

// resolveLimit is how RabbitMQ combines a delivery limit set by both policy and argument.
func resolveLimit(pol, arg int) int {
	if pol < 0 || arg < 0 {
		return max(pol, arg)
	}
	return min(pol, arg)
}

// integer reads a whole number from a JSON value: arguments set in the management UI may be strings.
func integer(v any) (int, bool) {
	switch n := v.(type) {
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < math.MaxInt32 {
			return int(n), true
		}
	case string:
		if i, err := strconv.Atoi(strings.TrimSpace(n)); err == nil {
			return i, true
		}
	}
	return 0, false
}

// apiExchange is an exchange as the management API lists it.
type apiExchange struct {
	Name     string        `json:"name"`
	Vhost    string        `json:"vhost"`
	Type     string        `json:"type"`
	Internal bool          `json:"internal"`
	Stats    exchangeStats `json:"message_stats"`
}

// exchangeStats are an exchange's rates; [] before the first sample, as for queues.
type exchangeStats struct {
	In  rate `json:"publish_in_details"`
	Out rate `json:"publish_out_details"`
}

func (s *exchangeStats) UnmarshalJSON(data []byte) error {
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("[")) {
		*s = exchangeStats{}
		return nil
	}
	type plain exchangeStats
	return json.Unmarshal(data, (*plain)(s))
}

// destination lists the exchange. The default exchange ("") and the amq.* ones come with every vhost and
// count as the broker's own, as do exchanges declared internal (no client may publish to them).
func (x apiExchange) destination() backends.Destination {
	return backends.Destination{
		Name: x.Name, Kind: backends.Exchange, Type: x.Type,
		Vhost:       x.Vhost,
		Internal:    x.Name == "" || strings.HasPrefix(x.Name, "amq.") || x.Internal,
		PublishRate: x.Stats.In.Rate, DeliverRate: x.Stats.Out.Rate,
	}
}

// table is a JSON object of queue arguments or policy settings. Some RabbitMQ versions write an empty one
// as [], which decodes as an empty table.
type table map[string]any

func (t *table) UnmarshalJSON(data []byte) error {
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("[")) {
		*t = nil
		return nil
	}
	return json.Unmarshal(data, (*map[string]any)(t))
}

// columns asks the API for only these fields of each object.
// columns asks for only these columns; "" asks for the whole object.
func columns(names string) url.Values {
	if names == "" {
		return nil
	}
	return url.Values{"columns": {names}}
}
