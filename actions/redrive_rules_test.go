package actions

import (
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mqscope/mqscope/backends"
)

func TestOriginsByName(t *testing.T) {
	for dlq, want := range map[string][]string{
		"orders-dlt":         {"orders"},
		"orders.DLT":         {"orders"},
		"orders.dlq":         {"orders"},
		"orders.DLQ":         {"orders"},
		"orders-dlq":         {"orders"},
		"orders_dlq":         {"orders"},
		"orders.dead":        {"orders"},
		"orders.dead-letter": {"orders"},
		"dlq.orders":         {"orders"},
		"DLQ-orders":         {"orders"},
		"dlq.orders.dlq":     {"dlq.orders", "orders.dlq"},
		"orders":             nil,
		"-dlt":               nil, // the origin's name cannot be empty
		"dlq.":               nil,
	} {
		var got []string
		for _, r := range OriginsByName(dlq) {
			got = append(got, r.Target.Destination)
			if !strings.HasPrefix(r.Via, "naming convention ") {
				t.Errorf("%s: via %q", dlq, r.Via)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("OriginsByName(%q) = %q, want %q", dlq, got, want)
		}
	}
}

// topics and queues the synthetic broker holds.
var redriveWorld = []backends.Destination{
	{Name: "orders", Kind: backends.Topic, Partitions: 6},
	{Name: "orders-dlt", Kind: backends.Topic, Partitions: 6},
	{Name: "payments", Kind: backends.Topic, Partitions: 3},
	{Name: "work", Kind: backends.Queue},
	{Name: "work.dlq", Kind: backends.Queue},
	{Name: "jobs", Kind: backends.Exchange},
	{Name: "parking", Kind: backends.Queue},
}

func be32(v int32) []byte { return binary.BigEndian.AppendUint32(nil, uint32(v)) }

func spring(topic string, partition int32) backends.Message {
	return backends.Message{Headers: []backends.Header{
		{Key: "kafka_dlt-original-topic", Value: []byte(topic)},
		{Key: "kafka_dlt-original-partition", Value: be32(partition)},
	}}
}

func xdeath(queue, exchange string, keys ...string) backends.Message {
	rk := make([]any, len(keys))
	for i, k := range keys {
		rk[i] = k
	}
	return backends.Message{Headers: []backends.Header{{Key: "x-death", Typed: []any{map[string]any{
		"queue": queue, "reason": "rejected", "count": int64(1), "time": time.Now(), "exchange": exchange, "routing-keys": rk,
	}}}}}
}

func router(t *testing.T, source string, opts RedriveOptions) *DeadLetterRouter {
	t.Helper()
	r, warnings, err := routerFor(source, opts, redriveWorld, nil)
	if err != nil || len(warnings) > 0 {
		t.Fatalf("router: %v %v", err, warnings)
	}
	return r
}

func TestResolveByHeadersFirst(t *testing.T) {
	r := router(t, "orders-dlt", RedriveOptions{To: "parking"})
	for _, tc := range []struct {
		name string
		m    backends.Message
		want backends.Target
		via  string
	}{
		{"spring", spring("orders", 4), backends.Target{Destination: "orders", Partition: ptr(int32(4))}, "spring kafka_dlt"},
		{"connect", backends.Message{Headers: []backends.Header{{Key: "__connect.errors.topic", Value: []byte("payments")},
			{Key: "__connect.errors.partition", Value: []byte("2")}}},
			backends.Target{Destination: "payments", Partition: ptr(int32(2))}, "kafka connect"},
		{"cloud stream without a partition", backends.Message{Headers: []backends.Header{{Key: "x-original-topic", Value: []byte("payments")}}},
			backends.Target{Destination: "payments"}, "spring cloud stream"},
		{"no origin: --to", backends.Message{Body: []byte("x")}, backends.Target{Destination: "parking"}, ViaGiven},
		{"origin parsed by the adapter", backends.Message{Origin: &backends.Origin{Convention: backends.SpringKafka, Destination: "payments"}},
			backends.Target{Destination: "payments"}, "spring kafka_dlt"},
	} {
		got, err := r.Resolve(tc.m)
		if err != nil || !sameTarget(got.Target, tc.want) || got.Via != tc.via {
			t.Errorf("%s: %+v via %q, %v; want %+v via %q", tc.name, got.Target, got.Via, err, tc.want, tc.via)
		}
		target, err := r.Route(tc.m)
		if err != nil || !sameTarget(target, tc.want) {
			t.Errorf("%s: Route gives %+v, %v", tc.name, target, err)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func sameTarget(a, b backends.Target) bool {
	return a.Destination == b.Destination && a.RoutingKey == b.RoutingKey &&
		(a.Exchange == nil) == (b.Exchange == nil) && (a.Exchange == nil || *a.Exchange == *b.Exchange) &&
		(a.Partition == nil) == (b.Partition == nil) && (a.Partition == nil || *a.Partition == *b.Partition)
}

func TestResolveByNameWhenHeadersSayNothing(t *testing.T) {
	got, err := router(t, "orders-dlt", RedriveOptions{}).Resolve(backends.Message{})
	if err != nil || got.Target.Destination != "orders" || got.Target.Partition != nil || got.Via != "naming convention X-dlt" {
		t.Errorf("orders-dlt without headers: %+v, %v", got, err)
	}
	got, err = router(t, "work.dlq", RedriveOptions{}).Resolve(backends.Message{})
	if err != nil || got.Target.Destination != "work" || got.Via != "naming convention X.dlq" {
		t.Errorf("work.dlq without headers: %+v, %v", got, err)
	}
	// The convention is named as the queue spells it.
	for dlq, via := range map[string]string{"orders.DLQ": "naming convention X.DLQ", "DLQ.orders": "naming convention DLQ.X"} {
		if routes := OriginsByName(dlq); len(routes) == 0 || routes[0].Via != via || routes[0].Target.Destination != "orders" {
			t.Errorf("OriginsByName(%s) = %+v, want orders via %s", dlq, routes, via)
		}
	}
	// A name whose origin does not exist points nowhere.
	_, err = router(t, "ghost-dlt", RedriveOptions{}).Resolve(backends.Message{})
	var kept *KeptError
	if !errors.As(err, &kept) || !errors.Is(err, ErrNoOrigin) || kept.Target != "" {
		t.Errorf("ghost-dlt: %v", err)
	}
}

func TestRabbitMQOriginQueueOrExchange(t *testing.T) {
	m := xdeath("work", "jobs", "work.created", "cc")
	got, err := router(t, "work.dlq", RedriveOptions{}).Resolve(m)
	if err != nil || !sameTarget(got.Target, backends.Target{Destination: "work"}) || got.Via != "rabbitmq x-death" {
		t.Errorf("to the queue: %+v, %v", got, err)
	}
	got, err = router(t, "work.dlq", RedriveOptions{UseOriginalExchange: true}).Resolve(m)
	want := backends.Target{Destination: "work", Exchange: ptr("jobs"), RoutingKey: "work.created"}
	if err != nil || !sameTarget(got.Target, want) || got.Target.Label() != "exchange jobs (key work.created)" {
		t.Errorf("through the exchange: %+v, %v", got, err)
	}
	// The default exchange always exists.
	got, err = router(t, "work.dlq", RedriveOptions{UseOriginalExchange: true}).Resolve(xdeath("work", "", "work"))
	if err != nil || got.Target.Exchange == nil || *got.Target.Exchange != "" || got.Target.RoutingKey != "work" {
		t.Errorf("through the default exchange: %+v, %v", got, err)
	}
}

// A letter whose origin is gone stays, with a reason naming what is gone; it never falls back to --to.
func TestKeptLetters(t *testing.T) {
	for _, tc := range []struct {
		name   string
		source string
		opts   RedriveOptions
		m      backends.Message
		is     error
		reason string
		target string
	}{
		{"queue gone", "work.dlq", RedriveOptions{To: "parking"}, xdeath("deleted", "jobs", "k"), ErrOriginGone,
			"origin deleted no longer exists", "deleted"},
		{"exchange gone", "work.dlq", RedriveOptions{UseOriginalExchange: true}, xdeath("work", "gone-x", "k"), ErrOriginGone,
			"origin exchange gone-x no longer exists", "exchange gone-x (key k)"},
		{"topic gone", "orders-dlt", RedriveOptions{}, spring("old-orders", 1), ErrOriginGone,
			"origin old-orders no longer exists", "old-orders"},
		{"partition gone", "orders-dlt", RedriveOptions{}, spring("payments", 5), ErrOriginGone,
			"origin partition 5 of payments no longer exists", "payments"},
		{"circle", "work.dlq", RedriveOptions{}, xdeath("work.dlq", "", "work.dlq"), ErrOriginIsSource,
			"origin work.dlq is the dead-letter queue itself", "work.dlq"},
		{"no origin", "parking", RedriveOptions{}, backends.Message{}, ErrNoOrigin,
			"no origin: its headers name none, and no target was given for such letters", ""},
	} {
		route, err := router(t, tc.source, tc.opts).Resolve(tc.m)
		var kept *KeptError
		if !errors.As(err, &kept) || !errors.Is(err, tc.is) || err.Error() != tc.reason || kept.Target != tc.target {
			t.Errorf("%s: %+v, %v (target %q)", tc.name, route, err, kept)
		}
	}
}

func TestRouterRefusesABadTo(t *testing.T) {
	if _, _, err := routerFor("work.dlq", RedriveOptions{To: "nowhere"}, redriveWorld, nil); !errors.Is(err, backends.ErrNotFound) {
		t.Errorf("--to nowhere: %v", err)
	}
	if _, _, err := routerFor("work.dlq", RedriveOptions{To: "work.dlq"}, redriveWorld, nil); err == nil {
		t.Error("--to the dead-letter queue itself accepted")
	}
}

// Without a listing, targets are taken on trust (the broker still refuses what it cannot route) and names
// are not guessed.
func TestRouterWithoutAListing(t *testing.T) {
	r, warnings, err := routerFor("orders-dlt", RedriveOptions{}, nil, errors.New("management API unreachable"))
	if err != nil || len(warnings) != 1 || !strings.Contains(warnings[0], "management API unreachable") {
		t.Fatalf("%v %q", err, warnings)
	}
	if got, err := r.Resolve(spring("anything", 9)); err != nil || got.Target.Destination != "anything" {
		t.Errorf("origin on trust: %+v %v", got, err)
	}
	if _, err := r.Resolve(backends.Message{}); !errors.Is(err, ErrNoOrigin) {
		t.Errorf("a name guessed without a listing: %v", err)
	}
}
