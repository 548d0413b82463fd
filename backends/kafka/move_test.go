package kafka

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/mqscope/mqscope/backends"
)

// byOrigin is the router a redrive uses when every letter names its origin: back to that topic, and to
// its partition when the headers name one.
func byOrigin(m backends.Message) (backends.Target, error) {
	if m.Origin == nil {
		return backends.Target{}, errors.New("its headers name no origin")
	}
	return backends.Target{Destination: m.Origin.Destination, Partition: m.Origin.Partition}, nil
}

func springLetter(dlt, origin string, partition int32, offset int64, body string) *kgo.Record {
	return &kgo.Record{Topic: dlt, Key: []byte("key-" + body), Value: []byte(body), Headers: []kgo.RecordHeader{
		{Key: "trace", Value: []byte{0, 1, 2}},
		{Key: "kafka_dlt-original-topic", Value: []byte(origin)},
		{Key: "kafka_dlt-original-partition", Value: binary.BigEndian.AppendUint32(nil, uint32(partition))},
		{Key: "kafka_dlt-original-offset", Value: binary.BigEndian.AppendUint64(nil, uint64(offset))},
	}}
}

func connectLetter(dlt, origin string, partition int32, body string) *kgo.Record {
	return &kgo.Record{Topic: dlt, Key: []byte("key-" + body), Value: []byte(body), Headers: []kgo.RecordHeader{
		{Key: "__connect.errors.topic", Value: []byte(origin)},
		{Key: "__connect.errors.partition", Value: []byte(strconv.Itoa(int(partition)))},
		{Key: "__connect.errors.offset", Value: []byte("7")},
	}}
}

// cloudStreamLetter names its origin topic but not the partition: it goes back by key.
func cloudStreamLetter(dlt, origin, body string) *kgo.Record {
	return &kgo.Record{Topic: dlt, Key: []byte("key-" + body), Value: []byte(body), Headers: []kgo.RecordHeader{
		{Key: "x-original-topic", Value: []byte(origin)},
	}}
}

// spread puts records round-robin over n partitions, in order.
func spread(recs []*kgo.Record, n int32) []*kgo.Record {
	for i, r := range recs {
		r.Partition = int32(i) % n
	}
	return recs
}

func runMove(t testing.TB, b *Backend, req backends.MoveRequest) (backends.MoveReport, []backends.MoveProgress) {
	t.Helper()
	var seen []backends.MoveProgress
	report, err := b.Move(testCtx(t), req, byOrigin, func(p backends.MoveProgress) { seen = append(seen, p) })
	if err != nil {
		t.Fatalf("Move(%+v): %v", req, err)
	}
	return report, seen
}

// committedLag is how far the redrive group's committed offsets are behind the ends of topic.
func committedLag(t testing.TB, adm *kadm.Client, topic string) int64 {
	t.Helper()
	ctx := testCtx(t)
	lag, err := adm.Lag(ctx, RedriveGroup(topic))
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, l := range lag[RedriveGroup(topic)].Lag[topic] {
		if l.Commit.At < 0 {
			t.Fatalf("partition %d of %s has no committed offset", l.Partition, topic)
		}
		total += l.Lag
	}
	return total
}

