// Package murmur2 places keyed records the way the Java Kafka client does. It is a package of its own so
// that the demo seeder, which the Kafka adapter's tests use, can share it without an import cycle.
package murmur2

import "github.com/IBM/sarama"

// javaHash is sarama's copy of the Java client's default partitioner for keyed records. It is safe for
// concurrent use with keys: only keyless records touch its random source.
var javaHash = sarama.NewMurmur2Partitioner("")

// Partition is the partition, among n, where the Java client's default partitioner puts a record with
// this key: murmur2 of the key bytes, made positive, modulo n. It is the one implementation mqscope uses,
// so that a key goes where a Java producer (and franz-go, and librdkafka's murmur2_random) would put it;
// sarama's own default hashes with FNV-1a and lands keys elsewhere. A nil key is hashed as an empty one:
// a record without a key has no fixed partition.
func Partition(key []byte, n int32) int32 {
	p, _ := javaHash.Partition(&sarama.ProducerMessage{Key: sarama.ByteEncoder(key)}, n) // bytes never fail to encode
	return p
}
