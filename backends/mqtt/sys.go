package mqtt

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"github.com/mqscope/mqscope/backends"
)

// sysPrefix is where Mosquitto publishes its statistics, retained, every sys_interval seconds (10 by
// default): only the counts that changed since the last update, always with the uptime first.
const sysPrefix = "$SYS/broker/"

// sysFigures are the $SYS counts an overview shows, in order: topic under sysPrefix, JSON key, name.
var sysFigures = []struct{ topic, key, name string }{
	{"clients/connected", "clients_connected", "clients connected"},
	{"clients/total", "clients_total", "clients known (connected + persistent sessions)"},
	{"clients/maximum", "clients_maximum", "clients at most, since start"},
	{"subscriptions/count", "subscriptions", "subscriptions"},
	{"retained messages/count", "retained_messages", "retained messages"},
	{"messages/stored", "messages_stored", "messages stored (retained + queued)"},
	{"publish/messages/received", "publish_received", "messages in (PUBLISH received)"},
	{"publish/messages/sent", "publish_sent", "messages out (PUBLISH sent)"},
	{"publish/messages/dropped", "publish_dropped", "messages dropped"},
	{"messages/received", "packets_received", "packets received (every kind)"},
	{"messages/sent", "packets_sent", "packets sent (every kind)"},
	{"bytes/received", "bytes_received", "bytes received"},
	{"bytes/sent", "bytes_sent", "bytes sent"},
}

// burstQuiet is how long the broker stays silent after the last figure of an update: the update is
// whole once nothing has come for that long since its uptime (a loaded machine spreads one update's
// figures over more than this, so the silence is counted from the last arrival, not from the uptime).
const burstQuiet = 200 * time.Millisecond

// sysWatch is a connection of its own that keeps the latest $SYS figures: once the broker has published
// an update while it listened, every later read is dated and needs no wait. It keeps one value per
// figure, so its memory is fixed.
type sysWatch struct {
	client *paho.Client

	mu     sync.Mutex
	values map[string]string // topic under sysPrefix → payload, only the topics the overview reads
	ticks  [2]time.Time      // when the last two live uptime updates arrived, newest first
	last   time.Time         // when the last figure arrived
	event  chan struct{}     // closed (and replaced) when anything arrives
}

func newSysWatch() *sysWatch {
	return &sysWatch{values: map[string]string{}, event: make(chan struct{})}
}

var sysWanted = func() map[string]bool {
	m := map[string]bool{"version": true, "uptime": true}
	for _, f := range sysFigures {
		m[f.topic] = true
	}
	return m
}()

func (w *sysWatch) see(p *paho.Publish) {
	topic, ok := strings.CutPrefix(p.Topic, sysPrefix)
	if !ok || !sysWanted[topic] || len(p.Payload) > 256 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.values[topic] = string(p.Payload)
	w.last = time.Now()
	if topic == "uptime" && !p.Retain {
		w.ticks = [2]time.Time{time.Now(), w.ticks[0]}
	}
	close(w.event)
	w.event = make(chan struct{})
}

// state is what the watch knows: whether anything arrived, the last update's time, the last arrival's
// time, and a channel that closes at the next arrival.
func (w *sysWatch) state() (seen bool, tick, last time.Time, next <-chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.values) > 0, w.ticks[0], w.last, w.event
}

func (w *sysWatch) alive() bool {
	select {
	case <-w.client.Done():
		return false
	default:
		return true
	}
}

// BrokerStats reads Mosquitto's $SYS/broker figures. The first call subscribes a connection of its own,
// which stays until Close, and waits at most wait for the broker's next update; after that, reads are
// at once and dated by the update they come from.
func (b *Backend) BrokerStats(ctx context.Context, wait time.Duration) (backends.BrokerStats, error) {
	w, err := b.sysWatch(ctx)
	if err != nil {
		return backends.BrokerStats{}, fmt.Errorf("read the broker's $SYS statistics: %w", err)
	}
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		seen, tick, last, next := w.state()
		if !tick.IsZero() && time.Since(last) >= burstQuiet {
			return w.snapshot(), nil
		}
		var quiet <-chan time.Time
		if !tick.IsZero() {
			quiet = time.After(burstQuiet - time.Since(last))
		}
		select {
		case <-next:
		case <-quiet:
		case <-deadline.C:
			if !seen {
				return backends.BrokerStats{}, fmt.Errorf("%w: nothing came on %s# in %s (Mosquitto publishes there every sys_interval seconds, and not at all with sys_interval 0; other MQTT brokers may not publish $SYS)",
					backends.ErrNoStats, sysPrefix, wait.Round(time.Millisecond))
			}
			return w.snapshot(), nil
		case <-ctx.Done():
			return backends.BrokerStats{}, ctx.Err()
		}
	}
}

// sysWatch is the $SYS connection, dialled (again, when it dropped) and subscribed with the retained
// figures in.
func (b *Backend) sysWatch(ctx context.Context) (*sysWatch, error) {
	b.sysMu.Lock()
	defer b.sysMu.Unlock()
	if b.sys != nil && b.sys.alive() {
		return b.sys, nil
	}
	w := newSysWatch()
	c, err := b.dial(ctx, b.scanID(), w.see)
	if err != nil {
		return nil, err
	}
	w.client = c
	sub := &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: sysPrefix + "#", QoS: 0}}}
	if err := b.acknowledged(ctx, c, sub); err != nil {
		_ = c.Disconnect(&paho.Disconnect{})
		return nil, err
	}
	// The retained figures come ahead of the subscription's acknowledgement; give their handling a moment.
	time.Sleep(retainedQuiet)
	b.sys = w
	return w, nil
}

func (w *sysWatch) snapshot() backends.BrokerStats {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := backends.BrokerStats{Version: w.values["version"], SampledAt: w.ticks[0], Source: sysPrefix + "..."}
	if !w.ticks[1].IsZero() {
		s.Interval = w.ticks[0].Sub(w.ticks[1])
	}
	if up, ok := strings.CutSuffix(w.values["uptime"], " seconds"); ok {
		if n, err := strconv.ParseInt(up, 10, 64); err == nil {
			s.Uptime = time.Duration(n) * time.Second
		}
	}
	for _, f := range sysFigures {
		if n, err := strconv.ParseInt(strings.TrimSpace(w.values[f.topic]), 10, 64); err == nil {
			s.Figures = append(s.Figures, backends.Figure{Key: f.key, Name: f.name, Value: n})
		}
	}
	return s
}

// KeepsNothingForSubscribers marks MQTT as a broker without backlogs, lag or groups (backends.LiveOnly):
// a subscriber gets what arrives while it is connected.
func (b *Backend) KeepsNothingForSubscribers() {}
