package demo

// The NATS demo: an embedded NATS server with JetStream (github.com/nats-io/nats-server/v2, bound to
// 127.0.0.1 on a free port, its store in a temporary folder), or a server the user names, seeded with the
// plain nats.go client, never through mqscope's adapter.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// The demo's streams, consumers and bucket. Every name starts with DEMO_ (streams) or demo (subjects,
// bucket), so that seeding a server the user names replaces only the demo's own.
const (
	NATSOrders     = "DEMO_ORDERS"     // demo.orders.>: lagging and caught-up consumers
	NATSPayments   = "DEMO_PAYMENTS"   // demo.payments.>: a consumer that gave up on some messages
	NATSAdvisories = "DEMO_ADVISORIES" // the max-deliveries and terminated advisories of DEMO_PAYMENTS
	NATSDLQ        = "DEMO_DLQ"        // letters republished by applications, from two origins
	NATSHostile    = "DEMO_HOSTILE"    // escape sequences, bidi overrides and binary
	NATSBench      = "DEMO_BENCH"      // BigTopic small messages, for peek benchmarks
	NATSBucket     = "demo_settings"   // a key-value bucket: the stream KV_demo_settings, internal
)

// NATSSeeded says what the NATS demo holds, for tests to check mqscope against.
type NATSSeeded struct {
	Orders   int            // messages in DEMO_ORDERS (before the trickle)
	Lag      map[string]int // per consumer of DEMO_ORDERS: what it has not acknowledged
	Payments int
	Gave     int // messages of DEMO_PAYMENTS the ledger consumer gave up on (advisories)
	Letters  map[string]int
	NoOrigin int // letters in DEMO_DLQ that name no origin
}

// NATSDemo is a seeded NATS server, embedded or the user's.
type NATSDemo struct {
	url    string
	srv    *server.Server // nil for the user's server
	store  string
	nc     *nats.Conn
	seeded NATSSeeded

	stop      context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// Bootstrap is the server's URL.
func (d *NATSDemo) Bootstrap() []string { return []string{d.url} }

// Seeded says what the demo put on the server.
func (d *NATSDemo) Seeded() NATSSeeded { return d.seeded }

// Close stops the trickle and, for the embedded server, the server, and removes its store.
func (d *NATSDemo) Close() {
	d.closeOnce.Do(func() {
		d.stop()
		d.wg.Wait()
		if d.nc != nil {
			d.nc.Close()
		}
		if d.srv != nil {
			d.srv.Shutdown()
			d.srv.WaitForShutdown()
			os.RemoveAll(d.store)
		}
	})
}

// StartNATS starts an embedded NATS server with JetStream on 127.0.0.1 (opts.Port, or a free one) and
// seeds it as SeedNATS does.
func StartNATS(ctx context.Context, opts Options) (*NATSDemo, error) {
	store, err := os.MkdirTemp("", "mqscope-demo-nats")
	if err != nil {
		return nil, err
	}
	port := opts.Port
	if port == 0 {
		port = server.RANDOM_PORT
	}
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: port, JetStream: true, StoreDir: store,
		NoLog: true, NoSigs: true, ServerName: "mqscope-demo"})
	if err != nil {
		os.RemoveAll(store)
		return nil, fmt.Errorf("start the NATS server: %w", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		os.RemoveAll(store)
		return nil, errors.New("the embedded NATS server did not start in 10 s")
	}
	return seedNATS(ctx, srv.ClientURL(), srv, store, opts)
}

// SeedNATS seeds the NATS server at url, replacing the demo's own streams and bucket (DEMO_*,
// demo_settings) and touching nothing else.
func SeedNATS(ctx context.Context, url string, opts Options) (*NATSDemo, error) {
	return seedNATS(ctx, url, nil, "", opts)
}

func seedNATS(ctx context.Context, url string, srv *server.Server, store string, opts Options) (*NATSDemo, error) {
	d := &NATSDemo{url: url, srv: srv, store: store, stop: func() {}}
	nc, err := nats.Connect(url, nats.Name("mqscope-demo"))
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("connect to NATS at %s: %w", url, err)
	}
	d.nc = nc
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(2*benchFlight))
	if err != nil {
		d.Close()
		return nil, err
	}
	s := natsSeeder{js: js}
	if err := s.seed(ctx, opts); err != nil {
		d.Close()
		return nil, fmt.Errorf("seed the NATS demo: %w", err)
	}
	d.seeded = s.seeded
	if !opts.Still {
		d.trickle(js)
	}
	return d, nil
}

// trickle publishes an order every second until Close.
func (d *NATSDemo) trickle(js jetstream.JetStream) {
	ctx, cancel := context.WithCancel(context.Background())
	d.stop = cancel
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for n := d.seeded.Orders; ; n++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				js.Publish(ctx, "demo.orders.created", order(n))
			}
		}
	}()
}

