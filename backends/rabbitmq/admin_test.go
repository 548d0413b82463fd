package rabbitmq_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/rabbitmq"
)

func adminCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestDeclareQueueTypesAndArguments(t *testing.T) {
	f := newFixture(t)
	b := open(t, rabbitmq.Config{URL: f.URL})
	ctx := adminCtx(t)
	spec := backends.DestinationSpec{Name: "q-quorum", Type: "quorum", Arguments: map[string]any{
		"x-delivery-limit": int64(5), "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "q-dlq"}}
	if err := b.CreateDestination(ctx, spec); err != nil {
		t.Fatal(err)
	}
	if err := b.CreateDestination(ctx, backends.DestinationSpec{Name: "q-stream", Type: "stream",
		Arguments: map[string]any{"x-max-age": "1D"}}); err != nil {
		t.Fatal(err)
	}
	ch := f.Channel(t)
	defer ch.Close()
	if _, err := ch.QueueDeclarePassive("q-quorum", true, false, false, false, nil); err != nil {
		t.Fatalf("the declared quorum queue is not there: %v", err)
	}
	got := listUntil(t, b, func(m map[string]backends.Destination) error {
		if m["q-quorum"].Type != "quorum" || m["q-stream"].Type != "stream" {
			return errors.New("types not listed yet")
		}
		return nil
	})
	if dl := got["q-quorum"].DeadLetter; dl == nil || dl.DeliveryLimit != 5 || dl.RoutingKey != "q-dlq" {
		t.Errorf("dead-lettering of the declared queue = %+v", dl)
	}
}

func TestArgumentsOfTheWrongTypeAreRefusedBeforeSending(t *testing.T) {
	f := newFixture(t)
	b := open(t, rabbitmq.Config{URL: f.URL})
	for _, spec := range []backends.DestinationSpec{
		{Name: "bad-ttl", Arguments: map[string]any{"x-message-ttl": "10s"}},
		{Name: "bad-dlx", Arguments: map[string]any{"x-dead-letter-exchange": int64(1)}},
		{Name: "bad-limit", Arguments: map[string]any{"x-delivery-limit": int64(3)}}, // classic
		{Name: "bad-type", Type: "lazy"},
	} {
		if err := b.CreateDestination(adminCtx(t), spec); err == nil {
			t.Errorf("%s declared", spec.Name)
		}
		if there, _ := b.Exists(adminCtx(t), spec.Name); there {
			t.Errorf("%s reached the broker", spec.Name)
		}
	}
}

// A name with a carriage return or line feed is refused before the declare: RabbitMQ drops those characters
// and would create another queue than the one asked for (3.10.8: "a\rb" became "ab").
func TestQueueNameTheBrokerWouldChangeIsRefused(t *testing.T) {
	f := newFixture(t)
	b := open(t, rabbitmq.Config{URL: f.URL})
	err := b.CreateDestination(adminCtx(t), backends.DestinationSpec{Name: "orders\rx"})
	if err == nil || !strings.Contains(err.Error(), "carriage return or line feed") || strings.Contains(err.Error(), "\r") {
		t.Fatalf("create orders\\rx: %v; want a refusal naming the character, escaped", err)
	}
	if there, _ := b.Exists(adminCtx(t), "ordersx"); there {
		t.Error("the broker got the declare and created ordersx")
	}
}

func TestInequivalentDeclareSaysWhichArgumentDiffers(t *testing.T) {
	f := newFixture(t)
	f.Declare(t, "held", amqp.Table{"x-max-length": int64(5)})
	b := open(t, rabbitmq.Config{URL: f.URL})
	err := b.CreateDestination(adminCtx(t), backends.DestinationSpec{Name: "held", Durable: true,
		Arguments: map[string]any{"x-max-length": int64(10)}})
	if !errors.Is(err, backends.ErrExists) || !strings.Contains(err.Error(), "x-max-length is 5 there, 10 asked") ||
		!strings.Contains(err.Error(), "PRECONDITION_FAILED") {
		t.Errorf("inequivalent declare: %v", err)
	}
	same := b.CreateDestination(adminCtx(t), backends.DestinationSpec{Name: "held", Durable: true,
		Arguments: map[string]any{"x-max-length": int64(5)}})
	if !errors.Is(same, backends.ErrExists) {
		t.Errorf("equivalent declare of an existing queue: %v, want ErrExists", same)
	}
}

func TestDeleteQueueConditions(t *testing.T) {
	f := newFixture(t)
	f.Declare(t, "full", nil)
	f.PutBodies(t, "full", "one")
	f.WaitReady(t, "full", 1)
	b := open(t, rabbitmq.Config{URL: f.URL})
	if err := b.DeleteDestination(adminCtx(t), "full", backends.DeleteOptions{IfEmpty: true}); err == nil {
		t.Error("if-empty deletion of a queue holding a message succeeded")
	}
	if f.Ready(t, "full") != 1 {
		t.Fatal("a refused deletion lost the message")
	}
	if err := b.DeleteDestination(adminCtx(t), "full", backends.DeleteOptions{IfUnused: true}); err != nil {
		t.Fatalf("if-unused deletion of a queue without consumers: %v", err)
	}
	if err := b.DeleteDestination(adminCtx(t), "full", backends.DeleteOptions{}); !errors.Is(err, backends.ErrNotFound) {
		t.Errorf("deleting a deleted queue: %v, want ErrNotFound", err)
	}
}

// Quorum queues refuse if-empty with NOT_IMPLEMENTED, which closes the connection: the adapter checks the
// count itself, and the connection stays up.
func TestIfEmptyOnAQuorumQueue(t *testing.T) {
	f := newFixture(t)
	f.Declare(t, "qq", amqp.Table{"x-queue-type": "quorum"})
	f.PutBodies(t, "qq", "one")
	f.WaitReady(t, "qq", 1)
	b := open(t, rabbitmq.Config{URL: f.URL})
	err := b.DeleteDestination(adminCtx(t), "qq", backends.DeleteOptions{IfEmpty: true})
	if err == nil || !strings.Contains(err.Error(), "holds 1 message") {
		t.Errorf("if-empty deletion of a quorum queue holding a message: %v", err)
	}
	if f.Ready(t, "qq") != 1 {
		t.Fatal("a refused deletion lost the message")
	}
	f.DeleteQueue(t, "qq")
	f.Declare(t, "qq", amqp.Table{"x-queue-type": "quorum"})
	if err := b.DeleteDestination(adminCtx(t), "qq", backends.DeleteOptions{IfEmpty: true}); err != nil {
		t.Errorf("if-empty deletion of an empty quorum queue: %v", err)
	}
}

func TestExchangesBindingsPoliciesVhosts(t *testing.T) {
	f := newFixture(t)
	f.Declare(t, "orders", nil)
	b := open(t, rabbitmq.Config{URL: f.URL})
	ctx := adminCtx(t)
	if err := b.DeclareExchange(ctx, backends.ExchangeSpec{Name: "ex", Type: "topic", Durable: true}); err != nil {
		t.Fatal(err)
	}
	if err := b.DeclareExchange(ctx, backends.ExchangeSpec{Name: "ex2", Type: "fanout"}); err != nil {
		t.Fatal(err)
	}
	bind := backends.Binding{Source: "ex", Destination: "orders", DestinationKind: backends.Queue, RoutingKey: "order.*"}
	chain := backends.Binding{Source: "ex", Destination: "ex2", DestinationKind: backends.Exchange, RoutingKey: "#"}
	for _, bd := range []backends.Binding{bind, chain} {
		if err := b.Bind(ctx, bd); err != nil {
			t.Fatal(err)
		}
	}
	onQueue, err := b.Bindings(ctx, backends.Queue, "orders")
	if err != nil || !slices.ContainsFunc(onQueue, func(x backends.Binding) bool { return x.Source == "ex" && x.RoutingKey == "order.*" }) {
		t.Errorf("bindings of the queue = %+v, %v", onQueue, err)
	}
	fromEx, err := b.Bindings(ctx, backends.Exchange, "ex")
	if err != nil || len(fromEx) != 2 {
		t.Errorf("bindings leaving the exchange = %+v, %v; want 2", fromEx, err)
	}
	if err := b.DeleteExchange(ctx, "ex", backends.DeleteOptions{IfUnused: true}); err == nil {
		t.Error("if-unused deletion of a bound exchange succeeded")
	}
	if err := b.Unbind(ctx, bind); err != nil {
		t.Fatal(err)
	}
	if onQueue, _ = b.Bindings(ctx, backends.Queue, "orders"); slices.ContainsFunc(onQueue, func(x backends.Binding) bool { return x.Source == "ex" }) {
		t.Errorf("after unbinding: %+v", onQueue)
	}
	if err := b.DeleteExchange(ctx, "ex", backends.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := b.DeleteExchange(ctx, "ex", backends.DeleteOptions{}); !errors.Is(err, backends.ErrNotFound) {
		t.Errorf("deleting a deleted exchange: %v", err)
	}

	p := backends.Policy{Name: "cap", Pattern: "^orders$", ApplyTo: "queues", Priority: 3,
		Definition: map[string]any{"max-length": float64(100)}}
	if err := b.SetPolicy(ctx, p); err != nil {
		t.Fatal(err)
	}
	ps, err := b.Policies(ctx)
	if err != nil || len(ps) != 1 || ps[0].Pattern != "^orders$" || ps[0].Priority != 3 || ps[0].Definition["max-length"] != float64(100) {
		t.Errorf("policies = %+v, %v", ps, err)
	}
	if err := b.ClearPolicy(ctx, "cap"); err != nil {
		t.Fatal(err)
	}
	if err := b.ClearPolicy(ctx, "cap"); !errors.Is(err, backends.ErrNotFound) {
		t.Errorf("clearing a cleared policy: %v", err)
	}
	vhosts, err := b.Vhosts(ctx)
	if err != nil || !slices.Contains(vhosts, f.Name) {
		t.Errorf("vhosts = %v, %v; want the fixture's %s among them", vhosts, err, f.Name)
	}
}

func TestAdminWithoutTheManagementAPISaysSo(t *testing.T) {
	f := newFixture(t)
	b := open(t, rabbitmq.Config{URL: f.URL, ManagementURL: "http://127.0.0.1:1"})
	_, err := b.Policies(adminCtx(t))
	if !errors.Is(err, backends.ErrNotSupported) || !strings.HasPrefix(err.Error(), "listing policies needs the management API") {
		t.Errorf("policies without the API: %v", err)
	}
	if err := b.CreateDestination(adminCtx(t), backends.DestinationSpec{Name: "over-amqp"}); err != nil {
		t.Errorf("declaring needs AMQP only: %v", err)
	}
}
