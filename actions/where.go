package actions

import (
	"context"
	"errors"
	"fmt"
	jsoniter "github.com/json-iterator/go"
	"io"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"

	"github.com/mqscope/mqscope/backends"
)

// Where is a compiled search expression over a message, in expr-lang (github.com/expr-lang/expr): Go-like
// syntax people can write without a manual (value.status == "ok" && offset > 100, key startsWith "k-",
// headers["type"] in ["a", "b"], value.amount > 500), compiled once to bytecode and run without
// allocating per field. It reads the fields of a JSON body as they are (dynamic maps), which CEL would
// want declared as types first. The message is seen as:
//
//	key        string          the key (RabbitMQ: the routing key)
//	value      any             the body parsed as JSON when it is JSON, else the body as a string
//	body       string          the raw body
//	headers    map[string]string
//	partition  int, offset int, timestamp time (now() - timestamp > duration("1h") works)
//	destination string
type Where struct {
	source  string
	program *vm.Program
	uses    map[string]bool // the names it reads: only those are made for each message (a body parsed, copied)
	fields  map[string]bool // the fields of value it reads, where it reads no more: the rest is skipped
	// Decoded, when set, is the body value reads: what a decoder made of it (Protobuf as JSON, say).
	Decoded func(backends.Message) []byte
}

// whereEnv is what an expression sees.
type whereEnv struct {
	Key         string            `expr:"key"`
	Value       any               `expr:"value"`
	Body        string            `expr:"body"`
	Headers     map[string]string `expr:"headers"`
	Partition   int               `expr:"partition"`
	Offset      int64             `expr:"offset"`
	Timestamp   time.Time         `expr:"timestamp"`
	Destination string            `expr:"destination"`
}

// CompileWhere compiles a search expression; it must give true or false.
func CompileWhere(source string) (*Where, error) {
	program, err := expr.Compile(source, expr.Env(whereEnv{}), expr.AsBool())
	if err != nil {
		// expr draws a caret under the mistake on further lines; the first says what and where.
		first, _, _ := strings.Cut(err.Error(), "\n")
		return nil, fmt.Errorf("--where %q: %s", source, first)
	}
	var find identFinder
	tree := program.Node()
	ast.Walk(&tree, &find)
	return &Where{source: source, program: program, uses: find.seen, fields: find.onlyFields()}, nil
}

// identFinder notes the names an expression reads, and the fields of value it reads by name
// (value.amount, value["amount"]).
type identFinder struct {
	seen        map[string]bool
	fields      map[string]bool
	values      int // uses of value
	fieldValues int // ... of which value.NAME
}

func (f *identFinder) Visit(n *ast.Node) {
	switch node := (*n).(type) {
	case *ast.IdentifierNode:
		if f.seen == nil {
			f.seen = map[string]bool{}
		}
		f.seen[node.Value] = true
		if node.Value == "value" {
			f.values++
		}
	case *ast.MemberNode:
		id, isIdent := node.Node.(*ast.IdentifierNode)
		name, isName := node.Property.(*ast.StringNode)
		if isIdent && isName && id.Value == "value" {
			if f.fields == nil {
				f.fields = map[string]bool{}
			}
			f.fields[name.Value] = true
			f.fieldValues++
		}
	}
}

// onlyFields are the fields of value an expression reads when it reads value only by field name, so
// that a search parses those and skips the rest; nil when it reads value whole.
func (f *identFinder) onlyFields() map[string]bool {
	if f.values != f.fieldValues {
		return nil
	}
	return f.fields
}

