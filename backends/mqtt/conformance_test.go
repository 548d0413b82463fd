package mqtt_test

import (
	"context"
	"testing"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/backendtest"
	"github.com/mqscope/mqscope/backends/mqtt"
	"github.com/mqscope/mqscope/internal/testkit/mqttfix"
)

// TestConformance holds the adapter to the contract against the real Mosquitto. The harness seeds and
// checks it with plain paho.golang, never with the adapter. A topic holds only its retained message,
// so the harness says LastValue.
func TestConformance(t *testing.T) {
	f := mqttfix.New(t)
	backendtest.Run(t, backendtest.Harness{
		Kind: backends.MQTT,
		Open: func(t *testing.T) backends.Backend { return open(t, f.URL) },
		OpenUnreachable: backendtest.Unreachable(func(ctx context.Context, addr string) (*mqtt.Backend, error) {
			return mqtt.Open(ctx, mqtt.Config{URL: "tcp://" + addr})
		}),
		Fixture:         harness{f},
		DestinationKind: backends.Topic,
		LastValue:       true,
		NotSupported: map[backendtest.Case]string{
			backendtest.Groups:       "MQTT has no consumer groups: every subscriber gets its own copy",
			backendtest.Unroutable:   "an MQTT broker takes a message for a topic nobody subscribes to and drops it, telling the publisher nothing worse than 'no matching subscribers'",
			backendtest.Move:         "MQTT keeps no dead letters and nothing to move: a topic holds one retained message",
			backendtest.Truncate:     "an MQTT topic has no log to truncate: it holds one retained message (purge clears it)",
			backendtest.Lag:          "MQTT has no offsets and no consumer positions to lag behind",
			backendtest.Reset:        "MQTT has no offsets to reset",
			backendtest.PeekAdvice:   "subscribing takes nothing from anyone: every subscriber gets its own copy, so a peek has no effect to advise of",
			backendtest.CreateDelete: "an MQTT topic exists while something is published to it or retained on it: there is nothing to create or delete",
			backendtest.GroupDelete:  "MQTT has no consumer groups",
		},
	})
}

func open(t *testing.T, url string) *mqtt.Backend {
	t.Helper()
	return backendtest.Open(t, url, func(ctx context.Context) (*mqtt.Backend, error) {
		return mqtt.Open(ctx, mqtt.Config{URL: url})
	})
}

// harness is the suite's Fixture: topics under a prefix of the test's own, with retained messages.
type harness struct{ f *mqttfix.Broker }

// CreateDestination only remembers the topic, to clear it at the end: an MQTT topic is made by use.
func (h harness) CreateDestination(t *testing.T, name string, _ int) { h.f.Track(name) }

func (h harness) Put(t *testing.T, name string, n int) {
	h.f.Publish(t, name, 1, true, backendtest.Bodies(n)...)
}

func (h harness) Read(t *testing.T, name string) []backends.Message {
	var out []backends.Message
	for _, p := range h.f.Retained(t, name) {
		m := backends.Message{Destination: p.Topic, Body: p.Payload}
		if p.Properties != nil {
			for _, u := range p.Properties.User {
				m.Headers = append(m.Headers, backends.Header{Key: u.Key, Value: []byte(u.Value)})
			}
		}
		out = append(out, m)
	}
	return out
}
