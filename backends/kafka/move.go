package kafka

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/backends"
)

const (
	// A move commits a transaction every moveBatch letters, or once a batch is moveLinger old when the
	// next letter arrives, whichever comes first.
	moveBatch  = 500
	moveLinger = 100 * time.Millisecond
	// maxFailures bounds the letters a report names one by one.
	maxFailures = 100
	// A transaction an earlier run left open may take this long to settle before offsets read stable.
	stableWait = 5 * time.Second
)

// RedriveGroup is the consumer group whose committed offsets on topic say how far moves out of topic
// have come. It is also the transactional id of their producer, so a move fences any earlier one still
// running and aborts what it left open. Resetting this group's offsets (it never has members) makes the
// next move take letters again.
func RedriveGroup(topic string) string { return backends.KafkaRedriveGroup(topic) }

// Move takes the letters of topic req.Source from where the last move stopped (RedriveGroup's committed
// offsets, else the log start) up to the end it has when the move begins, or req.Max letters, and puts
// each where route says: the partition its target pins, else where the Java client puts its key.
//
// The letters' copies and the group's offsets are committed together, in one transaction per batch,
// so that read_committed consumers see each moved letter exactly once whatever happens: a move cancelled
// or killed at any moment leaves its open transaction to be aborted by the next move, which carries on
// from the last commit, and a move that completed moves nothing more.
//
// Nothing is ever removed from a Kafka topic: a letter that does not move stays in the source. A letter
// the router cannot place is kept, and one whose target cannot take it (a topic that does not exist, a
// partition it lacks, a record the broker refuses) fails; either way the move goes on past it and names
// it, with its partition and offset, in the report. Holding the offsets at the first such letter would
// stop every later letter, run after run, for one the user must deal with anyway; resetting
// RedriveGroup brings them back. While the cluster does not say what a target is (a broker away, a
// leader moving), the move asks again until it does or ctx ends, as a publish does, and its progress
// says how long it has waited every req.Notice (MoveProgress.Waiting). Errors a later run
// may not meet in a transaction end the move instead, with nothing of the current batch committed.
func (b *Backend) Move(ctx context.Context, req backends.MoveRequest, route backends.Router,
	progress func(backends.MoveProgress)) (backends.MoveReport, error) {
	if err := b.require("moving letters in transactions", needsProducerIDs); err != nil {
		return backends.MoveReport{}, err
	}
	group := RedriveGroup(req.Source)
	mv := &move{ctx: ctx, b: b, source: req.Source, group: group, route: route, progress: progress,
		report: backends.MoveReport{PerTarget: make(map[string]int64)}}
	if progress != nil {
		mv.targets.waiting, mv.targets.notice = mv.tellWaiting, req.Notice
	}
	// The producer's connections are its own, cut when ctx ends: a transaction stuck in a partition
	// then fails at once instead of after every retry's timeout.
	l := newLinks(b.conf.Net.DialTimeout, b.conf.Net.KeepAlive)
	defer context.AfterFunc(ctx, l.cutAll)()
	// Starting the producer fences an earlier move and aborts its open transaction, so the offsets read
	// after it are the last committed ones.
	p, err := start(ctx, func() (sarama.SyncProducer, error) { return b.newTxnProducer(group, l) })
	if err != nil {
		return mv.report, b.failed("start a transactional producer for "+group, err)
	}
	mv.producer = p
	defer mv.closeProducer()
	plan, err := await(ctx, func() (*movePlan, error) { return b.planMove(req.Source, group) })
	if err != nil {
		return mv.report, b.failed("plan the move out of topic "+req.Source, err)
	}
	mv.total = plan.total
	if req.Max > 0 {
		mv.total = min(mv.total, int64(req.Max))
	}
	mv.tell()
	err = b.read(ctx, plan.read, req.Max, false, mv.take)
	if err == nil {
		if req.Max == 0 || mv.taken < req.Max {
			mv.reachEnds(plan) // past trailing markers and aborted records, so the group shows no lag
		}
		err = mv.commit()
	}
	if err != nil {
		return mv.report, b.failed("move letters out of topic "+req.Source, err)
	}
	return mv.report, nil
}

