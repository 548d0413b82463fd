package actions

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/mqscope/mqscope/backends"
)

// VerbTopology reads a broker's whole topology, for export and diff.
const VerbTopology Verb = "read topology"

func init() {
	verbs[VerbTopology] = verbSpec{has: is[backends.TopologyReader], lacks: "reading this broker's topology is not supported yet"}
}

// TopologyFile is the declarative topology format: what `export` writes and `diff`/`apply` read.
type TopologyFile struct {
	Topics    []TopicDef    `yaml:"topics,omitempty"`
	Queues    []QueueDef    `yaml:"queues,omitempty"`
	Exchanges []ExchangeDef `yaml:"exchanges,omitempty"`
	Bindings  []BindingDef  `yaml:"bindings,omitempty"`
}

// TopicDef is a Kafka topic: partitions, replication factor and the configs set on it.
type TopicDef struct {
	Name              string            `yaml:"name"`
	Partitions        int               `yaml:"partitions,omitempty"`
	ReplicationFactor int               `yaml:"replication-factor,omitempty"`
	Configs           map[string]string `yaml:"configs,omitempty"`
}

// QueueDef is a RabbitMQ queue: its type, durability and arguments.
type QueueDef struct {
	Name      string         `yaml:"name"`
	Type      string         `yaml:"type,omitempty"`    // classic (default), quorum, stream
	Durable   *bool          `yaml:"durable,omitempty"` // default true
	Arguments map[string]any `yaml:"arguments,omitempty"`
}

// ExchangeDef is a RabbitMQ exchange.
type ExchangeDef struct {
	Name    string `yaml:"name"`
	Type    string `yaml:"type"`
	Durable *bool  `yaml:"durable,omitempty"` // default true
}

// BindingDef routes from an exchange to a queue or another exchange. Its arguments are part of what it
// is: RabbitMQ tells two bindings with the same key apart by them (headers exchanges match on them).
type BindingDef struct {
	Exchange   string         `yaml:"exchange"`
	Queue      string         `yaml:"queue,omitempty"`
	ToExchange string         `yaml:"to-exchange,omitempty"`
	Key        string         `yaml:"key,omitempty"`
	Arguments  map[string]any `yaml:"arguments,omitempty"`
}

// TopologyDoc is a topology file as written: one broker's topology at the top level (applied to the
// context the command line picks), or a section per config context under contexts, so that one file
// states a Kafka cluster's topics and a RabbitMQ vhost's queues together.
type TopologyDoc struct {
	TopologyFile `yaml:",inline"`
	Contexts     map[string]TopologyFile `yaml:"contexts,omitempty"`
}

// ParseTopology reads a one-context topology file; a file with contexts is an error here.
func ParseTopology(data []byte) (TopologyFile, error) {
	doc, err := ParseTopologyDoc(data)
	if err == nil && len(doc.Contexts) > 0 {
		return TopologyFile{}, errors.New("topology file: it names contexts; this reads one broker's topology")
	}
	return doc.TopologyFile, err
}

// ParseTopologyDoc reads a topology file, with or without contexts; see ParseTopologyFile.
func ParseTopologyDoc(data []byte) (TopologyDoc, error) {
	return ParseTopologyFile("topology file", data)
}

// ParseTopologyFile reads the topology file named name, with or without contexts; unknown fields are an
// error, so that a typo is not silently ignored. Errors start with the name, and with line and column
// when the YAML says where (PATH:2:11: …), as the config file's errors do, so an editor can jump there.
func ParseTopologyFile(name string, data []byte) (TopologyDoc, error) {
	var d TopologyDoc
	if err := yaml.UnmarshalWithOptions(data, &d, yaml.Strict()); err != nil {
		return d, yamlErrorAt(name, err)
	}
	if len(d.Contexts) > 0 && !d.TopologyFile.empty() {
		return d, errors.New(name + ": it has both contexts and topics, queues, exchanges or bindings outside them: " +
			"put each under the context it belongs to")
	}
	for _, ctxName := range d.ContextNames() {
		if err := d.Contexts[ctxName].check(); err != nil {
			return d, fmt.Errorf("%s, context %s: %w", name, ctxName, err)
		}
	}
	if err := d.TopologyFile.check(); err != nil {
		return d, fmt.Errorf("%s: %w", name, err)
	}
	return d, nil
}

