package rabbitmq

import (
	"encoding/json"
	"testing"

	"github.com/mqscope/mqscope/backends"
)

// These tests need no broker: they pin down how settings the broker reported are read.

func TestDeadLetterMerge(t *testing.T) {
	cases := []struct {
		name         string
		args, policy string
		want         *backends.DeadLetterConfig
	}{
		{"none", `{}`, `[]`, nil},
		{"arguments", `{"x-dead-letter-exchange":"dlx","x-dead-letter-routing-key":"rk"}`, `{}`,
			&backends.DeadLetterConfig{Exchange: "dlx", HasExchange: true, RoutingKey: "rk"}},
		{"default exchange", `{"x-dead-letter-exchange":""}`, `{}`, &backends.DeadLetterConfig{HasExchange: true}},
		{"policy", `[]`, `{"dead-letter-exchange":"p","delivery-limit":4}`,
			&backends.DeadLetterConfig{Exchange: "p", HasExchange: true, DeliveryLimit: 4, HasDeliveryLimit: true, FromPolicy: true}},
		{"argument exchange wins", `{"x-dead-letter-exchange":"a"}`, `{"dead-letter-exchange":"p"}`,
			&backends.DeadLetterConfig{Exchange: "a", HasExchange: true}},
		{"limit without an exchange", `{"x-delivery-limit":2}`, `{}`, &backends.DeadLetterConfig{DeliveryLimit: 2, HasDeliveryLimit: true}},
		{"lower limit wins", `{"x-delivery-limit":3}`, `{"delivery-limit":5}`,
			&backends.DeadLetterConfig{DeliveryLimit: 3, HasDeliveryLimit: true}},
		{"lower policy limit wins", `{"x-delivery-limit":7}`, `{"delivery-limit":5}`,
			&backends.DeadLetterConfig{DeliveryLimit: 5, HasDeliveryLimit: true, FromPolicy: true}},
		{"negative limit means none", `{"x-delivery-limit":-1}`, `{"delivery-limit":5}`,
			&backends.DeadLetterConfig{DeliveryLimit: 5, HasDeliveryLimit: true, FromPolicy: true}},
		{"limit typed as text in the UI", `{"x-delivery-limit":"6"}`, `{}`,
			&backends.DeadLetterConfig{DeliveryLimit: 6, HasDeliveryLimit: true}},
	}
	for _, c := range cases {
		var args, policy table
		if err := json.Unmarshal([]byte(c.args), &args); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(c.policy), &policy); err != nil {
			t.Fatal(err)
		}
		got := deadLetter(args, policy)
		if (got == nil) != (c.want == nil) || got != nil && *got != *c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestParseTarget(t *testing.T) {
	cases := []struct {
		cfg                  Config
		base, user, pass, vh string
	}{
		{Config{URL: "amqp://u:p@rabbit.local:5673/"}, "http://rabbit.local:15672", "u", "p", "/"},
		{Config{URL: "amqps://u:p@rabbit.local/prod"}, "https://rabbit.local:15671", "u", "p", "prod"},
		{Config{URL: "amqp://u:p@[::1]:5672/%2F"}, "http://[::1]:15672", "u", "p", "/"},
		{Config{URL: "amqp://u:p@h/", ManagementURL: "https://api:a-pass@mgmt.local/rabbit/?x=1"},
			"https://mgmt.local/rabbit", "api", "a-pass", "/"},
		{Config{URL: "amqp://u:p@h/", ManagementURL: "http://mgmt.local:15672/"}, "http://mgmt.local:15672", "u", "p", "/"},
	}
	for _, c := range cases {
		tg, err := parseTarget(c.cfg)
		if err != nil {
			t.Errorf("%+v: %v", c.cfg, err)
			continue
		}
		if tg.apiBase != c.base || tg.apiUser != c.user || tg.apiPass != c.pass || tg.uri.Vhost != c.vh {
			t.Errorf("%+v: API %s as %s:%s, vhost %q; want %s as %s:%s, vhost %q",
				c.cfg, tg.apiBase, tg.apiUser, tg.apiPass, tg.uri.Vhost, c.base, c.user, c.pass, c.vh)
		}
	}
}

func TestListenerAddress(t *testing.T) {
	for _, c := range []struct{ node, ip, want string }{
		{"rabbit@node-1", "10.0.0.5", "10.0.0.5:5672"},
		{"rabbit@node-1", "::", "node-1:5672"},
		{"rabbit@node-1", "0.0.0.0", "node-1:5672"},
	} {
		if got := listenerAddress(c.node, c.ip, 5672); got != c.want {
			t.Errorf("listenerAddress(%q, %q) = %q, want %q", c.node, c.ip, got, c.want)
		}
	}
}
