package mqtt

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"github.com/mqscope/mqscope/backends"
)

// ListDestinations is the topic tree as a subscription to # shows it for the scan window: every topic
// holding a retained message, and every topic a message arrived on meanwhile. With IncludeInternal it
// also subscribes to $SYS/# (# does not match topics starting with $). It keeps at most MaxTopics topics
// and says, in Warnings, how many more it saw.
func (b *Backend) ListDestinations(ctx context.Context, opts backends.ListOptions) ([]backends.Destination, error) {
	filters := []string{"#"}
	if opts.IncludeInternal {
		filters = append(filters, "$SYS/#")
	}
	s, err := b.subscribe(ctx, filters, true, 1024)
	if err != nil {
		return nil, fmt.Errorf("list topics: %w", err)
	}
	defer s.close()
	tree := newTopicTree(b.cfg.MaxTopics)
	window := time.NewTimer(b.cfg.ScanWindow)
	defer window.Stop()
	start := time.Now()
	for done := false; !done; {
		select {
		case p := <-s.msgs:
			tree.see(p)
		case <-window.C:
			done = true
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	b.mu.Lock()
	b.warning = tree.warning()
	b.mu.Unlock()
	return tree.destinations(time.Since(start)), nil
}

// topicTree counts what a scan saw, per topic, keeping no payloads.
type topicTree struct {
	topics  map[string]*backends.Destination
	max     int
	dropped int
}

func newTopicTree(max int) *topicTree {
	return &topicTree{topics: map[string]*backends.Destination{}, max: max}
}

func (t *topicTree) see(p *paho.Publish) {
	d, ok := t.topics[p.Topic]
	if !ok {
		if len(t.topics) >= t.max {
			t.dropped++
			return
		}
		d = &backends.Destination{Name: p.Topic, Kind: backends.Topic, Internal: strings.HasPrefix(p.Topic, "$")}
		t.topics[p.Topic] = d
	}
	d.LastSize, d.QoS = len(p.Payload), int(p.QoS)
	if p.Retain {
		d.Retained, d.Messages, d.Bytes = true, 1, int64(len(p.Payload))
		return
	}
	d.Seen++
}

func (t *topicTree) warning() string {
	if t.dropped == 0 {
		return ""
	}
	return fmt.Sprintf("the topic listing keeps %d topics: %d messages on further topics were not counted",
		t.max, t.dropped)
}

func (t *topicTree) destinations(window time.Duration) []backends.Destination {
	out := make([]backends.Destination, 0, len(t.topics))
	for _, d := range t.topics {
		d.Window = window
		rate := float64(d.Seen) / window.Seconds()
		d.PublishRate = &rate
		out = append(out, *d)
	}
	slices.SortFunc(out, func(a, b backends.Destination) int { return strings.Compare(a.Name, b.Name) })
	return out
}
