package screens

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/list"
)

// createActions offers C (create) on the list of topics or queues, whatever is selected, where the broker
// creates destinations and the context is not read-only. Which form opens follows what the broker has:
// topic configs (Kafka) make it a topic form, anything else a queue form, with a binding where the broker
// binds.
func createActions(c *common.Common) []list.Action {
	if !c.Allows(actions.VerbCreate) {
		return nil
	}
	return []list.Action{{Binding: c.Keys.Create, RunFrom: func(from int) tea.Cmd {
		switch {
		case c.Session().Supports(actions.VerbAlterConfig):
			return common.Push(newCreateTopicForm(c, from))
		case c.Context.Kind() == string(backends.SQS):
			return common.Push(newCreateSQSQueueForm(c, from))
		}
		return common.Push(newCreateQueueForm(c, from))
	}}}
}

// The fields of the topic form, in order.
const (
	topicName = iota
	topicPartitions
	topicReplication
	topicConfigs
)

// newCreateTopicForm asks for a topic's name, partitions, replication factor and configs.
func newCreateTopicForm(c *common.Common, returnTo int) *adminForm {
	fields := []adminField{
		topicName:        {label: "name", hint: "the topic's name: letters, digits, . _ and -"},
		topicPartitions:  {label: "partitions", placeholder: "(empty: the broker's default)", hint: "how many partitions, 1 or more"},
		topicReplication: {label: "replication factor", placeholder: "(empty: the broker's default)", hint: "copies of each partition, at most the number of brokers"},
		topicConfigs: {label: "configs", lines: true, placeholder: "(empty: the broker's defaults)",
			hint: "KEY=VALUE one a line, e.g. retention.ms=86400000 or cleanup.policy=compact"},
	}
	return newAdminForm(c, "create topic", "New topic", actions.VerbCreate, fields, returnTo,
		func(vals []string) (adminPlan, error) { return planTopic(c.Session(), vals) })
}

// planTopic is the creation the topic form asks for; a name the broker's rules refuse is the name field's
// problem as it is typed, and a likely mistake (Kafka: '.' and '_' mixed) is said before it is sent.
func planTopic(s *actions.Session, vals []string) (adminPlan, error) {
	name, err := requiredName(topicName, vals, "topic")
	if err != nil {
		return adminPlan{}, err
	}
	warning, err := s.CheckName(name)
	if err != nil {
		return adminPlan{}, badField(topicName, "%v", err)
	}
	partitions, err := optionalCount(topicPartitions, vals[topicPartitions])
	if err != nil {
		return adminPlan{}, err
	}
	replication, err := optionalCount(topicReplication, vals[topicReplication])
	if err != nil {
		return adminPlan{}, err
	}
	configs, err := keyValueLines(topicConfigs, vals[topicConfigs])
	if err != nil {
		return adminPlan{}, err
	}
	plan := createPlan("topic", backends.DestinationSpec{Name: name, Partitions: partitions, ReplicationFactor: replication,
		Configs: configs})
	if warning != "" {
		plan.review = []string{"warning: " + sanitize.Line(warning)}
	}
	return plan, nil
}

// requiredName is the name field of a form that creates a what, trimmed: empty, it is what to fix.
func requiredName(field int, vals []string, what string) (string, error) {
	name := strings.TrimSpace(vals[field])
	if name == "" {
		return "", badField(field, "name the %s", what)
	}
	return name, nil
}

// yesOrNo reads a field that says yes or no.
func yesOrNo(field int, vals []string) (bool, error) {
	b, ok := map[string]bool{"yes": true, "no": false}[strings.TrimSpace(vals[field])]
	if !ok {
		return false, badField(field, "want yes or no")
	}
	return b, nil
}

// createPlan is the plan that creates spec, a topic or a queue, through the session.
func createPlan(what string, spec backends.DestinationSpec) adminPlan {
	shown := sanitize.Line(spec.Name)
	return adminPlan{what: "create " + what + " " + shown, done: "created " + what + " " + shown,
		run: func(ctx context.Context, s *actions.Session) error { return s.CreateDestination(ctx, spec) }}
}

