package actions

import (
	"context"
	"time"

	"github.com/mqscope/mqscope/backends"
)

// VerbStats reads the figures a broker publishes about itself (an MQTT broker's $SYS tree).
const VerbStats Verb = "broker statistics"

// StatsWait is how long a first overview waits for the broker's next update to date its figures:
// Mosquitto's default sys_interval (10 s) and a second to spare.
const StatsWait = 11 * time.Second

func init() {
	verbs[VerbStats] = verbSpec{has: is[backends.StatsReader],
		lacks: "this broker publishes no statistics about itself that mqscope reads (MQTT brokers' $SYS tree)"}
}

// BrokerStats are the broker's last published figures, waiting at most wait for an update that dates
// them (see backends.StatsReader).
func (s *Session) BrokerStats(ctx context.Context, wait time.Duration) (backends.BrokerStats, error) {
	return read(s, VerbStats, func() (backends.BrokerStats, error) {
		return s.b.(backends.StatsReader).BrokerStats(ctx, wait)
	})
}
