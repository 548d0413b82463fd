package nats

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/backends"
)

// PartitionBounds is the stream's one partition: offsets from its first sequence − 1 to its last
// sequence (see the package comment).
func (b *Backend) PartitionBounds(ctx context.Context, stream string, parts []int32) ([]backends.PartitionBounds, error) {
	si, err := b.info(ctx, stream)
	if err != nil {
		return nil, err
	}
	if len(parts) > 0 && !slices.Contains(parts, 0) {
		return nil, nil
	}
	return []backends.PartitionBounds{{Partition: 0, Start: startOf(si.State), End: int64(si.State.LastSeq)}}, nil
}

// OffsetsForTime is the offset of the first message stored at or after t, or the log end where none is
// that new, found by bisection over sequences with direct reads (nothing is made or moved).
func (b *Backend) OffsetsForTime(ctx context.Context, stream string, parts []int32, t time.Time) (map[int32]int64, error) {
	if len(parts) > 0 && !slices.Contains(parts, 0) {
		return map[int32]int64{}, nil
	}
	s, err := b.js.Stream(ctx, stream)
	if err != nil {
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			return nil, backends.NotFound("no stream %q here (see `mqscope ls`)", stream)
		}
		return nil, b.opError("look up stream "+stream, err)
	}
	if s.CachedInfo().State.Msgs == 0 {
		return map[int32]int64{0: int64(s.CachedInfo().State.LastSeq)}, nil
	}
	seq, err := b.seqAtTime(ctx, s, t)
	if err != nil {
		return nil, err
	}
	return map[int32]int64{0: int64(seq) - 1}, nil
}

// CommitOffsets moves each named consumer so that the next message it delivers is the one at the given
// offset, with nothing pending before it: on NATS 2.14 and newer by the server's consumer reset, before
// that by deleting the consumer and making it again with the same configuration, starting there. Either
// way mqscope refuses while somebody reads from the consumer (a bound push subscriber, or waiting pull
// requests), as Kafka refuses for a group with members.
func (b *Backend) CommitOffsets(ctx context.Context, group string, offsets map[backends.TopicPartition]int64) error {
	for _, tp := range slices.SortedFunc(maps.Keys(offsets), func(x, y backends.TopicPartition) int {
		return strings.Compare(x.Topic, y.Topic)
	}) {
		if err := b.reset(ctx, tp.Topic, group, offsets[tp]); err != nil {
			return err
		}
	}
	return nil
}

func (b *Backend) reset(ctx context.Context, stream, name string, offset int64) error {
	si, err := b.info(ctx, stream)
	if err != nil {
		return err
	}
	ctx, cancel := b.bound(ctx)
	defer cancel()
	cons, err := b.js.Consumer(ctx, stream, name)
	if err != nil {
		if errors.Is(err, jetstream.ErrConsumerNotFound) {
			return backends.NotFound("stream %s has no consumer %s", stream, name)
		}
		return b.opError("look up consumer "+name, err)
	}
	ci := cons.CachedInfo()
	if members := membersOf(ci); len(members) > 0 {
		return fmt.Errorf("consumer %s on %s is being read (%s): stop its clients and reset again: %w",
			name, stream, readers(ci), backends.ErrGroupActive)
	}
	seq := uint64(min(max(offset, startOf(si.State)), int64(si.State.LastSeq))) + 1
	interest := si.Config.Retention == jetstream.InterestPolicy
	if interest && seq > ci.AckFloor.Stream+1 {
		return fmt.Errorf("%s keeps messages only while a consumer wants them: moving %s forward would remove the "+
			"messages it skips; acknowledge them instead, or move it back only: %w", stream, name, backends.ErrNotSupported)
	}
	if b.atLeast(2, 14) {
		// Refused where the consumer's own start is later than seq: then it is made again, as below.
		err := b.resetInPlace(ctx, stream, name, seq)
		if !errors.Is(err, nats.ErrNoResponders) && !errors.Is(err, jetstream.ErrConsumerInvalidReset) {
			return err
		}
	}
	if interest {
		return fmt.Errorf("NATS %s cannot move a consumer (2.14 can), and on %s, which keeps messages only while a "+
			"consumer wants them, making %s again would remove the messages only it wants: make a new consumer "+
			"that starts at sequence %d instead: %w", b.nc.ConnectedServerVersion(), stream, name, seq,
			backends.ErrNotSupported)
	}
	return b.recreate(ctx, stream, ci, seq)
}

func readers(ci *jetstream.ConsumerInfo) string {
	if ci.Config.DeliverSubject != "" {
		return "a push subscriber is bound to " + ci.Config.DeliverSubject
	}
	return fmt.Sprintf("%d pull requests wait", ci.NumWaiting)
}

// resetInPlace is the server's consumer reset (2.14+): the consumer keeps its name and configuration,
// its ack floor becomes seq − 1. The server refuses (ErrConsumerInvalidReset) to go before the start
// the consumer was made with.
func (b *Backend) resetInPlace(ctx context.Context, stream, name string, seq uint64) error {
	_, err := b.js.ResetConsumerToSequence(ctx, stream, name, seq)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, nats.ErrNoResponders), errors.Is(err, jetstream.ErrConsumerInvalidReset):
		return err
	}
	return b.opError("reset consumer "+name, err)
}

// recreate deletes the consumer and makes it again with the same configuration, starting at seq. Nothing
// leaves a limits or work-queue stream when a consumer goes; if the new one cannot be made, the old one
// is made again after its ack floor.
func (b *Backend) recreate(ctx context.Context, stream string, ci *jetstream.ConsumerInfo, seq uint64) error {
	name := ci.Name
	startingAt := func(seq uint64) jetstream.ConsumerConfig {
		cfg := ci.Config
		cfg.DeliverPolicy, cfg.OptStartSeq, cfg.OptStartTime = jetstream.DeliverByStartSequencePolicy, seq, nil
		return cfg
	}
	cfg := startingAt(seq)
	if err := b.js.DeleteConsumer(ctx, stream, name); err != nil {
		return b.opError("reset consumer "+name+" (delete it)", err)
	}
	if _, err := b.js.CreateConsumer(ctx, stream, cfg); err != nil {
		restore := startingAt(ci.AckFloor.Stream + 1)
		if _, rerr := b.js.CreateConsumer(context.WithoutCancel(ctx), stream, restore); rerr != nil {
			return fmt.Errorf("reset consumer %s: making it again at sequence %d failed (%s), and so did making it "+
				"again as it was (%s): make it by hand", name, seq, oneLine(err.Error()), oneLine(rerr.Error()))
		}
		return b.opError("reset consumer "+name+" (made again as it was)", err)
	}
	return nil
}
