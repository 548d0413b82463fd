package demo

// The demo's schema registry (`mqscope demo --registry`): franz-go's srfake, an in-process fake of the
// Confluent registry API on 127.0.0.1 (not Confluent's registry), seeded by internal/testkit/srfix — the
// same subjects the tests use, as the demo already serves SQS through testkit's sqsfix — with a topic of
// sample data per subject in the Confluent wire format, written with hamba/avro and protobuf-go directly,
// never through mqscope's encoders.

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/mqscope/mqscope/internal/testkit/srfix"
)

// The topics of the registry's subjects, by the topic name strategy (subject = topic + "-value").
const (
	OrdersAvro  = "orders-avro"  // Avro shop.Order, schema id srfix.AvroOrderID
	OrdersProto = "orders-proto" // Protobuf shop.Order, and every tenth a shop.Refund (message index 1)
	OrdersJSON  = "orders-json"  // JSON Schema orders
)

// SchemaRecords is how many records each of the registry's topics holds.
const SchemaRecords = 60

const schemaPartitions = 3

// SchemaRegistry is the URL of the demo's schema registry, or "" when it serves none.
func (c *Cluster) SchemaRegistry() string {
	if c.registry == nil {
		return ""
	}
	return c.registry.URL()
}

// seedSchemaTopics starts the registry and writes its topics.
func (c *Cluster) seedSchemaTopics(ctx context.Context, now time.Time) error {
	records, err := schemaRecords(now)
	if err != nil {
		return err
	}
	c.registry = srfix.New()
	specs := []topicSpec{{name: OrdersAvro, partitions: schemaPartitions}, {name: OrdersProto, partitions: schemaPartitions},
		{name: OrdersJSON, partitions: schemaPartitions}}
	if err := createTopics(ctx, kadm.NewClient(c.client), specs); err != nil {
		return err
	}
	if err := c.client.ProduceSync(ctx, records...).FirstErr(); err != nil {
		return fmt.Errorf("produce: %w", err)
	}
	return nil
}

// schemaRecords are SchemaRecords orders per topic, a minute apart up to now, keyed order-0000…
func schemaRecords(now time.Time) ([]*kgo.Record, error) {
	avroOrder, err := srfix.AvroOrderSchema()
	if err != nil {
		return nil, err
	}
	protoFile, err := srfix.CompileOrder()
	if err != nil {
		return nil, err
	}
	order, refund := protoFile.Messages().Get(0), protoFile.Messages().Get(1)
	currencies := []string{"EUR", "USD", "GBP"}
	cities := []string{"Lyon", "Porto", "Graz", "Turku"}
	skus := []string{"tea", "mug", "kettle", "filter"}
	var records []*kgo.Record
	for i := range SchemaRecords {
		key := fmt.Sprintf("order-%04d", i)
		cents, currency := 500+(i*737)%20_000, currencies[i%len(currencies)]
		record := func(topic string, value []byte) {
			records = append(records, &kgo.Record{Topic: topic, Partition: int32(i % schemaPartitions), Key: []byte(key),
				Value: value, Timestamp: now.Add(-time.Duration(SchemaRecords-i) * time.Minute)})
		}

		var note any // a nullable union: null, or the string branch
		if i%7 == 0 {
			note = map[string]any{"string": "gift"}
		}
		payload, err := avro.Marshal(avroOrder, map[string]any{"id": key,
			"total": map[string]any{"cents": cents, "currency": currency}, "note": note})
		if err != nil {
			return nil, fmt.Errorf("avro: %w", err)
		}
		record(OrdersAvro, srfix.Wire(srfix.AvroOrderID, nil, payload))

		index, js := []int{0}, fmt.Sprintf(`{"id":%q,"total":{"cents":%d,"currency":%q},"lines":[{"sku":%q,"qty":%d}]}`,
			key, cents, currency, skus[i%len(skus)], 1+i%4)
		md := order
		if i%10 == 9 {
			index, md, js = []int{1}, refund, fmt.Sprintf(`{"orderId":%q,"reason":"damaged in transit"}`, key)
		}
		payload, err = srfix.EncodeProto(md, js)
		if err != nil {
			return nil, fmt.Errorf("protobuf: %w", err)
		}
		record(OrdersProto, srfix.Wire(srfix.ProtoOrderID, index, payload))

		payload, err = json.Marshal(map[string]any{"id": key, "qty": 1 + i%5, "ship_to": map[string]any{"city": cities[i%len(cities)]}})
		if err != nil {
			return nil, err
		}
		record(OrdersJSON, srfix.Wire(srfix.JSONOrderID, nil, payload))
	}
	return records, nil
}
