package rabbitmq

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/sanitize"
)

var (
	_ backends.DestinationCreator = (*Backend)(nil)
	_ backends.DestinationDeleter = (*Backend)(nil)
	_ backends.ExchangeAdmin      = (*Backend)(nil)
	_ backends.Binder             = (*Backend)(nil)
	_ backends.PolicyAdmin        = (*Backend)(nil)
	_ backends.VhostLister        = (*Backend)(nil)
)

// onChannel runs one AMQP operation on a channel of its own: a refusal closes the channel, never the
// shared connection's other work.
func (b *Backend) onChannel(ctx context.Context, op func(*amqp.Channel) error) error {
	ch, err := b.channel(ctx)
	if err != nil {
		return err
	}
	defer ch.Close()
	defer closeOnDone(ctx, ch)()
	if err := op(ch); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	return nil
}

// exists says whether queue is there (a passive declare on a channel of its own).
func (b *Backend) exists(ctx context.Context, queue string) (bool, error) {
	err := b.onChannel(ctx, func(ch *amqp.Channel) error {
		_, err := ch.QueueDeclarePassive(queue, false, false, false, false, nil)
		return err
	})
	var aerr *amqp.Error
	switch {
	case errors.As(err, &aerr) && aerr.Code == amqp.NotFound:
		return false, nil
	case err != nil:
		return false, fmt.Errorf("queue %s: %w", quoted(queue), amqpErr(err))
	}
	return true, nil
}

// CreateDestination declares a queue of spec's type, with its arguments checked first. One that exists
// already is ErrExists; one that exists with other arguments says which differ and what the queue has.
func (b *Backend) CreateDestination(ctx context.Context, spec backends.DestinationSpec) error {
	args := maps.Clone(spec.Arguments)
	if args == nil {
		args = map[string]any{}
	}
	if err := backends.CheckQueueArguments(spec.Type, args); err != nil {
		return err
	}
	if strings.ContainsAny(spec.Name, "\r\n") {
		// Seen on 3.10.8: "a\rb" is declared as "ab", so the queue asked for would never exist.
		return fmt.Errorf("queue name %s has a carriage return or line feed, which RabbitMQ drops from queue names: "+
			"choose a name without them", quoted(spec.Name))
	}
	if spec.Type != "" {
		args["x-queue-type"] = spec.Type
	}
	durable := spec.Durable || queueTypeOfArgs(args) != typeClassic // quorum queues and streams always are
	there, err := b.exists(ctx, spec.Name)
	if err != nil {
		return err
	}
	var declared string
	err = b.onChannel(ctx, func(ch *amqp.Channel) error {
		q, err := ch.QueueDeclare(spec.Name, durable, false, false, false, amqp.Table(args))
		declared = q.Name
		return err
	})
	var aerr *amqp.Error
	switch {
	case errors.As(err, &aerr) && aerr.Code == amqp.PreconditionFailed:
		return b.inequivalent(ctx, spec.Name, durable, args, aerr)
	case err != nil:
		return fmt.Errorf("declare queue %s: %w", quoted(spec.Name), amqpErr(err))
	case there:
		return fmt.Errorf("queue %s: %w (with these arguments)", quoted(spec.Name), backends.ErrExists)
	case declared != spec.Name:
		return fmt.Errorf("the broker created the queue as %s, not as %s: it changed the name", quoted(declared), quoted(spec.Name))
	}
	return nil
}

func queueTypeOfArgs(args map[string]any) string {
	if t, ok := args["x-queue-type"].(string); ok && t != "" {
		return t
	}
	return typeClassic
}

// inequivalentError is a declaration the broker refused (PRECONDITION_FAILED) because the queue exists
// with other settings: which differ, what the queue has and what was asked.
type inequivalentError struct {
	queue string
	diffs []string
}

