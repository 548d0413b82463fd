package actions

import (
	"strings"
	"testing"
	"time"

	"github.com/mqscope/mqscope/backends"
)

var sample = backends.Message{
	Destination: "orders", Partition: 2, Offset: 41, Timestamp: time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC),
	Key: []byte("k-123456"), Headers: []backends.Header{{Key: "type", Value: []byte("created")}},
	Body: []byte(`{"id":123456,"name":"record-123456","status":"ok","amount":456,"items":[{"sku":"a"}]}`),
}

// Every part of a message is there to test, the body's fields as JSON, whether the expression names a few
// fields (parsed alone) or reads the value whole.
func TestWhereMatchesEveryPartOfAMessage(t *testing.T) {
	for source, want := range map[string]bool{
		`value.amount == 456 && value.status == "ok"`:               true,
		`value.amount > 456`:                                        false,
		`value["name"] endsWith "456"`:                              true,
		`value.items[0].sku == "a"`:                                 true,
		`len(value) == 5`:                                           true, // value whole
		`value.missing == nil`:                                      true,
		`key startsWith "k-12"`:                                     true,
		`headers["type"] == "created" && headers["none"] == ""`:     true,
		`partition == 2 && offset >= 41 && destination == "orders"`: true,
		`timestamp < date("2026-12-05T02:00:00Z")`:                  true,
		`body contains "record-123456"`:                             true,
		`offset == 40`:                                              false,
	} {
		w, err := CompileWhere(source)
		if err != nil {
			t.Fatalf("%s: %v", source, err)
		}
		if got, err := w.Match(sample); got != want || err != nil {
			t.Errorf("%s: %v %v, want %v", source, got, err, want)
		}
	}
}

// A body that is not JSON is a string; an expression that is not a test, or not an expression, is
// refused when compiled, naming it.
func TestWhereOnTextAndBadExpressions(t *testing.T) {
	text := sample
	text.Body = []byte("plain {text")
	for _, source := range []string{`value == "plain {text"`, `value startsWith "plain"`} {
		w, _ := CompileWhere(source)
		if ok, err := w.Match(text); !ok || err != nil {
			t.Errorf("%s on a text body: %v %v", source, ok, err)
		}
	}
	for _, source := range []string{`offset + 1`, `key startsWith "x`, ``} {
		if _, err := CompileWhere(source); err == nil || !strings.Contains(err.Error(), "--where") {
			t.Errorf("%q compiled: %v", source, err)
		}
	}
}

// An expression that fails on a message says why in one line: expr's own error drew the expression
// and a caret on two more, which the CLI's one-line error showed as "\n | value.nosuch.x > 3\n | ...^".
func TestWhereFailureIsOneLine(t *testing.T) {
	w, err := CompileWhere(`value.nosuch.x > 3`)
	if err != nil {
		t.Fatal(err)
	}
	ok, err := w.Match(sample)
	if ok || err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "cannot fetch x") {
		t.Errorf("match: %v, %q", ok, err)
	}
}

// BenchmarkWhereJSON is one field test on a small JSON record (demo.BigTopic's), the cost of a search
// per message beyond reading it.
func BenchmarkWhereJSON(b *testing.B) {
	w, err := CompileWhere(`value.amount == 999 && value.status == "ok"`)
	if err != nil {
		b.Fatal(err)
	}
	m := backends.Message{Key: []byte("k-123456"), Body: []byte(`{"id":123456,"name":"record-123456","status":"ok","amount":456}`)}
	for b.Loop() {
		w.Match(m)
	}
}