// optionalCount is a whole number of 1 or more, or 0 for an empty field (the broker's default).
func optionalCount(field int, text string) (int, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(text)
	if err != nil || n < 1 {
		return 0, badField(field, "%q: want a whole number, 1 or more, or nothing for the broker's default", text)
	}
	return n, nil
}

// The fields of the queue form, in order.
const (
	queueName = iota
	queueType
	queueDurable
	queueArguments
	queueExchange
	queueExchangeType
	queueRoutingKey
)

// newCreateQueueForm asks for a queue's name, type, durability and arguments, and optionally an exchange
// to bind it to (declared first when its type is given).
func newCreateQueueForm(c *common.Common, returnTo int) *adminForm {
	fields := []adminField{
		queueName:    {label: "name", hint: "the queue's name, in the connection's vhost"},
		queueType:    {label: "type", placeholder: "(empty: classic)", hint: "classic, quorum or stream"},
		queueDurable: {label: "durable", value: "yes", hint: "yes or no: survives a broker restart (quorum queues and streams always do)"},
		queueArguments: {label: "arguments", lines: true, placeholder: "(empty: none)",
			hint: "KEY=VALUE one a line: x-message-ttl, x-max-length, x-delivery-limit (quorum) take whole numbers; x-dead-letter-exchange text"},
	}
	if c.Session().Supports(actions.VerbBind) {
		fields = append(fields,
			adminField{label: "bind from exchange", placeholder: "(empty: no binding)", hint: "the exchange that routes to the queue"},
			adminField{label: "declare exchange as", placeholder: "(empty: it exists already)",
				hint: "direct, fanout, topic or headers: declares the exchange (durable) before binding"},
			adminField{label: "routing key", placeholder: "(empty: none)", hint: "the binding's routing key"})
	}
	return newAdminForm(c, "create queue", "New queue", actions.VerbCreate, fields, returnTo, planQueue)
}

var exchangeTypes = []string{"direct", "fanout", "topic", "headers"}

func planQueue(vals []string) (adminPlan, error) {
	name, err := requiredName(queueName, vals, "queue")
	if err != nil {
		return adminPlan{}, err
	}
	typ := strings.TrimSpace(vals[queueType])
	if typ != "" && !slices.Contains(backends.QueueTypes, typ) {
		return adminPlan{}, badField(queueType, "%q: want classic, quorum or stream", typ)
	}
	durable, err := yesOrNo(queueDurable, vals)
	if err != nil {
		return adminPlan{}, err
	}
	raw, err := keyValueLines(queueArguments, vals[queueArguments])
	if err != nil {
		return adminPlan{}, err
	}
	args := make(map[string]any, len(raw))
	for _, k := range slices.Sorted(maps.Keys(raw)) { // the same checks as the CLI's --arg
		if args[k], err = backends.ParseQueueArgument(k, raw[k]); err != nil {
			return adminPlan{}, badField(queueArguments, "%v", err)
		}
	}
	if err := backends.CheckQueueArguments(typ, args); err != nil {
		return adminPlan{}, badField(queueArguments, "%v", err)
	}
	p := createPlan("queue", backends.DestinationSpec{Name: name, Type: typ, Durable: durable, Arguments: args})
	if len(vals) <= queueExchange {
		return p, nil
	}
	return withBinding(p, name, vals)
}