func (e *inequivalentError) Error() string {
	return fmt.Sprintf("queue %s exists with other settings (PRECONDITION_FAILED): %s; a queue's arguments "+
		"cannot change: delete it and declare it again, or use a policy", quoted(e.queue), strings.Join(e.diffs, "; "))
}

func (e *inequivalentError) Unwrap() error { return backends.ErrExists }

// inequivalent explains a PRECONDITION_FAILED declare by comparing what was asked with what the queue
// has, from the management API; without it, the broker's own reason says the first difference.
func (b *Backend) inequivalent(ctx context.Context, name string, durable bool, asked map[string]any, refusal *amqp.Error) error {
	var q struct {
		apiQueue
		Durable bool `json:"durable"`
	}
	if b.managementAPI(ctx) != nil ||
		getOne(ctx, b.api, "/api/queues/"+segment(b.vhost), name, "name,type,durable,arguments", &q) != nil {
		return &inequivalentError{name, []string{sanitize.Line(refusal.Reason)}}
	}
	var diffs []string
	if q.Durable != durable {
		diffs = append(diffs, fmt.Sprintf("durable is %t there, %t asked", q.Durable, durable))
	}
	has := map[string]any(q.Arguments)
	if _, ok := has["x-queue-type"]; !ok && q.Type != "" {
		has = maps.Clone(has)
		if has == nil {
			has = map[string]any{}
		}
		has["x-queue-type"] = q.Type
	}
	for _, k := range slices.Sorted(maps.Keys(mergeKeys(has, asked))) {
		h, hok := has[k]
		a, aok := asked[k]
		switch {
		case hok && aok && fmt.Sprint(h) == fmt.Sprint(a):
		case k == "x-queue-type" && !aok && h == typeClassic:
		case !aok:
			diffs = append(diffs, fmt.Sprintf("%s is %v there, not asked", k, h))
		case !hok:
			diffs = append(diffs, fmt.Sprintf("%s is unset there, %v asked", k, a))
		default:
			diffs = append(diffs, fmt.Sprintf("%s is %v there, %v asked", k, h, a))
		}
	}
	if len(diffs) == 0 {
		diffs = []string{sanitize.Line(refusal.Reason)}
	}
	return &inequivalentError{name, diffs}
}

func mergeKeys(x, y map[string]any) map[string]bool {
	keys := map[string]bool{}
	for k := range x {
		keys[k] = true
	}
	for k := range y {
		keys[k] = true
	}
	return keys
}

// DeleteDestination deletes a queue and its messages; with opts the broker refuses while the queue holds
// messages (IfEmpty) or has consumers (IfUnused). A queue that is not there is ErrNotFound: the broker
// itself would answer its deletion with success.
//
// Quorum queues and streams do not take if-empty (the broker answers NOT_IMPLEMENTED, which closes the
// whole connection): for them the count is checked just before an unconditional delete, so a message
// published in between goes with the queue.
func (b *Backend) DeleteDestination(ctx context.Context, queue string, opts backends.DeleteOptions) error {
	info, err := b.queueInfo(ctx, queue)
	if err != nil {
		return err
	}
	there, err := b.exists(ctx, queue)
	if err != nil {
		return err
	}
	if !there {
		return b.missingQueue(ctx, queue)
	}
	ifEmpty := opts.IfEmpty
	if ifEmpty && (info.Type == typeQuorum || info.Type == typeStream) {
		if err := b.checkEmpty(ctx, queue, info.Type); err != nil {
			return err
		}
		ifEmpty = false
	}
	ch, done, err := b.channelFor(ctx, info)
	if err != nil {
		return err
	}
	defer done()
	defer closeOnDone(ctx, ch)()
	if _, err := ch.QueueDelete(queue, opts.IfUnused, ifEmpty, false); err != nil {
		return fmt.Errorf("delete queue %s: %w", quoted(queue), amqpErr(err))
	}
	return nil
}

