package present

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/sanitize"
)

// Section is one part of a details page, as both front ends show it: a heading, then lines of label and
// value, or a table. The CLI prints sections one under the other; the TUI scrolls through them. Every
// text in it is already escaped for a terminal.
type Section struct {
	Title  string
	Fields []Field
	Table  *Table
	Note   string // a line under it: what it leaves out, and where to find it
}

// Field is one label and its value.
type Field struct{ Label, Value string }

// Table is a table's text: the columns that apply to some row, and every cell.
type Table struct {
	Head  []string
	Right []bool
	Rows  [][]string
}

// TableOf is rows under the columns that apply to one of them.
func TableOf[T any](cols []Column[T], rows []T) *Table {
	t := &Table{}
	var shown []Column[T]
	for _, c := range cols {
		if c.Shown(rows) {
			shown = append(shown, c)
			t.Head, t.Right = append(t.Head, c.Name), append(t.Right, c.Right)
		}
	}
	for _, r := range rows {
		cells := make([]string, len(shown))
		for i, c := range shown {
			cells[i] = c.Cell(r)
		}
		t.Rows = append(t.Rows, cells)
	}
	return t
}

// Lines writes a table with its columns padded to their widest cell, two spaces apart.
func (t *Table) Lines() []string {
	widths := make([]int, len(t.Head))
	for i, h := range t.Head {
		widths[i] = Width(h)
	}
	for _, r := range t.Rows {
		for i, c := range r {
			widths[i] = max(widths[i], Width(c))
		}
	}
	line := func(cells []string) string {
		parts := make([]string, len(cells))
		for i, c := range cells {
			pad := strings.Repeat(" ", widths[i]-Width(c))
			if t.Right[i] {
				parts[i] = pad + c
			} else if i < len(cells)-1 {
				parts[i] = c + pad
			} else {
				parts[i] = c
			}
		}
		return strings.Join(parts, "  ")
	}
	out := make([]string, 0, len(t.Rows)+1)
	out = append(out, line(t.Head))
	for _, r := range t.Rows {
		out = append(out, line(r))
	}
	return out
}

// Lines writes a section: its title, its fields (labels padded alike) or table, and its note.
func (s Section) Lines() []string {
	var out []string
	if s.Title != "" {
		out = append(out, s.Title)
	}
	width := 0
	for _, f := range s.Fields {
		width = max(width, Width(f.Label))
	}
	for _, f := range s.Fields {
		out = append(out, "  "+f.Label+strings.Repeat(" ", width-Width(f.Label))+"  "+f.Value)
	}
	if s.Table != nil {
		for _, l := range s.Table.Lines() {
			out = append(out, "  "+l)
		}
	}
	if s.Note != "" {
		out = append(out, "  "+s.Note)
	}
	return out
}

// Partitions are the columns of a topic's partitions.
var Partitions = []Column[backends.PartitionInfo]{
	{Name: "PARTITION", Right: true, Text: func(p backends.PartitionInfo) string { return Int(p.Partition) }},
	{Name: "LEADER", Right: true, Text: func(p backends.PartitionInfo) string {
		if p.Leader < 0 {
			return "none"
		}
		return Int(p.Leader)
	}},
	{Name: "REPLICAS", Text: func(p backends.PartitionInfo) string { return brokerIDs(p.Replicas) }},
	{Name: "ISR", Text: func(p backends.PartitionInfo) string { return brokerIDs(p.ISR) }},
	{Name: "OFFLINE", Applies: func(p backends.PartitionInfo) bool { return len(p.Offline) > 0 },
		Text: func(p backends.PartitionInfo) string { return brokerIDs(p.Offline) }},
	{Name: "START", Right: true, Text: func(p backends.PartitionInfo) string { return Count(p.Start) }},
	{Name: "END", Right: true, Text: func(p backends.PartitionInfo) string { return Count(p.End) }},
	{Name: "MESSAGES", Right: true, Text: func(p backends.PartitionInfo) string {
		if !backends.Known(p.Start) || !backends.Known(p.End) {
			return Count(int64(backends.Unknown))
		}
		return Int(max(p.End-p.Start, 0))
	}},
}