// Letters from three origins, named three ways, in one dead-letter topic each go back to their own
// origin and partition (by key where the headers name none); a letter with no origin is kept, one whose
// origin is gone fails, both named in the report; the group ends with no lag, and a second run moves
// nothing.
func TestMoveSendsEachLetterHome(t *testing.T) {
	c := newCluster(t)
	f := newFixture(t, c)
	f.createTopics(t, 6, nil, "orders")
	f.createTopics(t, 3, nil, "payments")
	f.createTopics(t, 4, nil, "shipments")
	f.createTopics(t, 3, nil, "mixed-dlt")
	var letters []*kgo.Record
	for i := range 30 {
		letters = append(letters, springLetter("mixed-dlt", "orders", int32(i%6), int64(i), fmt.Sprintf("order-%d", i)))
	}
	for i := range 20 {
		letters = append(letters, connectLetter("mixed-dlt", "payments", int32(2-i%3), fmt.Sprintf("payment-%d", i)))
	}
	for i := range 10 {
		letters = append(letters, cloudStreamLetter("mixed-dlt", "shipments", fmt.Sprintf("shipment-%d", i)))
	}
	letters = append(letters,
		&kgo.Record{Topic: "mixed-dlt", Value: []byte("orphan-1")}, &kgo.Record{Topic: "mixed-dlt", Value: []byte("orphan-2")},
		springLetter("mixed-dlt", "deleted-topic", 0, 0, "stray-1"), springLetter("mixed-dlt", "mixed-dlt", 0, 0, "loop-1"))
	produce(t, c, spread(letters, 3)...)
	b := open(t, c)

	report, seen := runMove(t, b, backends.MoveRequest{Source: "mixed-dlt"})
	if report.Moved != 60 || report.Kept != 2 || report.Failed != 2 {
		t.Errorf("report: moved %d, kept %d, failed %d; want 60, 2, 2", report.Moved, report.Kept, report.Failed)
	}
	if report.PerTarget["orders"] != 30 || report.PerTarget["payments"] != 20 || report.PerTarget["shipments"] != 10 {
		t.Errorf("per target = %v", report.PerTarget)
	}
	last := seen[len(seen)-1]
	if seen[0].Total != int64(len(letters)) || last.Moved != 60 || last.Kept != 2 || last.Failed != 2 {
		t.Errorf("progress went %+v … %+v; want a total of %d and the report's counts at the end", seen[0], last, len(letters))
	}
	checkFailures(t, report.Failures, letters)

	home := map[string]int32{} // body → partition it must be in
	for _, r := range letters {
		if o := backends.ParseOrigin(headersOf(r)); o != nil && o.Partition != nil {
			home[string(r.Value)] = *o.Partition
		}
	}
	for topic, n := range map[string]int{"orders": 30, "payments": 20, "shipments": 10} {
		recs := readCommitted(t, c, topic)
		if len(recs) != n {
			t.Errorf("%s holds %d records, want %d", topic, len(recs), n)
		}
		for _, r := range recs {
			want, pinned := home[string(r.Value)]
			if !pinned {
				want = int32(kgo.StickyKeyPartitioner(nil).ForTopic(topic).Partition(r, 4))
			}
			if r.Partition != want || string(r.Key) != "key-"+string(r.Value) {
				t.Errorf("%s: %q (key %q) in partition %d, want %d", topic, r.Value, r.Key, r.Partition, want)
			}
		}
	}
	if lag := committedLag(t, f.adm, "mixed-dlt"); lag != 0 {
		t.Errorf("the redrive group lags %d behind the dead-letter topic after a complete move", lag)
	}

	var txns atomic.Int32
	c.ControlKey(int16(kmsg.EndTxn), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		txns.Add(1)
		return nil, nil, false
	})
	again, _ := runMove(t, b, backends.MoveRequest{Source: "mixed-dlt"})
	if again.Moved != 0 || again.Kept != 0 || again.Failed != 0 || txns.Load() != 0 {
		t.Errorf("a second run moved %d, kept %d, failed %d in %d transactions; want nothing",
			again.Moved, again.Kept, again.Failed, txns.Load())
	}
	if n := len(readCommitted(t, c, "orders")); n != 30 {
		t.Errorf("orders holds %d records after a second run, want 30", n)
	}
}

func headersOf(r *kgo.Record) []backends.Header {
	hs := make([]backends.Header, len(r.Headers))
	for i, h := range r.Headers {
		hs[i] = backends.Header{Key: h.Key, Value: h.Value}
	}
	return hs
}

// checkFailures finds the orphans kept without a target, the stray failed on its missing topic and the
// letter that would loop failed, each at the partition and offset the dead-letter topic holds it.
func checkFailures(t *testing.T, got []backends.MoveFailure, letters []*kgo.Record) {
	t.Helper()
	if len(got) != 4 {
		t.Fatalf("failures = %+v, want 4", got)
	}
	for _, f := range got {
		var body string
		for _, r := range letters {
			if r.Partition == f.Partition && r.Offset == f.Offset {
				body = string(r.Value)
			}
		}
		switch {
		case strings.HasPrefix(body, "orphan") && f.Target == "" && strings.Contains(f.Reason, "name no origin"):
		case body == "stray-1" && f.Target == "deleted-topic" && strings.Contains(f.Reason, `topic "deleted-topic" does not exist`):
		case body == "loop-1" && f.Target == "mixed-dlt" && strings.Contains(f.Reason, "dead-letter topic itself"):
		default:
			t.Errorf("failure %+v (letter %q)", f, body)
		}
	}
}

