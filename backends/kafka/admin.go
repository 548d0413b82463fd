package kafka

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/mqscope/mqscope/backends"
)

var (
	_ backends.DestinationCreator = (*Backend)(nil)
	_ backends.DestinationDeleter = (*Backend)(nil)
	_ backends.PartitionAdder     = (*Backend)(nil)
	_ backends.TopicConfigurer    = (*Backend)(nil)
	_ backends.GroupDeleter       = (*Backend)(nil)
	_ backends.ClusterDescriber   = (*Backend)(nil)
	_ backends.BrokerConfigurer   = (*Backend)(nil)
)

// refusal is an error the broker answered with: its protocol name (TOPIC_ALREADY_EXISTS, POLICY_VIOLATION,
// INVALID_REPLICATION_FACTOR) and its own message where it gave one, so that what the user reads is what
// the broker's documentation and logs call it.
type refusal struct {
	code    sarama.KError
	message string
}

func refused(code sarama.KError, message string) error {
	if code == sarama.ErrNoError {
		return nil
	}
	return &refusal{code, message}
}

func refusedPtr(code sarama.KError, message *string) error {
	if message == nil {
		return refused(code, "")
	}
	return refused(code, *message)
}

func (e *refusal) Error() string {
	name, detail := strconv.Itoa(int(e.code)), e.code.Error()
	if k, ok := kerr.ErrorForCode(int16(e.code)).(*kerr.Error); ok {
		name, detail = k.Message, k.Description
	}
	return name + ": " + cmp.Or(e.message, detail)
}

// Unwrap gives the sarama code and the sentinel front ends test for.
func (e *refusal) Unwrap() []error {
	errs := []error{e.code}
	switch e.code {
	case sarama.ErrTopicAlreadyExists:
		errs = append(errs, backends.ErrExists)
	case sarama.ErrUnknownTopicOrPartition, sarama.ErrGroupIDNotFound:
		errs = append(errs, backends.ErrNotFound)
	case sarama.ErrNonEmptyGroup, sarama.ErrGroupSubscribedToTopic:
		errs = append(errs, backends.ErrGroupActive)
	}
	return errs
}

// adminTimeout is how long the controller may take to carry out a change before it answers; shorter than
// the connection's read timeout, so that its answer arrives before the connection gives up.
func (b *Backend) adminTimeout() time.Duration { return b.conf.Net.ReadTimeout / 2 }

// onController sends one request to the cluster's controller, which topic changes need on clusters that
// do not forward them.
func (b *Backend) onController(send func(*sarama.Broker) error) error {
	c, err := b.describeCluster()
	if err != nil {
		return err
	}
	addr, ok := c.addr(c.controller)
	if !ok {
		return b.onAnyBroker(nil, send)
	}
	return b.request(nil, addr, send)
}

// do runs one admin operation under ctx and wraps its error with what was being done.
func (b *Backend) do(ctx context.Context, what string, fn func() error) error {
	_, err := await(ctx, func() (struct{}, error) { return struct{}{}, fn() })
	return b.failed(what, err)
}

// CreateDestination creates a topic with spec's partitions, replication factor and configs (0 takes the
// broker's default).
func (b *Backend) CreateDestination(ctx context.Context, spec backends.DestinationSpec) error {
	return b.do(ctx, "create topic "+spec.Name, func() error { return b.createTopic(spec, false) })
}

// ValidateDestination asks the controller whether it would create spec, creating nothing: a dry run the
// broker itself judges (policies, replication factor, configs).
func (b *Backend) ValidateDestination(ctx context.Context, spec backends.DestinationSpec) error {
	return b.do(ctx, "check topic "+spec.Name, func() error { return b.createTopic(spec, true) })
}