// UnderReplicated is a partition whose in-sync replicas are fewer than its replicas.
func UnderReplicated(p backends.PartitionInfo) bool { return len(p.ISR) < len(p.Replicas) }

func brokerIDs(ids []int32) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = Int(id)
	}
	return strings.Join(parts, ",")
}

// Configs are the columns of a topic's or broker's configs.
var Configs = []Column[backends.ConfigEntry]{
	{Name: "NAME", Text: func(e backends.ConfigEntry) string { return sanitize.Line(e.Name) }},
	{Name: "VALUE", Text: func(e backends.ConfigEntry) string {
		if e.Sensitive {
			return "(hidden)"
		}
		return sanitize.Line(e.Value)
	}},
	{Name: "SOURCE", Text: func(e backends.ConfigEntry) string { return string(e.Source) }},
}

// Bindings are the columns of a queue's or exchange's bindings.
var Bindings = []Column[backends.Binding]{
	{Name: "SOURCE", Text: func(b backends.Binding) string { return sanitize.Line(cmpOr(b.Source, "(default)")) }},
	{Name: "DESTINATION", Text: func(b backends.Binding) string { return sanitize.Line(b.Destination) }},
	{Name: "KIND", Text: func(b backends.Binding) string { return string(b.DestinationKind) }},
	{Name: "ROUTING KEY", Text: func(b backends.Binding) string { return sanitize.Line(b.RoutingKey) }},
	{Name: "ARGUMENTS", Applies: func(b backends.Binding) bool { return len(b.Arguments) > 0 },
		Text: func(b backends.Binding) string { return Arguments(b.Arguments) }},
}

func cmpOr(s, or string) string {
	if s == "" {
		return or
	}
	return s
}

// Consumers are the columns of a queue's consumers.
var Consumers = []Column[backends.Consumer]{
	{Name: "TAG", Text: func(c backends.Consumer) string { return sanitize.Line(c.Tag) }},
	{Name: "CHANNEL", Text: func(c backends.Consumer) string { return sanitize.Line(c.Channel) }},
	{Name: "CONNECTION", Applies: func(c backends.Consumer) bool { return c.Connection != "" },
		Text: func(c backends.Consumer) string { return sanitize.Line(c.Connection) }},
	{Name: "USER", Applies: func(c backends.Consumer) bool { return c.User != "" },
		Text: func(c backends.Consumer) string { return sanitize.Line(c.User) }},
	{Name: "PREFETCH", Right: true, Text: func(c backends.Consumer) string {
		if c.Prefetch == 0 {
			return "unlimited"
		}
		return Int(c.Prefetch)
	}},
	{Name: "ACK", Text: func(c backends.Consumer) string { return map[bool]string{true: "manual", false: "auto"}[c.AckRequired] }},
	{Name: "ACTIVE", Text: func(c backends.Consumer) string { return yesNo(c.Active) }},
	{Name: "EXCLUSIVE", Applies: func(c backends.Consumer) bool { return c.Exclusive }, Text: func(backends.Consumer) string { return "yes" }},
}

// Readers are the columns of the consumers that keep their own place in a log.
var Readers = []Column[backends.Reader]{
	{Name: "NAME", Text: func(r backends.Reader) string { return sanitize.Line(r.Name) }},
	{Name: "CONSUMERS", Right: true, Applies: func(r backends.Reader) bool { return backends.Known(r.Consumers) },
		Text: func(r backends.Reader) string { return Int(r.Consumers) }},
	{Name: "POSITION", Text: func(r backends.Reader) string { return sanitize.Line(r.Position) }},
	{Name: "PENDING", Right: true, Text: func(r backends.Reader) string { return Count(r.Pending) }},
	{Name: "LAG", Right: true, Text: func(r backends.Reader) string { return Count(r.Lag) }},
}