// yamlErrorAt is a YAML error in one line: NAME:LINE:COLUMN: message when the parser says where.
func yamlErrorAt(name string, err error) error {
	var ye yaml.Error
	if errors.As(err, &ye) {
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			return fmt.Errorf("%s:%d:%d: %s", name, tk.Position.Line, tk.Position.Column, oneLineText(ye.GetMessage()))
		}
	}
	return fmt.Errorf("%s: %s", name, oneLineText(yaml.FormatError(err, false, false)))
}

func oneLineText(s string) string { return strings.Join(strings.Fields(s), " ") }

// ContextNames are the contexts the file names, sorted: the order diff and apply visit them in.
func (d TopologyDoc) ContextNames() []string { return slices.Sorted(maps.Keys(d.Contexts)) }

// Marshal writes the file.
func (d TopologyDoc) Marshal() ([]byte, error) { return yaml.Marshal(d) }

func (f TopologyFile) empty() bool {
	return len(f.Topics) == 0 && len(f.Queues) == 0 && len(f.Exchanges) == 0 && len(f.Bindings) == 0
}

func (f TopologyFile) check() error {
	for _, b := range f.Bindings {
		if (b.Queue == "") == (b.ToExchange == "") {
			return fmt.Errorf("the binding from %q needs exactly one of queue and to-exchange", b.Exchange)
		}
	}
	return nil
}

// Marshal writes the file.
func (f TopologyFile) Marshal() ([]byte, error) { return yaml.Marshal(f) }

func boolOr(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}

// Export reads the broker's topology as a file.
func (s *Session) Export(ctx context.Context) (TopologyFile, error) {
	t, err := read(s, VerbTopology, func() (backends.Topology, error) {
		return s.b.(backends.TopologyReader).Topology(ctx)
	})
	if err != nil {
		return TopologyFile{}, err
	}
	var f TopologyFile
	topics := s.Supports(VerbAlterConfig)
	for _, d := range t.Destinations {
		if topics {
			f.Topics = append(f.Topics, TopicDef{Name: d.Name, Partitions: d.Partitions, ReplicationFactor: d.ReplicationFactor, Configs: d.Configs})
			continue
		}
		durable := d.Durable
		f.Queues = append(f.Queues, QueueDef{Name: d.Name, Type: d.Type, Durable: &durable, Arguments: d.Arguments})
	}
	for _, x := range t.Exchanges {
		durable := x.Durable
		f.Exchanges = append(f.Exchanges, ExchangeDef{Name: x.Name, Type: x.Type, Durable: &durable})
	}
	for _, b := range t.Bindings {
		def := BindingDef{Exchange: b.Source, Key: b.RoutingKey, Queue: b.Destination, Arguments: b.Arguments}
		if b.DestinationKind == backends.Exchange {
			def.Queue, def.ToExchange = "", b.Destination
		}
		f.Bindings = append(f.Bindings, def)
	}
	return f, nil
}

// Step is one change a diff finds: to be done, or refused because the broker cannot make it in place.
type Step struct {
	Action  string // create, add, set, reset, bind, unbind, delete
	Kind    string // topic, queue, exchange, binding, config, partitions
	Name    string
	Detail  string
	Refused string // why it cannot be done in place; "" when it can
	do      func(context.Context, *Session) error
}

