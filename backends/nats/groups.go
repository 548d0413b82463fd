package nats

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/backends"
)

// Consumer states, in the words Kafka uses for groups: a consumer somebody reads from right now is
// Active, one nobody reads from is Empty; Paused is a consumer the server holds back (2.11+).
const (
	stateEmpty  = "Empty"
	stateActive = "Active"
	statePaused = "Paused"
)

// peekPrefix names mqscope's own ephemeral read consumers, which listings leave out.
const peekPrefix = "mqscope-read-"

// consumers reads every consumer of every stream (one request per stream), mqscope's own left out,
// sorted by name, then stream.
func (b *Backend) consumers(ctx context.Context, streams []*jetstream.StreamInfo) (
	out []*jetstream.ConsumerInfo, handles map[string]jetstream.Stream, requests int, err error) {
	ctx, cancel := b.bound(ctx)
	defer cancel()
	handles = map[string]jetstream.Stream{}
	for _, si := range streams {
		if si.State.Consumers == 0 {
			continue
		}
		s, err := b.js.Stream(ctx, si.Config.Name)
		requests++
		if err != nil {
			continue // deleted since the listing
		}
		cis, err := listConsumers(ctx, s)
		requests++
		if streamGone(err) {
			continue // deleted between the listing and this request: it has no consumers to show
		}
		if err != nil {
			return nil, nil, requests, b.opError("list the consumers of "+si.Config.Name, err)
		}
		handles[si.Config.Name] = s
		out = append(out, cis...)
	}
	slices.SortFunc(out, func(x, y *jetstream.ConsumerInfo) int {
		if c := strings.Compare(x.Name, y.Name); c != 0 {
			return c
		}
		return strings.Compare(x.Stream, y.Stream)
	})
	return out, handles, requests, nil
}

// ListGroups lists consumers by name: a name used on several streams is one group reading all of them.
func (b *Backend) ListGroups(ctx context.Context) ([]backends.ConsumerGroup, error) {
	streams, err := b.streams(ctx)
	if err != nil {
		return nil, err
	}
	cis, _, _, err := b.consumers(ctx, streams)
	if err != nil {
		return nil, err
	}
	var out []backends.ConsumerGroup
	for _, ci := range cis {
		members := len(membersOf(ci))
		if n := len(out); n > 0 && out[n-1].Name == ci.Name {
			g := &out[n-1]
			g.Members += members
			g.Topics = append(g.Topics, ci.Stream)
			g.State = merge(g.State, stateOf(ci))
			continue
		}
		out = append(out, backends.ConsumerGroup{Name: ci.Name, State: stateOf(ci), Members: members,
			ProtocolType: modeOf(ci), Protocol: ci.Config.AckPolicy.String(), Topics: []string{ci.Stream}})
	}
	return out, nil
}

// modeOf is "push" for a consumer that delivers to a subject, "pull" for one that is asked.
func modeOf(ci *jetstream.ConsumerInfo) string {
	if ci.Config.DeliverSubject != "" {
		return "push"
	}
	return "pull"
}

func stateOf(ci *jetstream.ConsumerInfo) string {
	switch {
	case ci.Paused:
		return statePaused
	case len(membersOf(ci)) > 0:
		return stateActive
	}
	return stateEmpty
}

// merge is the state of a group from two of its consumers: active wins.
func merge(a, b string) string {
	if a == stateActive || b == stateActive {
		return stateActive
	}
	if a == statePaused || b == statePaused {
		return statePaused
	}
	return stateEmpty
}

// membersOf is who reads from a consumer right now, as far as the server can tell: a push consumer's
// bound subscriber, or a pull consumer's waiting pull requests (one member each; a client between two
// requests is not seen).
func membersOf(ci *jetstream.ConsumerInfo) []backends.GroupMember {
	tp := []backends.TopicPartition{{Topic: ci.Stream}}
	if ci.Config.DeliverSubject != "" {
		if !ci.PushBound {
			return nil
		}
		return []backends.GroupMember{{ID: ci.Config.DeliverSubject, ClientID: "push subscriber", Assigned: tp}}
	}
	out := make([]backends.GroupMember, ci.NumWaiting)
	for i := range out {
		out[i] = backends.GroupMember{ID: fmt.Sprintf("%s pull %d", ci.Name, i+1), ClientID: "pull request", Assigned: tp}
	}
	return out
}

