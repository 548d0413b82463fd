package kafka

import (
	"fmt"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/backends"
)

// Kafka brokers never tell a client their software version. What they do tell, in ApiVersions, is the
// highest version of every request they understand, and most releases raised one of those. The newest
// release whose raise this broker has is therefore a lower bound, shown as "3.7+": 3.7 or newer. Releases
// that raised nothing a client sees (3.3, 3.4, 3.6, 4.3) show as the release before them.
//
// The table was derived from the per-release request versions that franz-go's kversion package records;
// version_test.go checks it against them.
var releases = []struct {
	name    string
	key     int16 // request key
	version int16 // the release is the first to support key at this version
}{
	{"4.4", 18, 5},    // ApiVersions v5
	{"4.2", 2, 11},    // ListOffsets v11
	{"4.1", 0, 13},    // Produce v13
	{"4.0", 0, 12},    // Produce v12
	{"3.9", 1, 17},    // Fetch v17
	{"3.8", 0, 11},    // Produce v11
	{"3.7", 0, 10},    // Produce v10
	{"3.5", 1, 15},    // Fetch v15
	{"3.2", 11, 9},    // JoinGroup v9
	{"3.1", 1, 13},    // Fetch v13
	{"3.0", 2, 7},     // ListOffsets v7
	{"2.8", 3, 11},    // Metadata v11
	{"2.7", 1, 12},    // Fetch v12
	{"2.6", 16, 4},    // ListGroups v4
	{"2.5", 9, 7},     // OffsetFetch v7
	{"2.4", 0, 8},     // Produce v8
	{"2.3", 1, 11},    // Fetch v11
	{"2.2", 2, 5},     // ListOffsets v5
	{"2.1", 1, 10},    // Fetch v10
	{"2.0", 0, 6},     // Produce v6
	{"1.1", 1, 7},     // Fetch v7
	{"1.0", 0, 5},     // Produce v5
	{"0.11", 0, 3},    // Produce v3
	{"0.10.2", 19, 1}, // CreateTopics v1
	{"0.10.1", 3, 2},  // Metadata v2
	{"0.10", 18, 0},   // ApiVersions itself
}

// guessVersion names the newest release whose raised request versions the broker advertises, as "X.Y+".
func guessVersion(keys map[int16]sarama.ApiVersionsResponseKey) string {
	for _, r := range releases {
		if k, ok := keys[r.key]; ok && k.MaxVersion >= r.version {
			return r.name + "+"
		}
	}
	return "unknown (older than 0.10)"
}

// speaks says whether the cluster advertised request key at version or later.
func (b *Backend) speaks(key, version int16) bool {
	k, ok := b.apiKeys[key]
	return ok && k.MaxVersion >= version
}

// Requests some features need, by the release that brought them.
var (
	// Idempotent producing (Publish) and transactions (Move): InitProducerId, Kafka 0.11.
	needsProducerIDs = feature{key: 22, version: 0, release: "0.11", request: "InitProducerId"}
	// Deleting records (Truncate): DeleteRecords, Kafka 0.11.
	needsDeleteRecords = feature{key: 21, version: 0, release: "0.11", request: "DeleteRecords"}
	// Deleting one topic's offsets of a group (DeleteGroupOffsets): OffsetDelete, Kafka 2.4.
	needsOffsetDelete = feature{key: 47, version: 0, release: "2.4", request: "OffsetDelete"}
)

// feature is a request version some work needs.
type feature struct {
	key, version int16
	release      string // the first Kafka release that has it
	request      string
}

// require says plainly, when the cluster lacks f, that doing what needs a newer Kafka.
func (b *Backend) require(doing string, f feature) error {
	if b.speaks(f.key, f.version) {
		return nil
	}
	return fmt.Errorf("%s needs Kafka %s or newer (the %s request), and this cluster speaks the requests of Kafka %s: %w",
		doing, f.release, f.request, b.version, backends.ErrNotSupported)
}