func (b *Backend) createTopic(spec backends.DestinationSpec, validateOnly bool) error {
	detail := &sarama.TopicDetail{NumPartitions: -1, ReplicationFactor: -1, ConfigEntries: map[string]*string{}}
	if spec.Partitions > 0 {
		detail.NumPartitions = int32(spec.Partitions)
	}
	if spec.ReplicationFactor > 0 {
		detail.ReplicationFactor = int16(spec.ReplicationFactor)
	}
	for k, v := range spec.Configs {
		detail.ConfigEntries[k] = &v
	}
	req := &sarama.CreateTopicsRequest{Version: 4, Timeout: b.adminTimeout(), ValidateOnly: validateOnly,
		TopicDetails: map[string]*sarama.TopicDetail{spec.Name: detail}}
	var resp *sarama.CreateTopicsResponse
	err := b.onController(func(br *sarama.Broker) (err error) {
		resp, err = br.CreateTopics(req)
		return err
	})
	if err != nil {
		return fmt.Errorf("CreateTopics: %w", err)
	}
	b.forgetMetadata()
	if te := resp.TopicErrors[spec.Name]; te != nil {
		return refusedPtr(te.Err, te.ErrMsg)
	}
	return nil
}

// DeleteDestination deletes a topic and its records. Kafka has no conditions on it: opts must be empty.
func (b *Backend) DeleteDestination(ctx context.Context, topic string, opts backends.DeleteOptions) error {
	if opts.IfEmpty || opts.IfUnused {
		return fmt.Errorf("delete topic %s: Kafka deletes a topic whatever it holds or who reads it "+
			"(if-empty and if-unused are RabbitMQ's): %w", topic, backends.ErrNotSupported)
	}
	return b.do(ctx, "delete topic "+topic, func() error {
		req := &sarama.DeleteTopicsRequest{Version: 5, Topics: []string{topic}, Timeout: b.adminTimeout()}
		var resp *sarama.DeleteTopicsResponse
		err := b.onController(func(br *sarama.Broker) (err error) {
			resp, err = br.DeleteTopics(req)
			return err
		})
		if err != nil {
			return fmt.Errorf("DeleteTopics: %w", err)
		}
		b.forgetMetadata()
		return refusedPtr(resp.TopicErrorCodes[topic], resp.TopicErrorMessages[topic])
	})
}

// AddPartitions raises topic's partition count to total.
func (b *Backend) AddPartitions(ctx context.Context, topic string, total int) error {
	return b.do(ctx, "add partitions to topic "+topic, func() error {
		req := &sarama.CreatePartitionsRequest{Version: 1, Timeout: b.adminTimeout(),
			TopicPartitions: map[string]*sarama.TopicPartition{topic: {Count: int32(total)}}}
		var resp *sarama.CreatePartitionsResponse
		err := b.onController(func(br *sarama.Broker) (err error) {
			resp, err = br.CreatePartitions(req)
			return err
		})
		if err != nil {
			return fmt.Errorf("CreatePartitions: %w", err)
		}
		b.forgetMetadata()
		if pe := resp.TopicPartitionErrors[topic]; pe != nil {
			return refusedPtr(pe.Err, pe.ErrMsg)
		}
		return nil
	})
}

// TopicConfig is every config of topic with its effective value and where it comes from, sorted by name.
func (b *Backend) TopicConfig(ctx context.Context, topic string) ([]backends.ConfigEntry, error) {
	var entries []backends.ConfigEntry
	err := b.do(ctx, "describe configs of topic "+topic, func() (err error) {
		entries, err = b.describeConfigs(nil, sarama.TopicResource, topic)
		return err
	})
	return entries, err
}

// onBrokerOrAny sends to the broker at addr, or to any broker when addr is nil.
func (b *Backend) onBrokerOrAny(addr *string, send func(*sarama.Broker) error) error {
	if addr != nil {
		return b.request(nil, *addr, send)
	}
	return b.onAnyBroker(nil, send)
}