// LagSnapshot reads where each asked consumer stands on its stream: committed is its ack floor, lag what
// it has not acknowledged (num_pending + num_ack_pending), and each lagging consumer carries the time of
// the first message after its ack floor (one direct read each), so lag in seconds is exact.
func (b *Backend) LagSnapshot(ctx context.Context, groups []string) (backends.LagSnapshot, error) {
	streams, err := b.streams(ctx)
	if err != nil {
		return backends.LagSnapshot{}, err
	}
	snap := backends.LagSnapshot{At: time.Now(), Requests: 1}
	cis, handles, n, err := b.consumers(ctx, streams)
	snap.Requests += n
	if err != nil {
		return snap, err
	}
	bounds := map[string]jetstream.StreamState{}
	for _, si := range streams {
		bounds[si.Config.Name] = si.State
	}
	for _, ci := range cis {
		if len(groups) > 0 && !slices.Contains(groups, ci.Name) {
			continue
		}
		p := partitionLag(ci, bounds[ci.Stream])
		if p.Lag > 0 {
			p.NextTime = b.nextTime(ctx, handles[ci.Stream], ci)
			snap.Requests++
		}
		members := membersOf(ci)
		if n := len(snap.Groups); n > 0 && snap.Groups[n-1].Group == ci.Name {
			g := &snap.Groups[n-1]
			g.Partitions = append(g.Partitions, p)
			g.Members = append(g.Members, members...)
			g.State = merge(g.State, stateOf(ci))
			continue
		}
		snap.Groups = append(snap.Groups, backends.GroupLag{Group: ci.Name, State: stateOf(ci), Members: members,
			Partitions: []backends.PartitionLag{p}})
	}
	return snap, nil
}

func partitionLag(ci *jetstream.ConsumerInfo, s jetstream.StreamState) backends.PartitionLag {
	p := backends.PartitionLag{Topic: ci.Stream, Committed: int64(floor(ci)), End: int64(s.LastSeq),
		Start: startOf(s), Lag: int64(ci.NumPending) + int64(ci.NumAckPending)}
	if members := membersOf(ci); len(members) == 1 {
		p.Member = members[0].ClientID
	}
	p.Deliveries = &backends.Deliveries{Pending: int64(ci.NumPending), Unacked: int64(ci.NumAckPending),
		Redelivered: int64(ci.NumRedelivered), Delivered: int64(ci.Delivered.Stream)}
	return p
}

// floor is the stream sequence everything up to which the consumer has acknowledged (or skipped by
// starting after it): its ack floor once it acknowledged something, its delivered sequence while nothing
// waits for an acknowledgement, and its start while it acknowledged nothing yet (the ack floor of a new
// consumer reads 0 on NATS before 2.10, wherever it starts).
func floor(ci *jetstream.ConsumerInfo) uint64 {
	switch {
	case ci.NumAckPending == 0:
		return ci.Delivered.Stream
	case ci.AckFloor.Consumer == 0 && ci.Config.DeliverPolicy == jetstream.DeliverByStartSequencePolicy:
		return max(ci.AckFloor.Stream, ci.Config.OptStartSeq-1)
	}
	return ci.AckFloor.Stream
}

// startOf is a stream's log start as an offset: its first sequence − 1 (its end when empty).
func startOf(s jetstream.StreamState) int64 {
	if s.Msgs == 0 || s.FirstSeq == 0 {
		return int64(s.LastSeq)
	}
	return int64(s.FirstSeq) - 1
}

// nextTime is when the first message after the consumer's ack floor (that its filter takes) was
// stored; zero when it cannot be read.
func (b *Backend) nextTime(ctx context.Context, s jetstream.Stream, ci *jetstream.ConsumerInfo) time.Time {
	if s == nil {
		return time.Time{}
	}
	ctx, cancel := b.bound(ctx)
	defer cancel()
	filter := ">"
	if f := filterOf(ci.Config); len(f) == 1 {
		filter = f[0]
	}
	m, err := s.GetMsg(ctx, floor(ci)+1, jetstream.WithGetMsgSubject(filter))
	if err != nil {
		return time.Time{}
	}
	return m.Time
}

func filterOf(c jetstream.ConsumerConfig) []string {
	if c.FilterSubject != "" {
		return []string{c.FilterSubject}
	}
	return c.FilterSubjects
}

// listConsumers reads a stream's consumers, mqscope's own left out.
func listConsumers(ctx context.Context, s jetstream.Stream) ([]*jetstream.ConsumerInfo, error) {
	var out []*jetstream.ConsumerInfo
	l := s.ListConsumers(ctx)
	for ci := range l.Info() {
		if !strings.HasPrefix(ci.Name, peekPrefix) {
			out = append(out, ci)
		}
	}
	return out, l.Err()
}

// streamGone says whether err is the server's "stream not found": on a shared server streams come and
// go between two requests of one snapshot.
func streamGone(err error) bool { return errors.Is(err, jetstream.ErrStreamNotFound) }
