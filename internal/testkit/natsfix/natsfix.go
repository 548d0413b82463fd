// Package natsfix is the one NATS fixture of mqscope's tests: the JetStream server named by
// MQSCOPE_TEST_NATS, reached with the plain nats.go client (never through the adapter under test).
// Streams a test makes have names of their own and are deleted when it ends; tests never assume the
// account is otherwise empty.
package natsfix

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/internal/testkit/testenv"
)

// Env names the variable that holds the URL of the test server; ./scripts/test.sh sets it.
const Env = "MQSCOPE_TEST_NATS"

// Server is a test's handle on the server.
type Server struct {
	URL string
	NC  *nats.Conn
	JS  jetstream.JetStream
}

// URL is the URL of the test server, from MQSCOPE_TEST_NATS.
func URL(t testing.TB) string {
	return testenv.URL(t, Env, "a NATS server with JetStream", "nats://127.0.0.1:4222")
}

// New connects to the test server; the connection closes when t ends.
func New(t testing.TB) *Server {
	t.Helper()
	return Connect(t, URL(t))
}

// Connect connects to the server at url (an embedded one, say); the connection closes when t ends.
func Connect(t testing.TB, url string) *Server {
	t.Helper()
	nc, err := nats.Connect(url, nats.Name("mqscope-test"))
	if err != nil {
		t.Fatalf("natsfix: connect %s: %v", url, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("natsfix: %v", err)
	}
	t.Cleanup(nc.Close)
	return &Server{URL: url, NC: nc, JS: js}
}

// Unique makes a stream or consumer name no other test or run uses.
func Unique(base string) string {
	return testenv.Unique("mqscope-test-", base)
}

func ctx(t testing.TB) context.Context { return testenv.Context(t, 20*time.Second) }

// Stream makes a stream (memory storage) taking subjects (its own name when none are given), deleted
// when t ends.
func (s *Server) Stream(t testing.TB, name string, subjects ...string) {
	t.Helper()
	s.StreamWith(t, jetstream.StreamConfig{Name: name, Subjects: subjects, Storage: jetstream.MemoryStorage})
}

// StreamWith makes a stream as cfg says (its own name for a subject when it names none), deleted when t
// ends.
func (s *Server) StreamWith(t testing.TB, cfg jetstream.StreamConfig) {
	t.Helper()
	if len(cfg.Subjects) == 0 {
		cfg.Subjects = []string{cfg.Name}
	}
	if _, err := s.JS.CreateStream(ctx(t), cfg); err != nil {
		t.Fatalf("natsfix: create stream %s: %v", cfg.Name, err)
	}
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.JS.DeleteStream(c, cfg.Name); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			t.Logf("natsfix: delete stream %s: %v", cfg.Name, err)
		}
	})
}

// Publish stores one message on subject and returns its stream sequence.
func (s *Server) Publish(t testing.TB, subject string, body []byte, headers nats.Header) uint64 {
	t.Helper()
	m := nats.NewMsg(subject)
	m.Data = body
	for k, vs := range headers {
		for _, v := range vs {
			m.Header.Add(k, v)
		}
	}
	ack, err := s.JS.PublishMsg(ctx(t), m)
	if err != nil {
		t.Fatalf("natsfix: publish to %s: %v", subject, err)
	}
	return ack.Sequence
}

// Msg is one stored message.
type Msg struct {
	Sequence uint64
	Subject  string
	Header   nats.Header
	Data     []byte
	Time     time.Time
}