// movePlan is where a move reads each partition from and to, and how many offsets that spans.
type movePlan struct {
	read       *peekPlan
	from, ends map[topicPartition]int64
	total      int64
}

// planMove plans a read_committed read of topic from where the last move stopped to its last stable
// offsets.
func (b *Backend) planMove(topic, group string) (*movePlan, error) {
	t, parts, from, ends, err := b.moveBounds(topic, group, true)
	if err != nil {
		return nil, err
	}
	var total int64
	for _, tp := range parts {
		total += ends[tp] - from[tp]
	}
	read, err := planRead(t, topic, parts, from, ends, sarama.ReadCommitted)
	if err != nil {
		return nil, err
	}
	return &movePlan{read: read, from: from, ends: ends, total: total}, nil
}

// MoveStart says, for every partition of topic, the offset the next Move out of it reads from:
// RedriveGroup's committed offset, else the log start. It changes nothing, and does not wait for a move
// under way: what that move has not committed yet does not count.
func (b *Backend) MoveStart(ctx context.Context, topic string) (map[int32]int64, error) {
	starts, err := await(ctx, func() (map[int32]int64, error) {
		_, _, from, _, err := b.moveBounds(topic, RedriveGroup(topic), false)
		starts := make(map[int32]int64, len(from))
		for tp, at := range from {
			starts[tp.partition] = at
		}
		return starts, err
	})
	return starts, b.failed("find where the next move out of topic "+topic+" starts", err)
}

// moveBounds reads the source's log starts and last stable offsets, and group's committed offsets
// (stable ones: waiting while a transaction holds some pending), and says where a move reads each
// partition from (the committed offset, else the log start, within the log) and to.
func (b *Backend) moveBounds(topic, group string, stable bool) (t *topology, parts []topicPartition,
	from, ends map[topicPartition]int64, err error) {
	t, tm, err := b.topicMetadata(nil, topic)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if parts, err = partitionsOf(tm, nil); err != nil {
		return nil, nil, nil, nil, err
	}
	starts, err := b.offsetsAt(nil, t, parts, sarama.OffsetOldest)
	if err == nil {
		err = missing(parts, starts)
	}
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if ends, err = b.stableEnds(t, parts); err == nil {
		err = missing(parts, ends)
	}
	if err != nil {
		return nil, nil, nil, nil, err
	}
	committed, err := b.committedOn(group, topic, parts, stable)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	from = make(map[topicPartition]int64, len(parts))
	for _, tp := range parts {
		at, ok := committed[tp]
		if !ok {
			at = starts[tp]
		}
		from[tp] = min(max(at, starts[tp]), ends[tp])
	}
	return t, parts, from, ends, nil
}

