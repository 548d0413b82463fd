package demo

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/mqscope/mqscope/backends/kafka/murmur2"
)

// The demo's topics and groups, for tests that look for them by name.
const (
	Orders    = "orders"           // 6 partitions of keyed JSON orders
	Payments  = "payments"         // 3 partitions, keyed by order id
	Customers = "customers"        // compacted customer profiles, keyed by customer id
	Inventory = "inventory-events" // stock movements, keyed by SKU
	OrdersDLT = "orders-dlt"       // Spring-style dead letters of orders billing-service could not handle
	Telemetry = "telemetry-bin"    // binary frames, not UTF-8

	Billing  = "billing-service"  // lags on some partitions: its member stopped committing
	Shipping = "shipping-service" // caught up, with a live member
	Audit    = "audit-exporter"   // no members (Empty), behind on inventory-events

	// InternalTopic stands in for the topic a real cluster keeps group offsets in; kfake keeps them
	// elsewhere, but a demo should show an internal topic to hide.
	InternalTopic = "__consumer_offsets"
)

// Seeded is what Start puts on the cluster, so that tests assert against it rather than repeating
// numbers. It is the same on every run (records are generated from a fixed seed); only timestamps move
// with the clock. Unless Options.Still is set, a trickle producer adds to it while the demo runs.
type Seeded struct {
	Topics []SeededTopic // sorted by name
	Groups []SeededGroup // sorted by name
}

// SeededTopic is one seeded topic.
type SeededTopic struct {
	Name     string
	Internal bool
	// Ends holds each partition's log end offset after seeding. Logs start at 0, so it is also the
	// number of records per partition.
	Ends []int64
}

// Messages is the topic's record count.
func (t SeededTopic) Messages() int64 {
	var n int64
	for _, e := range t.Ends {
		n += e
	}
	return n
}

// SeededGroup is one seeded consumer group.
type SeededGroup struct {
	Name      string
	State     string             // as DescribeGroups reports it: Stable or Empty
	Members   int                // live members
	Committed map[string][]int64 // topic → committed offset per partition
}

// Lag is the group's total lag on topic against the seeded log end offsets.
func (g SeededGroup) Lag(s Seeded, topic string) int64 {
	t, _ := s.Topic(topic)
	var lag int64
	for p, c := range g.Committed[topic] {
		lag += t.Ends[p] - c
	}
	return lag
}

// Topic finds a seeded topic by name.
func (s Seeded) Topic(name string) (SeededTopic, bool) {
	i := slices.IndexFunc(s.Topics, func(t SeededTopic) bool { return t.Name == name })
	if i < 0 {
		return SeededTopic{}, false
	}
	return s.Topics[i], true
}

// Group finds a seeded group by name.
func (s Seeded) Group(name string) (SeededGroup, bool) {
	i := slices.IndexFunc(s.Groups, func(g SeededGroup) bool { return g.Name == name })
	if i < 0 {
		return SeededGroup{}, false
	}
	return s.Groups[i], true
}

// Expected is what Start(ctx, opts) seeds, computed without starting anything.
func Expected(opts Options) Seeded {
	s, _ := plan(opts, time.Now())
	return s
}

// topicSpec is a topic to create.
type topicSpec struct {
	name       string
	partitions int
	configs    map[string]string
	internal   bool
}

func demoTopics() []topicSpec {
	return []topicSpec{
		{name: Orders, partitions: 6},
		{name: Payments, partitions: 3},
		{name: Customers, partitions: 3, configs: map[string]string{"cleanup.policy": "compact"}},
		{name: Inventory, partitions: 4},
		{name: OrdersDLT, partitions: 6},
		{name: Telemetry, partitions: 2},
		{name: InternalTopic, partitions: 3, internal: true,
			configs: map[string]string{"kfake.is_internal": "true", "cleanup.policy": "compact"}},
	}
}

func extraTopics(opts Options) []topicSpec {
	specs := make([]topicSpec, opts.ExtraTopics)
	for i := range specs {
		specs[i] = topicSpec{name: fmt.Sprintf("load-%05d", i), partitions: opts.extraPartitions()}
	}
	return specs
}

// groupSpec is a group to seed: its commits as lag behind the log end, per topic and partition.
type groupSpec struct {
	name string
	lag  map[string][]int64
	live *memberSpec // nil: no members, the group is Empty
}

// memberSpec is a live member. A stuck member holds its partitions without ever fetching or committing:
// the consumer that hangs on a poison message, the usual reason a group lags.
type memberSpec struct {
	topics   []string
	balancer kgo.GroupBalancer
	stuck    bool
}