// Match says whether m satisfies the expression. An expression that fails on a message (a field of the
// wrong type) does not match it; the error says why, for the first such message.
func (w *Where) Match(m backends.Message) (bool, error) {
	env := whereEnv{Partition: int(m.Partition), Offset: m.Offset, Timestamp: m.Timestamp, Destination: m.Destination}
	if w.uses["key"] {
		env.Key = string(m.Key)
	}
	if w.uses["body"] {
		env.Body = string(m.Body)
	}
	if w.uses["headers"] && len(m.Headers) > 0 {
		env.Headers = make(map[string]string, len(m.Headers))
		for _, h := range m.Headers {
			env.Headers[h.Key] = string(h.Value)
		}
	}
	if w.uses["value"] {
		body := m.Body
		if w.Decoded != nil {
			body = w.Decoded(m)
		}
		env.Value = bodyValue(body, w.fields)
	}
	out, err := expr.Run(w.program, env)
	if err != nil {
		// The first line says what and where; expr's next lines draw the expression with a caret, which
		// a one-line error showed as "(1:14)\n | value.nosuch.x > 3\n | .............^".
		first, _, _ := strings.Cut(err.Error(), "\n")
		return false, errors.New(first)
	}
	return out.(bool), nil
}

// bodyValue is the body as JSON when it parses, else as a string; of a JSON object, only the fields named
// when fields are.
func bodyValue(body []byte, fields map[string]bool) any {
	if fields != nil {
		if v, ok := objectFields(body, fields); ok {
			return v
		}
	}
	var v any
	if fastJSON.Unmarshal(body, &v) == nil {
		return v
	}
	return string(body)
}

// SearchProgress is how far a search got.
type SearchProgress struct {
	Scanned, Matched int64
	Elapsed          time.Duration
}

// SearchRequest is a search: the messages of a range that satisfy an expression, at most Limit of them.
type SearchRequest struct {
	Source     string
	From       backends.Position
	Until      *backends.Position // an offset or a time, not included; nil: to the end
	Partitions []int32
	Limit      int // matches; 0: all
	Where      *Where
}

// Search reads the range and hands each match to emit, reporting progress as it scans; it changes
// nothing (it reads the way peek reads). A message the expression fails on does not match; the first
// such failure is returned in the progress' place only if nothing matched, so a typo does not pass for
// "no matches".
func Search(ctx context.Context, b backends.Backend, req SearchRequest, emit func(backends.Message) error,
	progress func(SearchProgress)) (SearchProgress, error) {
	start := time.Now()
	var p SearchProgress
	var firstFailure error
	r := rangeReader{opts: ReplayOptions{Until: req.Until, Partitions: req.Partitions}, passed: map[int32]bool{}}
	peek := backends.PeekRequest{Destination: req.Source, From: req.From, Partitions: req.Partitions}
	err := Peek(ctx, b, peek, func(m backends.Message) error {
		switch r.judge(m) {
		case outOfRange:
			return nil
		case pastRange:
			return errRangeDone
		}
		p.Scanned++
		ok, err := req.Where.Match(m)
		if err != nil && firstFailure == nil {
			firstFailure = fmt.Errorf("--where %q on %s/%d@%d: %w", req.Where.source, m.Destination, m.Partition, m.Offset, err)
		}
		if ok {
			p.Matched++
			if err := emit(m); err != nil {
				return err
			}
		}
		if progress != nil && p.Scanned%1024 == 0 {
			p.Elapsed = time.Since(start)
			progress(p)
		}
		if req.Limit > 0 && p.Matched >= int64(req.Limit) {
			return errRangeDone
		}
		return nil
	})
	p.Elapsed = time.Since(start)
	if errors.Is(err, errRangeDone) {
		err = nil
	}
	if err == nil && p.Matched == 0 && firstFailure != nil {
		err = firstFailure
	}
	return p, err
}

// fastJSON parses bodies for --where: json-iterator without the standard library's exactness checks
// (searching reads, it never writes back), about twice as fast on small records.
var fastJSON = jsoniter.ConfigFastest

// objectFields reads the named fields of a JSON object and skips the others; false when body is not one.
func objectFields(body []byte, fields map[string]bool) (map[string]any, bool) {
	it := fastJSON.BorrowIterator(body)
	defer fastJSON.ReturnIterator(it)
	if it.WhatIsNext() != jsoniter.ObjectValue {
		return nil, false
	}
	out := make(map[string]any, len(fields))
	it.ReadObjectCB(func(it *jsoniter.Iterator, key string) bool {
		if fields[key] {
			out[key] = it.Read()
		} else {
			it.Skip()
		}
		return true
	})
	if it.Error != nil && it.Error != io.EOF {
		return nil, false
	}
	return out, true
}
