package screens

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/kafka"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/internal/testkit/kafkafix"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/progress"
)

// A redrive waiting out a cluster that does not answer for its target says so on the progress view, in
// the words a publish's wait is said in, and goes on once the cluster answers.
func TestRedriveProgressSaysWhileItWaitsForTheCluster(t *testing.T) {
	cluster := kafkafix.Start(t, kfake.NumBrokers(1), kfake.SeedTopics(1, "home", "home-dlt"))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := kafka.Open(ctx, kafka.Config{Brokers: cluster.ListenAddrs(), RequestTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	s := actions.NewSession(b, config.Context{Name: "test"})
	if _, err := s.Publish(ctx, actions.PublishOptions{Target: backends.Target{Destination: "home-dlt"},
		Body: []byte("{{seq}}"), Count: 20}, nil); err != nil {
		t.Fatal(err)
	}
	plan, err := actions.PlanRedrive(ctx, b, "home-dlt", actions.RedriveOptions{To: "home", Notice: 300 * time.Millisecond})
	if err != nil || plan.Moves() != 20 {
		t.Fatalf("plan %+v, %v; want 20 letters to home", plan, err)
	}
	c := common.New(config.Context{Name: "test"})
	connectTo(c, b, false)
	dropped := kafkafix.OutageAt(cluster, "home", 1500*time.Millisecond)
	var mu sync.Mutex
	var waiting *progress.Counts
	task := redriveTask(c, plan)
	if err := task.Run(ctx, b, func(p progress.Counts) {
		mu.Lock()
		defer mu.Unlock()
		if p.Waiting > 0 && waiting == nil {
			waiting = &p
		}
	}); err != nil || dropped.Load() == 0 {
		t.Fatalf("a redrive through a 1.5 s outage: %v (%d requests dropped)", err, dropped.Load())
	}
	if waiting == nil {
		t.Fatal("no progress said the redrive was waiting for the cluster")
	}
	v, _ := progressOf(t, task)
	v.Start(b)
	v.Progress(*waiting)
	want := present.StillWaiting(waiting.Waiting, 0, "moved")
	if !strings.Contains(want, "the broker has confirmed nothing for") || !strings.Contains(strip(v.View()), want) {
		t.Fatalf("the progress view lacks %q:\n%s", want, strip(v.View()))
	}
}