// checkEmpty refuses, as the broker does for a classic queue, to delete a queue that holds messages.
func (b *Backend) checkEmpty(ctx context.Context, queue, kind string) error {
	var n int
	if kind == typeStream {
		var q apiQueue
		if err := getOne(ctx, b.api, "/api/queues/"+segment(b.vhost), queue, "name,messages", &q); err != nil {
			return fmt.Errorf("count the messages of %s: %w", quoted(queue), err)
		}
		if q.Messages == nil {
			return fmt.Errorf("delete queue %s if empty: the broker gives no count for it now, so it is kept", quoted(queue))
		}
		n = int(*q.Messages)
	} else if err := b.onChannel(ctx, func(ch *amqp.Channel) (err error) {
		n, err = b.passive(ctx, ch, queue)
		return err
	}); err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("delete queue %s if empty: it holds %d message(s), so it is kept", quoted(queue), n)
	}
	return nil
}

// DeclareExchange declares an exchange; one that exists with other settings is refused by the broker.
func (b *Backend) DeclareExchange(ctx context.Context, spec backends.ExchangeSpec) error {
	kind := cmp.Or(spec.Type, amqp.ExchangeDirect)
	err := b.onChannel(ctx, func(ch *amqp.Channel) error {
		return ch.ExchangeDeclare(spec.Name, kind, spec.Durable, spec.AutoDelete, spec.Internal, false, amqp.Table(spec.Arguments))
	})
	if err != nil {
		return fmt.Errorf("declare exchange %s: %w", quoted(spec.Name), amqpErr(err))
	}
	return nil
}

// DeleteExchange deletes an exchange and its bindings; with IfUnused the broker refuses while it is the
// source of a binding. One that is not there is ErrNotFound.
func (b *Backend) DeleteExchange(ctx context.Context, name string, opts backends.DeleteOptions) error {
	err := b.onChannel(ctx, func(ch *amqp.Channel) error {
		return ch.ExchangeDeclarePassive(name, "direct", false, false, false, false, nil)
	})
	var aerr *amqp.Error
	if errors.As(err, &aerr) && aerr.Code == amqp.NotFound {
		return notFoundError{fmt.Sprintf("no exchange %s in vhost %s", quoted(name), sanitize.Quote(b.vhost))}
	}
	err = b.onChannel(ctx, func(ch *amqp.Channel) error { return ch.ExchangeDelete(name, opts.IfUnused, false) })
	if err != nil {
		return fmt.Errorf("delete exchange %s: %w", quoted(name), amqpErr(err))
	}
	return nil
}

// Bind routes from the binding's source exchange to its queue or exchange.
func (b *Backend) Bind(ctx context.Context, bd backends.Binding) error {
	err := b.onChannel(ctx, func(ch *amqp.Channel) error {
		if bd.DestinationKind == backends.Exchange {
			return ch.ExchangeBind(bd.Destination, bd.RoutingKey, bd.Source, false, amqp.Table(bd.Arguments))
		}
		return ch.QueueBind(bd.Destination, bd.RoutingKey, bd.Source, false, amqp.Table(bd.Arguments))
	})
	if err != nil {
		return fmt.Errorf("bind %s to exchange %s: %w", quoted(bd.Destination), quoted(bd.Source), amqpErr(err))
	}
	return nil
}

// Unbind removes a binding; the broker takes the removal of one that is not there as done.
func (b *Backend) Unbind(ctx context.Context, bd backends.Binding) error {
	err := b.onChannel(ctx, func(ch *amqp.Channel) error {
		if bd.DestinationKind == backends.Exchange {
			return ch.ExchangeUnbind(bd.Destination, bd.RoutingKey, bd.Source, false, amqp.Table(bd.Arguments))
		}
		return ch.QueueUnbind(bd.Destination, bd.RoutingKey, bd.Source, amqp.Table(bd.Arguments))
	})
	if err != nil {
		return fmt.Errorf("unbind %s from exchange %s: %w", quoted(bd.Destination), quoted(bd.Source), amqpErr(err))
	}
	return nil
}