// Members are the columns of a consumer group's members.
var Members = []Column[backends.GroupMember]{
	{Name: "CLIENT-ID", Text: func(m backends.GroupMember) string { return sanitize.Line(m.ClientID) }},
	{Name: "HOST", Text: func(m backends.GroupMember) string { return sanitize.Line(m.Host) }},
	{Name: "ASSIGNED", Text: func(m backends.GroupMember) string { return sanitize.Line(Assignment(m.Assigned)) }},
	{Name: "MEMBER-ID", Text: func(m backends.GroupMember) string { return sanitize.Line(m.ID) }},
}

// Assignment writes partitions by topic: "orders[0,1,2] payments[3]".
func Assignment(tps []backends.TopicPartition) string {
	by := map[string][]string{}
	for _, tp := range tps {
		by[tp.Topic] = append(by[tp.Topic], Int(tp.Partition))
	}
	parts := make([]string, 0, len(by))
	for _, t := range slices.Sorted(maps.Keys(by)) {
		parts = append(parts, t+"["+strings.Join(by[t], ",")+"]")
	}
	return strings.Join(parts, " ")
}

// GroupOffsets are the columns of a group's committed offsets, per partition, against the log.
var GroupOffsets = []Column[backends.PartitionLag]{
	{Name: "TOPIC", Text: func(p backends.PartitionLag) string { return sanitize.Line(p.Topic) }},
	{Name: "PARTITION", Right: true, Text: func(p backends.PartitionLag) string { return Int(p.Partition) }},
	{Name: "COMMITTED", Right: true, Text: func(p backends.PartitionLag) string { return Offset(p.Committed) }},
	{Name: "START", Right: true, Text: func(p backends.PartitionLag) string { return Int(p.Start) }},
	{Name: "END", Right: true, Text: func(p backends.PartitionLag) string { return Int(p.End) }},
	{Name: "LAG", Right: true, Text: func(p backends.PartitionLag) string { return Int(p.Lag) }},
	{Name: "MEMBER", Text: func(p backends.PartitionLag) string { return orUnknown(sanitize.Line(p.Member)) }},
}

// Arguments writes a table of arguments as key=value pairs, sorted by key.
func Arguments(args map[string]any) string {
	parts := make([]string, 0, len(args))
	for _, k := range slices.Sorted(maps.Keys(args)) {
		parts = append(parts, sanitize.Line(k)+"="+ArgumentValue(args[k]))
	}
	return strings.Join(parts, " ")
}

// ArgumentValue is one argument's value: strings as they are, the rest as JSON.
func ArgumentValue(v any) string {
	if s, ok := v.(string); ok {
		return sanitize.Line(s)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return sanitize.Line(fmt.Sprint(v))
	}
	return sanitize.Line(string(b))
}

// CountsNote says how current a destination's counts are, where the broker samples them.
func CountsNote(d backends.Destination) string {
	switch {
	case d.CountsExact:
		return "counted now"
	case d.Vhost != "" && HoldsMessages(d):
		return "sampled by the management API, up to 5 s old"
	}
	return ""
}

