package actions_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends/kafka"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/demo"
	"github.com/mqscope/mqscope/internal/testkit/demofix"
)

// ResetOffsets looks at the group again: a plan made while it was Empty is refused once a consumer has
// joined, and the committed offsets stay as they were.
func TestExecuteResetRefusesAGroupThatBecameActive(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cluster := demofix.Start(t)
	b, err := kafka.Open(ctx, kafka.Config{Brokers: cluster.Bootstrap()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	plan, err := actions.PlanReset(ctx, b, demo.Audit, demo.Inventory, actions.ResetTarget{Kind: actions.ResetEarliest})
	if err != nil || plan.State != "Empty" || plan.CheckInactive() != nil {
		t.Fatalf("plan %+v, %v; want the Empty group", plan, err)
	}

	member, err := kgo.NewClient(kgo.SeedBrokers(cluster.Bootstrap()...), kgo.ConsumerGroup(demo.Audit),
		kgo.ConsumeTopics(demo.Inventory), kgo.DisableAutoCommit())
	if err != nil {
		t.Fatal(err)
	}
	defer member.Close()
	go func() {
		for !member.PollFetches(ctx).IsClientClosed() && ctx.Err() == nil {
		}
	}()
	for {
		s, err := actions.LagSnapshot(ctx, b, []string{demo.Audit})
		if err != nil {
			t.Fatal(err)
		}
		if g := s.Groups[0]; g.State == "Stable" && len(g.Members) == 1 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}

	err = actions.NewSession(b, config.Context{}).ResetOffsets(ctx, plan)
	var active *actions.ActiveGroupError
	if !errors.As(err, &active) || active.State != "Stable" || active.Members != 1 || !errors.Is(err, actions.ErrGroupActive) {
		t.Fatalf("ExecuteReset on a group that became active: %v", err)
	}
	s, err := actions.LagSnapshot(ctx, b, []string{demo.Audit})
	if err != nil {
		t.Fatal(err)
	}
	seeded, _ := cluster.Seeded().Group(demo.Audit)
	for _, p := range s.Groups[0].Partitions {
		if want := seeded.Committed[p.Topic][p.Partition]; p.Committed != want {
			t.Errorf("%s/%d committed %d after the refusal, seeded %d", p.Topic, p.Partition, p.Committed, want)
		}
	}
}
