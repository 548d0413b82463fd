package cli

import (
	"bufio"
	"bytes"
	"io"
	"strings"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/present"
)

const (
	previewWidth = 80 // display cells of the body preview
	keyWidth     = 24 // display cells of the key
	topicWidth   = 32 // display cells of an MQTT topic
)

// messageTable writes messages as a table that streams: columns have fixed widths, so every row can be
// written as it arrives, and the heading is written with the first row, once it says which of
// present.Messages apply (AMQP messages show delivery state instead of partitions).
type messageTable struct {
	w    *bufio.Writer
	cols []present.Column[present.MessageRow]
	line []byte
	// decoded, when set, is what the BODY column previews instead of the raw body.
	decoded func(backends.Message) string
}

// messageWidths are the CLI's fixed widths of present.Messages, in display cells; BODY, last, is not padded.
var messageWidths = map[string]int{"PARTITION": 9, "OFFSET": 8, "TIME": len("2006-01-02T15:04:05.000Z"),
	"KEY": keyWidth, "ROUTING KEY": keyWidth, "ORIGIN": keyWidth, "TOPIC": topicWidth, "QOS": 3, "RETAINED": 8, "REDELIVERED": 11, "DELIVERIES": 10, "~RECEIVES": 9, "GROUP": 16, "SIZE": 9}

func newMessageTable(w io.Writer) *messageTable {
	return &messageTable{w: bufio.NewWriterSize(w, 64<<10)}
}

func (t *messageTable) Write(m backends.Message) error {
	r := present.NewMessageRow(m)
	if t.decoded != nil {
		r.Decoded = t.decoded(m)
	}
	if t.cols == nil {
		var heads []string
		for _, c := range present.Messages {
			if c.Shown([]present.MessageRow{r}) {
				t.cols = append(t.cols, c)
				heads = append(heads, c.Name)
			}
		}
		if err := t.row(heads); err != nil {
			return err
		}
	}
	cells := make([]string, len(t.cols))
	for i, c := range t.cols {
		cells[i] = fit(c.Name, c.Cell(r))
	}
	return t.row(cells)
}

// fit cuts a cell to its column's width: the key and origin to theirs, the body to previewWidth.
func fit(col, cell string) string {
	switch col {
	case "KEY", "ROUTING KEY", "ORIGIN":
		return present.Truncate(cell, keyWidth, "…")
	case "TOPIC":
		return present.Truncate(cell, topicWidth, "…")
	case "BODY":
		return present.Truncate(cell, previewWidth, "…")
	}
	return cell
}

func (t *messageTable) row(cells []string) error {
	t.line = t.line[:0]
	for i, cell := range cells {
		c := t.cols[i]
		width := messageWidths[c.Name]
		if i > 0 {
			t.line = append(t.line, "  "...)
		}
		pad := max(width-present.Width(cell), 0)
		if c.Right {
			t.line = append(t.line, strings.Repeat(" ", pad)...)
		}
		t.line = append(t.line, cell...)
		if !c.Right && i < len(cells)-1 {
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
	text, _ := present.BodyPreview(body, present.PreviewBytes)
	return present.Truncate(text, previewWidth, "…")
}