type natsSeeder struct {
	js     jetstream.JetStream
	seeded NATSSeeded
}

func (s *natsSeeder) seed(ctx context.Context, opts Options) error {
	for _, name := range []string{NATSOrders, NATSPayments, NATSAdvisories, NATSDLQ, NATSHostile, NATSBench} {
		if err := s.js.DeleteStream(ctx, name); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			return err
		}
	}
	if err := s.js.DeleteKeyValue(ctx, NATSBucket); err != nil && !errors.Is(err, jetstream.ErrBucketNotFound) &&
		!errors.Is(err, jetstream.ErrStreamNotFound) {
		return err
	}
	for _, step := range []func(context.Context) error{s.orders, s.payments, s.deadLetters, s.hostile, s.bucket} {
		if err := step(ctx); err != nil {
			return err
		}
	}
	if opts.BigTopic > 0 {
		return s.bench(ctx, opts.BigTopic)
	}
	return nil
}

func (s *natsSeeder) stream(ctx context.Context, name string, subjects ...string) error {
	_, err := s.js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: subjects, Storage: jetstream.FileStorage})
	return err
}

func order(n int) []byte {
	return fmt.Appendf(nil, `{"order_id":"ord-%05d","customer":"cust-%03d","amount_cents":%d,"currency":"EUR"}`,
		n, n%97, 500+n*37%20000)
}