// PlanTopology compares the file with the broker and lists the steps that would make the broker match
// it: creations and in-place changes, and with prune the deletions of what the file does not name.
func (s *Session) PlanTopology(ctx context.Context, want TopologyFile, prune bool) ([]Step, error) {
	have, err := s.Export(ctx)
	if err != nil {
		return nil, err
	}
	topics := s.Supports(VerbAlterConfig)
	switch {
	case topics && (len(want.Queues) > 0 || len(want.Exchanges) > 0 || len(want.Bindings) > 0):
		return nil, errors.New("the file has queues, exchanges or bindings, and this broker has topics: point it at a RabbitMQ context")
	case !topics && len(want.Topics) > 0:
		return nil, errors.New("the file has topics, and this broker has queues: point it at a Kafka context")
	}
	var steps []Step
	topicSteps := planTopics(have.Topics, want.Topics, prune)
	if err := s.checkNewNames(topicSteps); err != nil {
		return nil, err
	}
	steps = append(steps, topicSteps...)
	queues, err := planQueues(have.Queues, want.Queues, prune)
	if err != nil {
		return nil, err
	}
	steps = append(steps, planExchanges(have.Exchanges, want.Exchanges, prune)...)
	steps = append(steps, queues...)
	steps = append(steps, planBindings(have.Bindings, want.Bindings, prune)...)
	return steps, nil
}

func byName[T any](items []T, name func(T) string) map[string]T {
	m := make(map[string]T, len(items))
	for _, it := range items {
		m[name(it)] = it
	}
	return m
}

func planTopics(have, want []TopicDef, prune bool) []Step {
	now := byName(have, func(t TopicDef) string { return t.Name })
	var steps []Step
	for _, w := range want {
		h, ok := now[w.Name]
		if !ok {
			spec := backends.DestinationSpec{Name: w.Name, Partitions: w.Partitions, ReplicationFactor: w.ReplicationFactor, Configs: w.Configs}
			steps = append(steps, Step{Action: "create", Kind: "topic", Name: w.Name,
				Detail: strings.TrimSpace(TopicShape(w.Partitions, w.ReplicationFactor) + " " + pairs(w.Configs)),
				do:     func(ctx context.Context, s *Session) error { return s.CreateDestination(ctx, spec) }})
			continue
		}
		switch {
		case w.Partitions > h.Partitions:
			steps = append(steps, Step{Action: "add", Kind: "partitions", Name: w.Name, Detail: fmt.Sprintf("%d -> %d", h.Partitions, w.Partitions),
				do: func(ctx context.Context, s *Session) error { return s.AddPartitions(ctx, w.Name, w.Partitions) }})
		case w.Partitions != 0 && w.Partitions < h.Partitions:
			steps = append(steps, Step{Action: "remove", Kind: "partitions", Name: w.Name, Detail: fmt.Sprintf("%d -> %d", h.Partitions, w.Partitions),
				Refused: "Kafka cannot lower a topic's partition count (only delete and re-create it, with its records)"})
		}
		if w.ReplicationFactor != 0 && w.ReplicationFactor != h.ReplicationFactor {
			steps = append(steps, Step{Action: "change", Kind: "replication", Name: w.Name, Detail: fmt.Sprintf("%d -> %d", h.ReplicationFactor, w.ReplicationFactor),
				Refused: "a replication factor changes by partition reassignment, which is not supported here"})
		}
		set := map[string]string{}
		for k, v := range w.Configs {
			if h.Configs[k] != v {
				set[k] = v
			}
		}
		var reset []string
		if prune {
			for k := range h.Configs {
				if _, kept := w.Configs[k]; !kept {
					reset = append(reset, k)
				}
			}
			slices.Sort(reset)
		}
		if len(set) > 0 || len(reset) > 0 {
			detail := pairs(set)
			if len(reset) > 0 {
				detail = strings.TrimSpace(detail + " reset=" + strings.Join(reset, ","))
			}
			steps = append(steps, Step{Action: "set", Kind: "config", Name: w.Name, Detail: detail,
				do: func(ctx context.Context, s *Session) error { return s.AlterTopicConfig(ctx, w.Name, set, reset) }})
		}
	}
	if prune {
		wanted := byName(want, func(t TopicDef) string { return t.Name })
		for _, h := range have {
			if _, ok := wanted[h.Name]; !ok {
				steps = append(steps, Step{Action: "delete", Kind: "topic", Name: h.Name, Detail: "with its records",
					do: func(ctx context.Context, s *Session) error {
						return s.DeleteDestination(ctx, h.Name, backends.DeleteOptions{})
					}})
			}
		}
	}
	return steps
}