// DestinationSections are a destination's details page: what it is, then each part the broker has.
func DestinationSections(d backends.Details) []Section {
	secs := []Section{{Fields: overview(d)}}
	if len(d.Arguments) > 0 {
		secs = append(secs, Section{Title: "arguments", Fields: argumentFields(d.Arguments)})
	}
	if len(d.PolicyDefinition) > 0 {
		secs = append(secs, Section{Title: "effective policy " + sanitize.Line(cmpOr(d.Policy, d.OperatorPolicy)),
			Fields: argumentFields(d.PolicyDefinition)})
	}
	if len(d.Properties) > 0 {
		fs := make([]Field, len(d.Properties))
		for i, p := range d.Properties {
			fs[i] = Field{sanitize.Line(p.Name), sanitize.Line(p.Value)}
		}
		secs = append(secs, Section{Title: "properties", Fields: fs})
	}
	if len(d.Partitions) > 0 {
		secs = append(secs, Section{Title: fmt.Sprintf("partitions (%s)", Int(len(d.Partitions))), Table: TableOf(Partitions, d.Partitions)})
	}
	if d.Destination.Kind == backends.Topic && d.Configs != nil {
		secs = append(secs, configSection(d.Configs))
	}
	if len(d.Consumers) > 0 {
		secs = append(secs, Section{Title: fmt.Sprintf("consumers (%s)", Int(len(d.Consumers))), Table: TableOf(Consumers, d.Consumers)})
	}
	if len(d.Consumers) == 0 && d.Destination.Consumers > 0 && d.Destination.Vhost != "" {
		secs = append(secs, Section{Title: fmt.Sprintf("consumers (%s)", Int(d.Destination.Consumers)),
			Note: "the management API has not reported them yet (its statistics come every 5 s): look again in a moment"})
	}
	if len(d.Readers) > 0 {
		// A NATS stream's readers are its consumers; a Redis stream's (typed "stream") are its groups.
		title := "consumers"
		if d.Destination.Type == "stream" {
			title = "groups"
		}
		secs = append(secs, Section{Title: fmt.Sprintf("%s (%s)", title, Int(len(d.Readers))), Table: TableOf(Readers, d.Readers)})
	}
	if d.Bindings != nil || d.Destination.Kind == backends.Exchange {
		s := Section{Title: fmt.Sprintf("bindings (%s)", Int(len(d.Bindings)))}
		if len(d.Bindings) > 0 {
			s.Table = TableOf(Bindings, d.Bindings)
		} else {
			s.Note = "none"
		}
		secs = append(secs, s)
	}
	return secs
}

func configSection(all []backends.ConfigEntry) Section {
	set := actions.NonDefaultConfigs(all)
	s := Section{Title: fmt.Sprintf("configs set away from their defaults (%s)", Int(len(set)))}
	if len(set) > 0 {
		s.Table = TableOf(Configs, set)
	}
	if rest := len(all) - len(set); rest > 0 {
		s.Note = fmt.Sprintf("%s more at their defaults (mqscope config get shows them all)", Int(rest))
	}
	return s
}

func argumentFields(args map[string]any) []Field {
	fs := make([]Field, 0, len(args))
	for _, k := range slices.Sorted(maps.Keys(args)) {
		fs = append(fs, Field{sanitize.Line(k), ArgumentValue(args[k])})
	}
	return fs
}