// bigDLT fills topic dlt (3 partitions) with n Spring letters from topic home (3 partitions).
func bigDLT(t testing.TB, f *fixture, c *kfake.Cluster, n int) {
	t.Helper()
	f.createTopics(t, 3, nil, "home")
	f.createTopics(t, 3, nil, "dlt")
	letters := make([]*kgo.Record, n)
	for i := range letters {
		letters[i] = springLetter("dlt", "home", int32(i%3), int64(i), fmt.Sprintf("letter-%05d", i))
	}
	produce(t, c, spread(letters, 3)...)
}

// exactlyOnce checks that home holds each of the n letters exactly once, as read_committed consumers see
// it.
func exactlyOnce(t *testing.T, c *kfake.Cluster, n int) {
	t.Helper()
	seen := make(map[string]int)
	for _, r := range readCommitted(t, c, "home") {
		seen[string(r.Value)]++
	}
	for i := range n {
		if body := fmt.Sprintf("letter-%05d", i); seen[body] != 1 {
			t.Errorf("%s is in home %d times, want once", body, seen[body])
		}
	}
	if len(seen) != n {
		t.Errorf("home holds %d distinct letters, want %d", len(seen), n)
	}
}

// A move cancelled after its first transaction stops there; run again, it carries on where it stopped,
// and each letter lands once.
func TestMoveCancelledCarriesOn(t *testing.T) {
	c := newCluster(t)
	f := newFixture(t, c)
	const n = 2400
	bigDLT(t, f, c, n)
	b := open(t, c)

	ctx, cancel := context.WithCancel(testCtx(t))
	report, err := b.Move(ctx, backends.MoveRequest{Source: "dlt"}, byOrigin, func(p backends.MoveProgress) {
		if p.Moved > 0 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || report.Moved == 0 || report.Moved >= n {
		t.Fatalf("cancelled move: moved %d, %v; want some letters and context.Canceled", report.Moved, err)
	}
	if got := len(readCommitted(t, c, "home")); int64(got) != report.Moved {
		t.Errorf("home holds %d letters after the cancelled move, which reported %d", got, report.Moved)
	}

	rest, _ := runMove(t, b, backends.MoveRequest{Source: "dlt"})
	if report.Moved+rest.Moved != n {
		t.Errorf("the runs moved %d + %d letters, want %d in all", report.Moved, rest.Moved, n)
	}
	exactlyOnce(t, c, n)
	if again, _ := runMove(t, b, backends.MoveRequest{Source: "dlt"}); again.Moved != 0 {
		t.Errorf("a completed move moved %d more", again.Moved)
	}
}

// Max bounds the letters one run takes; the next run takes the next ones.
func TestMoveMax(t *testing.T) {
	c := newCluster(t)
	f := newFixture(t, c)
	bigDLT(t, f, c, 90)
	b := open(t, c)
	first, seen := runMove(t, b, backends.MoveRequest{Source: "dlt", Max: 40})
	if first.Moved != 40 || seen[0].Total != 40 {
		t.Errorf("a move of at most 40 moved %d (total said %d)", first.Moved, seen[0].Total)
	}
	second, _ := runMove(t, b, backends.MoveRequest{Source: "dlt", Max: 40})
	third, _ := runMove(t, b, backends.MoveRequest{Source: "dlt", Max: 40})
	if second.Moved != 40 || third.Moved != 10 {
		t.Errorf("the next runs moved %d and %d, want 40 and 10", second.Moved, third.Moved)
	}
	exactlyOnce(t, c, 90)
}

// A letter its target refuses even alone (too large for it) fails and is named; the letters written in
// the same batch still arrive.
func TestMoveSetsAsideWhatTheBrokerRefuses(t *testing.T) {
	c := newCluster(t)
	f := newFixture(t, c)
	f.createTopics(t, 1, map[string]*string{"max.message.bytes": kadm.StringPtr("2000")}, "small")
	f.createTopics(t, 1, nil, "small-dlt")
	var letters []*kgo.Record
	for i := range 20 {
		body := fmt.Sprintf("fits-%02d", i)
		if i == 7 {
			body = strings.Repeat("x", 5000)
		}
		letters = append(letters, springLetter("small-dlt", "small", 0, int64(i), body))
	}
	produce(t, c, letters...)
	b := open(t, c)
	report, _ := runMove(t, b, backends.MoveRequest{Source: "small-dlt"})
	if report.Moved != 19 || report.Failed != 1 || len(report.Failures) != 1 {
		t.Fatalf("report %+v: want 19 moved and the large letter failed", report)
	}
	if f := report.Failures[0]; f.Offset != 7 || f.Target != "small" || !strings.Contains(f.Reason, "too large") {
		t.Errorf("failure %+v: want offset 7, target small, too large", f)
	}
	if got := len(readCommitted(t, c, "small")); got != 19 {
		t.Errorf("small holds %d letters, want 19", got)
	}
}

// The process is killed in the middle of a transaction (its letters written, the commit not yet
// received); the next run aborts what it left, carries on from the last commit, and every letter lands
// exactly once.
func TestMoveKilledMidTransaction(t *testing.T) {
	c := newCluster(t)
	f := newFixture(t, c)
	const n = 3000
	bigDLT(t, f, c, n)

	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), "MQSCOPE_MOVE_CHILD="+strings.Join(c.ListenAddrs(), ","))
	var out strings.Builder
	child.Stdout, child.Stderr = &out, &out
	// Let two transactions commit, then kill the child when it asks to commit the third.
	var commits atomic.Int32
	var killed sync.Once
	var proc atomic.Pointer[os.Process] // set once started; the broker's goroutine kills it
	var dead atomic.Bool                // once the child is gone, commits go through again
	c.ControlKey(int16(kmsg.EndTxn), func(req kmsg.Request) (kmsg.Response, error, bool) {
		if dead.Load() {
			c.DropControl()
			return nil, nil, false
		}
		c.KeepControl()
		if !req.(*kmsg.EndTxnRequest).Commit || commits.Add(1) <= 2 {
			return nil, nil, false
		}
		var err error
		killed.Do(func() { err = proc.Load().Kill() })
		if err == nil {
			err = errors.New("the mover was killed")
		}
		return nil, err, true // the connection closes: the commit never happens
	})
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	proc.Store(child.Process)
	if err := child.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("the child mover ended with %v, want killed; its output:\n%s", err, out.String())
	}
	dead.Store(true)

	committed := len(readCommitted(t, c, "home"))
	ends, err := f.adm.ListEndOffsets(testCtx(t), "home")
	if err != nil {
		t.Fatal(err)
	}
	var written int64
	ends.Each(func(o kadm.ListedOffset) { written += o.Offset })
	if committed != 2*moveBatch || written <= int64(committed) {
		t.Fatalf("before the rerun: %d letters committed and %d offsets written; want %d committed and more written (a transaction left open)",
			committed, written, 2*moveBatch)
	}

	rest, _ := runMove(t, open(t, c), backends.MoveRequest{Source: "dlt"})
	if rest.Moved != n-2*moveBatch {
		t.Errorf("the rerun moved %d letters, want %d", rest.Moved, n-2*moveBatch)
	}
	exactlyOnce(t, c, n)
}