func demoGroups() []groupSpec {
	return []groupSpec{
		{name: Audit, lag: map[string][]int64{Customers: {0, 0, 0}, Inventory: {200, 150, 0, 80}}},
		{name: Billing, lag: map[string][]int64{Orders: {120, 0, 37, 0, 5, 0}, Payments: {0, 12, 0}},
			live: &memberSpec{topics: []string{Orders, Payments}, balancer: kgo.RangeBalancer(), stuck: true}},
		{name: Shipping, lag: map[string][]int64{Orders: {0, 0, 0, 0, 0, 0}},
			live: &memberSpec{topics: []string{Orders}, balancer: kgo.CooperativeStickyBalancer()}},
	}
}

// plan generates the seed: the truth it makes and the records to produce, each with its partition set
// (keyed records where a Java producer's murmur2 hashing puts them), so that offsets are known up front.
func plan(opts Options, now time.Time) (Seeded, []*kgo.Record) {
	p := newPlanner(now)
	specs := append(demoTopics(), extraTopics(opts)...)
	for _, t := range specs {
		p.ends[t.name] = make([]int64, t.partitions)
	}
	p.seedCustomers()
	p.seedOrdersAndPayments()
	p.seedInventory()
	p.seedTelemetry()

	var s Seeded
	for _, t := range specs {
		s.Topics = append(s.Topics, SeededTopic{Name: t.name, Internal: t.internal, Ends: p.ends[t.name]})
	}
	for _, g := range demoGroups() {
		sg := SeededGroup{Name: g.name, State: "Empty", Committed: make(map[string][]int64)}
		if g.live != nil {
			sg.State, sg.Members = "Stable", 1
		}
		for topic, lags := range g.lag {
			for i, lag := range lags {
				sg.Committed[topic] = append(sg.Committed[topic], max(p.ends[topic][i]-lag, 0))
			}
		}
		s.Groups = append(s.Groups, sg)
	}
	slices.SortFunc(s.Topics, func(a, b SeededTopic) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(s.Groups, func(a, b SeededGroup) int { return strings.Compare(a.Name, b.Name) })
	return s, p.records
}

type planner struct {
	rng     *rand.Rand
	now     time.Time
	ends    map[string][]int64
	records []*kgo.Record
}

func newPlanner(now time.Time) *planner {
	return &planner{
		rng:  rand.New(rand.NewPCG(2024, 11)),
		now:  now.Truncate(time.Millisecond),
		ends: make(map[string][]int64),
	}
}

// position is where a record landed.
type position struct {
	partition int32
	offset    int64
}

// add appends a record to the plan: keyed records go where murmur2 of the key says (murmur2.Partition),
// as the Java client and franz-go put them; unkeyed ones round-robin.
func (p *planner) add(r *kgo.Record) position {
	ends := p.ends[r.Topic]
	if r.Key != nil {
		r.Partition = murmur2.Partition(r.Key, int32(len(ends)))
	} else {
		r.Partition = int32(len(p.records) % len(ends))
	}
	pos := position{r.Partition, ends[r.Partition]}
	ends[r.Partition]++
	p.records = append(p.records, r)
	return pos
}

// ago spreads i of n events evenly over the span before now.
func (p *planner) ago(span time.Duration, i, n int) time.Time {
	return p.now.Add(-span + time.Duration(i)*span/time.Duration(n))
}

func (p *planner) traceID() string {
	return fmt.Sprintf("%016x%016x", p.rng.Uint64(), p.rng.Uint64())
}

func jsonValue(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps and structs of plain values are marshalled here
	}
	return b
}

func header(k, v string) kgo.RecordHeader { return kgo.RecordHeader{Key: k, Value: []byte(v)} }

const numCustomers = 250

