package mqtt_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/internal/testkit/mqttfix"
)

func figure(s backends.BrokerStats, key string) (int64, bool) {
	for _, f := range s.Figures {
		if f.Key == key {
			return f.Value, true
		}
	}
	return 0, false
}

// TestBrokerStatsDated: the overview waits for Mosquitto's next $SYS update and dates its figures by it;
// a retained message published meanwhile shows in the count at the update after.
func TestBrokerStatsDated(t *testing.T) {
	t.Parallel()
	own := mqttfix.StartOwn(t, mqttfix.OwnOptions{SysInterval: 1})
	b := open(t, own.URL)
	ctx := context.Background()
	first, err := b.BrokerStats(ctx, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if first.SampledAt.IsZero() || time.Since(first.SampledAt) > 2*time.Second {
		t.Fatalf("sampled at %v, want an update of the last second or two", first.SampledAt)
	}
	if !strings.HasPrefix(first.Version, "mosquitto version ") || first.Uptime <= 0 {
		t.Errorf("version %q, uptime %v", first.Version, first.Uptime)
	}
	// The adapter's own connections (publishing and $SYS) are clients of the broker.
	if n, ok := figure(first, "clients_connected"); !ok || n < 2 {
		t.Errorf("clients connected = %d (%v), want at least mqscope's two: %+v", n, ok, first.Figures)
	}
	retained, ok := figure(first, "retained_messages")
	if !ok {
		t.Fatalf("no retained count: %+v", first.Figures)
	}
	errs, err := b.Publish(ctx, []backends.Outgoing{{Target: backends.Target{Destination: "stats/kept", Retain: true},
		Message: backends.Message{Body: []byte("x")}}})
	if err != nil || errs[0] != nil {
		t.Fatal(err, errs)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		now, err := b.BrokerStats(ctx, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := figure(now, "retained_messages"); n == retained+1 {
			if !now.SampledAt.After(first.SampledAt) || now.Interval <= 0 || now.Interval > 3*time.Second {
				t.Errorf("a later update: sampled %v after %v, interval %v", now.SampledAt, first.SampledAt, now.Interval)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the retained count never rose from %d: %+v", retained, now.Figures)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestBrokerStatsUndated: a broker that published its figures (retained) but no update while mqscope
// listened gives them with no sample time, never as fresh.
func TestBrokerStatsUndated(t *testing.T) {
	t.Parallel()
	own := mqttfix.StartOwn(t, mqttfix.OwnOptions{SysInterval: 2})
	// Right after an update, the next is 2 s away: far beyond the overview's wait.
	updates := own.Broker(t).Subscribe(t, "$SYS/broker/uptime")
	deadline := time.Now().Add(10 * time.Second)
	for !slices.ContainsFunc(updates(), func(p *paho.Publish) bool { return !p.Retain }) {
		if time.Now().After(deadline) {
			t.Fatal("mosquitto published no $SYS update in 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	b := open(t, own.URL)
	s, err := b.BrokerStats(context.Background(), 500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if !s.SampledAt.IsZero() {
		t.Errorf("no update came, yet sampled at %v", s.SampledAt)
	}
	if _, ok := figure(s, "clients_connected"); !ok || s.Version == "" || s.Uptime <= 0 {
		t.Errorf("the retained figures are missing: %+v", s)
	}
}

// TestBrokerStatsNone: a broker with $SYS off is an ErrNoStats after the wait, naming sys_interval.
func TestBrokerStatsNone(t *testing.T) {
	t.Parallel()
	own := mqttfix.StartOwn(t, mqttfix.OwnOptions{SysInterval: 0})
	b := open(t, own.URL)
	_, err := b.BrokerStats(context.Background(), 500*time.Millisecond)
	if !errors.Is(err, backends.ErrNoStats) || !strings.Contains(err.Error(), "sys_interval") {
		t.Fatalf("err = %v, want ErrNoStats naming sys_interval", err)
	}
}
