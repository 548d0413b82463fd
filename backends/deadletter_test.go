package backends

import (
	"encoding/binary"
	"testing"
	"time"
)

func be32(v int32) []byte { b := make([]byte, 4); binary.BigEndian.PutUint32(b, uint32(v)); return b }
func be64(v int64) []byte { b := make([]byte, 8); binary.BigEndian.PutUint64(b, uint64(v)); return b }

func TestParseOriginSpring(t *testing.T) {
	ts := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	o := ParseOrigin([]Header{
		{Key: "kafka_dlt-original-topic", Value: []byte("orders")},
		{Key: "kafka_dlt-original-partition", Value: be32(3)},
		{Key: "kafka_dlt-original-offset", Value: be64(12345)},
		{Key: "kafka_dlt-original-timestamp", Value: be64(ts.UnixMilli())},
		{Key: "kafka_dlt-original-consumer-group", Value: []byte("billing")},
		{Key: "kafka_dlt-exception-fqcn", Value: []byte("java.lang.IllegalStateException")},
		{Key: "kafka_dlt-exception-message", Value: []byte("bad total")},
	})
	if o == nil || o.Convention != SpringKafka || o.Destination != "orders" {
		t.Fatalf("origin = %+v", o)
	}
	if o.Partition == nil || *o.Partition != 3 || o.Offset == nil || *o.Offset != 12345 {
		t.Errorf("partition/offset = %v/%v", o.Partition, o.Offset)
	}
	if !o.Timestamp.Equal(ts) || o.Group != "billing" || o.Exception != "java.lang.IllegalStateException: bad total" {
		t.Errorf("origin = %+v", o)
	}
}

func TestParseOriginConnectDecimalText(t *testing.T) {
	o := ParseOrigin([]Header{
		{Key: "__connect.errors.topic", Value: []byte("payments")},
		{Key: "__connect.errors.partition", Value: []byte("2")},
		{Key: "__connect.errors.offset", Value: []byte("77")},
	})
	if o == nil || o.Convention != KafkaConnect || o.Destination != "payments" || *o.Partition != 2 || *o.Offset != 77 {
		t.Fatalf("origin = %+v", o)
	}
}

func TestParseOriginCloudStream(t *testing.T) {
	o := ParseOrigin([]Header{{Key: "x-original-topic", Value: []byte("users")}, {Key: "x-original-partition", Value: be32(1)}})
	if o == nil || o.Convention != SpringCloudStream || o.Destination != "users" || *o.Partition != 1 || o.Offset != nil {
		t.Fatalf("origin = %+v", o)
	}
}

func TestParseOriginXDeath(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	xdeath := []any{
		map[string]any{"queue": "retry", "reason": "expired", "count": int64(1), "time": now,
			"exchange": "retry-x", "routing-keys": []any{"work"}},
		map[string]any{"queue": "work", "reason": "rejected", "count": int64(2), "time": now.Add(-time.Minute),
			"exchange": "jobs", "routing-keys": []any{"work", "cc"}},
	}
	hs := []Header{{Key: "x-death", Typed: xdeath}}
	o := ParseOrigin(hs)
	if o == nil || o.Convention != RabbitXDeath || o.Destination != "work" || o.Exchange != "jobs" ||
		o.Reason != "rejected" || o.Count != 2 || len(o.RoutingKeys) != 2 || len(o.Deaths) != 2 {
		t.Fatalf("origin = %+v", o)
	}
	// x-first-death-* win over the order of x-death, including an empty (default) exchange.
	hs = append(hs, Header{Key: "x-first-death-queue", Typed: "retry"},
		Header{Key: "x-first-death-reason", Typed: "expired"}, Header{Key: "x-first-death-exchange", Typed: ""})
	o = ParseOrigin(hs)
	if o.Destination != "retry" || o.Reason != "expired" || o.Exchange != "" || o.Count != 1 {
		t.Fatalf("origin with x-first-death = %+v", o)
	}
}

func TestParseOriginNone(t *testing.T) {
	if o := ParseOrigin([]Header{{Key: "content-type", Value: []byte("json")}}); o != nil {
		t.Fatalf("origin = %+v, want nil", o)
	}
	if o := ParseOrigin([]Header{{Key: "x-death", Value: []byte("garbage")}}); o != nil {
		t.Fatalf("origin from garbage x-death = %+v, want nil", o)
	}
}