// committedOn reads group's committed offsets on topic; stable, it waits while a transaction still holds
// some pending. An error never passes for "nothing committed": that would move letters twice.
func (b *Backend) committedOn(group, topic string, parts []topicPartition, stable bool) (map[topicPartition]int64, error) {
	addr, err := b.coordinator(group)
	if err != nil {
		return nil, err
	}
	ids := make([]int32, len(parts))
	for i, tp := range parts {
		ids[i] = tp.partition
	}
	deadline := time.Now().Add(stableWait)
	for {
		req := sarama.NewOffsetFetchRequest(protocolCeiling, group, map[string][]int32{topic: ids})
		// Brokers before 2.5 cannot be asked for stable offsets; there, starting the move's producer has
		// already settled any transaction an earlier move left open (InitProducerId waits for its abort).
		req.RequireStable = stable && b.speaks(apiKeyOffsetFetch, 7)
		var resp *sarama.OffsetFetchResponse
		err := b.request(nil, addr, func(br *sarama.Broker) (err error) {
			resp, err = br.FetchOffset(req)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("OffsetFetch: %w", err)
		}
		committed, err := stableOffsets(resp, topic)
		if !errors.Is(err, sarama.ErrUnstableOffsetCommit) || time.Now().After(deadline) {
			if err != nil {
				return nil, fmt.Errorf("committed offsets of group %q: %w", group, err)
			}
			return committed, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stableOffsets reads one group's offsets on topic from an OffsetFetch answer (any version).
func stableOffsets(resp *sarama.OffsetFetchResponse, topic string) (map[topicPartition]int64, error) {
	blocks, groupErr := resp.Blocks, resp.Err
	if resp.Version >= 8 && len(resp.Groups) > 0 {
		blocks, groupErr = resp.Groups[0].Blocks, resp.Groups[0].Err
	}
	switch groupErr {
	case sarama.ErrNoError:
	case sarama.ErrGroupIDNotFound: // some brokers say so of a group that never committed
		return map[topicPartition]int64{}, nil
	default:
		return nil, groupErr
	}
	committed := make(map[topicPartition]int64)
	for p, block := range blocks[topic] {
		if block.Err != sarama.ErrNoError {
			return nil, fmt.Errorf("partition %d: %w", p, block.Err)
		}
		if block.Offset >= 0 { // -1: nothing committed
			committed[topicPartition{topic, p}] = block.Offset
		}
	}
	return committed, nil
}

// move is one run of Move: the batch being gathered, and the report of what was committed.
type move struct {
	ctx           context.Context
	b             *Backend
	source, group string
	route         backends.Router
	progress      func(backends.MoveProgress)
	producer      sarama.SyncProducer
	transacting   chan struct{} // closed when the last transaction's work on the producer has ended
	targets       targetCache   // what the run looked up of its targets, as a Send call does
	total         int64
	taken         int // letters handed over by the read
	batch         []letter
	began         time.Time                // when the batch got its first letter
	offsets       map[topicPartition]int64 // the next offset of each partition once the batch commits
	report        backends.MoveReport
}

// letter is one dead letter of the batch: where it goes, or why it stays.
type letter struct {
	msg       backends.Message
	target    backends.Target
	partition int32
	limit     int   // the largest batch its topic takes; 0: unknown
	kept      bool  // the router found no target
	why       error // why it stays; nil for a letter on its way
}

func (l *letter) goes() bool { return !l.kept && l.why == nil }

// take adds one letter to the batch, and commits the batch when it is full or old enough.
func (mv *move) take(m backends.Message) error {
	if err := mv.ctx.Err(); err != nil { // the read may hold many letters still
		return err
	}
	mv.taken++
	if len(mv.batch) == 0 {
		mv.began = time.Now()
		mv.offsets = make(map[topicPartition]int64)
	}
	l, err := mv.place(m)
	if err != nil {
		return err
	}
	mv.batch = append(mv.batch, l)
	mv.offsets[topicPartition{mv.source, m.Partition}] = m.Offset + 1
	if len(mv.batch) >= moveBatch || time.Since(mv.began) >= moveLinger {
		return mv.commit()
	}
	return nil
}

// place decides where one letter goes. While the cluster does not answer for its target it asks again,
// as a publish does (targetCache), and fails only when the move is cancelled: an outage may pass, so
// the letter must not be passed over.
func (mv *move) place(m backends.Message) (letter, error) {
	l := letter{msg: m}
	target, err := mv.route(m)
	if err != nil {
		l.kept, l.why = true, err
		return l, nil
	}
	l.target = target
	if target.Exchange == nil && target.Destination == mv.source {
		l.why = errors.New("the target is the dead-letter topic itself")
		return l, nil
	}
	d, err := mv.targets.get(mv.ctx, mv.b, target)
	if err != nil {
		return l, err
	}
	if l.partition, l.why = d.partition(mv.b, target, m.Key); l.why != nil {
		return l, nil
	}
	l.limit, l.why = d.limit, tooLarge(target.Destination, m, d.limit)
	return l, nil
}

// reachEnds moves the batch's offsets to the ends the read was planned to, past what it skipped, where
// the read moved at all: a move that finds nothing to do commits nothing.
func (mv *move) reachEnds(plan *movePlan) {
	for tp, end := range plan.ends {
		if end > plan.from[tp] {
			if mv.offsets == nil {
				mv.offsets = make(map[topicPartition]int64)
			}
			mv.offsets[tp] = end
		}
	}
}

// commit writes the batch's letters and the group's offsets in one transaction. When the brokers refuse
// letters, the transaction is aborted and the batch written again one letter per request: a refusal may
// be of a whole request for one letter in it, or of letters a topic takes only one at a time (its
// max.message.bytes below what sarama packs into a request). Letters refused alone are set aside.
func (mv *move) commit() error {
	if len(mv.batch) == 0 && len(mv.offsets) == 0 {
		return nil
	}
	for alone := false; ; alone = true {
		ended := make(chan struct{})
		mv.transacting = ended
		refused, err := await(mv.ctx, func() (map[int]error, error) {
			defer close(ended)
			return mv.transact(alone)
		})
		var lost *commitLost
		switch {
		case err != nil && mv.ctx.Err() != nil:
			mv.inDoubt()
			return fmt.Errorf("%w (a transaction of %d letters was under way: %s)", mv.ctx.Err(), len(mv.batch), nextRunSettles)
		case errors.As(err, &lost):
			mv.inDoubt()
			return fmt.Errorf("%w (%s)", err, nextRunSettles)
		case err != nil:
			return err
		}
		if len(refused) == 0 {
			break
		}
		if alone {
			for i, why := range refused {
				mv.batch[i].why = why
			}
		}
	}
	mv.count()
	mv.batch, mv.offsets = mv.batch[:0], nil
	mv.tell()
	return nil
}

// transact runs one transaction: the batch's letters on their way, the offsets, the commit. It returns
// the letters the brokers refused, after aborting; refusals a later attempt could meet differently (a
// leader moving, a broker away) end the move. Alone, it sends one letter per request and stops at the
// first refusal.
func (mv *move) transact(alone bool) (map[int]error, error) {
	p := mv.producer
	if err := p.BeginTxn(); err != nil {
		return nil, fmt.Errorf("begin a transaction: %w", err)
	}
	var out []*sarama.ProducerMessage // made anew for each attempt: sarama keeps state in them
	for i := range mv.batch {
		if l := &mv.batch[i]; l.goes() {
			pm := producerMessage(l.target.Destination, l.partition, l.msg)
			pm.Metadata = i
			out = append(out, pm)
		}
	}
	var refused sarama.ProducerErrors
	var err error
	for _, chunk := range mv.chunks(out, alone) {
		if refused, err = sent(p.SendMessages(chunk)); err != nil || len(refused) > 0 {
			break
		}
	}
	if err == nil && len(refused) > 0 {
		return mv.abort(refused)
	}
	if err == nil {
		err = p.AddOffsetsToTxn(mv.offsetsToCommit(), mv.group)
	}
	if err == nil {
		if err = p.CommitTxn(); err != nil {
			err = &commitLost{err}
		}
	}
	if err != nil {
		// Whether or not the abort goes through, the next move's producer settles the transaction.
		_ = p.AbortTxn()
		return nil, fmt.Errorf("transaction of %d letters: %w", len(out), err)
	}
	return nil, nil
}

// nextRunSettles is what a transaction in doubt means for the letters in it.
const nextRunSettles = "the next redrive finds it committed or aborted and carries on from there, so no letter moves twice"

// commitLost is a commit that failed once it may have been sent: its answer was lost (a connection cut,
// a broker gone) after the producer's retries, so the brokers may have applied it or not. Any failure of
// the commit counts: even a broker's refusal may come after an attempt whose answer was lost.
type commitLost struct{ err error }

func (e *commitLost) Error() string {
	return fmt.Sprintf("the commit was cut off, so whether it went through is not known: %v", e.err)
}

func (e *commitLost) Unwrap() error { return e.err }

// chunks splits out so that no partition's part of a chunk is larger than its topic takes in one batch:
// the producer packs what one call gives it into one batch per partition, up to the largest batch any
// topic takes. Alone, every letter is a chunk of its own.
func (mv *move) chunks(out []*sarama.ProducerMessage, alone bool) [][]*sarama.ProducerMessage {
	var chunks [][]*sarama.ProducerMessage
	var chunk []*sarama.ProducerMessage
	filled := make(map[topicPartition]int)
	for _, pm := range out {
		tp := topicPartition{pm.Topic, pm.Partition}
		size := recordBatchOverhead + pm.ByteSize(2)
		limit := mv.batch[pm.Metadata.(int)].limit
		if len(chunk) > 0 && (alone || limit > 0 && filled[tp]+size > limit) {
			chunks, chunk = append(chunks, chunk), nil
			clear(filled)
		}
		chunk = append(chunk, pm)
		filled[tp] += size
	}
	if len(chunk) > 0 {
		chunks = append(chunks, chunk)
	}
	return chunks
}

// abort ends a transaction, and sorts what the brokers refused in it.
func (mv *move) abort(refused sarama.ProducerErrors) (map[int]error, error) {
	if err := mv.producer.AbortTxn(); err != nil {
		return nil, fmt.Errorf("abort a transaction: %w", err)
	}
	bad := make(map[int]error, len(refused))
	for _, pe := range refused {
		if !refusesRecord(pe.Err) {
			return nil, fmt.Errorf("topic %s partition %d: %w", pe.Msg.Topic, pe.Msg.Partition, pe.Err)
		}
		bad[pe.Msg.Metadata.(int)] = fmt.Errorf("the broker refused it: %w", pe.Err)
	}
	return bad, nil
}

// refusesRecord says whether a produce error is about the record itself, so that writing it again
// would fail again.
func refusesRecord(err error) bool {
	for _, kerr := range []sarama.KError{sarama.ErrMessageSizeTooLarge, sarama.ErrInvalidMessage,
		sarama.ErrInvalidMessageSize, sarama.ErrInvalidTimestamp, sarama.ErrInvalidRecord,
		sarama.ErrTopicAuthorizationFailed, sarama.ErrInvalidTopic, sarama.ErrPolicyViolation} {
		if errors.Is(err, kerr) {
			return true
		}
	}
	return false
}

func (mv *move) offsetsToCommit() map[string][]*sarama.PartitionOffsetMetadata {
	var offsets []*sarama.PartitionOffsetMetadata
	for _, tp := range slices.SortedFunc(maps.Keys(mv.offsets), comparePartitions) {
		offsets = append(offsets, &sarama.PartitionOffsetMetadata{Partition: tp.partition, Offset: mv.offsets[tp], LeaderEpoch: -1})
	}
	return map[string][]*sarama.PartitionOffsetMetadata{mv.source: offsets}
}

// count adds a committed batch to the report.
func (mv *move) count() {
	r := &mv.report
	for _, l := range mv.batch {
		switch {
		case l.goes():
			r.Moved++
			r.PerTarget[l.target.Label()]++
			continue
		case l.kept:
			r.Kept++
		default:
			r.Failed++
		}
		if len(r.Failures) < maxFailures {
			f := backends.MoveFailure{Partition: l.msg.Partition, Offset: l.msg.Offset, Reason: l.why.Error()}
			if !l.kept {
				f.Target = l.target.Label()
			}
			r.Failures = append(r.Failures, f)
		}
	}
}

// closeProducer closes the move's producer once no transaction works on it any more: sarama panics
// ("send on closed channel") when a commit or abort that an interruption stopped waiting for goes on
// after Close. Its connections are cut by then, so that work ends soon; past closeGrace the producer is
// closed in the background when it does.
func (mv *move) closeProducer() {
	ended := mv.transacting
	if ended == nil {
		closeSoon(mv.producer)
		return
	}
	select {
	case <-ended:
		closeSoon(mv.producer)
	case <-time.After(closeGrace):
		go func(p sarama.SyncProducer) {
			<-ended
			_ = p.Close()
		}(mv.producer)
	}
}

// inDoubt reports the batch's letters on their way as in doubt: the move stopped while their transaction
// was under way (the wait for it is cut at once), so the brokers may have committed it, its answer lost.
func (mv *move) inDoubt() {
	for _, l := range mv.batch {
		if l.goes() {
			mv.report.InDoubt++
		}
	}
	mv.report.CommitInDoubt = mv.report.InDoubt > 0
}

func (mv *move) tell() {
	if mv.progress != nil {
		mv.progress(mv.where())
	}
}

// tellWaiting says the move has waited that long for the cluster to answer for a target.
func (mv *move) tellWaiting(waited time.Duration) {
	p := mv.where()
	p.Waiting = waited
	mv.progress(p)
}

// where is what the report says so far.
func (mv *move) where() backends.MoveProgress {
	return backends.MoveProgress{Moved: mv.report.Moved, Kept: mv.report.Kept, Failed: mv.report.Failed, Total: mv.total}
}
