package ui

import (
	"errors"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/screens"
)

// offeredCommands are the views this connection offers, for the help and an unknown command: the list
// of what the broker holds under the broker's own word for it, :groups and :lag only where it has them,
// :broker where it publishes statistics. Before the first connection it cannot know, and offers them all.
func (m *Model) offeredCommands() []string {
	s := m.conn.session
	cmds := m.listCommands()
	if s == nil || s.Allows(actions.VerbGroups) {
		cmds = append(cmds, "groups")
	}
	if s == nil || s.Allows(actions.VerbLag) || s.Allows(actions.VerbBacklog) { // as openLag decides
		cmds = append(cmds, "lag")
	}
	if s != nil && s.Allows(actions.VerbStats) {
		cmds = append(cmds, "broker")
	}
	if m.c.Registry != nil {
		cmds = append(cmds, "schemas")
	}
	return append(cmds, "ctx NAME")
}

// listCommands name the destinations view as the broker calls what it holds: Kafka's :queues works but
// only says "Kafka has topics, not queues", so the help does not offer it.
func (m *Model) listCommands() []string {
	if !m.conn.known {
		return []string{"topics", "queues"}
	}
	switch m.conn.identity.Kind {
	case backends.Kafka, backends.MQTT:
		return []string{"topics"}
	case backends.RabbitMQ, backends.SQS:
		return []string{"queues"}
	case backends.Redis, backends.NATS:
		return []string{"streams"}
	}
	return []string{"topics", "queues"}
}

// commandHelp is what an unknown command is told to try.
func (m *Model) commandHelp() string {
	return "try :" + strings.Join(m.offeredCommands(), ", :") + " or :q"
}

// runCommand runs one line typed in the : bar.
func (m *Model) runCommand(line string) tea.Cmd {
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return nil
	}
	name, args := fields[0], fields[1:]
	switch name {
	case "q", "q!", "quit", "exit":
		return tea.Quit
	case "topics", "queues", "streams", "destinations", "dest":
		// One view lists what the broker holds; it names itself after the data.
		cmd := m.navigate(screens.KindDestinations, func() common.View { return screens.NewDestinations(m.c, name) })
		if note := m.kindNote(name); note != "" {
			cmd = tea.Batch(cmd, m.setFlash(levelInfo, note))
		}
		return cmd
	case "groups", "cg":
		return m.openGroups()
	case "lag", "consumers", "backlog":
		return m.openLag()
	case "broker", "stats", "sys", "overview":
		return m.openStats()
	case "schemas", "schema", "sr", "subjects":
		return m.openSchemas()
	case "ctx", "context":
		return m.ctxCommand(args)
	case "help":
		m.help = true
		return nil
	}
	return m.setFlash(levelError, fmt.Sprintf("unknown command %q: %s", sanitize.Line(name), m.commandHelp()))
}

// kindNote says why :queues shows topics on Kafka (and :topics queues on RabbitMQ): the list is the same,
// and without a word the command seems to do nothing.
func (m *Model) kindNote(command string) string {
	if !m.conn.known {
		return ""
	}
	switch kind := m.conn.identity.Kind; {
	case command == "queues" && kind == backends.Kafka:
		return "Kafka has topics, not queues: these are its topics"
	case command == "topics" && kind == backends.RabbitMQ:
		return "RabbitMQ has queues and exchanges, not topics: these are its queues"
	}
	return ""
}

// openGroups opens the consumer groups view where the backend can list groups, and says why not elsewhere.
func (m *Model) openGroups() tea.Cmd {
	if m.conn.session == nil {
		return m.setFlash(levelError, "not connected yet: :groups needs a live connection to know what the broker offers")
	}
	if !m.conn.session.Allows(actions.VerbBacklog) && m.conn.session.Allows(actions.VerbList) {
		return m.setFlash(levelError, "no consumer groups here: each subscriber gets its own copy of what arrives (:topics lists them)")
	}
	if !m.conn.session.Allows(actions.VerbGroups) {
		return m.setFlash(levelError,
			"this broker has no consumer groups: its consumers show per queue in the CONSUMERS column of :queues")
	}
	return m.navigate(screens.KindGroups, func() common.View { return screens.NewGroups(m.c) })
}

// ctxCommand is ":ctx" (list the contexts) and ":ctx NAME" (switch to one).
func (m *Model) ctxCommand(args []string) tea.Cmd {
	if len(args) == 0 {
		return m.setFlash(levelInfo, fmt.Sprintf("contexts: %s (current: %s); :ctx NAME switches",
			strings.Join(m.contextNames(), ", "), sanitize.Line(m.c.Context.Name)))
	}
	name := strings.Join(args, " ")
	for _, c := range m.opts.Contexts {
		if c.Name != name {
			continue
		}
		if name == m.c.Context.Name {
			return m.setFlash(levelInfo, "already on context "+sanitize.Line(name))
		}
		return m.switchContext(c)
	}
	known := "none are configured"
	if names := m.contextNames(); len(names) > 0 {
		known = "known: " + strings.Join(names, ", ")
	}
	return m.setFlash(levelError, fmt.Sprintf("no context named %q (%s)", sanitize.Line(name), known))
}

func (m *Model) contextNames() []string {
	names := make([]string, len(m.opts.Contexts))
	for i, c := range m.opts.Contexts {
		names[i] = sanitize.Line(c.Name)
	}
	return names
}

// openSchemas opens the schema registry view where the context has a registry, and says how to set one
// elsewhere.
func (m *Model) openSchemas() tea.Cmd {
	if m.c.Registry == nil {
		return m.setFlash(levelError, "no schema registry is configured: set kafka.schema-registry in the context, "+
			"or start mqscope with --schema-registry URL")
	}
	return m.navigate(screens.KindSchemas, func() common.View { return screens.NewSchemas(m.c) })
}

// openStats opens the broker's own statistics where it publishes them (MQTT's $SYS).
func (m *Model) openStats() tea.Cmd {
	if m.conn.session == nil {
		return m.setFlash(levelError, "not connected yet: :broker needs a live connection to know what the broker offers")
	}
	if err := m.conn.session.Can(actions.VerbStats); errors.Is(err, backends.ErrNotSupported) {
		return m.setFlash(levelError, common.NotAvailable(m.conn.identity.Kind, actions.VerbStats))
	} else if err != nil {
		return m.setFlash(levelError, common.ErrorLine(err))
	}
	return m.navigate(screens.KindStats, func() common.View { return screens.NewStats(m.c) })
}

// commandSuggestions feed the : bar's tab completion.
func (m *Model) commandSuggestions() []string {
	var s []string
	for _, c := range m.offeredCommands() {
		if c != "ctx NAME" {
			s = append(s, c)
		}
	}
	s = append(s, "ctx", "quit", "help")
	for _, c := range m.opts.Contexts {
		if sanitize.IsClean(c.Name) { // the input draws suggestions as they are
			s = append(s, "ctx "+c.Name)
		}
	}
	return s
}
