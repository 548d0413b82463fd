package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/sanitize"
)

// outputFormat is the -o flag: a table for people, or JSON Lines for scripts.
type outputFormat string

const (
	outputTable outputFormat = "table"
	outputJSON  outputFormat = "json"
)

func (o *outputFormat) String() string { return string(*o) }
func (o *outputFormat) Type() string   { return "table|json" }
func (o *outputFormat) Set(s string) error {
	switch outputFormat(s) {
	case outputTable, outputJSON:
		*o = outputFormat(s)
		return nil
	}
	return fmt.Errorf("want table or json, not %q", s)
}

// column is one column of a table of T.
type column[T any] struct {
	head  string
	right bool           // numbers align right
	cell  func(T) string // raw text: the table escapes it
	// applies says whether the column means anything for a row (partitions for a topic, not a queue). A
	// column shows when it applies to some row, and its cell is blank on the rows it does not apply to.
	applies func(T) bool
}

// columnsOf are a domain type's shared columns (package present) as the CLI prints them.
func columnsOf[T any](spec []present.Column[T]) []column[T] {
	cols := make([]column[T], len(spec))
	for i, c := range spec {
		cols[i] = column[T]{head: c.Name, right: c.Right, cell: c.Text, applies: c.Applies}
	}
	return cols
}

// render prints the listing in the chosen format: toJSON gives each row's JSON object.
func render[T any](w io.Writer, format outputFormat, rows []T, cols []column[T], toJSON func(T) any) error {
	if format == outputJSON {
		return writeJSONLines(w, rows, toJSON)
	}
	return writeTable(w, rows, cols)
}

// writeTable prints an aligned table: names left, numbers right, every cell through sanitize.Line so that
// no byte from the broker reaches the terminal raw. (text/tabwriter aligns every column the same way, and
// numbers read best aligned right.)
func writeTable[T any](w io.Writer, rows []T, cols []column[T]) error {
	cols = shown(rows, cols)
	cells := make([][]string, 0, len(rows)+1)
	head := make([]string, len(cols))
	for i, c := range cols {
		head[i] = c.head
	}
	cells = append(cells, head)
	for _, r := range rows {
		line := make([]string, len(cols))
		for i, c := range cols {
			if c.applies == nil || c.applies(r) {
				line[i] = sanitize.Line(c.cell(r))
			}
		}
		cells = append(cells, line)
	}
	widths := make([]int, len(cols))
	for _, line := range cells {
		for i, cell := range line {
			widths[i] = max(widths[i], present.Width(cell))
		}
	}
	var b bytes.Buffer
	for _, line := range cells {
		for i, cell := range line {
			pad := strings.Repeat(" ", widths[i]-present.Width(cell))
			if i > 0 {
				b.WriteString("  ")
			}
			if cols[i].right {
				b.WriteString(pad + cell)
			} else {
				b.WriteString(cell + pad)
			}
		}
		trimmed := bytes.TrimRight(b.Bytes(), " ")
		b.Truncate(len(trimmed))
		b.WriteByte('\n')
	}
	_, err := w.Write(b.Bytes())
	return err
}

func shown[T any](rows []T, cols []column[T]) []column[T] {
	var out []column[T]
	for _, c := range cols {
		if c.applies == nil || anyRow(rows, c.applies) {
			out = append(out, c)
		}
	}
	return out
}

func anyRow[T any](rows []T, f func(T) bool) bool {
	for _, r := range rows {
		if f(r) {
			return true
		}
	}
	return false
}

// writeJSONLines prints one complete JSON object per row. Names keep every character exactly, escaped the
// JSON way, so that a script reads back the very bytes the broker holds.
func writeJSONLines[T any](w io.Writer, rows []T, toJSON func(T) any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for _, r := range rows {
		if err := enc.Encode(toJSON(r)); err != nil {
			return fmt.Errorf("encode JSON: %w", err)
		}
	}
	_, err := w.Write(terminalSafeJSON(b.Bytes()))
	return err
}

// terminalSafeJSON escapes, as \uXXXX, the characters encoding/json leaves raw but a terminal would act on:
// C1 controls, bidi overrides and invisible characters. The JSON decodes to exactly the same strings.
func terminalSafeJSON(b []byte) []byte {
	if isASCII(b) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r >= utf8.RuneSelf && !sanitize.IsClean(string(r)) {
			out = appendJSONEscape(out, r)
		} else {
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	return out
}

func appendJSONEscape(out []byte, r rune) []byte {
	if r > 0xffff {
		hi, lo := utf16.EncodeRune(r)
		return fmt.Appendf(out, `\u%04x\u%04x`, hi, lo)
	}
	return fmt.Appendf(out, `\u%04x`, r)
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// rate is a message rate with one decimal, or "-" where the broker reported none.
func rate(r *float64) string {
	if r == nil {
		return "-"
	}
	return fmt.Sprintf("%.1f", *r)
}

func itoa[N int | int64](n N) string { return strconv.FormatInt(int64(n), 10) }

// countJSON is a figure for JSON: null where the broker could not give it.
func countJSON[N int | int64](n N) *N {
	if !backends.Known(n) {
		return nil
	}
	return &n
}
