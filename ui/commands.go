package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/screens"
)

// commandHelp is what an unknown command is told to try.
const commandHelp = "try :topics, :queues, :groups, :lag, :ctx NAME or :q"

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
	case "topics", "queues", "destinations", "dest":
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
	case "ctx", "context":
		return m.ctxCommand(args)
	case "help":
		m.help = true
		return nil
	}
	return m.setFlash(levelError, fmt.Sprintf("unknown command %q: %s", sanitize.Line(name), commandHelp))
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

// commandSuggestions feed the : bar's tab completion.
func (m *Model) commandSuggestions() []string {
	s := []string{"topics", "queues", "groups", "lag", "ctx", "quit", "help"}
	for _, c := range m.opts.Contexts {
		if sanitize.IsClean(c.Name) { // the input draws suggestions as they are
			s = append(s, "ctx "+c.Name)
		}
	}
	return s
}
