package cli

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"strings"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/sanitize"
)

const (
	// previewBytes is how much of a body a table row looks at: a 5 MiB body costs what a line shows.
	previewBytes = 512
	previewWidth = 80 // display cells of the body preview
	keyWidth     = 24 // display cells of the key
	topicWidth   = 32 // display cells of an MQTT topic
	hexPreview   = 16 // bytes of a binary body shown in hex
	tableTime    = "2006-01-02T15:04:05.000Z"
)

// messageTable writes messages as a table that streams: columns have fixed widths, so every row can be
// written as it arrives, and the heading is written with the first row, once the kind of message (with
// AMQP properties or without) says which columns apply.
type messageTable struct {
	w    *bufio.Writer
	cols []messageColumn
	line []byte
}

type messageColumn struct {
	head  string
	width int // display cells; the last column is not padded
	right bool
	cell  func(backends.Message) string // safe for the terminal already
}

func newMessageTable(w io.Writer) *messageTable {
	return &messageTable{w: bufio.NewWriterSize(w, 64<<10)}
}

var (
	partitionColumn = messageColumn{head: "PARTITION", width: 9, right: true,
		cell: func(m backends.Message) string { return strconv.Itoa(int(m.Partition)) }}
	offsetColumn = messageColumn{head: "OFFSET", width: 8, right: true,
		cell: func(m backends.Message) string { return strconv.FormatInt(m.Offset, 10) }}
	timeColumn = messageColumn{head: "TIME", width: len(tableTime), cell: func(m backends.Message) string {
		if m.Timestamp.IsZero() {
			return "-"
		}
		return m.Timestamp.UTC().Format(tableTime)
	}}
	keyColumn = messageColumn{head: "KEY", width: keyWidth, cell: func(m backends.Message) string {
		if m.Key == nil {
			return "-"
		}
		if len(m.Key) == 0 {
			return `""`
		}
		return present.Truncate(sanitize.Bytes(m.Key[:min(len(m.Key), previewBytes)]), keyWidth, "…")
	}}
	// An AMQP message's key is the routing key it was published with, as the TUI calls it.
	routingKeyColumn = messageColumn{head: "ROUTING KEY", width: keyWidth, cell: keyColumn.cell}
	sizeColumn       = messageColumn{head: "SIZE", width: 6, right: true,
		cell: func(m backends.Message) string { return strconv.Itoa(len(m.Body)) }}
	redeliveredColumn = messageColumn{head: "REDELIVERED", width: 11, cell: func(m backends.Message) string {
		if m.Redelivered {
			return "yes"
		}
		return "no"
	}}
	// Only quorum queues count deliveries (x-delivery-count, from the first redelivery on): a redelivered
	// message without a count comes from a queue that keeps none, and its count is unknown, not 0.
	deliveriesColumn = messageColumn{head: "DELIVERIES", width: 10, right: true, cell: func(m backends.Message) string {
		if !actions.DeliveriesKnown(m) {
			return "-"
		}
		return strconv.FormatInt(m.DeliveryCount, 10)
	}}
	topicColumn = messageColumn{head: "TOPIC", width: topicWidth, cell: func(m backends.Message) string {
		return present.Truncate(sanitize.Line(m.Destination), topicWidth, "…")
	}}
	qosColumn = messageColumn{head: "QOS", width: 3, right: true,
		cell: func(m backends.Message) string { return strconv.Itoa(m.MQTT.QoS) }}
	retainedColumn = messageColumn{head: "RETAINED", width: 8, cell: func(m backends.Message) string {
		return map[bool]string{true: "yes", false: "no"}[m.MQTT.Retained]
	}}
	bodyColumn = messageColumn{head: "BODY", cell: func(m backends.Message) string { return bodyPreview(m.Body) }}

	// Kafka records have partitions; AMQP messages have delivery state instead.
	recordColumns  = []messageColumn{partitionColumn, offsetColumn, timeColumn, keyColumn, sizeColumn, bodyColumn}
	mqttColumns    = []messageColumn{offsetColumn, timeColumn, topicColumn, qosColumn, retainedColumn, sizeColumn, bodyColumn}
	amqpColumns    = []messageColumn{offsetColumn, timeColumn, routingKeyColumn, redeliveredColumn, deliveriesColumn, sizeColumn, bodyColumn}
	whitespaceRuns = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ")
)

func (t *messageTable) Write(m backends.Message) error {
	if t.cols == nil {
		t.cols = recordColumns
		switch {
		case m.MQTT != nil:
			t.cols = mqttColumns // a peek of a filter (+, #) shows many topics
		case m.Properties != nil:
			t.cols = amqpColumns
		}
		heads := make([]string, len(t.cols))
		for i, c := range t.cols {
			heads[i] = c.head
		}
		if err := t.row(heads); err != nil {
			return err
		}
	}
	cells := make([]string, len(t.cols))
	for i, c := range t.cols {
		cells[i] = c.cell(m)
	}
	return t.row(cells)
}

func (t *messageTable) row(cells []string) error {
	t.line = t.line[:0]
	for i, cell := range cells {
		c := t.cols[i]
		if i > 0 {
			t.line = append(t.line, "  "...)
		}
		pad := max(c.width-present.Width(cell), 0)
		if c.right {
			t.line = append(t.line, strings.Repeat(" ", pad)...)
		}
		t.line = append(t.line, cell...)
		if !c.right && i < len(cells)-1 {
			t.line = append(t.line, strings.Repeat(" ", pad)...)
		}
	}
	t.line = append(bytes.TrimRight(t.line, " "), '\n')
	_, err := t.w.Write(t.line)
	return err
}

func (t *messageTable) Flush() error { return t.w.Flush() }

// bodyPreview is one line of a body, as the TUI's browser shows it, cut to the table's width.
func bodyPreview(body []byte) string {
	text, _ := present.BodyPreview(body, previewBytes)
	return present.Truncate(text, previewWidth, "…")
}
