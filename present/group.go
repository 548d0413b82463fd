package present

import (
	"strings"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/sanitize"
)

type group = backends.ConsumerGroup

// Groups are the columns of a listing of consumer groups.
var Groups = []Column[group]{
	{Name: "GROUP", Text: func(g group) string { return sanitize.Line(g.Name) }},
	{Name: "STATE", Text: func(g group) string { return sanitize.Line(g.State) }},
	{Name: "MEMBERS", Optional: 2, Right: true, Text: func(g group) string { return Int(g.Members) }},
	{Name: "PROTOCOL", Optional: 4, Text: func(g group) string { return sanitize.Line(Protocol(g)) }},
	{Name: "COORDINATOR", Optional: 5, Text: func(g group) string { return sanitize.Line(g.Coordinator) }},
	{Name: "TOPICS", Optional: 1, Text: func(g group) string { return sanitize.Line(strings.Join(g.Topics, ",")) }},
}

// Protocol is a group's protocol type and protocol, as far as known: "consumer/range".
func Protocol(g group) string {
	switch {
	case g.ProtocolType != "" && g.Protocol != "":
		return g.ProtocolType + "/" + g.Protocol
	case g.Protocol != "":
		return g.Protocol
	}
	return g.ProtocolType
}
