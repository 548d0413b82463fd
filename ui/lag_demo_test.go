package ui

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/kafka"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/demo"
)

// :lag on the demo cluster through the Kafka adapter: the seeded lag, the drill-down, the exact lag of a
// partition read from its record, and the messages from the committed offset.
func TestLagOnTheDemoCluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cluster, err := demo.Start(ctx, demo.Options{Still: true})
	if err != nil {
		t.Fatalf("start the demo: %v", err)
	}
	defer cluster.Close()
	seeded := cluster.Seeded()
	billing, _ := seeded.Group(demo.Billing)
	audit, _ := seeded.Group(demo.Audit)

	open := func(ctx context.Context, c config.Context) (backends.Backend, error) {
		return kafka.Open(ctx, kafka.Config{Brokers: c.Kafka.Brokers})
	}
	c := config.Context{Name: "demo", Kafka: &config.KafkaConfig{Brokers: cluster.Bootstrap()}}
	h := newHarness(t, Options{Context: c, Open: open}, 140, 30)
	defer h.m.Close()
	h.run(h.m.Init())

	h.command("lag")
	h.mustShow("topics › lag", "3 groups")
	billingLag := billing.Lag(seeded, demo.Orders) + billing.Lag(seeded, demo.Payments)
	row := strings.Fields(lineWith(h.screen(), demo.Billing))
	if len(row) < 4 || row[1] != "Stable" || row[2] != "1" || row[3] != groupDigits(billingLag) {
		t.Fatalf("billing-service: Stable, one member, %d behind; got %v", billingLag, row)
	}
	// audit-exporter has no members and data waits: stopped, an error from the first snapshot.
	if row := strings.Fields(lineWith(h.screen(), demo.Audit)); len(row) < 6 || row[3] != groupDigits(audit.Lag(seeded, demo.Inventory)) || row[5] != "ERR" {
		t.Fatalf("audit-exporter: %v", row)
	}

	// Down to billing's partitions; orders[0] is 120 behind.
	h.key("/")
	for _, r := range "billing" {
		h.key(string(r))
	}
	h.key("enter")
	h.run(h.key("enter"))
	h.mustShow("lag › billing-service", "COMMITTED", "payments")
	ordersEnd, _ := seeded.Topic(demo.Orders)
	committed := billing.Committed[demo.Orders][0]
	p0 := strings.Fields(lineWith(h.screen(), "orders  "))
	if len(p0) < 5 || p0[1] != "0" || p0[2] != groupDigits(committed) || p0[3] != groupDigits(ordersEnd.Ends[0]) || p0[4] != "120" {
		t.Fatalf("orders[0]: committed %d, end %d, lag 120; got %v", committed, ordersEnd.Ends[0], p0)
	}

	// x reads the record at the committed offset: the exact lag, from its timestamp.
	h.run(h.key("x"))
	h.mustShow("orders[0]: the record at offset "+groupDigits(committed)+" was written", "EXACT")

	// enter browses orders[0] from the committed offset.
	h.run(h.key("enter"))
	h.mustShow("billing-service › orders", "from "+strconv.FormatInt(committed, 10))
}
