package ui

import (
	"context"

	"testing"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/ui/screens"
)

// groupLagBackend stands for Kafka: topics, consumer groups and their lag.
type groupLagBackend struct{ lagBackend }

func (*groupLagBackend) ListDestinations(context.Context, backends.ListOptions) ([]backends.Destination, error) {
	return nil, errNotCalled
}
func (*groupLagBackend) ListGroups(context.Context) ([]backends.ConsumerGroup, error) {
	return nil, errNotCalled
}

// The help offers the commands this broker has, in its words: Kafka's :queues only says "Kafka has
// topics, not queues", RabbitMQ's :groups "this broker has no consumer groups".
func TestHelpOffersTheBrokersCommands(t *testing.T) {
	for _, c := range []struct {
		name string
		b    backends.Backend
		kind backends.Kind
		want string
	}{
		{"kafka", &groupLagBackend{}, backends.Kafka, "commands  :topics  :groups  :lag  :ctx NAME  :q"},
		{"rabbitmq", &queueBackend{}, backends.RabbitMQ, "commands  :queues  :lag  :ctx NAME  :q"},
		{"redis", &groupLagBackend{}, backends.Redis, "commands  :streams  :groups  :lag  :ctx NAME  :q"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, Options{Context: config.Context{Name: "local"}}, 100, 40)
			h.connect(c.b, backends.Identity{Kind: c.kind})
			h.key("?")
			h.mustShow(c.want)
		})
	}
}

// :streams opens the listing on the brokers the help offers it on.
func TestStreamsCommandListsDestinations(t *testing.T) {
	h := newHarness(t, Options{Context: config.Context{Name: "local"}}, 100, 40)
	h.connect(&groupLagBackend{}, backends.Identity{Kind: backends.Redis})
	h.typeCommand("streams")
	if k := h.m.top().Kind(); k != screens.KindDestinations {
		t.Fatalf(":streams opened %s", k)
	}
}