var (
	firstNames = []string{"Ada", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances", "Edsger", "Radia"}
	lastNames  = []string{"Lovelace", "Hopper", "Torvalds", "Hamilton", "Thompson", "Liskov", "Ritchie", "Allen", "Dijkstra", "Perlman"}
	countries  = []string{"DE", "FR", "NL", "SE", "PL", "ES", "IT", "GB", "US", "CA"}
	tiers      = []string{"standard", "standard", "standard", "silver", "gold"}
	sources    = []string{"web-checkout", "web-checkout", "mobile-app", "partner-api"}
	warehouses = []string{"ams-1", "fra-2", "waw-1"}
)

func customerID(i int) string { return fmt.Sprintf("cust-%04d", i) }
func sku(i int) string        { return fmt.Sprintf("SKU-%05d", 10000+i*37) }

func (p *planner) seedCustomers() {
	for i := range numCustomers {
		first, last := firstNames[i%len(firstNames)], lastNames[(i/len(firstNames))%len(lastNames)]
		p.add(&kgo.Record{
			Topic: Customers, Key: []byte(customerID(i)), Timestamp: p.ago(24*time.Hour, i, numCustomers),
			Value: jsonValue(map[string]any{
				"customer_id": customerID(i), "name": first + " " + last,
				"email":   strings.ToLower(first+"."+last) + fmt.Sprintf("%d@example.com", i),
				"country": countries[i%len(countries)], "tier": tiers[i%len(tiers)],
			}),
			Headers: []kgo.RecordHeader{header("content-type", "application/json"), header("source", "crm-sync")},
		})
	}
	// One profile written by someone hostile: terminal escapes in the key and a header, a bidi override
	// in the name. mqscope must show them escaped, never let the terminal act on them.
	p.add(&kgo.Record{
		Topic: Customers, Key: []byte("cust-\x1b[31m9999\x1b[0m"), Timestamp: p.now.Add(-90 * time.Minute),
		Value: jsonValue(map[string]any{
			"customer_id": "cust-9999", "name": "Mallory \u202eredro\u202c", "email": "mallory@example.com",
			"country": "US", "tier": "gold",
		}),
		Headers: []kgo.RecordHeader{
			header("content-type", "application/json"),
			header("x-display-name", "\x1b]0;pwned\x07\x1b[2J\u202egnp.exe"),
		},
	})
}

const numOrders = 3000

// badOrder marks the orders that carry a currency billing-service rejects; they end in orders-dlt.
func badOrder(i int) bool { return i%113 == 57 }

func (p *planner) seedOrdersAndPayments() {
	for i := range numOrders {
		p.orderWithPayment(i, p.ago(6*time.Hour, i, numOrders))
	}
}

// orderWithPayment adds order i and its payment, or, for a bad order, its dead letter.
func (p *planner) orderWithPayment(i int, ts time.Time) {
	order, total, currency := p.order(i, ts)
	trace := p.traceID()
	rec := &kgo.Record{
		Topic: Orders, Key: []byte(order["customer_id"].(string)), Timestamp: ts, Value: jsonValue(order),
		Headers: []kgo.RecordHeader{
			header("content-type", "application/json"), header("trace-id", trace),
			header("source", sources[p.rng.IntN(len(sources))]),
		},
	}
	pos := p.add(rec)
	orderID := order["order_id"].(string)
	if badOrder(i) {
		p.deadLetter(rec, pos, orderID, currency)
		return
	}
	p.payment(orderID, total, currency, trace, p.notAfterNow(ts.Add(time.Duration(2+p.rng.IntN(28))*time.Second)))
}

// notAfterNow keeps follow-up events of the newest records from being stamped in the future.
func (p *planner) notAfterNow(t time.Time) time.Time {
	if t.After(p.now) {
		return p.now
	}
	return t
}

func (p *planner) order(i int, ts time.Time) (order map[string]any, total float64, currency string) {
	var items []map[string]any
	for range 1 + p.rng.IntN(4) {
		price := float64(199+p.rng.IntN(9800)) / 100
		qty := 1 + p.rng.IntN(3)
		items = append(items, map[string]any{"sku": sku(p.rng.IntN(400)), "qty": qty, "price": price})
		total += price * float64(qty)
	}
	total = float64(int(total*100)) / 100
	currency = "EUR"
	if badOrder(i) {
		currency = "XXX"
	}
	return map[string]any{
		"order_id": fmt.Sprintf("ord-%06d", 100000+i), "customer_id": customerID(p.rng.IntN(numCustomers)),
		"status": "created", "items": items, "total": total, "currency": currency,
		"created_at": ts.UTC().Format(time.RFC3339Nano),
	}, total, currency
}

func (p *planner) payment(orderID string, amount float64, currency, trace string, ts time.Time) {
	status := "captured"
	if p.rng.IntN(100) < 3 {
		status = "declined"
	}
	p.add(&kgo.Record{
		Topic: Payments, Key: []byte(orderID), Timestamp: ts,
		Value: jsonValue(map[string]any{
			"payment_id": fmt.Sprintf("pay-%08x", p.rng.Uint32()), "order_id": orderID, "amount": amount,
			"currency": currency, "method": []string{"card", "card", "paypal", "sepa"}[p.rng.IntN(4)],
			"status": status,
		}),
		Headers: []kgo.RecordHeader{header("content-type", "application/json"), header("trace-id", trace)},
	})
}

// deadLetter writes what Spring Kafka's DeadLetterPublishingRecoverer writes when billing-service gives
// up on an order: the original key and value, to the same partition of <topic>-dlt, with
// kafka_dlt-* headers pointing back at the original record.
func (p *planner) deadLetter(orig *kgo.Record, pos position, orderID, currency string) {
	msg := fmt.Sprintf("Listener method 'public void com.example.billing.OrderListener.onOrder("+
		"org.apache.kafka.clients.consumer.ConsumerRecord)' threw exception; nested exception is "+
		"java.lang.IllegalArgumentException: Unsupported currency '%s' in order %s", currency, orderID)
	trace := "org.springframework.kafka.listener.ListenerExecutionFailedException: " + msg + "\n" +
		"\tat org.springframework.kafka.listener.KafkaMessageListenerContainer$ListenerConsumer.decorateException(KafkaMessageListenerContainer.java:2960)\n" +
		"\tat org.springframework.kafka.listener.KafkaMessageListenerContainer$ListenerConsumer.doInvokeOnMessage(KafkaMessageListenerContainer.java:2881)\n" +
		"Caused by: java.lang.IllegalArgumentException: Unsupported currency '" + currency + "'\n" +
		"\tat com.example.billing.Money.of(Money.java:42)\n" +
		"\tat com.example.billing.OrderListener.onOrder(OrderListener.java:57)\n"
	p.ends[OrdersDLT][pos.partition]++ // same partition as the original, as Spring does by default
	p.records = append(p.records, &kgo.Record{
		Topic: OrdersDLT, Partition: pos.partition, Key: orig.Key, Value: orig.Value,
		Timestamp: p.notAfterNow(orig.Timestamp.Add(12 * time.Second)), // after the retries
		Headers: append(slices.Clone(orig.Headers),
			header("kafka_dlt-original-topic", orig.Topic),
			kgo.RecordHeader{Key: "kafka_dlt-original-partition", Value: binary.BigEndian.AppendUint32(nil, uint32(pos.partition))},
			kgo.RecordHeader{Key: "kafka_dlt-original-offset", Value: binary.BigEndian.AppendUint64(nil, uint64(pos.offset))},
			kgo.RecordHeader{Key: "kafka_dlt-original-timestamp", Value: binary.BigEndian.AppendUint64(nil, uint64(orig.Timestamp.UnixMilli()))},
			header("kafka_dlt-original-timestamp-type", "CreateTime"),
			header("kafka_dlt-original-consumer-group", Billing),
			header("kafka_dlt-exception-fqcn", "org.springframework.kafka.listener.ListenerExecutionFailedException"),
			header("kafka_dlt-exception-cause-fqcn", "java.lang.IllegalArgumentException"),
			header("kafka_dlt-exception-message", msg),
			header("kafka_dlt-exception-stacktrace", trace),
		),
	})
}

func (p *planner) seedInventory() {
	const n = 1500
	reasons := []string{"restock", "sale", "sale", "sale", "return", "damage"}
	for i := range n {
		reason := reasons[p.rng.IntN(len(reasons))]
		delta := 1 + p.rng.IntN(5)
		if reason == "sale" || reason == "damage" {
			delta = -delta
		}
		item := sku(p.rng.IntN(400))
		p.add(&kgo.Record{
			Topic: Inventory, Key: []byte(item), Timestamp: p.ago(3*time.Hour, i, n),
			Value: jsonValue(map[string]any{
				"sku": item, "warehouse": warehouses[p.rng.IntN(len(warehouses))], "delta": delta, "reason": reason,
			}),
			Headers: []kgo.RecordHeader{header("content-type", "application/json"), header("source", "wms")},
		})
	}
}

// seedTelemetry writes binary frames: a magic number, a device id, a sequence number and readings as
// big-endian floats. They are not UTF-8, so viewers must fall back to hex.
func (p *planner) seedTelemetry() {
	const n = 400
	for i := range n {
		device := p.rng.IntN(12)
		frame := []byte{0xCA, 0xFE, 0xFF, byte(device)}
		frame = binary.BigEndian.AppendUint32(frame, uint32(i))
		for range 4 {
			frame = binary.BigEndian.AppendUint32(frame, p.rng.Uint32())
		}
		p.add(&kgo.Record{
			Topic: Telemetry, Key: fmt.Appendf(nil, "device-%02d", device), Value: frame,
			Timestamp: p.ago(time.Hour, i, n),
			Headers:   []kgo.RecordHeader{header("content-type", "application/x-telemetry-frame")},
		})
	}
}
