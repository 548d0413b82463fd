package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-runewidth"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/present"
)

func TestBodyPreview(t *testing.T) {
	long := bytes.Repeat([]byte("é"), 5<<20/2) // 5 MiB of two-byte runes: the cap cuts one in two
	for _, tc := range []struct {
		name string
		body []byte
		want string
	}{
		{"null", nil, "(null)"},
		{"empty", []byte{}, "(empty)"},
		{"pretty JSON folds to one line", []byte("{\n\t\"a\": 1,\r\n  \"b\": 2\n}"), `{ "a": 1, "b": 2 }`},
		{"escapes, bidi and C1 escaped", []byte(`{"name": "Mallory \u202eredro\u202c", "title": "x` + "\x1b]0;pwned\x07\u202egnp\u009b\"}"),
			`{"name": "Mallory \u202eredro\u202c", "title": "x\e]0;pwned\x07\u202egnp\x9b"}`},
		{"binary as hex", []byte{0xca, 0xfe, 0xff, 0x03}, "hex ca fe ff 03"},
		{"long binary", append([]byte{0xca, 0xfe}, make([]byte, 40)...), "hex ca fe 00 00 00 00 00 00 00 00 00 00 00 00 00 00 …"},
		{"5 MiB of text", long, strings.Repeat("é", previewWidth-1) + "…"},
	} {
		if got := bodyPreview(tc.body); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func BenchmarkBodyPreview5MiB(b *testing.B) {
	body := bytes.Repeat([]byte(`{"k":"v"} `), 5<<20/10)
	b.ReportAllocs()
	for b.Loop() {
		bodyPreview(body)
	}
}

// The table streams with fixed columns: rows line up without being gathered, and the first message
// picks the columns (AMQP messages show delivery state instead of partitions).
func TestMessageTableColumns(t *testing.T) {
	at := time.Date(2026, 11, 26, 3, 0, 0, 5e6, time.UTC)
	var out bytes.Buffer
	table := newMessageTable(&out)
	for _, m := range []backends.Message{
		{Partition: 3, Offset: 41, Timestamp: at, Key: []byte("cust-0042"), Body: []byte(`{"a":1}`)},
		{Partition: 12, Offset: 123456789012, Timestamp: at, Key: []byte("\x1b[31m" + strings.Repeat("k", 40)), Body: []byte{}},
		{Partition: 0, Offset: 0},
	} {
		if err := table.Write(m); err != nil {
			t.Fatal(err)
		}
	}
	table.Flush()
	want := "" +
		"PARTITION    OFFSET  TIME                      KEY                            SIZE  BODY\n" +
		"        3        41  2026-11-26T03:00:00.005Z  cust-0042                       7 B  {\"a\":1}\n" +
		"       12  123456789012  2026-11-26T03:00:00.005Z  \\e[31mkkkkkkkkkkkkkkkkk…        0 B  (empty)\n" +
		"        0         0  -                         -                               0 B  (null)\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}

	out.Reset()
	table = newMessageTable(&out)
	table.Write(backends.Message{Offset: 2, Timestamp: at, Key: []byte("orders"), Body: []byte("x"),
		Properties: &backends.Properties{}, Redelivered: true, DeliveryCount: 3})
	// A classic queue keeps no delivery count: redelivered, and the count unknown, not 0.
	table.Write(backends.Message{Offset: 3, Timestamp: at, Key: []byte("orders"), Body: []byte("y"),
		Properties: &backends.Properties{}, Redelivered: true})
	table.Flush()
	want = "" +
		"  OFFSET  TIME                      ROUTING KEY               REDELIVERED  DELIVERIES       SIZE  BODY\n" +
		"       2  2026-11-26T03:00:00.005Z  orders                    yes                   3        1 B  x\n" +
		"       3  2026-11-26T03:00:00.005Z  orders                    yes                   -        1 B  y\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
	if w := runewidth.StringWidth(fit("KEY", present.Key(bytes.Repeat([]byte("界"), 30)))); w > keyWidth {
		t.Errorf("a wide key takes %d cells", w)
	}
}