// publishAll stores msgs and waits for every acknowledgement.
func publishAll(ctx context.Context, js jetstream.JetStream, msgs []*nats.Msg) error {
	futures := make([]jetstream.PubAckFuture, 0, len(msgs))
	for _, m := range msgs {
		f, err := js.PublishMsgAsync(m)
		if err != nil {
			return err
		}
		futures = append(futures, f)
	}
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func msg(subject string, body []byte, headers ...string) *nats.Msg {
	m := nats.NewMsg(subject)
	m.Data = body
	for i := 0; i+1 < len(headers); i += 2 {
		m.Header.Add(headers[i], headers[i+1])
	}
	return m
}

// orders: 500 orders; billing has acknowledged 380 (120 to do), fulfilment is caught up, and analytics
// holds 25 delivered and unacknowledged after acknowledging 450 (50 to do).
func (s *natsSeeder) orders(ctx context.Context) error {
	const n = 500
	if err := s.stream(ctx, NATSOrders, "demo.orders.>"); err != nil {
		return err
	}
	msgs := make([]*nats.Msg, n)
	for i := range msgs {
		subject := "demo.orders.created"
		if i%5 == 4 {
			subject = "demo.orders.paid"
		}
		msgs[i] = msg(subject, order(i), "content-type", "application/json", "trace-id", "tr-"+strconv.Itoa(i*7919))
	}
	if err := publishAll(ctx, s.js, msgs); err != nil {
		return err
	}
	for name, start := range map[string]uint64{"billing": 381, "fulfilment": n + 1, "analytics": 451} {
		if _, err := s.js.CreateConsumer(ctx, NATSOrders, jetstream.ConsumerConfig{Durable: name,
			AckPolicy: jetstream.AckExplicitPolicy, DeliverPolicy: jetstream.DeliverByStartSequencePolicy,
			OptStartSeq: start, AckWait: time.Hour}); err != nil {
			return err
		}
	}
	c, err := s.js.Consumer(ctx, NATSOrders, "analytics")
	if err != nil {
		return err
	}
	batch, err := c.Fetch(25, jetstream.FetchMaxWait(2*time.Second))
	if err != nil {
		return err
	}
	for range batch.Messages() { // held, unacknowledged
	}
	s.seeded.Orders = n
	s.seeded.Lag = map[string]int{"billing": 120, "fulfilment": 0, "analytics": 50}
	return nil
}

// payments: 200 payments, five of them suspect; the fraud-check consumer (suspect ones only, one
// delivery each) terminates three and lets two run past their acknowledgement wait, so the server sends
// three terminated and two max-deliveries advisories, which DEMO_ADVISORIES keeps.
func (s *natsSeeder) payments(ctx context.Context) error {
	const n, suspect = 200, 5
	if err := s.stream(ctx, NATSPayments, "demo.payments.>"); err != nil {
		return err
	}
	if err := s.stream(ctx, NATSAdvisories, "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES."+NATSPayments+".*",
		"$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED."+NATSPayments+".*"); err != nil {
		return err
	}
	msgs := make([]*nats.Msg, n)
	for i := range msgs {
		subject := "demo.payments.captured"
		if i%40 == 7 {
			subject = "demo.payments.suspect"
		}
		msgs[i] = msg(subject, fmt.Appendf(nil, `{"payment_id":"pay-%04d","order_id":"ord-%05d"}`, i, i))
	}
	if err := publishAll(ctx, s.js, msgs); err != nil {
		return err
	}
	c, err := s.js.CreateConsumer(ctx, NATSPayments, jetstream.ConsumerConfig{Durable: "fraud-check",
		AckPolicy: jetstream.AckExplicitPolicy, FilterSubject: "demo.payments.suspect", MaxDeliver: 1,
		AckWait: time.Second})
	if err != nil {
		return err
	}
	batch, err := c.Fetch(suspect, jetstream.FetchMaxWait(2*time.Second))
	if err != nil {
		return err
	}
	i := 0
	for m := range batch.Messages() {
		if i < 3 {
			m.Term()
		} // the other two are never acknowledged
		i++
	}
	s.seeded.Payments, s.seeded.Gave = n, suspect
	// The server gives up on a message when it would deliver it again: on a pull after its ack wait.
	return waitFor(ctx, func() bool {
		if b, err := c.Fetch(1, jetstream.FetchMaxWait(300*time.Millisecond)); err == nil {
			for range b.Messages() {
			}
		}
		st, err := s.js.Stream(ctx, NATSAdvisories)
		return err == nil && st.CachedInfo().State.Msgs >= suspect
	})
}

func waitFor(ctx context.Context, cond func() bool) error {
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			return errors.New("the server did not send the advisories in 10 s")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil
}

// deadLetters: DEMO_DLQ holds what applications republished on failure, with Nats-Stream, Nats-Subject
// and Nats-Sequence naming where each came from: 12 orders and 8 payments, and one letter naming nothing.
func (s *natsSeeder) deadLetters(ctx context.Context) error {
	if err := s.stream(ctx, NATSDLQ, "demo.dlq.>"); err != nil {
		return err
	}
	var msgs []*nats.Msg
	for i := range 12 {
		msgs = append(msgs, msg("demo.dlq.orders", order(i*11), "Nats-Stream", NATSOrders, "Nats-Subject",
			"demo.orders.created", "Nats-Sequence", strconv.Itoa(i*11+1), "error", "inventory service timed out"))
	}
	for i := range 8 {
		msgs = append(msgs, msg("demo.dlq.payments", fmt.Appendf(nil, `{"payment_id":"pay-%04d"}`, 100+i),
			"Nats-Stream", NATSPayments, "Nats-Subject", "demo.payments.captured", "Nats-Sequence", strconv.Itoa(101+i),
			"error", "card declined: insufficient funds"))
	}
	msgs = append(msgs, msg("demo.dlq.unknown", []byte(`{"note":"who sent this?"}`), "error", "unparseable"))
	s.seeded.Letters = map[string]int{NATSOrders: 12, NATSPayments: 8}
	s.seeded.NoOrigin = 1
	return publishAll(ctx, s.js, msgs)
}

// hostile: what a terminal must never see raw.
func (s *natsSeeder) hostile(ctx context.Context) error {
	if err := s.stream(ctx, NATSHostile, "demo.hostile.>"); err != nil {
		return err
	}
	return publishAll(ctx, s.js, []*nats.Msg{
		msg("demo.hostile.ansi", []byte("\x1b[2J\x1b[31mred alert\x1b[0m \x1b]0;owned\x07"), "x-note", "\x1b[5mblink\x1b[0m"),
		msg("demo.hostile.bidi", []byte("invoice \u202eexe.pdf\u202c total"), "x-name", "\u202egnp.exe"),
		msg("demo.hostile.binary", []byte{0x00, 0xff, 0x1b, 0x9b, 0x07, 0x08, 'o', 'k', 0xc3, 0x28}),
	})
}

func (s *natsSeeder) bucket(ctx context.Context) error {
	kv, err := s.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: NATSBucket, Storage: jetstream.FileStorage})
	if err != nil {
		return err
	}
	_, err = kv.PutString(ctx, "feature.checkout-v2", "on")
	return err
}

// benchFlight is how many benchmark messages are in flight, unacknowledged, at once.
const benchFlight = 10_000

// bench: n small messages in DEMO_BENCH, published in flights.
func (s *natsSeeder) bench(ctx context.Context, n int) error {
	if _, err := s.js.CreateStream(ctx, jetstream.StreamConfig{Name: NATSBench, Subjects: []string{"demo.bench"},
		Storage: jetstream.FileStorage}); err != nil {
		return err
	}
	for start := 0; start < n; start += benchFlight {
		msgs := make([]*nats.Msg, 0, benchFlight)
		for i := start; i < min(start+benchFlight, n); i++ {
			msgs = append(msgs, msg("demo.bench", fmt.Appendf(nil, `{"seq":%d,"v":"bench"}`, i)))
		}
		if err := publishAll(ctx, s.js, msgs); err != nil {
			return err
		}
	}
	return nil
}
