package mqtt

import (
	"context"
	"fmt"
	"strings"

	"github.com/mqscope/mqscope/backends"
)

// Describe watches one topic for the scan window, as a listing watches # but on that topic alone: its
// retained message, and what arrived meanwhile. The details are the topic tree's facts about it: the last
// payload (its first PreviewBytes), its QoS, whether it is retained, how many arrived and how fast. A
// topic with nothing retained and nothing arriving is described as such, not as missing: MQTT keeps no
// list of topics.
func (b *Backend) Describe(ctx context.Context, kind backends.DestinationKind, name string) (backends.Details, error) {
	if kind != backends.Topic {
		return backends.Details{}, fmt.Errorf("MQTT has topics, no %s: %w", kind, backends.ErrNotSupported)
	}
	if name == "" || strings.ContainsAny(name, "+#") {
		return backends.Details{}, fmt.Errorf("describe one topic: %q is a filter (+ and # match many): %w", name, backends.ErrNotSupported)
	}
	tree, window, err := b.watch(ctx, []string{name})
	if err != nil {
		return backends.Details{}, fmt.Errorf("describe topic %s: %w", name, err)
	}
	dests := tree.destinations(window)
	if len(dests) == 0 {
		return backends.Details{Destination: backends.Destination{Name: name, Kind: backends.Topic, Window: window},
			Properties: []backends.Property{{Name: "seen", Value: fmt.Sprintf(
				"nothing: no retained message, and none arrived in %.1f s", window.Seconds())}}}, nil
	}
	d := dests[0]
	return backends.Details{Destination: d, Properties: topicProperties(d)}, nil
}

// topicProperties are what watching a topic showed, in MQTT's words.
func topicProperties(d backends.Destination) []backends.Property {
	retained := "no"
	if d.Retained {
		retained = fmt.Sprintf("yes (%d bytes)", d.Bytes)
	}
	payload := string(d.LastPayload)
	if d.LastSize > len(d.LastPayload) {
		payload += "…"
	}
	return []backends.Property{
		{Name: "retained", Value: retained},
		{Name: "last payload", Value: payload},
		{Name: "last payload size", Value: fmt.Sprintf("%d bytes", d.LastSize)},
		{Name: "last QoS", Value: fmt.Sprint(d.QoS)},
		{Name: "arrived", Value: fmt.Sprintf("%d in %.1f s", d.Seen, d.Window.Seconds())},
	}
}