func planQueues(have, want []QueueDef, prune bool) ([]Step, error) {
	now := byName(have, func(q QueueDef) string { return q.Name })
	var steps []Step
	for _, w := range want {
		args := maps.Clone(w.Arguments)
		if err := backends.CheckQueueArguments(w.Type, args); err != nil {
			return nil, fmt.Errorf("queue %s: %w", w.Name, err)
		}
		typ := cmp.Or(w.Type, "classic")
		h, ok := now[w.Name]
		if !ok {
			spec := backends.DestinationSpec{Name: w.Name, Type: w.Type, Durable: boolOr(w.Durable, true), Arguments: args}
			steps = append(steps, Step{Action: "create", Kind: "queue", Name: w.Name, Detail: strings.TrimSpace("type=" + typ + " " + anyPairs(args)),
				do: func(ctx context.Context, s *Session) error { return s.CreateDestination(ctx, spec) }})
			continue
		}
		var diffs []string
		if h.Type != typ {
			diffs = append(diffs, fmt.Sprintf("type %s there, %s asked", h.Type, typ))
		}
		if boolOr(h.Durable, true) != boolOr(w.Durable, true) && typ == "classic" {
			diffs = append(diffs, fmt.Sprintf("durable %t there, %t asked", boolOr(h.Durable, true), boolOr(w.Durable, true)))
		}
		for _, k := range slices.Sorted(maps.Keys(unionKeys(h.Arguments, args))) {
			hv, hok := h.Arguments[k]
			wv, wok := args[k]
			if hok != wok || fmt.Sprint(hv) != fmt.Sprint(wv) {
				diffs = append(diffs, fmt.Sprintf("%s %s there, %s asked", k, shownArg(hv, hok), shownArg(wv, wok)))
			}
		}
		if len(diffs) > 0 {
			steps = append(steps, Step{Action: "change", Kind: "queue", Name: w.Name, Detail: strings.Join(diffs, "; "),
				Refused: "a queue's type and arguments cannot change in place (delete and declare it again, losing its messages, or use a policy)"})
		}
	}
	if prune {
		wanted := byName(want, func(q QueueDef) string { return q.Name })
		for _, h := range have {
			if _, ok := wanted[h.Name]; !ok {
				steps = append(steps, Step{Action: "delete", Kind: "queue", Name: h.Name, Detail: "with its messages",
					do: func(ctx context.Context, s *Session) error {
						return s.DeleteDestination(ctx, h.Name, backends.DeleteOptions{})
					}})
			}
		}
	}
	return steps, nil
}

func shownArg(v any, ok bool) string {
	if !ok {
		return "unset"
	}
	return fmt.Sprint(v)
}

func unionKeys(x, y map[string]any) map[string]bool {
	m := map[string]bool{}
	for k := range x {
		m[k] = true
	}
	for k := range y {
		m[k] = true
	}
	return m
}

func planExchanges(have, want []ExchangeDef, prune bool) []Step {
	now := byName(have, func(x ExchangeDef) string { return x.Name })
	var steps []Step
	for _, w := range want {
		h, ok := now[w.Name]
		typ := cmp.Or(w.Type, "direct")
		if !ok {
			spec := backends.ExchangeSpec{Name: w.Name, Type: typ, Durable: boolOr(w.Durable, true)}
			steps = append(steps, Step{Action: "create", Kind: "exchange", Name: w.Name, Detail: "type=" + typ,
				do: func(ctx context.Context, s *Session) error { return s.DeclareExchange(ctx, spec) }})
			continue
		}
		if h.Type != typ || boolOr(h.Durable, true) != boolOr(w.Durable, true) {
			steps = append(steps, Step{Action: "change", Kind: "exchange", Name: w.Name,
				Detail:  fmt.Sprintf("type %s durable %t there, type %s durable %t asked", h.Type, boolOr(h.Durable, true), typ, boolOr(w.Durable, true)),
				Refused: "an exchange's type and durability cannot change in place"})
		}
	}
	if prune {
		wanted := byName(want, func(x ExchangeDef) string { return x.Name })
		for _, h := range have {
			if _, ok := wanted[h.Name]; !ok {
				steps = append(steps, Step{Action: "delete", Kind: "exchange", Name: h.Name, Detail: "with its bindings",
					do: func(ctx context.Context, s *Session) error {
						return s.DeleteExchange(ctx, h.Name, backends.DeleteOptions{})
					}})
			}
		}
	}
	return steps
}