// overview is what a destination is: the figures of its listing and, for a queue, where it lives.
func overview(d backends.Details) []Field {
	dst := d.Destination
	fs := []Field{{"name", sanitize.Line(DestinationName(dst))}, {"kind", string(dst.Kind)}}
	add := func(ok bool, label, value string) {
		if ok {
			fs = append(fs, Field{label, value})
		}
	}
	add(dst.Type != "", "type", sanitize.Line(dst.Type))
	add(dst.Vhost != "", "vhost", sanitize.Line(dst.Vhost))
	add(dst.Internal, "internal", "yes")
	add(dst.State != "", "state", sanitize.Line(dst.State))
	if dst.Vhost != "" {
		flags := []string{map[bool]string{true: "durable", false: "transient"}[d.Durable]}
		if d.AutoDelete {
			flags = append(flags, "auto-delete")
		}
		if d.Exclusive {
			flags = append(flags, "exclusive")
		}
		add(true, "durability", strings.Join(flags, ", "))
	}
	add(d.Node != "" && len(d.Members) == 0, "node", sanitize.Line(d.Node))
	add(d.Node != "" && len(d.Members) > 0, "leader", sanitize.Line(d.Node))
	add(len(d.Members) > 0, "members", sanitize.Line(members(d.Members, d.Online)))
	add(dst.Partitions > 0, "partitions", Int(dst.Partitions))
	add(dst.ReplicationFactor > 0, "replication factor", Int(dst.ReplicationFactor))
	add(dst.Partitions > 0, "under-replicated", Int(dst.UnderReplicated))
	add(dst.Partitions > 0, "offline", Int(dst.Offline))
	add(len(dst.Subjects) > 0, "subjects", sanitize.Line(strings.Join(dst.Subjects, ", ")))
	if dst.Approximate { // SQS: its own counts in its words, marked ~ as the list marks them; no consumers
		add(true, "messages", Approx(dst, dst.Messages))
		add(true, "visible", Approx(dst, dst.Ready))
		add(true, "in-flight", Approx(dst, dst.Unacked))
		add(true, "delayed", Approx(dst, dst.Delayed))
		add(dst.Redrive != nil, "redrive", sanitize.Line(Redrive(dst.Redrive)))
		add(len(dst.DeadLetterSources) > 0, "dead-letter for", sanitize.Line(strings.Join(dst.DeadLetterSources, ", ")))
	} else {
		add(dst.Kind != backends.Exchange, "messages", Count(dst.Messages))
		add(HoldsMessages(dst), "ready", Count(dst.Ready))
		add(HoldsMessages(dst), "unacked", Count(dst.Unacked))
		add(HoldsMessages(dst) || dst.Consumers > 0, "consumers", Count(dst.Consumers))
	}
	add(CountsNote(dst) != "", "counts", CountsNote(dst))
	add(dst.PublishRate != nil, "publish/s", Rate(dst.PublishRate))
	add(dst.DeliverRate != nil, "deliver/s", Rate(dst.DeliverRate))
	add(dst.FirstID != "", "first id", sanitize.Line(dst.FirstID))
	add(dst.LastID != "", "last id", sanitize.Line(dst.LastID))
	add(!dst.Oldest.IsZero(), "oldest", Time(dst.Oldest))
	add(!dst.Newest.IsZero(), "newest", Time(dst.Newest))
	add(dst.DeadLetter != nil, "dead-letter", sanitize.Line(DeadLetter(dst.DeadLetter)))
	add(d.Policy != "", "policy", sanitize.Line(d.Policy))
	add(d.OperatorPolicy != "", "operator policy", sanitize.Line(d.OperatorPolicy))
	return fs
}

// members lists a quorum queue's members, marking those that are down.
func members(all, online []string) string {
	parts := make([]string, len(all))
	for i, m := range all {
		parts[i] = m
		if online != nil && !slices.Contains(online, m) {
			parts[i] += " (down)"
		}
	}
	return strings.Join(parts, ", ")
}

// GroupSections are a consumer group's details page.
func GroupSections(g actions.GroupDetails) []Section {
	members := g.Group.Members // as listed, until the group's own snapshot says who
	if g.Members != nil {
		members = len(g.Members)
	}
	fs := []Field{{"group", sanitize.Line(g.Group.Name)}, {"state", sanitize.Line(g.Group.State)},
		{"members", Int(members)}}
	if p := Protocol(g.Group); p != "" {
		fs = append(fs, Field{"protocol", sanitize.Line(p)})
	}
	if g.Group.Coordinator != "" {
		fs = append(fs, Field{"coordinator", sanitize.Line(g.Group.Coordinator)})
	}
	if len(g.Group.Topics) > 0 {
		fs = append(fs, Field{"topics", sanitize.Line(strings.Join(g.Group.Topics, ", "))})
	}
	secs := []Section{{Fields: fs}}
	if len(g.Members) > 0 {
		secs = append(secs, Section{Title: fmt.Sprintf("members (%s)", Int(len(g.Members))), Table: TableOf(Members, g.Members)})
	}
	s := Section{Title: fmt.Sprintf("offsets (%s partitions)", Int(len(g.Partitions)))}
	if len(g.Partitions) > 0 {
		s.Table = TableOf(GroupOffsets, g.Partitions)
	} else {
		s.Note = "none committed or assigned"
	}
	return append(secs, s)
}
