package mqtt_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/internal/testkit/mqttfix"
)

// Describe watches one topic: its retained message's payload (the first 64 bytes, marked where cut),
// size and QoS, and what arrived; a topic with nothing on it says so; a filter is refused.
func TestDescribeATopic(t *testing.T) {
	f := mqttfix.New(t)
	b := open(t, f.URL)
	ctx := context.Background()
	topic := mqttfix.Unique("describe/temperature")
	f.Track(topic)
	payload := `{"celsius":21.5,"sensor":"` + strings.Repeat("x", 74) + `"}`
	f.Publish(t, topic, 1, true, payload)
	d, err := b.Describe(ctx, backends.Topic, topic)
	if err != nil {
		t.Fatal(err)
	}
	props := map[string]string{}
	for _, p := range d.Properties {
		props[p.Name] = p.Value
	}
	want := map[string]string{"retained": "yes (102 bytes)", "last payload": payload[:64] + "…",
		"last payload size": "102 bytes", "last QoS": "1"}
	for name, v := range want {
		if props[name] != v {
			t.Errorf("%s = %q, want %q", name, props[name], v)
		}
	}
	if !strings.HasPrefix(props["arrived"], "0 in ") || d.Destination.Name != topic || d.Destination.Messages != 1 {
		t.Errorf("arrived %q, destination %+v", props["arrived"], d.Destination)
	}

	quiet := mqttfix.Unique("describe/quiet")
	d, err = b.Describe(ctx, backends.Topic, quiet)
	if err != nil || len(d.Properties) != 1 || !strings.HasPrefix(d.Properties[0].Value, "nothing: no retained message") {
		t.Errorf("a topic with nothing on it: %+v, %v", d.Properties, err)
	}
	if _, err := b.Describe(ctx, backends.Topic, "sensors/#"); !errors.Is(err, backends.ErrNotSupported) {
		t.Errorf("a filter: %v, want ErrNotSupported", err)
	}
}
