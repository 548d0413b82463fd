package kafka

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/IBM/sarama"
	"golang.org/x/sync/errgroup"

	"github.com/mqscope/mqscope/backends"
)

// apiKeyOffsetFetch is the request that reads committed offsets; from version 8 (Kafka 3.0) it carries
// many groups.
const apiKeyOffsetFetch = 9

// LagSnapshot reads where the named groups (every consumer group when groups is empty) stand.
//
// Its cost grows with brokers and groups, never with partitions: the kept metadata (asked again at most
// every topologyMaxAge), then on every broker at once one ListGroups, one DescribeGroups and one
// OffsetFetch for all the groups it coordinates (one OffsetFetch per group before Kafka 3.0), then per
// partition leader one ListOffsets for log starts and one for log ends. LagSnapshot.Requests counts them.
func (b *Backend) LagSnapshot(ctx context.Context, groups []string) (backends.LagSnapshot, error) {
	snap, err := await(ctx, func() (backends.LagSnapshot, error) { return b.lagSnapshot(groups) })
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		b.abandoned()
	}
	if err != nil {
		b.forgetMetadata()
		return backends.LagSnapshot{}, fmt.Errorf("read consumer lag at %s: %w", b.address, err)
	}
	return snap, nil
}

// coordinated is what one coordinator says about the groups it holds.
type coordinated struct {
	addr      string
	names     []string // the asked groups it coordinates, sorted
	states    map[string]string
	described map[string]*sarama.GroupDescription
	committed map[string]map[topicPartition]int64
}

