package rabbitmq

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// brokerDeadLetter is a delivery as the broker hands out a letter it dead-lettered itself (expired in a queue
// with a message TTL): x-death and the x-first-death headers.
func brokerDeadLetter() amqp.Delivery {
	died := time.Date(2026, 12, 5, 22, 0, 0, 0, time.UTC)
	return amqp.Delivery{
		Headers: amqp.Table{
			"x-death": []any{amqp.Table{
				"count": int64(1), "reason": "expired", "queue": "orders-0-ttl", "time": died,
				"exchange": "", "routing-keys": []any{"orders-0-ttl"},
			}},
			"x-first-death-exchange": "", "x-first-death-queue": "orders-0-ttl", "x-first-death-reason": "expired",
		},
		ContentType: "application/json", DeliveryMode: amqp.Persistent, MessageId: "order-0-17",
		Body: []byte(`{"order":17,"total":"19.90"}`), RoutingKey: "orders-0-ttl",
	}
}

// BenchmarkMessageOfADeadLetter is what the mover spends per letter turning a delivery into the
// contract's message for the router.
func BenchmarkMessageOfADeadLetter(b *testing.B) {
	d := brokerDeadLetter()
	b.ReportAllocs()
	for i := range b.N {
		_ = message("dlq", d, int64(i))
	}
}

// A table or array header's text is what encoding/json writes for it, byte for byte, written without
// reflection; a value JSON cannot hold leaves the whole header to fmt, as before.
func TestHeaderTextIsJSON(t *testing.T) {
	values := []any{
		map[string]any{"count": int64(1), "reason": "expired", "queue": "orders-0-ttl",
			"time": time.Date(2026, 12, 5, 22, 0, 0, 123, time.UTC), "exchange": "", "routing-keys": []any{"a", "b"}},
		[]any{nil, true, false, int8(-8), int16(-16), int32(-32), int64(-64), uint8(8), uint16(16), uint32(32), uint64(64),
			int(7), uint(9), float32(1.5), float64(1e21), 0.000001, -0.0, "x"},
		[]any{"quote \" back\\slash", "<html> & </html>", "tab\tnew\nline\r\b\f\x01\x1f", "é ünïcödé ✓", "bad \xff utf8",
			"line\u2028sep\u2029", "\x7f del", ""},
		[]any{[]byte("bytes\x00"), []byte{}, []byte(nil), map[string]any{}, []any{}, map[string]any{"z": 1, "a": map[string]any{"<": []any{}}}},
		[]any{time.Date(2026, 12, 5, 23, 0, 0, 0, time.FixedZone("CET", 3600)), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)},
		map[string]any{"k\"ey": "v", "<k>": int64(math.MinInt64), "big": uint64(math.MaxUint64)},
	}
	for _, v := range values {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if got := text(v); string(got) != string(want) {
			t.Errorf("text(%#v)\n = %s\nwant %s", v, got, want)
		}
	}
	for _, v := range []any{[]any{math.NaN()}, map[string]any{"t": time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, []any{struct{ A chan int }{}}} {
		if _, err := json.Marshal(v); err == nil {
			t.Fatalf("%#v: want a value JSON cannot hold", v)
		}
		if got, want := string(text(v)), string(fmtText(v)); got != want {
			t.Errorf("text(%#v) = %s, want fmt's %s", v, got, want)
		}
	}
}
