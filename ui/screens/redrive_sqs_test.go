package screens

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends/sqs"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/internal/testkit/sqsfix"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/progress"
)

// The TUI's redrive of an SQS dry run the user confirmed hands that plan to the move task: the dead
// letters are not received again (SQS counts every receive) between the confirm and the task.
func TestRedriveOfAConfirmedSQSPlanReadsNoLetterAgain(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	s := sqsfix.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dlq, src := sqsfix.Unique("dlq"), sqsfix.Unique("orders")
	s.Queue(t, dlq, nil)
	url := s.WithDLQ(t, src, dlq, 1)
	for i := range 5 {
		s.Send(t, url, fmt.Sprint("order ", i), "", "", nil)
	}
	s.Fail(t, url)
	b, err := sqs.Open(ctx, sqs.Config{Endpoint: s.URL, Region: sqsfix.Region})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	plan, err := actions.PlanRedrive(ctx, b, dlq, actions.RedriveOptions{})
	if err != nil || plan.Letters != 5 || !byTask(plan) {
		t.Fatalf("plan %+v, %v; want 5 letters for the move task", plan, err)
	}
	c := common.New(config.Context{Name: "test"})
	connectTo(c, b, false)
	received := s.Received(dlq)
	if err := redriveTask(c, plan).Run(ctx, b, func(progress.Counts) {}); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Messages(t, src)); n != 5 || len(s.MoveTasks(dlq)) != 1 {
		t.Fatalf("%s got %d back, by %d move tasks; want 5 by one", src, n, len(s.MoveTasks(dlq)))
	}
	if n := s.Received(dlq) - received; n != 0 {
		t.Errorf("the redrive received %d letters again after the confirm", n)
	}
}
