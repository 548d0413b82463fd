package actions_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/kafka"
	"github.com/mqscope/mqscope/backends/rabbitmq"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/internal/testkit/kafkafix"
	"github.com/mqscope/mqscope/internal/testkit/rabbitfix"
	"github.com/mqscope/mqscope/logging"
)

// auditLog sends the audit log to a file for the test and returns a function that reads it.
func auditLog(t *testing.T) func() string {
	path := filepath.Join(t.TempDir(), "audit.log")
	c, err := logging.Open(path, slog.LevelInfo)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return func() string {
		data, _ := os.ReadFile(path)
		return string(data)
	}
}

// adminOp is one administrative change, and the audit text it must leave.
type adminOp struct {
	verb  actions.Verb
	do    func(*actions.Session) error
	audit string
}

// checkAdmin runs every op on a read-only session (each refused, and unchanged() must hold after), then on a
// writable one (each done, with its audit line).
func checkAdmin(t *testing.T, b backends.Backend, ops []adminOp, unchanged func() error) {
	log := auditLog(t)
	ro := actions.NewSession(b, config.Context{Name: "ro-admin", ReadOnly: true})
	for _, op := range ops {
		if err := op.do(ro); !errors.Is(err, actions.ErrReadOnly) {
			t.Errorf("read-only %s: %v, want a read-only refusal", op.verb, err)
		}
		if !strings.Contains(log(), `msg="mutation refused: read-only" action="`+string(op.verb)+`"`) &&
			!strings.Contains(log(), `msg="mutation refused: read-only" action=`+string(op.verb)+` `) {
			t.Errorf("no audit line for the refused %s", op.verb)
		}
	}
	if err := unchanged(); err != nil {
		t.Fatalf("after the refusals: %v", err)
	}
	rw := actions.NewSession(b, config.Context{Name: "rw-admin"})
	for _, op := range ops {
		if err := op.do(rw); err != nil {
			t.Fatalf("%s: %v", op.verb, err)
		}
		if !strings.Contains(log(), op.audit) {
			t.Errorf("audit log lacks %q after %s:\n%s", op.audit, op.verb, log())
		}
	}
}

func TestKafkaAdminVerbsGoThroughTheSession(t *testing.T) {
	c := kafkafix.Start(t, kfake.NumBrokers(1), kfake.SeedTopics(2, "t1"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	var offsets kadm.Offsets
	offsets.Add(kadm.Offset{Topic: "t1", Partition: 0, At: 0, LeaderEpoch: -1})
	if err := adm.CommitAllOffsets(ctx, "g", offsets); err != nil {
		t.Fatal(err)
	}
	b, err := kafka.Open(ctx, kafka.Config{Brokers: c.ListenAddrs()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	ops := []adminOp{
		{actions.VerbCreate, func(s *actions.Session) error {
			return s.CreateDestination(ctx, backends.DestinationSpec{Name: "t2", Partitions: 1, Configs: map[string]string{"retention.ms": "1000"}})
		}, `msg="mutation done" action=create context=rw-admin`},
		{actions.VerbAddPartitions, func(s *actions.Session) error { return s.AddPartitions(ctx, "t1", 3) },
			`action="add partitions" context=rw-admin user=`},
		{actions.VerbAlterConfig, func(s *actions.Session) error {
			return s.AlterTopicConfig(ctx, "t1", map[string]string{"retention.ms": "5000"}, nil)
		}, `action="alter config" context=rw-admin`},
		{actions.VerbDeleteOffsets, func(s *actions.Session) error { return s.DeleteGroupOffsets(ctx, "g", "t1") },
			`action="delete offsets" context=rw-admin`},
		{actions.VerbDeleteGroup, func(s *actions.Session) error { return s.DeleteGroup(ctx, "g") },
			`msg="mutation done" action="delete group" context=rw-admin`},
		{actions.VerbDelete, func(s *actions.Session) error { return s.DeleteDestination(ctx, "t2", backends.DeleteOptions{}) },
			`msg="mutation done" action=delete context=rw-admin`},
	}
	checkAdmin(t, b, ops, func() error {
		dests, err := actions.ListDestinations(ctx, b, backends.ListOptions{})
		if err != nil {
			return err
		}
		if len(dests) != 1 || dests[0].Name != "t1" || dests[0].Partitions != 2 {
			return errors.New("topics changed")
		}
		cfg, err := actions.NewSession(b, config.Context{ReadOnly: true}).TopicConfig(ctx, "t1")
		if err != nil {
			return err
		}
		for _, e := range cfg {
			if e.Source == backends.SourceTopic {
				return errors.New("a config was set on t1: " + e.Name)
			}
		}
		got, err := adm.FetchOffsets(ctx, "g")
		if err != nil || len(got["t1"]) != 1 {
			return errors.New("the group's offsets changed")
		}
		return nil
	})
}

func TestRabbitMQAdminVerbsGoThroughTheSession(t *testing.T) {
	v := rabbitfix.New(t)
	v.Declare(t, "kept", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := rabbitmq.Open(ctx, rabbitmq.Config{URL: v.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	bd := backends.Binding{Source: "ex", Destination: "kept", DestinationKind: backends.Queue, RoutingKey: "k"}
	ops := []adminOp{
		{actions.VerbCreate, func(s *actions.Session) error {
			return s.CreateDestination(ctx, backends.DestinationSpec{Name: "new", Type: "quorum"})
		}, `msg="mutation done" action=create context=rw-admin`},
		{actions.VerbDeclareExch, func(s *actions.Session) error {
			return s.DeclareExchange(ctx, backends.ExchangeSpec{Name: "ex", Type: "direct"})
		}, `action="declare exchange" context=rw-admin`},
		{actions.VerbBind, func(s *actions.Session) error { return s.Bind(ctx, bd) }, `action=bind context=rw-admin`},
		{actions.VerbUnbind, func(s *actions.Session) error { return s.Unbind(ctx, bd) }, `action=unbind context=rw-admin`},
		{actions.VerbSetPolicy, func(s *actions.Session) error {
			return s.SetPolicy(ctx, backends.Policy{Name: "p", Pattern: "^kept$", Definition: map[string]any{"max-length": 10}})
		}, `action="set policy" context=rw-admin`},
		{actions.VerbClearPolicy, func(s *actions.Session) error { return s.ClearPolicy(ctx, "p") }, `action="clear policy" context=rw-admin`},
		{actions.VerbDeleteExch, func(s *actions.Session) error { return s.DeleteExchange(ctx, "ex", backends.DeleteOptions{}) },
			`action="delete exchange" context=rw-admin`},
		{actions.VerbDelete, func(s *actions.Session) error {
			return s.DeleteDestination(ctx, "kept", backends.DeleteOptions{IfEmpty: true})
		},
			`msg="mutation done" action=delete context=rw-admin user=`},
	}
	checkAdmin(t, b, ops, func() error {
		ch := v.Channel(t)
		defer ch.Close()
		if _, err := ch.QueueDeclarePassive("kept", true, false, false, false, nil); err != nil {
			return err
		}
		if _, err := ch.QueueDeclarePassive("new", true, false, false, false, nil); err == nil {
			return errors.New("queue new was declared")
		}
		ch2 := v.Channel(t)
		defer ch2.Close()
		if err := ch2.ExchangeDeclarePassive("ex", "direct", false, false, false, false, nil); err == nil {
			return errors.New("exchange ex was declared")
		}
		ps, err := actions.NewSession(b, config.Context{ReadOnly: true}).Policies(ctx)
		if err != nil || len(ps) != 0 {
			return errors.New("a policy was set")
		}
		return nil
	})
}
