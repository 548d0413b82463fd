package backends

import (
	"context"
	"errors"
	"time"
)

// StatsReader is implemented by brokers that publish figures about themselves (an MQTT broker's $SYS
// tree). The figures are the broker's own samples, taken every so often, never live counts.
type StatsReader interface {
	// BrokerStats returns the broker's last published figures. It waits at most wait for the broker's
	// next update, which dates them (SampledAt); when none comes in time it returns what the broker last
	// published with SampledAt zero. ErrNoStats when the broker published nothing at all meanwhile.
	BrokerStats(ctx context.Context, wait time.Duration) (BrokerStats, error)
}

// ErrNoStats: the broker published no statistics while mqscope listened.
var ErrNoStats = errors.New("the broker publishes no statistics")

// BrokerStats is a broker's account of itself as it last published it.
type BrokerStats struct {
	Version string
	// SampledAt is when the broker published these figures, as mqscope received them; zero when no update
	// came while mqscope listened, so that their age is unknown.
	SampledAt time.Time
	// Uptime is the broker's uptime when it took the figures; 0 when it did not say.
	Uptime time.Duration
	// Interval is the time between two updates as mqscope saw it; 0 when it saw fewer than two.
	Interval time.Duration
	// Figures are the counts the broker published, in the order a front end shows them; a count the broker
	// did not publish is absent.
	Figures []Figure
	// Source names where the figures come from ("$SYS/broker/...").
	Source string
}

// Figure is one count a broker published: its key for JSON ("clients_connected"), what a person reads
// ("clients connected") and its value.
type Figure struct {
	Key, Name string
	Value     int64
}

// AsStatsReader reports whether b publishes figures about itself.
func AsStatsReader(b Backend) (StatsReader, bool) {
	r, ok := b.(StatsReader)
	return r, ok
}

// LiveOnly is implemented by brokers that keep nothing for their subscribers (MQTT): each gets its own
// copy of what arrives while it is connected, so there is no backlog, lag or consumer group to show.
type LiveOnly interface {
	KeepsNothingForSubscribers()
}
