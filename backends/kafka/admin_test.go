package kafka

import (
	"errors"
	"strings"
	"testing"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/backends"
)

func configOf(t *testing.T, b *Backend, topic string) map[string]backends.ConfigEntry {
	t.Helper()
	entries, err := b.TopicConfig(testCtx(t), topic)
	if err != nil {
		t.Fatalf("TopicConfig: %v", err)
	}
	m := map[string]backends.ConfigEntry{}
	for _, e := range entries {
		m[e.Name] = e
	}
	return m
}

func TestCreatedTopicReadsBackItsConfigsAndTheirSources(t *testing.T) {
	c := newCluster(t)
	b := open(t, c)
	spec := backends.DestinationSpec{Name: "orders", Partitions: 3, ReplicationFactor: 2,
		Configs: map[string]string{"retention.ms": "86400000"}}
	if err := b.CreateDestination(testCtx(t), spec); err != nil {
		t.Fatal(err)
	}
	if d := listTopics(t, b, backends.ListOptions{})["orders"]; d.Partitions != 3 || d.ReplicationFactor != 2 {
		t.Errorf("created topic lists %d partitions × %d replicas, want 3 × 2", d.Partitions, d.ReplicationFactor)
	}
	cfg := configOf(t, b, "orders")
	if e := cfg["retention.ms"]; e.Value != "86400000" || e.Source != backends.SourceTopic {
		t.Errorf("retention.ms = %+v, want 86400000 set on the topic", e)
	}
	if e, ok := cfg["cleanup.policy"]; !ok || e.Source == backends.SourceTopic {
		t.Errorf("cleanup.policy = %+v, %v; want an inherited value", e, ok)
	}

	if err := b.AlterTopicConfig(testCtx(t), "orders", map[string]string{"cleanup.policy": "compact"},
		[]string{"retention.ms"}); err != nil {
		t.Fatal(err)
	}
	cfg = configOf(t, b, "orders")
	if e := cfg["cleanup.policy"]; e.Value != "compact" || e.Source != backends.SourceTopic {
		t.Errorf("after set, cleanup.policy = %+v", e)
	}
	if e := cfg["retention.ms"]; e.Source == backends.SourceTopic {
		t.Errorf("after reset, retention.ms = %+v, want its inherited value", e)
	}

	if err := b.AddPartitions(testCtx(t), "orders", 5); err != nil {
		t.Fatal(err)
	}
	if d := listTopics(t, b, backends.ListOptions{})["orders"]; d.Partitions != 5 {
		t.Errorf("after adding, %d partitions, want 5", d.Partitions)
	}
	if err := b.AddPartitions(testCtx(t), "orders", 2); err == nil || strings.Contains(err.Error(), "\n") {
		t.Errorf("lowering the partition count: %v, want a one-line refusal", err)
	}
}

func TestBrokerRefusalsAreOneLineNamedAsTheBrokerNamesThem(t *testing.T) {
	c := newCluster(t)
	b := open(t, c)
	if err := b.CreateDestination(testCtx(t), backends.DestinationSpec{Name: "dup", Partitions: 1}); err != nil {
		t.Fatal(err)
	}
	// a.b collides with a_b in metric names: the broker refuses it.
	if err := b.CreateDestination(testCtx(t), backends.DestinationSpec{Name: "a_b", Partitions: 1}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		spec backends.DestinationSpec
		name string
		is   error
	}{
		{backends.DestinationSpec{Name: "dup", Partitions: 1}, "TOPIC_ALREADY_EXISTS", backends.ErrExists},
		{backends.DestinationSpec{Name: "wide", Partitions: 1, ReplicationFactor: 9}, "INVALID_REPLICATION_FACTOR",
			sarama.ErrInvalidReplicationFactor},
		{backends.DestinationSpec{Name: "a.b", Partitions: 1}, "INVALID_TOPIC_EXCEPTION", sarama.ErrInvalidTopic},
	} {
		err := b.CreateDestination(testCtx(t), tc.spec)
		if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.name+": ") || strings.Contains(err.Error(), "\n") {
			t.Errorf("create %s: %v; want one line naming %s", tc.spec.Name, err, tc.name)
		}
	}
	if err := b.ValidateDestination(testCtx(t), backends.DestinationSpec{Name: "dry", Partitions: 1}); err != nil {
		t.Fatal(err)
	}
	if _, ok := listTopics(t, b, backends.ListOptions{})["dry"]; ok {
		t.Error("a validated topic was created")
	}
}

func TestBrokerConfigsLeaveDefaultsOut(t *testing.T) {
	c := newCluster(t)
	b := open(t, c)
	cfgs, err := b.BrokerConfigs(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfgs) != 3 {
		t.Errorf("configs of %d brokers, want 3", len(cfgs))
	}
	for id, entries := range cfgs {
		for _, e := range entries {
			if e.Source == backends.SourceDefault {
				t.Errorf("broker %s: default %s listed", id, e.Name)
			}
		}
	}
}