func (b *Backend) lagSnapshot(asked []string) (backends.LagSnapshot, error) {
	m := &meter{}
	t, err := b.cachedMetadata(m)
	if err != nil {
		return backends.LagSnapshot{}, err
	}
	coords, err := b.coordinators(m, t, asked)
	if err != nil {
		return backends.LagSnapshot{}, err
	}
	var g errgroup.Group
	for _, c := range coords {
		g.Go(func() (err error) {
			c.described, err = b.describeGroups(m, c.addr, c.names)
			return err
		})
		g.Go(func() (err error) {
			c.committed, err = b.committedOffsets(m, c.addr, c.names)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return backends.LagSnapshot{}, err
	}
	var groups []backends.GroupLag
	for _, c := range coords {
		for _, name := range c.names {
			groups = append(groups, groupLag(name, c))
		}
	}
	ranges, err := b.logRanges(m, t, partitionsIn(groups))
	if err != nil {
		return backends.LagSnapshot{}, err
	}
	snap := backends.LagSnapshot{At: time.Now()}
	for _, gl := range groups {
		for i := range gl.Partitions {
			measure(&gl.Partitions[i], ranges)
		}
		snap.Groups = append(snap.Groups, gl)
	}
	for _, name := range asked { // asked for, but no coordinator holds it: the broker would say Dead
		if !slices.ContainsFunc(snap.Groups, func(gl backends.GroupLag) bool { return gl.Group == name }) {
			snap.Groups = append(snap.Groups, backends.GroupLag{Group: name, State: "Dead"})
		}
	}
	slices.SortFunc(snap.Groups, func(x, y backends.GroupLag) int { return strings.Compare(x.Group, y.Group) })
	snap.Requests = m.count()
	return snap, nil
}

// coordinators asks every broker, at once, which groups it coordinates, and keeps the asked ones (every
// consumer group when none is asked). Brokers that coordinate none of them are left out.
func (b *Backend) coordinators(m *meter, t *topology, asked []string) ([]*coordinated, error) {
	all := make([]*coordinated, len(t.brokers))
	var g errgroup.Group
	for i, br := range t.brokers {
		g.Go(func() error {
			list, err := b.listCoordinated(m, br.addr)
			if err != nil {
				return err
			}
			c := &coordinated{addr: br.addr, states: make(map[string]string)}
			for name, protocolType := range list.Groups {
				if wanted(name, protocolType, asked) {
					c.names = append(c.names, name)
					c.states[name] = list.GroupsData[name].GroupState
				}
			}
			slices.Sort(c.names)
			all[i] = c
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(c *coordinated) bool { return len(c.names) == 0 }), nil
}

// wanted says whether a listed group belongs in the snapshot: one that was asked for, or, when none was,
// any group of consumers ("consumer" protocol, or "" for groups that only commit offsets). Kafka Connect
// and share groups keep no consumer offsets.
func wanted(name, protocolType string, asked []string) bool {
	if len(asked) > 0 {
		return slices.Contains(asked, name)
	}
	return protocolType == "consumer" || protocolType == ""
}

// committedOffsets reads the committed offsets of every partition of the named groups, which the broker at
// addr coordinates: all groups in one OffsetFetch where the cluster takes several (Kafka 3.0+), else one
// request per group.
func (b *Backend) committedOffsets(m *meter, addr string, names []string) (map[string]map[topicPartition]int64, error) {
	if b.speaks(apiKeyOffsetFetch, 8) {
		req := &sarama.OffsetFetchRequest{Version: 8}
		for _, name := range names {
			req.Groups = append(req.Groups, sarama.OffsetFetchRequestGroup{GroupId: name}) // no partitions: all
		}
		return b.offsetFetch(m, addr, req, names)
	}
	committed := make(map[string]map[topicPartition]int64, len(names))
	for _, name := range names {
		one, err := b.offsetFetch(m, addr, sarama.NewOffsetFetchRequest(protocolCeiling, name, nil), []string{name})
		if err != nil {
			return nil, err
		}
		maps.Copy(committed, one)
	}
	return committed, nil
}

// offsetFetch sends one OffsetFetch request for the named groups and reads their committed offsets.
func (b *Backend) offsetFetch(m *meter, addr string, req *sarama.OffsetFetchRequest, names []string) (map[string]map[topicPartition]int64, error) {
	var resp *sarama.OffsetFetchResponse
	err := b.request(m, addr, func(br *sarama.Broker) (err error) {
		resp, err = br.FetchOffset(req)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("OffsetFetch: %w", err)
	}
	answers := resp.Groups // v8+
	if resp.Version < 8 {
		answers = []sarama.OffsetFetchResponseGroup{{GroupId: names[0], Blocks: resp.Blocks, Err: resp.Err}}
	}
	committed := make(map[string]map[topicPartition]int64, len(names))
	for _, a := range answers {
		if a.Err != sarama.ErrNoError {
			return nil, fmt.Errorf("committed offsets of group %q: %w", a.GroupId, a.Err)
		}
		offsets := make(map[topicPartition]int64)
		for topic, blocks := range a.Blocks {
			for p, block := range blocks {
				if block.Err == sarama.ErrNoError && block.Offset >= 0 { // -1: nothing committed
					offsets[topicPartition{topic, p}] = block.Offset
				}
			}
		}
		committed[a.GroupId] = offsets
	}
	return committed, nil
}

// groupLag puts together one group's state, members and partitions, without log offsets yet.
func groupLag(name string, c *coordinated) backends.GroupLag {
	gl := backends.GroupLag{Group: name, State: c.states[name]}
	assigned := make(map[topicPartition]string) // → client id
	if d, ok := c.described[name]; ok {
		gl.State = d.State
		for _, id := range slices.Sorted(maps.Keys(d.Members)) {
			member := groupMember(id, d.Members[id], d.ProtocolType)
			for _, tp := range member.Assigned {
				assigned[topicPartition{tp.Topic, tp.Partition}] = member.ClientID
			}
			gl.Members = append(gl.Members, member)
		}
	}
	parts := make(map[topicPartition]bool)
	for tp := range c.committed[name] {
		parts[tp] = true
	}
	for tp := range assigned {
		parts[tp] = true
	}
	for _, tp := range slices.SortedFunc(maps.Keys(parts), comparePartitions) {
		committed, ok := c.committed[name][tp]
		if !ok {
			committed = -1
		}
		gl.Partitions = append(gl.Partitions, backends.PartitionLag{
			Topic: tp.topic, Partition: tp.partition, Committed: committed, Member: assigned[tp],
		})
	}
	return gl
}

// groupMember describes one member; its assignment is decoded for consumer groups only, as other
// protocols (Connect's) encode theirs differently.
func groupMember(id string, d *sarama.GroupMemberDescription, protocolType string) backends.GroupMember {
	// Kafka writes the client's address as Java prints it: "/10.0.0.7".
	member := backends.GroupMember{ID: id, ClientID: d.ClientId, Host: strings.TrimPrefix(d.ClientHost, "/")}
	if protocolType != "consumer" {
		return member
	}
	a, err := d.GetMemberAssignment()
	if err != nil || a == nil {
		return member
	}
	for _, topic := range slices.Sorted(maps.Keys(a.Topics)) {
		parts := slices.Sorted(slices.Values(a.Topics[topic]))
		for _, p := range parts {
			member.Assigned = append(member.Assigned, backends.TopicPartition{Topic: topic, Partition: p})
		}
	}
	return member
}

// partitionsIn lists, once each, the partitions the groups committed on or are assigned.
func partitionsIn(groups []backends.GroupLag) []topicPartition {
	seen := make(map[topicPartition]bool)
	var parts []topicPartition
	for _, g := range groups {
		for _, p := range g.Partitions {
			if tp := (topicPartition{p.Topic, p.Partition}); !seen[tp] {
				seen[tp] = true
				parts = append(parts, tp)
			}
		}
	}
	return parts
}

// measure sets a partition's log range and lag. A partition whose range is unknown keeps -1 for both
// ends and shows no lag: it is offline, its topic was deleted, or its topic is newer than the kept
// metadata (for at most topologyMaxAge).
func measure(p *backends.PartitionLag, ranges map[topicPartition]logRange) {
	r, ok := ranges[topicPartition{p.Topic, p.Partition}]
	if !ok {
		p.Start, p.End = -1, -1
		return
	}
	p.Start, p.End = r.start, r.end
	if p.Committed < 0 {
		p.Lag = r.end - r.start
	} else {
		p.Lag = max(r.end-p.Committed, 0)
	}
}
