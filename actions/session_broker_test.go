package actions_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/rabbitmq"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/internal/testkit/rabbitfix"
)

// RabbitMQ without its management API still publishes, peeks and moves over AMQP, but cannot say what a
// purge would remove: the session says so for purge alone, naming what is missing.
func TestSessionOfADegradedRabbitMQ(t *testing.T) {
	url := rabbitfix.New(t).URL
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := rabbitmq.Open(ctx, rabbitmq.Config{URL: url, ManagementURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	s := actions.NewSession(b, config.Context{Name: "no-api"})
	err = s.Can(actions.VerbPurge)
	var degraded *actions.DegradedError
	if !errors.As(err, &degraded) || degraded.Lacks != backends.Listing {
		t.Fatalf("purge without the management API: %v", err)
	}
	for _, v := range []actions.Verb{actions.VerbPublish, actions.VerbPeek, actions.VerbRedrive, actions.VerbReplay} {
		if err := s.Can(v); err != nil {
			t.Errorf("%s over AMQP alone: %v", v, err)
		}
	}
	if _, err := s.Purge(ctx, "anything"); !errors.As(err, &degraded) {
		t.Errorf("the purge itself is refused the same way: %v", err)
	}

	whole, err := rabbitmq.Open(ctx, rabbitmq.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer whole.Close()
	if err := actions.NewSession(whole, config.Context{Name: "api"}).Can(actions.VerbPurge); err != nil {
		t.Errorf("purge with the management API: %v", err)
	}
}
