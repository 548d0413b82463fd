package actions

import (
	"context"
	"time"

	"github.com/mqscope/mqscope/backends"
)

const (
	// VerbStats reads the figures a broker publishes about itself (an MQTT broker's $SYS tree).
	VerbStats Verb = "broker statistics"
	// VerbBacklog reads what waits in a broker's queues: every broker that lists destinations and keeps
	// messages for its consumers (not MQTT, where subscribers get what arrives and nothing waits).
	VerbBacklog Verb = "queue backlog"
)

// StatsWait is how long a first overview waits for the broker's next update to date its figures:
// Mosquitto's default sys_interval (10 s) and a second to spare.
const StatsWait = 11 * time.Second

func init() {
	verbs[VerbStats] = verbSpec{has: is[backends.StatsReader],
		lacks: "only MQTT brokers publish their own statistics ($SYS)"}
	verbs[VerbBacklog] = verbSpec{has: both(is[backends.DestinationLister], isnt[backends.LiveOnly]),
		lacks: "this broker keeps nothing for its subscribers (each gets what arrives), so nothing lags, nothing waits and there are no consumer groups"}
}

func isnt[C any](b backends.Backend) bool { return !is[C](b) }

// BrokerStats are the broker's last published figures, waiting at most wait for an update that dates
// them (see backends.StatsReader).
func (s *Session) BrokerStats(ctx context.Context, wait time.Duration) (backends.BrokerStats, error) {
	return read(s, VerbStats, func() (backends.BrokerStats, error) {
		return s.b.(backends.StatsReader).BrokerStats(ctx, wait)
	})
}

// ReadBrokerStats is BrokerStats for the views that load with a bare backend.
func ReadBrokerStats(ctx context.Context, b backends.Backend, wait time.Duration) (backends.BrokerStats, error) {
	return readingSession(b).BrokerStats(ctx, wait)
}
