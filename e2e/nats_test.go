package e2e

// End-to-end tests of mqscope on the real NATS server with JetStream named by MQSCOPE_TEST_NATS.

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/demo"
	"github.com/mqscope/mqscope/internal/testkit/natsfix"
)

// natsWork seeds a stream taking <stream>.> with n messages on <stream>.orders, and a durable pull
// consumer that starts after `done` of them and holds the next `held` delivered, unacknowledged.
func natsWork(t *testing.T, s *natsfix.Server, n, done, held int) (stream, consumer string) {
	t.Helper()
	stream, consumer = natsfix.Unique("orders"), natsfix.Unique("billing")
	s.Stream(t, stream, stream+".>")
	for i := range n {
		s.Publish(t, stream+".orders", fmt.Appendf(nil, `{"order":%d}`, i), nats.Header{"kind": {"order"}})
	}
	s.Consumer(t, stream, consumer, uint64(done)+1)
	if held > 0 {
		c, err := s.JS.Consumer(context.Background(), stream, consumer)
		if err != nil {
			t.Fatal(err)
		}
		batch, err := c.Fetch(held, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for range batch.Messages() {
		}
	}
	return stream, consumer
}

// natsState is everything a reader could change: the stream's counts and the consumer's positions.
func natsState(t *testing.T, s *natsfix.Server, stream, consumer string) string {
	t.Helper()
	st, err := s.JS.Stream(context.Background(), stream)
	if err != nil {
		t.Fatal(err)
	}
	ss := st.CachedInfo().State
	ci := s.Info(t, stream, consumer)
	ci.Delivered.Last, ci.AckFloor.Last = nil, nil
	return fmt.Sprintf("stream msgs %d first %d last %d consumers %d\nconsumer delivered %+v ack floor %+v "+
		"pending %d ack pending %d redelivered %d waiting %d", ss.Msgs, ss.FirstSeq, ss.LastSeq, ss.Consumers,
		ci.Delivered, ci.AckFloor, ci.NumPending, ci.NumAckPending, ci.NumRedelivered, ci.NumWaiting)
}

func TestNATSListsStreamsConsumersAndExactLag(t *testing.T) {
	t.Parallel()
	s := natsfix.New(t)
	stream, consumer := natsWork(t, s, 10, 4, 1)
	kv := "mqscope_e2e_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if _, err := s.JS.CreateKeyValue(context.Background(), jetstream.KeyValueConfig{Bucket: kv,
		Storage: jetstream.MemoryStorage}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.JS.DeleteKeyValue(context.Background(), kv) })

	ls := byName(jsonLines(t, mqscope(t, "--nats", s.URL, "ls", "-o", "json").stdout), "name")
	if d := ls[stream]; d == nil || d["kind"] != "stream" || d["messages"] != 10.0 || d["consumers"] != 1.0 ||
		d["type"] != "limits/memory" {
		t.Errorf("ls: %s is %v", stream, d)
	}
	if ls["KV_"+kv] != nil {
		t.Errorf("ls lists the key-value bucket %s without --all", kv)
	}
	if all := byName(jsonLines(t, mqscope(t, "--nats", s.URL, "ls", "--all", "-o", "json").stdout), "name"); all["KV_"+kv] == nil ||
		all["KV_"+kv]["internal"] != true {
		t.Errorf("ls --all: the bucket's stream KV_%s is %v", kv, all["KV_"+kv])
	}

	r := mqscope(t, "--nats", s.URL, "groups", "-o", "json")
	g := byName(jsonLines(t, r.stdout), "group")[consumer]
	if g == nil || g["state"] != "Empty" || g["members"] != 0.0 || !slices.Equal(g["topics"].([]any), []any{stream}) {
		t.Errorf("groups: %s is %v\n%s", consumer, g, r.stdout)
	}

	r = mqscope(t, "--nats", s.URL, "lag", consumer, "-o", "json")
	lines := jsonLines(t, r.stdout)
	if r.code != 0 || len(lines) != 1 {
		t.Fatalf("lag: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	part := lines[0]["partitions"].([]any)[0].(map[string]any)
	// Four acknowledged (skipped), one delivered and not acknowledged, five not delivered: six to do.
	if part["lag"] != 6.0 || part["committed"] != 4.0 || part["end"] != 10.0 || part["topic"] != stream {
		t.Fatalf("lag of %s: %v", consumer, part)
	}
	if d, _ := part["deliveries"].(map[string]any); d == nil || d["pending"] != 5.0 || d["unacked"] != 1.0 ||
		d["redelivered"] != 0.0 || d["delivered"] != 5.0 {
		t.Errorf("lag of %s: deliveries %v, want 5 pending, 1 unacked, delivered up to 5", consumer, part["deliveries"])
	}
	// Exact: the age, at the snapshot's time, of the first message after the ack floor (sequence 5).
	at, err := time.Parse(time.RFC3339Nano, lines[0]["at"].(string))
	if err != nil {
		t.Fatal(err)
	}
	st, _ := s.JS.Stream(context.Background(), stream)
	fifth, err := st.GetMsg(context.Background(), 5)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := part["lag_seconds"].(float64), at.Sub(fifth.Time).Seconds(); math.Abs(got-want) > 0.002 {
		t.Errorf("lag_seconds = %v, want %v: the age of message 5 at %v", got, want, at)
	}
}

func TestNATSPeekMovesNothing(t *testing.T) {
	t.Parallel()
	s := natsfix.New(t)
	stream, consumer := natsWork(t, s, 8, 3, 2)
	before := natsState(t, s, stream, consumer)
	for _, c := range []struct {
		args []string
		want int
	}{{nil, 8}, {[]string{"--from", "@-15m"}, 8}, {[]string{"--from", "-3"}, 3}, {[]string{"--from", "2", "-n", "2"}, 2}} {
		r := mqscope(t, append([]string{"--nats", s.URL, "peek", stream, "-o", "json"}, c.args...)...)
		msgs := records(t, r.stdout)
		if r.code != 0 || len(msgs) != c.want {
			t.Fatalf("peek %v: exit %d, %d messages, want %d\n%s", c.args, r.code, len(msgs), c.want, r.stderr)
		}
		last := msgs[len(msgs)-1]
		if h, ok := last.HeaderValue("kind"); !ok || string(h.Value) != "order" || string(last.Key) != stream+".orders" {
			t.Errorf("peek %v: %+v", c.args, last)
		}
		if wantLast := map[int]int64{8: 7, 3: 7, 2: 3}[c.want]; last.Offset != wantLast {
			t.Errorf("peek %v ends at offset %d, want %d", c.args, last.Offset, wantLast)
		}
	}
	if after := natsState(t, s, stream, consumer); after != before {
		t.Errorf("peeks changed the stream or its consumer:\nbefore %s\nafter  %s", before, after)
	}
}

func TestNATSPublishReplayResetPurge(t *testing.T) {
	t.Parallel()
	s := natsfix.New(t)
	stream, consumer := natsWork(t, s, 5, 5, 0)
	copyTo := natsfix.Unique("copy")
	s.Stream(t, copyTo, copyTo+".>")

	for range 2 { // the same Nats-Msg-Id twice: the server keeps one
		r := mqscope(t, "--nats", s.URL, "publish", stream+".test", "-H", "kind=test", "-H", "Nats-Msg-Id=once",
			"--body", "hello")
		if r.code != 0 {
			t.Fatalf("publish: exit %d %s", r.code, r.stderr)
		}
	}
	msgs := s.Messages(t, stream)
	if last := msgs[len(msgs)-1]; len(msgs) != 6 || string(last.Data) != "hello" || last.Header.Get("kind") != "test" ||
		last.Subject != stream+".test" {
		t.Fatalf("after publishing twice with one Nats-Msg-Id the stream holds %d, ending %+v", len(msgs), last)
	}
	if r := mqscope(t, "--nats", s.URL, "publish", natsfix.Unique("nowhere"), "--body", "x"); r.code == 0 ||
		!strings.Contains(r.stderr, "no stream takes subject") {
		t.Errorf("publish to a subject no stream takes: exit %d %s", r.code, r.stderr)
	}

	// A replay to another stream keeps subjects where that stream takes them... here it does not, so the
	// target is a subject of its own.
	r := mqscope(t, "--nats", s.URL, "replay", stream, "--to", copyTo+".replayed", "-n", "3")
	copied := s.Messages(t, copyTo)
	if r.code != 0 || len(copied) != 3 || string(copied[2].Data) != `{"order":2}` || copied[2].Header.Get("kind") != "order" {
		t.Fatalf("replay: exit %d %s; copy holds %d", r.code, r.stderr, len(copied))
	}

	r = mqscope(t, "--nats", s.URL, "reset-offsets", consumer, "--topic", stream, "--to", "earliest")
	if ci := s.Info(t, stream, consumer); r.code != 0 || ci.Delivered.Stream != 5 || ci.NumPending != 1 {
		t.Fatalf("dry run: exit %d %s; consumer %+v", r.code, r.stderr, ci)
	}
	leave := s.Join(t, stream, consumer)
	r = mqscope(t, "--nats", s.URL, "reset-offsets", consumer, "--topic", stream, "--to", "earliest", "--execute")
	if r.code == 0 || !strings.Contains(r.stderr, "is Active with 1 member") {
		t.Errorf("reset while a client reads: exit %d %s", r.code, r.stderr)
	}
	leave()
	waitIdle(t, s, stream, consumer)
	r = mqscope(t, "--nats", s.URL, "reset-offsets", consumer, "--topic", stream, "--to", "earliest", "--execute")
	if ci := s.Info(t, stream, consumer); r.code != 0 || ci.NumPending != 6 || ci.NumAckPending != 0 ||
		ci.Delivered.Stream != 0 {
		t.Fatalf("reset: exit %d %s; consumer %+v", r.code, r.stderr, ci)
	}

	r = mqscope(t, "--nats", s.URL, "purge", stream, "--before", "2", "--yes")
	if left := s.Messages(t, stream); r.code != 0 || len(left) != 4 || left[0].Sequence != 3 {
		t.Fatalf("purge --before 2: exit %d %s %s; %d left", r.code, r.stdout, r.stderr, len(left))
	}
	// By subject, keeping the newest: of the 3 copies, 2 go; then every copy; a Kafka-only flag is refused.
	if r := mqscope(t, "--nats", s.URL, "purge", copyTo, "--subject", copyTo+".>", "--keep", "1"); r.code != 2 ||
		!strings.Contains(r.stderr, "would remove 2 messages") || len(s.Messages(t, copyTo)) != 3 {
		t.Fatalf("purge --subject --keep without --yes: exit %d %s", r.code, r.stderr)
	}
	r = mqscope(t, "--nats", s.URL, "purge", copyTo, "--subject", copyTo+".>", "--keep", "1", "--yes")
	if left := s.Messages(t, copyTo); r.code != 0 || len(left) != 1 || string(left[0].Data) != `{"order":2}` {
		t.Fatalf("purge --subject --keep 1: exit %d %s; %d left", r.code, r.stderr, len(left))
	}
	r = mqscope(t, "--nats", s.URL, "purge", copyTo, "--yes")
	if left := s.Messages(t, copyTo); r.code != 0 || len(left) != 0 {
		t.Fatalf("purge: exit %d %s %s; %d left", r.code, r.stdout, r.stderr, len(left))
	}
	if r := mqscope(t, "--nats", s.URL, "purge", copyTo, "--keep", "1", "--before", "3", "--yes"); r.code != 2 {
		t.Errorf("purge --keep with --before: exit %d %s", r.code, r.stderr)
	}
}

// waitIdle waits until the server no longer counts a pull request of a client that left.
func waitIdle(t *testing.T, s *natsfix.Server, stream, consumer string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.Info(t, stream, consumer).NumWaiting > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the server still counts a waiting pull request 10 s after its client left")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestNATSRedriveKilledHalfway: a redrive killed with SIGKILL in the middle loses no letter (those
// published but not yet removed are in both places), and run again puts every letter home exactly once:
// the second run's publishes of those carry the same Nats-Msg-Id, which the server drops as duplicates.
func TestNATSRedriveKilledHalfway(t *testing.T) {
	t.Parallel()
	s := natsfix.New(t)
	dlq := natsfix.Unique("dead")
	origins := []string{natsfix.Unique("orders"), natsfix.Unique("payments")}
	for _, o := range origins {
		s.Stream(t, o, o+".>")
	}
	s.Stream(t, dlq)
	const n = 5_000 // ten flights of 512: the kill comes a quarter of the way through
	futures := make([]jetstream.PubAckFuture, 0, n)
	for i := range n {
		o := origins[i%2]
		m := nats.NewMsg(dlq)
		m.Data = fmt.Appendf(nil, "letter %05d", i)
		m.Header.Set("Nats-Stream", o)
		m.Header.Set("Nats-Subject", o+".created")
		m.Header.Set("Nats-Sequence", strconv.Itoa(i+1))
		f, err := s.JS.PublishMsgAsync(m)
		if err != nil {
			t.Fatal(err)
		}
		futures = append(futures, f)
	}
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			t.Fatal(err)
		}
	}

	cmd, _, stderr := mqscopeProcess(t, "--nats", s.URL, "redrive", dlq)
	dlqLen := func() uint64 {
		st, err := s.JS.Stream(context.Background(), dlq)
		if err != nil {
			t.Fatal(err)
		}
		return st.CachedInfo().State.Msgs
	}
	deadline := time.Now().Add(60 * time.Second)
	for dlqLen() > n*3/4 {
		if time.Now().After(deadline) {
			t.Fatalf("the redrive moved %d letters in 60 s: %s", n-dlqLen(), stderr)
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	left := dlqLen()
	if left == 0 || left == n {
		t.Fatalf("killed with %d of %d letters left; want it stopped halfway", left, n)
	}
	twice := checkNATSLetters(t, s, dlq, origins, n, "after SIGKILL")
	if twice > 2*512 {
		t.Errorf("after SIGKILL %d letters are in two places; want at most the flight under way", twice)
	}

	r := mqscope(t, "--nats", s.URL, "redrive", dlq)
	if r.code != 0 {
		t.Fatalf("the second redrive: exit %d %s", r.code, r.stderr)
	}
	if left := dlqLen(); left != 0 {
		t.Errorf("%d letters left after the second redrive", left)
	}
	if twice := checkNATSLetters(t, s, dlq, origins, n, "after the second run"); twice != 0 {
		t.Errorf("after the second run %d letters are in two places", twice)
	}
	for _, o := range origins {
		for _, m := range s.Messages(t, o)[:3] {
			if m.Subject != o+".created" || m.Header.Get("Nats-Stream") != "" || !strings.HasPrefix(m.Header.Get("Nats-Msg-Id"), "mqscope-redrive:"+o+":") {
				t.Errorf("a letter came home as %s %v", m.Subject, m.Header)
			}
		}
	}
}

// checkNATSLetters: every letter is home at most once, and each one not home is still a dead letter. It
// returns how many are in both places.
func checkNATSLetters(t *testing.T, s *natsfix.Server, dlq string, origins []string, n int, when string) int {
	t.Helper()
	home, dead := make([]int, n), make([]int, n)
	count := func(stream string, seen []int, want func(i int) bool) {
		for _, m := range s.Messages(t, stream) {
			i, err := strconv.Atoi(strings.TrimPrefix(string(m.Data), "letter "))
			if err != nil || !want(i) {
				t.Fatalf("%s: %s holds %q", when, stream, m.Data)
			}
			seen[i]++
		}
	}
	count(dlq, dead, func(int) bool { return true })
	for k, o := range origins {
		count(o, home, func(i int) bool { return i%2 == k })
	}
	twice := 0
	for i := range n {
		switch {
		case home[i] > 1 || dead[i] > 1 || home[i]+dead[i] == 0:
			t.Errorf("%s: letter %05d is home %d times and dead %d times", when, i, home[i], dead[i])
		case home[i] == 1 && dead[i] == 1:
			twice++
		}
	}
	return twice
}

// TestNATSRedriveAdvisories: a dead-letter stream that keeps JetStream's max-deliveries and terminated
// advisories is redriven by sending each message the advisories name, read by sequence from its stream,
// back to its subject, where its consumer gets it again.
func TestNATSRedriveAdvisories(t *testing.T) {
	t.Parallel()
	s := natsfix.New(t)
	stream, _ := natsWork(t, s, 3, 0, 0)
	dlq, consumer := natsfix.Unique("advisories"), natsfix.Unique("worker")
	s.Stream(t, dlq, "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES."+stream+".*",
		"$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED."+stream+".*")
	c, err := s.JS.CreateConsumer(context.Background(), stream, jetstream.ConsumerConfig{Durable: consumer,
		AckPolicy: jetstream.AckExplicitPolicy, MaxDeliver: 1, AckWait: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := c.Fetch(3, jetstream.FetchMaxWait(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	for m := range batch.Messages() {
		if i == 0 {
			m.Term() // terminated
		} else if i == 1 {
			m.Ack()
		} // the third is never acknowledged: with MaxDeliver 1 it will not come again
		i++
	}
	// The server gives up on the third when it would deliver it again: on a pull after its ack wait.
	deadline := time.Now().Add(20 * time.Second)
	for len(s.Messages(t, dlq)) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the server sent %d advisories in 20 s, want 2", len(s.Messages(t, dlq)))
		}
		if b, err := c.Fetch(1, jetstream.FetchMaxWait(500*time.Millisecond)); err == nil {
			for range b.Messages() {
			}
		}
	}

	r := mqscope(t, "--nats", s.URL, "redrive", dlq)
	if r.code != 0 {
		t.Fatalf("redrive: exit %d %s%s", r.code, r.stdout, r.stderr)
	}
	if left := s.Messages(t, dlq); len(left) != 0 {
		t.Errorf("%d advisories left after the redrive", len(left))
	}
	msgs := s.Messages(t, stream)
	var back []string
	for _, m := range msgs[3:] {
		back = append(back, string(m.Data))
		if m.Subject != stream+".orders" || m.Header.Get("kind") != "order" {
			t.Errorf("a message came back as %s %v", m.Subject, m.Header)
		}
	}
	if slices.Sort(back); !slices.Equal(back, []string{`{"order":0}`, `{"order":2}`}) {
		t.Errorf("the redrive sent back %q, want orders 0 (terminated) and 2 (past max deliveries)", back)
	}
}

// TestNATSDemoIsWhatItSeeded: the embedded NATS demo lists, lags and redrives exactly as it was seeded,
// and its hostile messages reach the terminal escaped.
func TestNATSDemoIsWhatItSeeded(t *testing.T) {
	t.Parallel()
	d, err := demo.StartNATS(context.Background(), demo.Options{Still: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	url, seeded := d.Bootstrap()[0], d.Seeded()

	ls := byName(jsonLines(t, mqscope(t, "--nats", url, "ls", "-o", "json").stdout), "name")
	if ls[demo.NATSOrders]["messages"] != float64(seeded.Orders) || ls[demo.NATSPayments]["messages"] != float64(seeded.Payments) ||
		ls[demo.NATSAdvisories]["messages"] != float64(seeded.Gave) || ls["KV_"+demo.NATSBucket] != nil {
		t.Errorf("ls: %v", ls)
	}
	lag := byName(jsonLines(t, mqscope(t, "--nats", url, "lag", "-o", "json").stdout), "group")
	for name, want := range seeded.Lag {
		if g := lag[name]; g == nil || g["lag"] != float64(want) {
			t.Errorf("lag of %s: %v, want %d", name, g, want)
		}
	}
	if r := mqscope(t, "--nats", url, "peek", demo.NATSHostile); r.code != 0 || strings.ContainsAny(r.stdout, "\x1b\u202e\x07") {
		t.Errorf("peek of the hostile stream: exit %d, raw escapes in %q", r.code, r.stdout)
	}

	r := mqscope(t, "--nats", url, "redrive", demo.NATSDLQ)
	if !strings.Contains(r.stderr, "moved 20 letters") || !strings.Contains(r.stderr, "1 kept") {
		t.Errorf("redrive of the dead-letter stream: exit %d %s%s", r.code, r.stdout, r.stderr)
	}
	r = mqscope(t, "--nats", url, "redrive", demo.NATSAdvisories)
	ls = byName(jsonLines(t, mqscope(t, "--nats", url, "ls", "-o", "json").stdout), "name")
	if r.code != 0 || ls[demo.NATSAdvisories]["messages"] != 0.0 ||
		ls[demo.NATSPayments]["messages"] != float64(seeded.Payments+seeded.Gave+seeded.Letters[demo.NATSPayments]) {
		t.Errorf("redrive of the advisories: exit %d %s; then ls: %v %v", r.code, r.stderr, ls[demo.NATSAdvisories], ls[demo.NATSPayments])
	}
}

// TestNATSWorkQueueStreams: a work-queue stream takes no consumer that acknowledges nothing, nor a second
// one beside its worker's, and a consumer's acknowledgement removes a message from it: peek reads it by
// sequence, removing and moving nothing, and a redrive of a work-queue dead-letter stream works the same.
func TestNATSWorkQueueStreams(t *testing.T) {
	t.Parallel()
	s := natsfix.New(t)
	jobs, dlq, worker := natsfix.Unique("jobs"), natsfix.Unique("jobs-dlq"), natsfix.Unique("worker")
	for _, name := range []string{jobs, dlq} {
		s.StreamWith(t, jetstream.StreamConfig{Name: name, Retention: jetstream.WorkQueuePolicy,
			Storage: jetstream.MemoryStorage})
	}
	s.Consumer(t, jobs, worker, 0, func(c *jetstream.ConsumerConfig) { c.DeliverPolicy, c.OptStartSeq = jetstream.DeliverAllPolicy, 0 })
	for i := range 6 {
		s.Publish(t, jobs, fmt.Appendf(nil, "job %d", i), nil)
		s.Publish(t, dlq, fmt.Appendf(nil, "failed job %d", i), nats.Header{"Nats-Stream": {jobs},
			"Nats-Subject": {jobs}, "Nats-Sequence": {strconv.Itoa(100 + i)}})
	}
	before := natsState(t, s, jobs, worker)
	for from, want := range map[string]int{"earliest": 6, "@-1h": 6, "-2": 2, "4": 2} {
		r := mqscope(t, "--nats", s.URL, "peek", jobs, "-o", "json", "--from", from)
		if msgs := records(t, r.stdout); r.code != 0 || len(msgs) != want || string(msgs[len(msgs)-1].Body) != "job 5" {
			t.Errorf("peek --from %s of a work-queue stream: exit %d, %d messages, want %d %s", from, r.code, len(msgs),
				want, r.stderr)
		}
	}
	if after := natsState(t, s, jobs, worker); after != before {
		t.Errorf("peeks changed the work-queue stream:\nbefore %s\nafter  %s", before, after)
	}
	r := mqscope(t, "--nats", s.URL, "redrive", dlq)
	if left := s.Messages(t, dlq); r.code != 0 || len(left) != 0 || len(s.Messages(t, jobs)) != 12 {
		t.Errorf("redrive of a work-queue dead-letter stream: exit %d %s; %d left", r.code, r.stderr, len(left))
	}
}