// withBinding adds to the queue's creation the exchange's declaration, when its type is given, and the
// binding, when an exchange is named: each its own change through the session.
func withBinding(p adminPlan, queue string, vals []string) (adminPlan, error) {
	exchange, xtype := strings.TrimSpace(vals[queueExchange]), strings.TrimSpace(vals[queueExchangeType])
	key := vals[queueRoutingKey]
	switch {
	case exchange == "" && xtype != "":
		return p, badField(queueExchange, "name the exchange to declare as %s", xtype)
	case exchange == "" && key != "":
		return p, badField(queueExchange, "name the exchange the routing key binds from")
	case exchange == "":
		return p, nil
	case xtype != "" && !slices.Contains(exchangeTypes, xtype):
		return p, badField(queueExchangeType, "%q: want direct, fanout, topic or headers", xtype)
	case strings.HasPrefix(exchange, "amq.") && xtype != "":
		return p, badField(queueExchangeType, "exchanges named amq.* are the broker's own: leave this empty to bind from %s", exchange)
	}
	create := p.run
	binding := backends.Binding{Source: exchange, Destination: queue, DestinationKind: backends.Queue, RoutingKey: key}
	p.run = func(ctx context.Context, s *actions.Session) error {
		if xtype != "" {
			if err := s.DeclareExchange(ctx, backends.ExchangeSpec{Name: exchange, Type: xtype, Durable: true}); err != nil {
				return err
			}
		}
		if err := create(ctx, s); err != nil {
			return err
		}
		return s.Bind(ctx, binding)
	}
	p.what = fmt.Sprintf("%s bound from %s", p.what, sanitize.Line(exchange))
	p.done = fmt.Sprintf("%s, bound from exchange %s with key %q", p.done, sanitize.Line(exchange), sanitize.Line(key))
	if xtype != "" {
		p.done = fmt.Sprintf("declared %s exchange %s; %s", xtype, sanitize.Line(exchange), p.done)
	}
	return p, nil
}

// The fields of the SQS queue form, in order.
const (
	sqsName = iota
	sqsFIFO
	sqsDLQ
	sqsMaxReceives
	sqsAttributes
)

// newCreateSQSQueueForm asks for an SQS queue's name, whether it is FIFO, its redrive policy and attributes.
func newCreateSQSQueueForm(c *common.Common, returnTo int) *adminForm {
	fields := []adminField{
		sqsName: {label: "name", hint: "the queue's name: letters, digits, - and _ (a FIFO queue's ends in .fifo)"},
		sqsFIFO: {label: "fifo", value: "no", hint: "yes or no: a FIFO queue (its name must end in .fifo)"},
		sqsDLQ: {label: "dead-letter queue", placeholder: "(empty: no redrive policy)",
			hint: "an existing queue of the same type, where a message goes after too many receives"},
		sqsMaxReceives: {label: "max receives", placeholder: "(with a dead-letter queue: 1 to 1000)",
			hint: "receives before a message goes to the dead-letter queue"},
		sqsAttributes: {label: "attributes", lines: true, placeholder: "(empty: SQS's defaults)",
			hint: "KEY=VALUE one a line, as SQS names them: VisibilityTimeout=60, MessageRetentionPeriod=1209600"},
	}
	return newAdminForm(c, "create queue", "New SQS queue", actions.VerbCreate, fields, returnTo, planSQSQueue)
}

func planSQSQueue(vals []string) (adminPlan, error) {
	name, err := requiredName(sqsName, vals, "queue")
	if err != nil {
		return adminPlan{}, err
	}
	fifo, err := yesOrNo(sqsFIFO, vals)
	if err != nil {
		return adminPlan{}, err
	}
	dlq := strings.TrimSpace(vals[sqsDLQ])
	receives, err := optionalCount(sqsMaxReceives, vals[sqsMaxReceives])
	switch {
	case err != nil:
		return adminPlan{}, err
	case dlq != "" && receives == 0:
		return adminPlan{}, badField(sqsMaxReceives, "a redrive policy needs the receives before a message goes to %s", sanitize.Line(dlq))
	case dlq == "" && receives != 0:
		return adminPlan{}, badField(sqsDLQ, "name the dead-letter queue the max receives send messages to")
	}
	attrs, err := keyValueLines(sqsAttributes, vals[sqsAttributes])
	if err != nil {
		return adminPlan{}, err
	}
	return createPlan("queue", backends.DestinationSpec{Name: name, FIFO: fifo, DeadLetterQueue: dlq,
		MaxReceiveCount: receives, Configs: attrs}), nil
}
