package present

import (
	"strings"

	"github.com/mqscope/mqscope/backends"
)

// Words are what a broker calls the things the group, lag and purge tables show. The columns are written in
// Kafka's words (GROUP, TOPIC, PARTITION, COMMITTED, MEMBER); a Redis stream or a NATS consumer reads
// them in its own, and loses the columns that mean nothing there (a Redis group reads one stream, whole:
// no partitions, no coordinator). This is the one place those words live; front ends choose a
// vocabulary by the kind of broker they are connected to and never re-word a column themselves.
type Words struct {
	// Group is what reads a log and commits where it got to: "group", or NATS's "consumer".
	Group string
	// Parts is what a group's lag breaks down into, one row each: "partitions" of Kafka topics, the
	// "streams" a Redis group or a NATS consumer reads.
	Parts string
	// Position is what a group commits: an "offset", or a "position" where the broker counts otherwise.
	Position string
	// titles re-word a column by its name; "" drops it.
	titles map[string]string
	// nouns re-word what a list counts: NATS's "groups" are "consumers".
	nouns map[string]string
}

// KafkaWords are the words the columns are written in.
var KafkaWords = Words{Group: "group", Parts: "partitions", Position: "offset"}

var (
	redisWords = Words{Group: "group", Parts: "streams", Position: "position", titles: map[string]string{
		"TOPIC": "STREAM", "TOPICS": "STREAM", "PARTITION": "", "PARTITIONS": "",
		// XINFO GROUPS: entries-read against the stream's entries-added.
		"COMMITTED": "READ", "END": "ADDED",
		// Redis assigns no stream to a consumer: the group's consumers share it, counted in CONSUMERS.
		"MEMBER": "", "MEMBERS": "CONSUMERS", "COORDINATOR": "", "PROTOCOL": "",
		"MAX-LAG": "", // one stream: the lag is its own maximum
		// What a queue purge empties here is a list (a stream is truncated, as a topic is).
		"QUEUE": "LIST",
	}}
	natsWords = Words{Group: "consumer", Parts: "streams", Position: "position", titles: map[string]string{
		"GROUP": "CONSUMER", "TOPIC": "STREAM", "TOPICS": "STREAM", "PARTITION": "", "PARTITIONS": "",
		// A consumer's ack floor against the stream's last sequence.
		"COMMITTED": "ACK-FLOOR", "END": "LAST-SEQ",
		// A durable consumer has no members to name, nor a coordinator; its protocol is its policies.
		"MEMBER": "", "MEMBERS": "", "COORDINATOR": "", "PROTOCOL": "POLICY",
		"MAX-LAG": "",
	}, nouns: map[string]string{"groups": "consumers"}}
	// MQTT has no groups; what a purge shows of a topic is its retained message, which no one acknowledges.
	mqttWords = Words{Group: "group", Parts: "partitions", Position: "offset", titles: map[string]string{
		"QUEUE": "TOPIC", "READY": "RETAINED", "UNACKED": "",
	}}
)

// WordsFor is the vocabulary of a kind of broker: Kafka's for Kafka and for other brokers without words of
// their own.
func WordsFor(k backends.Kind) Words {
	switch k {
	case backends.Redis:
		return redisWords
	case backends.NATS:
		return natsWords
	case backends.MQTT:
		return mqttWords
	}
	return KafkaWords
}

// Title is how the column called name reads here, and false where it means nothing here.
func (w Words) Title(name string) (string, bool) {
	t, ok := w.titles[name]
	if !ok {
		return name, true
	}
	return t, t != ""
}

// Worded are cols with their titles in these words, without those that mean nothing here.
func Worded[T any](cols []Column[T], w Words) []Column[T] {
	out := make([]Column[T], 0, len(cols))
	for _, c := range cols {
		if title, ok := w.Title(c.Name); ok {
			c.Name = title
			out = append(out, c)
		}
	}
	return out
}

// Noun is what a list of noun (plural, as Kafka has it) is called here: "consumers" for NATS's "groups".
func (w Words) Noun(noun string) string {
	if n, ok := w.nouns[noun]; ok {
		return n
	}
	return noun
}

// Queue is what a queue purge empties here, as a dialog names it: a "queue", a Redis "list".
func (w Words) Queue() string {
	t, _ := w.Title("QUEUE")
	return strings.ToLower(t)
}
