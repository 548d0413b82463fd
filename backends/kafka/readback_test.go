package kafka

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// readCommitted returns every record of topic a read_committed consumer sees, in partition then offset
// order, decoded by franz-go (not by the adapter under test): per partition, Fetch after Fetch from its
// leader from the log start until the last stable offset, aborted transactions and markers left out.
func readCommitted(t testing.TB, c *kfake.Cluster, topic string) []*kgo.Record {
	t.Helper()
	ctx := testCtx(t)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.MaxVersions(kversion.V3_0_0())) // Fetch v12 names topics
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	md, err := adm.Metadata(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	starts, err := adm.ListStartOffsets(ctx, topic)
	if err == nil {
		err = starts.Error()
	}
	if err != nil {
		t.Fatal(err)
	}
	var all []*kgo.Record
	for _, p := range md.Topics[topic].Partitions.Sorted() {
		start, _ := starts.Lookup(topic, p.Partition)
		for offset := start.Offset; ; {
			req := kmsg.NewPtrFetchRequest()
			req.ReplicaID, req.MaxBytes, req.IsolationLevel, req.SessionEpoch = -1, 50<<20, 1, -1
			rt := kmsg.NewFetchRequestTopic()
			rt.Topic = topic
			rp := kmsg.NewFetchRequestTopicPartition()
			rp.Partition, rp.FetchOffset, rp.PartitionMaxBytes, rp.CurrentLeaderEpoch = p.Partition, offset, 50<<20, -1
			rt.Partitions = append(rt.Partitions, rp)
			req.Topics = append(req.Topics, rt)
			resp, err := req.RequestWith(ctx, cl.Broker(int(p.Leader)))
			if err != nil {
				t.Fatalf("fetch %s/%d: %v", topic, p.Partition, err)
			}
			fp, next := kgo.ProcessFetchPartition(kgo.ProcessFetchPartitionOpts{
				Offset: offset, IsolationLevel: kgo.ReadCommitted(), Topic: topic, Partition: p.Partition,
			}, &resp.Topics[0].Partitions[0], kgo.DefaultDecompressor(), nil)
			if fp.Err != nil {
				t.Fatalf("fetch %s/%d: %v", topic, p.Partition, fp.Err)
			}
			all = append(all, fp.Records...)
			if next >= fp.LastStableOffset || next == offset {
				break
			}
			offset = next
		}
	}
	return all
}
