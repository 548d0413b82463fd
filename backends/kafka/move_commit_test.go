package kafka

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/backends"
)

// stuckCommit is a transactional producer whose commit is sent and never answered (until released):
// the brokers may have applied it.
type stuckCommit struct {
	sarama.SyncProducer
	committing, release chan struct{}
	committed, closed   atomic.Bool // CommitTxn has returned; Close was called
}

func (p *stuckCommit) BeginTxn() error                              { return nil }
func (p *stuckCommit) SendMessages([]*sarama.ProducerMessage) error { return nil }
func (p *stuckCommit) AbortTxn() error                              { return nil }
func (p *stuckCommit) AddOffsetsToTxn(map[string][]*sarama.PartitionOffsetMetadata, string) error {
	return nil
}
func (p *stuckCommit) CommitTxn() error {
	close(p.committing)
	<-p.release
	p.committed.Store(true)
	return errors.New("connection closed")
}

func (p *stuckCommit) Close() error {
	if !p.committed.Load() {
		panic("send on closed channel") // as sarama does when a commit goes on after Close
	}
	p.closed.Store(true)
	return nil
}

// A move cancelled while its commit is under way cannot know whether the commit went through: the
// letters on their way in that transaction are reported in doubt, as a commit's (never in both places),
// not as moved and not as nothing; a letter the batch keeps is not among them.
func TestMoveCancelledDuringACommitReportsItsLettersInDoubt(t *testing.T) {
	b := &Backend{}
	b.limits.bytes = map[string]sizeLimit{"home": {bytes: 1 << 20, at: time.Now()}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := &stuckCommit{committing: make(chan struct{}), release: make(chan struct{})}
	mv := &move{ctx: ctx, b: b, source: "dlt", producer: p,
		report:  backends.MoveReport{PerTarget: map[string]int64{}},
		offsets: map[topicPartition]int64{{"dlt", 0}: 4}}
	for i := range 4 {
		l := letter{msg: backends.Message{Offset: int64(i), Body: []byte("letter")},
			target: backends.Target{Destination: "home"}}
		if i == 2 {
			l.kept, l.why = true, errors.New("no target")
		}
		mv.batch = append(mv.batch, l)
	}
	go func() { <-p.committing; cancel() }()
	defer close(p.release)

	err := mv.commit()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("commit cancelled while under way: %v, want context.Canceled", err)
	}
	if r := mv.report; r.Moved != 0 || r.InDoubt != 3 || !r.CommitInDoubt {
		t.Errorf("report after a commit cut off: moved %d, in doubt %d (a commit's: %v); want 0, 3, true",
			r.Moved, r.InDoubt, r.CommitInDoubt)
	}
}

// Closing the move's producer waits for a commit an interruption stopped waiting for: closed under it,
// sarama panics (an interrupted redrive exited 2 with "send on closed channel" in 1 of 12 e2e runs).
func TestMoveClosesItsProducerOnlyAfterTheCommitEnds(t *testing.T) {
	b := &Backend{}
	b.limits.bytes = map[string]sizeLimit{"home": {bytes: 1 << 20, at: time.Now()}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := &stuckCommit{committing: make(chan struct{}), release: make(chan struct{})}
	mv := &move{ctx: ctx, b: b, source: "dlt", producer: p, report: backends.MoveReport{PerTarget: map[string]int64{}},
		offsets: map[topicPartition]int64{{"dlt", 0}: 1},
		batch:   []letter{{msg: backends.Message{Body: []byte("letter")}, target: backends.Target{Destination: "home"}}}}
	go func() { <-p.committing; cancel() }()
	if err := mv.commit(); !errors.Is(err, context.Canceled) {
		t.Fatalf("commit cancelled while under way: %v", err)
	}
	mv.closeProducer() // Close would panic now: the commit is still under way
	close(p.release)
	for !p.closed.Load() {
		time.Sleep(time.Millisecond)
	}
}