// moveChild is the process TestMoveKilledMidTransaction kills: TestMain runs it instead of the tests when
// MQSCOPE_MOVE_CHILD names the brokers. It moves dlt back home and must not get to finish.
func moveChild(brokers string) int {
	b, err := Open(context.Background(), Config{Brokers: strings.Split(brokers, ",")})
	if err != nil {
		fmt.Fprintln(os.Stderr, "move child:", err)
		return 1
	}
	_, err = b.Move(context.Background(), backends.MoveRequest{Source: "dlt"}, byOrigin, nil)
	fmt.Fprintf(os.Stderr, "move child: the move ended (%v) instead of being killed\n", err)
	return 1
}

// Letters a transactional writer aborted are not letters: the move reads the dead-letter topic as
// read_committed consumers do, and stops before a transaction still open.
func TestMoveTakesOnlyCommittedLetters(t *testing.T) {
	c := newCluster(t)
	f := newFixture(t, c)
	f.createTopics(t, 3, nil, "home")
	f.createTopics(t, 1, nil, "dlt")
	ctx := testCtx(t)
	writer, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.TransactionalID("spring-recoverer"),
		kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	txn := func(end *kgo.TransactionEndTry, bodies ...string) {
		t.Helper()
		if err := writer.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		for _, body := range bodies {
			if err := writer.ProduceSync(ctx, springLetter("dlt", "home", 1, 0, body)).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
		if end != nil {
			if err := writer.EndTransaction(ctx, *end); err != nil {
				t.Fatal(err)
			}
		}
	}
	abort, commit := kgo.TryAbort, kgo.TryCommit
	txn(&commit, "letter-00000", "letter-00001")
	txn(&abort, "aborted-1", "aborted-2", "aborted-3")
	txn(&commit, "letter-00002")
	txn(nil, "open-1") // still open when the move begins

	report, seen := runMove(t, open(t, c), backends.MoveRequest{Source: "dlt"})
	if report.Moved != 3 || report.Kept+report.Failed != 0 {
		t.Errorf("moved %d (kept %d, failed %d), want the 3 committed letters", report.Moved, report.Kept, report.Failed)
	}
	if seen[0].Total != 9 { // offsets 0 to 8: letters, aborted letters, markers; the open one is at 9
		t.Errorf("total %d: want the 9 offsets before the open transaction", seen[0].Total)
	}
	exactlyOnce(t, c, 3)
}

// MoveStart says where the next move reads from: the log start before any move (past deleted records),
// then the redrive group's committed offsets, then, after a complete move, the ends.
func TestMoveStart(t *testing.T) {
	c := newCluster(t)
	f := newFixture(t, c)
	bigDLT(t, f, c, 90)
	b := open(t, c)
	ctx := testCtx(t)
	if err := b.Truncate(ctx, "dlt", map[int32]int64{0: 5}); err != nil {
		t.Fatal(err)
	}
	start := func() map[int32]int64 {
		t.Helper()
		s, err := b.MoveStart(ctx, "dlt")
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if s := start(); s[0] != 5 || s[1] != 0 || s[2] != 0 || len(s) != 3 {
		t.Errorf("before any move: %v, want 0:5 1:0 2:0", s)
	}
	runMove(t, b, backends.MoveRequest{Source: "dlt", Max: 40})
	committed, err := f.adm.FetchOffsets(ctx, RedriveGroup("dlt"))
	if err != nil {
		t.Fatal(err)
	}
	s := start()
	for p, at := range s {
		if o, _ := committed.Lookup("dlt", p); o.At != at {
			t.Errorf("partition %d starts at %d, the group committed %d", p, at, o.At)
		}
	}
	if taken := s[0] - 5 + s[1] + s[2]; taken != 40 {
		t.Errorf("after moving 40 the starts are %v (%d taken)", s, taken)
	}
	runMove(t, b, backends.MoveRequest{Source: "dlt"})
	if s := start(); s[0] != 30 || s[1] != 30 || s[2] != 30 {
		t.Errorf("after a complete move: %v, want the ends (30 each)", s)
	}
}

// A letter larger than the producer's default limit (1 MB) moves where its topic allows it (16 MB); one
// larger than its topic allows is named and stays, and the letters around both move.
func TestMoveCarriesLettersAsLargeAsTheTopicsAllow(t *testing.T) {
	c := newCluster(t)
	f := newFixture(t, c)
	f.createTopics(t, 1, map[string]*string{"max.message.bytes": kadm.StringPtr(strconv.Itoa(16 << 20))}, "roomy")
	f.createTopics(t, 1, map[string]*string{"max.message.bytes": kadm.StringPtr(strconv.Itoa(64 << 20))}, "roomy-dlt")
	var letters []*kgo.Record
	for i := range 10 {
		body := fmt.Sprintf("small-%02d", i)
		switch i {
		case 4:
			body = strings.Repeat("x", 2<<20)
		case 7:
			body = strings.Repeat("y", 17<<20)
		}
		letters = append(letters, springLetter("roomy-dlt", "roomy", 0, int64(i), body))
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerBatchMaxBytes(64<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.ProduceSync(testCtx(t), letters...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	report, _ := runMove(t, open(t, c), backends.MoveRequest{Source: "roomy-dlt"})
	if report.Moved != 9 || report.Failed != 1 || len(report.Failures) != 1 {
		t.Fatalf("report %+v: want 9 moved (the 2 MB letter too) and the 17 MB one failed", report)
	}
	if f := report.Failures[0]; f.Offset != 7 || !strings.Contains(f.Reason, "max.message.bytes") {
		t.Errorf("failure %+v: want offset 7, and the topic's limit named", f)
	}
	if got := len(readCommitted(t, c, "roomy")); got != 9 {
		t.Errorf("roomy holds %d letters, want 9", got)
	}
}