// describeConfigs asks for one resource's configs; addr "" asks any broker (topics), a broker's own
// configs must be asked of that broker.
func (b *Backend) describeConfigs(addr *string, kind sarama.ConfigResourceType, name string) ([]backends.ConfigEntry, error) {
	req := &sarama.DescribeConfigsRequest{Version: 1,
		Resources: []*sarama.ConfigResource{{Type: kind, Name: name}}}
	var resp *sarama.DescribeConfigsResponse
	send := func(br *sarama.Broker) (err error) {
		resp, err = br.DescribeConfigs(req)
		return err
	}
	if err := b.onBrokerOrAny(addr, send); err != nil {
		return nil, fmt.Errorf("DescribeConfigs: %w", err)
	}
	if len(resp.Resources) != 1 {
		return nil, fmt.Errorf("DescribeConfigs: %d resources in the answer, want 1", len(resp.Resources))
	}
	r := resp.Resources[0]
	if err := refused(sarama.KError(r.ErrorCode), r.ErrorMsg); err != nil {
		return nil, err
	}
	entries := make([]backends.ConfigEntry, 0, len(r.Configs))
	for _, c := range r.Configs {
		entries = append(entries, backends.ConfigEntry{Name: c.Name, Value: c.Value, Source: sourceOf(c),
			Sensitive: c.Sensitive, ReadOnly: c.ReadOnly})
	}
	slices.SortFunc(entries, func(x, y backends.ConfigEntry) int { return cmp.Compare(x.Name, y.Name) })
	return entries, nil
}

// sourceOf folds Kafka's five sources into the three a user decides by: set on the topic, set for the
// brokers (statically or dynamically, one broker or all), or the built-in default.
func sourceOf(c *sarama.ConfigEntry) backends.ConfigSource {
	switch c.Source {
	case sarama.SourceTopic:
		return backends.SourceTopic
	case sarama.SourceDynamicBroker, sarama.SourceDynamicDefaultBroker, sarama.SourceStaticBroker:
		return backends.SourceBroker
	case sarama.SourceDefault:
		return backends.SourceDefault
	}
	if c.Default { // version 0 answers say only whether it is the default
		return backends.SourceDefault
	}
	return backends.SourceTopic
}

// AlterTopicConfig sets and resets topic configs in one IncrementalAlterConfigs request; configs it does
// not name keep their values (the older AlterConfigs would have reset them all).
func (b *Backend) AlterTopicConfig(ctx context.Context, topic string, set map[string]string, reset []string) error {
	return b.do(ctx, "alter configs of topic "+topic, func() error {
		return b.alterConfigs(sarama.TopicResource, topic, nil, set, reset)
	})
}

// AlterBrokerConfig sets and resets the dynamic configs of one broker, asked of that broker (which alone
// takes its own), or with broker "" the cluster-wide default, asked of any.
func (b *Backend) AlterBrokerConfig(ctx context.Context, broker string, set map[string]string, reset []string) error {
	what := "alter the cluster-wide broker configs"
	if broker != "" {
		what = "alter the configs of broker " + broker
	}
	return b.do(ctx, what, func() error {
		if broker == "" {
			return b.alterConfigs(sarama.BrokerResource, "", nil, set, reset)
		}
		id, err := strconv.ParseInt(broker, 10, 32)
		if err != nil {
			return fmt.Errorf("broker %q: want a broker id, a whole number", broker)
		}
		c, err := b.describeCluster()
		if err != nil {
			return err
		}
		addr, ok := c.addr(int32(id))
		if !ok {
			return backends.NotFound("broker %d is not in the cluster", id)
		}
		return b.alterConfigs(sarama.BrokerResource, broker, &addr, set, reset)
	})
}

