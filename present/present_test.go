package present

import (
	"strings"
	"testing"

	"github.com/mqscope/mqscope/backends"
)

func TestSecondsForPeople(t *testing.T) {
	for secs, want := range map[float64]string{
		0: "0s", 0.04: "0.0s", 4.25: "4.2s", 37.9: "37s", 245: "4m05s", 3599: "59m59s", 7380: "2h03m",
		273600: "3d04h",
	} {
		if got := Seconds(&secs); got != want {
			t.Errorf("Seconds(%v) = %q, want %q", secs, got, want)
		}
	}
	if got := Seconds(nil); got != "-" {
		t.Errorf("unknown lag time = %q, want -", got)
	}
}

func TestIntHasThousandsSeparators(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", -1234567: "-1,234,567"} {
		if got := Int(n); got != want {
			t.Errorf("Int(%d) = %q, want %q", n, got, want)
		}
	}
}

// Leftover of issue 9 item 7: one body preview for the CLI and the TUI.
func TestBodyPreviewIsOneFunction(t *testing.T) {
	for _, tc := range []struct {
		body     []byte
		maxBytes int
		want     string
		text     bool
	}{
		{nil, 100, "(null)", false},
		{[]byte{}, 100, "(empty)", false},
		{[]byte("{\n  \"a\": 1\n}"), 100, `{ "a": 1 }`, true},
		{[]byte("abcdef"), 3, "abc…", true},
		{[]byte{0xca, 0xfe}, 100, "hex ca fe", false},
	} {
		if got, text := BodyPreview(tc.body, tc.maxBytes); got != tc.want || text != tc.text {
			t.Errorf("BodyPreview(%q) = %q, %v; want %q, %v", tc.body, got, text, tc.want, tc.text)
		}
	}
}

// One message row for the CLI and the TUI: which columns apply is the message's, not the broker's name.
func TestMessageColumnsApplyByMessage(t *testing.T) {
	names := func(r MessageRow) string {
		var out []string
		for _, c := range Messages {
			if c.Shown([]MessageRow{r}) {
				out = append(out, c.Name)
			}
		}
		return strings.Join(out, " ")
	}
	record := NewMessageRow(backends.Message{Partition: 2, Offset: 7, Key: nil, Body: []byte("x")})
	if got := names(record); got != "PARTITION OFFSET TIME KEY SIZE BODY" {
		t.Errorf("a record: %s", got)
	}
	amqp := NewMessageRow(backends.Message{Key: []byte("k"), Properties: &backends.Properties{}, Redelivered: true})
	if got := names(amqp); got != "OFFSET TIME ROUTING KEY REDELIVERED DELIVERIES SIZE BODY" {
		t.Errorf("an AMQP delivery: %s", got)
	}
	mqtt := NewMessageRow(backends.Message{Destination: "a/b", MQTT: &backends.MQTTDelivery{QoS: 1}})
	if got := names(mqtt); got != "TIME TOPIC QOS RETAINED SIZE BODY" {
		t.Errorf("an MQTT message: %s", got)
	}
	if Key(nil) != "-" || Key([]byte{}) != `""` || Key([]byte("a\x1bb")) != `a\eb` {
		t.Errorf("key texts: %q %q %q", Key(nil), Key([]byte{}), Key([]byte("a\x1bb")))
	}
}

// Redis and NATS read the lag and group tables in their own words and lose the columns that mean nothing
// there; Kafka's columns stay as written.
func TestWordsRenameAndDropColumns(t *testing.T) {
	names := func(cols []Column[PartitionRow]) string {
		var out []string
		for _, c := range cols {
			out = append(out, c.Name)
		}
		return strings.Join(out, " ")
	}
	for kind, want := range map[backends.Kind]string{
		backends.Kafka: "GROUP TOPIC PARTITION COMMITTED END LAG PENDING UNACKED REDELIVERED LAG-TIME STATUS MEMBER",
		backends.Redis: "GROUP STREAM READ ADDED LAG PENDING UNACKED REDELIVERED LAG-TIME STATUS",
		backends.NATS:  "CONSUMER STREAM ACK-FLOOR LAST-SEQ LAG PENDING UNACKED REDELIVERED LAG-TIME STATUS",
	} {
		if got := names(Worded(PartitionLag, WordsFor(kind))); got != want {
			t.Errorf("%s: %s\nwant %s", kind, got, want)
		}
	}
	if w := WordsFor(backends.NATS); w.Group != "consumer" || w.Parts != "streams" || w.Noun("groups") != "consumers" {
		t.Errorf("NATS words: %+v", w)
	}
	if _, ok := WordsFor(backends.Redis).Title("COORDINATOR"); ok {
		t.Error("a Redis group has no coordinator column")
	}
}

// TestSQSDetailsInSQSWords: an SQS queue's details say its counts as SQS does, marked ~ as the list marks
// them, with its redrive policy and the queues it is the dead-letter queue of; no consumers, which SQS
// does not know (describe showed "ready", "unacked" and "consumers ?").
func TestSQSDetailsInSQSWords(t *testing.T) {
	d := backends.Details{Destination: backends.Destination{Name: "orders", Kind: backends.Queue, Type: "standard",
		Approximate: true, Messages: 9, Ready: 7, Unacked: 2, Delayed: 0, Consumers: backends.Unknown,
		Redrive: &backends.RedrivePolicy{DeadLetterQueue: "orders-dlq", MaxReceiveCount: 3}, DeadLetterSources: []string{"a", "b"}}}
	got := map[string]string{}
	for _, f := range DestinationSections(d)[0].Fields {
		got[f.Label] = f.Value
	}
	want := map[string]string{"messages": "~9", "visible": "~7", "in-flight": "~2", "delayed": "~0",
		"redrive": "orders-dlq after 3 receives", "dead-letter for": "a, b"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	for _, k := range []string{"ready", "unacked", "consumers"} {
		if _, ok := got[k]; ok {
			t.Errorf("%s shown for an SQS queue: %v", k, got)
		}
	}
}

// A size counted by the broker (a NATS stream's bytes) is BYTES; only Redis's sampled estimate of a
// key's memory is ~MEMORY. NATS streams showed "~MEMORY 100.1 KiB", an estimate of memory, for the exact
// bytes of a file-stored stream.
func TestBytesCountedOrEstimated(t *testing.T) {
	heads := func(d backends.Destination) string {
		var out []string
		for _, c := range Destinations {
			if (c.Name == "BYTES" || c.Name == "~MEMORY") && c.AppliesTo(d) {
				out = append(out, c.Name+" "+c.Cell(d))
			}
		}
		return strings.Join(out, ", ")
	}
	nats := backends.Destination{Name: "ORDERS", Kind: backends.Stream, Bytes: 2048}
	redis := backends.Destination{Name: "orders", Kind: backends.Stream, Bytes: 2048, BytesEstimated: true}
	if got := heads(nats); got != "BYTES 2.0 KiB" {
		t.Errorf("counted bytes: %q", got)
	}
	if got := heads(redis); got != "~MEMORY 2.0 KiB" {
		t.Errorf("estimated memory: %q", got)
	}
}
