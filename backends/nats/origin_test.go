package nats

import (
	"testing"

	"github.com/mqscope/mqscope/backends"
)

func TestOriginOfAdvisoriesAndCopies(t *testing.T) {
	adv := []byte(`{"type":"io.nats.jetstream.advisory.v1.max_deliver","id":"x","timestamp":"2026-12-05T00:00:00Z",` +
		`"stream":"ORDERS","consumer":"billing","stream_seq":42,"deliveries":5}`)
	o := origin(backends.Message{Body: adv})
	if o == nil || o.Convention != backends.NATSAdvisory || o.Destination != "ORDERS" || *o.Offset != 41 ||
		o.Group != "billing" || o.Count != 5 || o.Reason != "max deliveries" {
		t.Errorf("max-deliveries advisory: %+v", o)
	}
	term := []byte(`{"type":"io.nats.jetstream.advisory.v1.terminated","stream":"PAY","consumer":"c","stream_seq":7,` +
		`"deliveries":1,"reason":"bad card"}`)
	if o := origin(backends.Message{Body: term}); o == nil || o.Reason != "terminated" || o.Exception != "bad card" {
		t.Errorf("terminated advisory: %+v", o)
	}
	copyOf := backends.Message{Headers: []backends.Header{{Key: "Nats-Stream", Value: []byte("ORDERS")},
		{Key: "Nats-Subject", Value: []byte("orders.new")}, {Key: "Nats-Sequence", Value: []byte("9")}}}
	if o := origin(copyOf); o == nil || o.Convention != backends.NATSHeaders || o.Destination != "ORDERS" ||
		*o.Offset != 8 || len(o.RoutingKeys) != 1 || o.RoutingKeys[0] != "orders.new" {
		t.Errorf("copy: %+v", o)
	}
	for _, body := range []string{`{"type":"io.nats.jetstream.advisory.v1.consumer_action","stream":"S"}`,
		`io.nats.jetstream.advisory.v1. not json`, `{"stream":"S","stream_seq":1}`} {
		if o := origin(backends.Message{Body: []byte(body)}); o != nil {
			t.Errorf("%s: origin %+v, want none", body, o)
		}
	}
}

func TestSubjectMatching(t *testing.T) {
	for _, c := range []struct {
		filter, subject string
		want            bool
	}{
		{"orders.>", "orders.new", true}, {"orders.>", "orders.eu.new", true}, {"orders.>", "orders", false},
		{"orders.*", "orders.new", true}, {"orders.*", "orders.eu.new", false}, {"orders", "orders", true},
		{"*.new", "orders.new", true}, {"orders.new", "orders.old", false},
	} {
		if got := matches(c.filter, c.subject); got != c.want {
			t.Errorf("matches(%q, %q) = %v, want %v", c.filter, c.subject, got, c.want)
		}
	}
	for s, want := range map[string]bool{"a.b": true, "a..b": false, "a.*": false, "a.>": false, "": false, "a b": false} {
		if validSubject(s) != want {
			t.Errorf("validSubject(%q) = %v", s, !want)
		}
	}
}