type apiBinding struct {
	Source          string `json:"source"`
	Destination     string `json:"destination"`
	DestinationType string `json:"destination_type"`
	RoutingKey      string `json:"routing_key"`
	Arguments       table  `json:"arguments"`
}

// needsAPI is the error of an administration call that only the management API can answer.
func (b *Backend) needsAPI(doing string, err error) error {
	what, fix := b.apiProblem(err)
	return withoutAPIError{doing + " needs the management API, and the " + what + "; " + fix}
}

// Bindings lists the bindings that lead to a queue, or that lead to and leave an exchange (management API).
func (b *Backend) Bindings(ctx context.Context, kind backends.DestinationKind, name string) ([]backends.Binding, error) {
	if err := b.managementAPI(ctx); err != nil {
		return nil, b.needsAPI("listing bindings", err)
	}
	var paths []string
	switch kind {
	case backends.Queue, backends.Stream:
		paths = []string{"/api/queues/" + segment(b.vhost) + "/" + segment(name) + "/bindings"}
	case backends.Exchange:
		base := "/api/exchanges/" + segment(b.vhost) + "/" + segment(name) + "/bindings/"
		paths = []string{base + "destination", base + "source"}
	default:
		return nil, fmt.Errorf("bindings of a %s: %w", kind, backends.ErrNotSupported)
	}
	var out []backends.Binding
	for _, p := range paths {
		var got []apiBinding
		if err := b.api.get(ctx, p, nil, &got); err != nil {
			return nil, fmt.Errorf("bindings of %s %s: %w", kind, quoted(name), err)
		}
		for _, a := range got {
			out = append(out, backends.Binding{Source: a.Source, Destination: a.Destination,
				DestinationKind: backends.DestinationKind(a.DestinationType), RoutingKey: a.RoutingKey, Arguments: a.Arguments})
		}
	}
	return out, nil
}

type apiPolicy struct {
	Name       string         `json:"name"`
	Vhost      string         `json:"vhost"`
	Pattern    string         `json:"pattern"`
	ApplyTo    string         `json:"apply-to"`
	Priority   int            `json:"priority"`
	Definition map[string]any `json:"definition"`
}

// Policies lists the policies of the connection's vhost, by name.
func (b *Backend) Policies(ctx context.Context) ([]backends.Policy, error) {
	if err := b.managementAPI(ctx); err != nil {
		return nil, b.needsAPI("listing policies", err)
	}
	var got []apiPolicy
	if err := b.api.get(ctx, "/api/policies/"+segment(b.vhost), nil, &got); err != nil {
		return nil, fmt.Errorf("list policies: %w", err)
	}
	out := make([]backends.Policy, len(got))
	for i, p := range got {
		out[i] = backends.Policy(p)
	}
	slices.SortFunc(out, func(x, y backends.Policy) int { return cmp.Compare(x.Name, y.Name) })
	return out, nil
}

// SetPolicy creates or replaces a policy in the connection's vhost.
func (b *Backend) SetPolicy(ctx context.Context, p backends.Policy) error {
	if err := b.managementAPI(ctx); err != nil {
		return b.needsAPI("setting a policy", err)
	}
	p.ApplyTo = cmp.Or(p.ApplyTo, "all")
	body := apiPolicy{Pattern: p.Pattern, ApplyTo: p.ApplyTo, Priority: p.Priority, Definition: p.Definition}
	err := b.api.do(ctx, http.MethodPut, "/api/policies/"+segment(b.vhost)+"/"+segment(p.Name), nil, body, nil)
	if err != nil {
		return fmt.Errorf("set policy %s: %w", quoted(p.Name), err)
	}
	return nil
}