// Messages returns every message the stream holds now, in order, read with an ordered consumer of the
// plain client (ephemeral, acknowledging nothing).
func (s *Server) Messages(t testing.TB, stream string) []Msg {
	t.Helper()
	st, err := s.JS.Stream(ctx(t), stream)
	if err != nil {
		t.Fatalf("natsfix: stream %s: %v", stream, err)
	}
	state := st.CachedInfo().State
	if state.Msgs == 0 {
		return nil
	}
	if st.CachedInfo().Config.Retention == jetstream.WorkQueuePolicy {
		return bySequence(t, st) // a work-queue stream takes no consumer that acknowledges nothing
	}
	c, err := st.OrderedConsumer(ctx(t), jetstream.OrderedConsumerConfig{InactiveThreshold: 10 * time.Second})
	if err != nil {
		t.Fatalf("natsfix: read %s: %v", stream, err)
	}
	out := make([]Msg, 0, state.Msgs)
	for {
		batch, err := c.Fetch(1000, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			t.Fatalf("natsfix: read %s: %v", stream, err)
		}
		for m := range batch.Messages() {
			meta, err := m.Metadata()
			if err != nil {
				t.Fatalf("natsfix: read %s: %v", stream, err)
			}
			out = append(out, Msg{Sequence: meta.Sequence.Stream, Subject: m.Subject(), Header: m.Headers(),
				Data: m.Data(), Time: meta.Timestamp})
			if meta.NumPending == 0 || meta.Sequence.Stream >= state.LastSeq {
				return out
			}
		}
		if err := batch.Error(); err != nil {
			t.Fatalf("natsfix: read %s: %v", stream, err)
		}
	}
}

// bySequence reads every message of a stream one by one by sequence.
func bySequence(t testing.TB, st jetstream.Stream) []Msg {
	t.Helper()
	var out []Msg
	for seq := uint64(1); ; {
		m, err := st.GetMsg(ctx(t), seq, jetstream.WithGetMsgSubject(">"))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return out
		}
		if err != nil {
			t.Fatalf("natsfix: read #%d: %v", seq, err)
		}
		out = append(out, Msg{Sequence: m.Sequence, Subject: m.Subject, Header: m.Header, Data: m.Data, Time: m.Time})
		seq = m.Sequence + 1
	}
}

// Consumer makes a durable pull consumer that acknowledges explicitly and has acknowledged every message
// before stream sequence start (it starts there).
func (s *Server) Consumer(t testing.TB, stream, name string, start uint64, more ...func(*jetstream.ConsumerConfig)) {
	t.Helper()
	cfg := jetstream.ConsumerConfig{Durable: name, AckPolicy: jetstream.AckExplicitPolicy,
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: max(start, 1)}
	for _, f := range more {
		f(&cfg)
	}
	if _, err := s.JS.CreateConsumer(ctx(t), stream, cfg); err != nil {
		t.Fatalf("natsfix: create consumer %s on %s: %v", name, stream, err)
	}
}

// Info reads a consumer's info.
func (s *Server) Info(t testing.TB, stream, name string) *jetstream.ConsumerInfo {
	t.Helper()
	c, err := s.JS.Consumer(ctx(t), stream, name)
	if err != nil {
		t.Fatalf("natsfix: consumer %s on %s: %v", name, stream, err)
	}
	return c.CachedInfo()
}

// Join reads from a pull consumer without acknowledging, one pull request always waiting, until leave is
// called or t ends. It returns once the server sees the request waiting with nothing left to deliver.
func (s *Server) Join(t testing.TB, stream, name string) (leave func()) {
	t.Helper()
	c, err := s.JS.Consumer(ctx(t), stream, name)
	if err != nil {
		t.Fatalf("natsfix: consumer %s on %s: %v", name, stream, err)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			batch, err := c.Fetch(1, jetstream.FetchMaxWait(2*time.Second))
			if err != nil {
				return
			}
			for range batch.Messages() {
			}
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ci := s.Info(t, stream, name)
		if ci.NumWaiting == 1 && ci.NumPending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("natsfix: joined %s but the server sees %d waiting, %d pending", name, ci.NumWaiting, ci.NumPending)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var once atomic.Bool
	leave = func() {
		if once.CompareAndSwap(false, true) {
			close(stop)
			<-done
		}
	}
	t.Cleanup(leave)
	return leave
}

// Embedded starts a NATS server with JetStream inside the test (the version this module builds with,
// newer than the machine's), on 127.0.0.1 and a free port, stopped when t ends.
func Embedded(t testing.TB) *Server {
	t.Helper()
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, JetStream: true,
		StoreDir: t.TempDir(), NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatalf("natsfix: embedded server: %v", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("natsfix: the embedded server did not start in 10 s")
	}
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	return Connect(t, srv.ClientURL())
}
