package murmur2

import (
	"fmt"
	"math"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// The vectors of Kafka's own UtilsTest.testMurmur2: with n = MaxInt32 the partition is the positive hash.
func TestPartitionMatchesKafkasMurmur2(t *testing.T) {
	for _, c := range []struct {
		key  string
		hash int32
	}{
		{"21", -973932308},
		{"foobar", -790332482},
		{"a-little-bit-long-string", -985981536},
		{"a-little-bit-longer-string", -1486304829},
		{"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971},
		{"abc", 479470107},
	} {
		want := int32(uint32(c.hash)&0x7fffffff) % math.MaxInt32
		if got := Partition([]byte(c.key), math.MaxInt32); got != want {
			t.Errorf("Partition(%q) = %d, want %d", c.key, got, want)
		}
	}
}

// franz-go's key partitioner is an independent implementation of the Java client's.
func TestPartitionAgreesWithFranzGo(t *testing.T) {
	franz := kgo.StickyKeyPartitioner(nil).ForTopic("t")
	for _, n := range []int32{1, 3, 6, 7, 64} {
		for i := range 500 {
			key := fmt.Appendf(nil, "key-%d-\xff\x00%d", i, i*i)
			if got, want := Partition(key, n), int32(franz.Partition(&kgo.Record{Key: key}, int(n))); got != want {
				t.Fatalf("Partition(%q, %d) = %d, franz-go says %d", key, n, got, want)
			}
		}
	}
}
