package mqtt

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

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
	tree, window, err := b.watch(ctx, filters)
	if err != nil {
		return nil, fmt.Errorf("list topics: %w", err)
	}
	b.mu.Lock()
	b.warning = tree.warning()
	b.mu.Unlock()
	return tree.destinations(window), nil
}

// watch subscribes to filters, retained messages included, for the scan window and says what it saw on
// each topic and for how long it looked.
func (b *Backend) watch(ctx context.Context, filters []string) (*topicTree, time.Duration, error) {
	s, err := b.subscribe(ctx, filters, true, 1024)
	if err != nil {
		return nil, 0, err
	}
	defer s.close()
	tree := newTopicTree(b.cfg.MaxTopics)
	window := time.NewTimer(b.cfg.ScanWindow)
	defer window.Stop()
	start := time.Now()
	for {
		select {
		case p := <-s.msgs:
			tree.see(p)
		case <-window.C:
			return tree, time.Since(start), nil
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		}
	}
}

// PreviewBytes is how much of each topic's last payload a listing keeps: 10,000 topics × 64 bytes.
const PreviewBytes = 64

// preview is the start of payload, at most PreviewBytes, cut where a UTF-8 rune starts so that a
// multi-byte character is not split; copied, so the listing does not pin the client's buffers.
func preview(payload []byte) []byte {
	n := len(payload)
	if n > PreviewBytes {
		n = PreviewBytes
		for n > 0 && !utf8.RuneStart(payload[n]) {
			n--
		}
	}
	return bytes.Clone(payload[:n])
}

// topicTree counts what a scan saw, per topic, keeping a short preview of each last payload.
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
	d.LastSize, d.QoS, d.LastPayload = len(p.Payload), int(p.QoS), preview(p.Payload)
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