func (b BindingDef) binding() backends.Binding {
	if b.ToExchange != "" {
		return backends.Binding{Source: b.Exchange, Destination: b.ToExchange, DestinationKind: backends.Exchange, RoutingKey: b.Key,
			Arguments: b.Arguments}
	}
	return backends.Binding{Source: b.Exchange, Destination: b.Queue, DestinationKind: backends.Queue, RoutingKey: b.Key,
		Arguments: b.Arguments}
}

// key tells bindings apart as RabbitMQ does: by source, destination, routing key and arguments. Numbers
// read from a file (int) and from the broker (float64) print alike.
func (b BindingDef) key() string {
	return b.Exchange + "\x00" + b.Queue + "\x00" + b.ToExchange + "\x00" + b.Key + "\x00" + anyPairs(b.Arguments)
}

func (b BindingDef) String() string {
	to := "queue " + b.Queue
	if b.ToExchange != "" {
		to = "exchange " + b.ToExchange
	}
	s := fmt.Sprintf("%s -> %s key=%s", b.Exchange, to, b.Key)
	if len(b.Arguments) > 0 {
		s += " arguments: " + anyPairs(b.Arguments)
	}
	return s
}

func planBindings(have, want []BindingDef, prune bool) []Step {
	now := byName(have, BindingDef.key)
	var steps []Step
	for _, w := range want {
		if _, ok := now[w.key()]; !ok {
			bd := w.binding()
			steps = append(steps, Step{Action: "bind", Kind: "binding", Name: bd.Destination, Detail: w.String(),
				do: func(ctx context.Context, s *Session) error { return s.Bind(ctx, bd) }})
		}
	}
	if prune {
		wanted := byName(want, BindingDef.key)
		for _, h := range have {
			if _, ok := wanted[h.key()]; !ok {
				bd := h.binding()
				steps = append(steps, Step{Action: "unbind", Kind: "binding", Name: bd.Destination, Detail: h.String(),
					do: func(ctx context.Context, s *Session) error { return s.Unbind(ctx, bd) }})
			}
		}
	}
	return steps
}

// checkNewNames refuses a plan that would create a topic under a name the broker's rules refuse, before
// any step is done (applying would stop there half way).
func (s *Session) checkNewNames(steps []Step) error {
	for _, st := range steps {
		if st.Action != "create" {
			continue
		}
		if _, err := s.CheckName(st.Name); err != nil {
			return fmt.Errorf("in the file: %w", err)
		}
	}
	return nil
}

// ApplyTopology does the steps that can be done, in order, calling report after each (err nil when it
// was done), and skips those refused. It stops at the first failure.
func (s *Session) ApplyTopology(ctx context.Context, steps []Step, report func(Step, error)) error {
	for _, st := range steps {
		if st.Refused != "" {
			continue
		}
		err := st.do(ctx, s)
		report(st, err)
		if err != nil {
			return err
		}
	}
	return nil
}

// TopicShape is a new topic's partitions and replication factor as a plan shows them; 0, which asks for
// the broker's default, reads "default" (it read "replication=0", which no broker takes).
func TopicShape(partitions, replication int) string {
	count := func(n int) string {
		if n <= 0 {
			return "default"
		}
		return strconv.Itoa(n)
	}
	return "partitions=" + count(partitions) + " replication=" + count(replication)
}

func pairs(m map[string]string) string {
	out := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, k+"="+m[k])
	}
	return strings.Join(out, " ")
}

func anyPairs(m map[string]any) string {
	out := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, k+"="+fmt.Sprint(m[k]))
	}
	return strings.Join(out, " ")
}