// alterConfigs sends one IncrementalAlterConfigs for one resource, to addr or (nil) any broker.
func (b *Backend) alterConfigs(kind sarama.ConfigResourceType, name string, addr *string, set map[string]string, reset []string) error {
	entries := make(map[string]sarama.IncrementalAlterConfigsEntry, len(set)+len(reset))
	for k, v := range set {
		entries[k] = sarama.IncrementalAlterConfigsEntry{Operation: sarama.IncrementalAlterConfigsOperationSet, Value: &v}
	}
	for _, k := range reset {
		if _, both := set[k]; both {
			return fmt.Errorf("config %s is both set and reset: say one", k)
		}
		entries[k] = sarama.IncrementalAlterConfigsEntry{Operation: sarama.IncrementalAlterConfigsOperationDelete}
	}
	req := &sarama.IncrementalAlterConfigsRequest{Resources: []*sarama.IncrementalAlterConfigsResource{
		{Type: kind, Name: name, ConfigEntries: entries}}}
	var resp *sarama.IncrementalAlterConfigsResponse
	send := func(br *sarama.Broker) (err error) {
		resp, err = br.IncrementalAlterConfigs(req)
		return err
	}
	if err := b.onBrokerOrAny(addr, send); err != nil {
		return fmt.Errorf("IncrementalAlterConfigs: %w", err)
	}
	for _, r := range resp.Resources {
		if err := refused(sarama.KError(r.ErrorCode), r.ErrorMsg); err != nil {
			return err
		}
	}
	return nil
}

// DeleteGroup deletes a consumer group and its committed offsets; the coordinator refuses while it has
// members (NON_EMPTY_GROUP).
func (b *Backend) DeleteGroup(ctx context.Context, group string) error {
	return b.do(ctx, fmt.Sprintf("delete group %q", group), func() error {
		addr, err := b.coordinator(group)
		if err != nil {
			return err
		}
		var resp *sarama.DeleteGroupsResponse
		err = b.request(nil, addr, func(br *sarama.Broker) (err error) {
			resp, err = br.DeleteGroups(&sarama.DeleteGroupsRequest{Version: 2, Groups: []string{group}})
			return err
		})
		if err != nil {
			return fmt.Errorf("DeleteGroups: %w", err)
		}
		return refused(resp.GroupErrorCodes[group], "")
	})
}

// DeleteGroupOffsets deletes the offsets group committed on every partition of topic (OffsetDelete, Kafka
// 2.4+). The coordinator refuses while a member of the group reads the topic
// (GROUP_SUBSCRIBED_TO_TOPIC).
func (b *Backend) DeleteGroupOffsets(ctx context.Context, group, topic string) error {
	if err := b.require("deleting a group's offsets", needsOffsetDelete); err != nil {
		return err
	}
	return b.do(ctx, fmt.Sprintf("delete offsets of group %q on topic %s", group, topic), func() error {
		_, tps, err := b.topicPartitions(topic, nil)
		if err != nil {
			return err
		}
		addr, err := b.coordinator(group)
		if err != nil {
			return err
		}
		req := &sarama.DeleteOffsetsRequest{Group: group}
		for _, tp := range tps {
			req.AddPartition(topic, tp.partition)
		}
		var resp *sarama.DeleteOffsetsResponse
		err = b.request(nil, addr, func(br *sarama.Broker) (err error) {
			resp, err = br.DeleteOffsets(req)
			return err
		})
		if err != nil {
			return fmt.Errorf("OffsetDelete: %w", err)
		}
		if err := refused(resp.ErrorCode, ""); err != nil {
			return err
		}
		var errs []error
		for _, tp := range tps {
			if code := resp.Errors[topic][tp.partition]; code != sarama.ErrNoError {
				errs = append(errs, fmt.Errorf("partition %s: %w", tp, refused(code, "")))
			}
		}
		return errors.Join(errs...)
	})
}

// BrokerConfigs are the configs each broker has away from Kafka's defaults, by broker id: one
// DescribeConfigs per broker, asked of that broker.
func (b *Backend) BrokerConfigs(ctx context.Context) (map[string][]backends.ConfigEntry, error) {
	out := map[string][]backends.ConfigEntry{}
	err := b.do(ctx, "describe broker configs", func() error {
		c, err := b.describeCluster()
		if err != nil {
			return err
		}
		for _, br := range c.brokers {
			id := strconv.Itoa(int(br.id))
			entries, err := b.describeConfigs(&br.addr, sarama.BrokerResource, id)
			if err != nil {
				return fmt.Errorf("broker %s: %w", id, err)
			}
			out[id] = slices.DeleteFunc(entries, func(e backends.ConfigEntry) bool { return e.Source == backends.SourceDefault })
		}
		return nil
	})
	return out, err
}