// ClearPolicy removes a policy from the connection's vhost; one that is not there is ErrNotFound.
func (b *Backend) ClearPolicy(ctx context.Context, name string) error {
	if err := b.managementAPI(ctx); err != nil {
		return b.needsAPI("clearing a policy", err)
	}
	if err := b.api.do(ctx, http.MethodDelete, "/api/policies/"+segment(b.vhost)+"/"+segment(name), nil, nil, nil); err != nil {
		return fmt.Errorf("clear policy %s: %w", quoted(name), err)
	}
	return nil
}

// Vhosts lists the broker's virtual hosts the user may see, by name.
func (b *Backend) Vhosts(ctx context.Context) ([]string, error) {
	if err := b.managementAPI(ctx); err != nil {
		return nil, b.needsAPI("listing vhosts", err)
	}
	var got []struct {
		Name string `json:"name"`
	}
	if err := b.api.get(ctx, "/api/vhosts", columns("name"), &got); err != nil {
		return nil, fmt.Errorf("list vhosts: %w", err)
	}
	names := make([]string, len(got))
	for i, v := range got {
		names[i] = v.Name
	}
	slices.Sort(names)
	return names, nil
}

var _ backends.TopologyReader = (*Backend)(nil)

// Topology is the vhost's queues, exchanges (not the broker's amq.* ones) and bindings, from its
// definitions: one management API request.
func (b *Backend) Topology(ctx context.Context) (backends.Topology, error) {
	if err := b.managementAPI(ctx); err != nil {
		return backends.Topology{}, b.needsAPI("reading the topology", err)
	}
	var defs struct {
		Queues []struct {
			Name      string `json:"name"`
			Durable   bool   `json:"durable"`
			Arguments table  `json:"arguments"`
		} `json:"queues"`
		Exchanges []struct {
			Name       string `json:"name"`
			Type       string `json:"type"`
			Durable    bool   `json:"durable"`
			AutoDelete bool   `json:"auto_delete"`
			Internal   bool   `json:"internal"`
			Arguments  table  `json:"arguments"`
		} `json:"exchanges"`
		Bindings []apiBinding `json:"bindings"`
	}
	if err := b.api.get(ctx, "/api/definitions/"+segment(b.vhost), nil, &defs); err != nil {
		return backends.Topology{}, fmt.Errorf("read the definitions of vhost %s: %w", sanitize.Quote(b.vhost), err)
	}
	var t backends.Topology
	for _, q := range defs.Queues {
		args := map[string]any(q.Arguments)
		typ, _ := args["x-queue-type"].(string)
		args = maps.Clone(args)
		delete(args, "x-queue-type")
		if len(args) == 0 {
			args = nil
		}
		t.Destinations = append(t.Destinations, backends.DestinationSpec{Name: q.Name, Type: cmp.Or(typ, typeClassic),
			Durable: q.Durable, Arguments: args})
	}
	for _, x := range defs.Exchanges {
		if strings.HasPrefix(x.Name, "amq.") || x.Name == "" {
			continue
		}
		t.Exchanges = append(t.Exchanges, backends.ExchangeSpec{Name: x.Name, Type: x.Type, Durable: x.Durable,
			AutoDelete: x.AutoDelete, Internal: x.Internal, Arguments: nilIfEmpty(x.Arguments)})
	}
	for _, a := range defs.Bindings {
		t.Bindings = append(t.Bindings, backends.Binding{Source: a.Source, Destination: a.Destination,
			DestinationKind: backends.DestinationKind(a.DestinationType), RoutingKey: a.RoutingKey, Arguments: nilIfEmpty(a.Arguments)})
	}
	slices.SortFunc(t.Destinations, func(x, y backends.DestinationSpec) int { return cmp.Compare(x.Name, y.Name) })
	slices.SortFunc(t.Exchanges, func(x, y backends.ExchangeSpec) int { return cmp.Compare(x.Name, y.Name) })
	return t, nil
}

func nilIfEmpty(t table) map[string]any {
	if len(t) == 0 {
		return nil
	}
	return t
}
