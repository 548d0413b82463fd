package decode

import (
	"context"
	"encoding/binary"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hamba/avro/v2"
)

func TestDecodeFormats(t *testing.T) {
	var d Decoder
	cases := []struct {
		body string
		want Format
	}{
		{`{"id":1,"total":12.50,"tags":["a"]}`, JSON},
		{`  [1, 2]  `, JSON},
		{`plain text with ünïcode`, Text},
		{"text with an escape \x1b[31m inside that is still mostly text", Text},
		{"\x00\x01\x02\xff\xfe binary", Binary},
		{``, Empty},
		{`{"broken":`, Text},
	}
	for _, c := range cases {
		if got := d.Decode(context.Background(), []byte(c.body)); got.Format != c.want {
			t.Errorf("Decode(%q).Format = %s, want %s", c.body, got.Format, c.want)
		}
	}
}

func TestPrettyKeepsOrderAndNumbers(t *testing.T) {
	got := Pretty([]byte(`{"z":1.50,"a":{"b":[true,null]}}`))
	want := "{\n  \"z\": 1.50,\n  \"a\": {\n    \"b\": [\n      true,\n      null\n    ]\n  }\n}"
	if got != want {
		t.Errorf("Pretty =\n%s\nwant\n%s", got, want)
	}
}

func TestDecodeBoundsLargeBodies(t *testing.T) {
	body := []byte(strings.Repeat("é", 3<<20)) // 6 MiB of text
	got := (&Decoder{}).Decode(context.Background(), body)
	if !got.Truncated || got.Size != len(body) || len(got.Text) > DefaultMaxBytes {
		t.Fatalf("Truncated=%v Size=%d len(Text)=%d", got.Truncated, got.Size, len(got.Text))
	}
	if got.Format != Text {
		t.Errorf("a truncated text body is %s, want text (no rune split)", got.Format)
	}
}

func TestTokensJoinBack(t *testing.T) {
	line := `    "name": "a \"quoted\" str", "n": -1.5e3, "ok": false, "x": null`
	var b strings.Builder
	kinds := map[TokenKind]int{}
	for _, tk := range Tokens(line) {
		b.WriteString(tk.Text)
		kinds[tk.Kind]++
	}
	if b.String() != line {
		t.Fatalf("tokens join to %q, want %q", b.String(), line)
	}
	if kinds[TokKey] != 4 || kinds[TokString] != 1 || kinds[TokNumber] != 1 || kinds[TokBool] != 1 || kinds[TokNull] != 1 {
		t.Errorf("token kinds = %v", kinds)
	}
}

const userSchema = `{"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"}]}`

// schemaRegistry serves the one endpoint of the Confluent schema registry API that decoding uses.
func schemaRegistry(t *testing.T, hits *atomic.Int32) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path != "/schemas/ids/7" {
			http.Error(w, `{"error_code":40403,"message":"Schema not found"}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
		_, _ = w.Write([]byte(`{"schema":` + quote(userSchema) + `}`))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

func wire(t *testing.T, id int, v any) []byte {
	payload, err := avro.Marshal(avro.MustParse(userSchema), v)
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 5)
	binary.BigEndian.PutUint32(head[1:], uint32(id))
	return append(head, payload...)
}

func TestDecodeAvroThroughRegistry(t *testing.T) {
	var hits atomic.Int32
	reg, err := NewRegistry(schemaRegistry(t, &hits).URL)
	if err != nil {
		t.Fatal(err)
	}
	d := Decoder{Registry: reg}
	body := wire(t, 7, map[string]any{"id": int64(42), "name": "ada"})
	for i := 0; i < 3; i++ {
		got := d.Decode(context.Background(), body)
		if got.Format != Avro || got.SchemaID != 7 || !strings.Contains(got.Text, `"name": "ada"`) {
			t.Fatalf("Decode = %+v", got)
		}
	}
	if hits.Load() != 1 {
		t.Errorf("registry asked %d times for one schema, want 1 (cached)", hits.Load())
	}
	unknown := d.Decode(context.Background(), wire(t, 9, map[string]any{"id": int64(1), "name": "x"}))
	if unknown.Format != Binary || unknown.SchemaID != 9 || !strings.Contains(unknown.Note, "schema id 9") {
		t.Errorf("unknown schema: %+v", unknown)
	}
}

func TestDecodeAvroRegistryDownDegradesToHex(t *testing.T) {
	reg, err := NewRegistry("http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	d := Decoder{Registry: reg}
	body := wire(t, 7, map[string]any{"id": int64(1), "name": "x"})
	got := d.Decode(context.Background(), body)
	if got.Format != Binary || got.Note == "" || !strings.Contains(got.Text, "00 00 00 00 07") {
		t.Fatalf("Decode with registry down = %+v", got)
	}
	if noReg := (&Decoder{}).Decode(context.Background(), body); !strings.Contains(noReg.Note, "no schema registry") {
		t.Errorf("without registry: note %q", noReg.Note)
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"a":1}`, "text", "\x00\x00\x00\x00\x07abc", "\xff\xfe", `[{"x":"\u001b"}]`} {
		f.Add([]byte(s))
	}
	d := Decoder{MaxBytes: 64}
	f.Fuzz(func(t *testing.T, b []byte) {
		got := d.Decode(context.Background(), b)
		if got.Size != len(b) {
			t.Fatalf("Size = %d, want %d", got.Size, len(b))
		}
		if got.Format == JSON {
			for _, line := range strings.Split(got.Text, "\n") {
				var joined strings.Builder
				for _, tk := range Tokens(line) {
					joined.WriteString(tk.Text)
				}
				if joined.String() != line {
					t.Fatalf("tokens of %q join to %q", line, joined.String())
				}
			}
		}
	})
}

// Plain is the list preview's shortcut: only bodies auto would show as their bytes skip the decoder.
func TestPlain(t *testing.T) {
	var d Decoder
	cases := []struct {
		name  string
		in    Input
		plain bool
	}{
		{"json", Input{Body: []byte(`{"a":1}`)}, true},
		{"json by content-type", Input{Body: []byte(`{"a":1}`), ContentType: "application/json"}, true},
		{"text", Input{Body: []byte("hello")}, true},
		{"a rune cut at the look's end", Input{Body: []byte(strings.Repeat("é", 200))}, true},
		{"empty", Input{}, true},
		{"wire format", Input{Body: []byte{0, 0, 0, 0, 4, 2, 'x'}}, false},
		{"gzip", Input{Body: []byte("hello"), ContentEncoding: "gzip"}, false},
		{"binary", Input{Body: []byte{0x82, 0xa1, 'a', 1, 0xa1, 'b', 2}}, false},
	}
	for _, c := range cases {
		if got := d.Plain(c.in); got != c.plain {
			t.Errorf("%s: Plain = %v, want %v", c.name, got, c.plain)
		}
	}
}
