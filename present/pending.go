package present

import (
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/sanitize"
)

type pending = backends.PendingMessage

// Pending are the columns of a group's pending messages; each front end adds a BODY column of its own
// preview.
var Pending = []Column[pending]{
	{Name: "ID", Text: func(p pending) string { return sanitize.Bytes(p.Message.Key) }},
	{Name: "CONSUMER", Optional: 1, Text: func(p pending) string { return sanitize.Line(p.Consumer) }},
	{Name: "IDLE", Optional: 2, Right: true, Text: func(p pending) string { return Duration(p.Idle) }},
	{Name: "DELIVERIES", Right: true, Text: func(p pending) string { return Int(p.Message.DeliveryCount) }},
}

// GoneBody is what a pending message deleted from its stream shows for a body.
const GoneBody = "(deleted from the stream)"
