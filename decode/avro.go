package decode

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/hamba/avro/v2"
)

// avroSchema is a parsed Avro schema, with the named types its references declare.
type avroSchema struct {
	schema avro.Schema
	// decodeAs is schema with its local timestamps read as plain longs, when it has any: hamba/avro turns a
	// local timestamp into a time in time.Local by subtracting the zone's offset, which loses the hour
	// around a daylight-saving change (two wall clocks give the same time). nil: decode with schema.
	decodeAs avro.Schema
}

// compileAvro parses text after the schemas it references, in one cache, so that it can name their types.
func compileAvro(text string, refs []reference) (*avroSchema, error) {
	s, err := parseAvro(text, refs, func(t string) string { return t })
	if err != nil {
		return nil, err
	}
	out := &avroSchema{schema: s}
	if strings.Contains(text, "local-timestamp-mi") || slices.ContainsFunc(refs, func(r reference) bool {
		return strings.Contains(r.text, "local-timestamp-mi")
	}) {
		if out.decodeAs, err = parseAvro(text, refs, withoutLocalTimestamps); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func parseAvro(text string, refs []reference, rewrite func(string) string) (avro.Schema, error) {
	cache := &avro.SchemaCache{}
	for _, r := range refs {
		if _, err := avro.ParseWithCache(rewrite(r.text), "", cache); err != nil {
			return nil, fmt.Errorf("parse the Avro schema %q it references: %w", r.name, err)
		}
	}
	s, err := avro.ParseWithCache(rewrite(text), "", cache)
	if err != nil {
		return nil, fmt.Errorf("parse the Avro schema: %w", err)
	}
	return s, nil
}

// withoutLocalTimestamps is an Avro schema's text with its local-timestamp logical types taken off, so
// that they decode as the longs they are (avroShow writes them from the original schema). Text that is
// not JSON is left for the parser to refuse.
func withoutLocalTimestamps(text string) string {
	var v any
	if json.Unmarshal([]byte(text), &v) != nil {
		return text
	}
	var strip func(any)
	strip = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if lt, _ := x["logicalType"].(string); lt == string(avro.LocalTimestampMillis) || lt == string(avro.LocalTimestampMicros) {
				delete(x, "logicalType")
			}
			for _, e := range x {
				strip(e)
			}
		case []any:
			for _, e := range x {
				strip(e)
			}
		}
	}
	strip(v)
	out, err := json.Marshal(v)
	if err != nil {
		return text
	}
	return string(out)
}

// avroToJSON decodes an Avro payload as indented JSON; hamba/avro gives a union's value bare, which is also
// what publish --schema reads (as well as Avro's JSON encoding, {"branch": value}).
func avroToJSON(s *avroSchema, payload []byte) (string, error) {
	decodeAs := s.schema
	if s.decodeAs != nil {
		decodeAs = s.decodeAs
	}
	var v any
	if err := avro.Unmarshal(decodeAs, payload, &v); err != nil {
		return "", fmt.Errorf("avro decode: %w", err)
	}
	js, err := json.MarshalIndent(avroShow(s.schema, v), "", "  ")
	if err != nil {
		return "", fmt.Errorf("cannot show the decoded value: %w", err)
	}
	return string(js), nil
}

// jsonToAvro encodes a JSON body with an Avro schema. JSON has one kind of number and no bytes, so the
// value is first shaped after the schema (hamba/avro encodes Go values, not JSON): integers for int and
// long, strings for bytes, unions as {"branch": value} or as a bare value the first fitting branch takes,
// logical types from what avroToJSON writes (see avrological.go).
func jsonToAvro(s *avroSchema, body []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("the body is not JSON: %w", err)
	}
	native, err := avroNative(s.schema, v, "value")
	if err != nil {
		return nil, err
	}
	out, err := avro.Marshal(s.schema, native)
	if err != nil {
		return nil, fmt.Errorf("avro encode: %w", err)
	}
	return out, nil
}

// avroNative shapes a JSON value after schema; at names where it is, for errors.
func avroNative(schema avro.Schema, v any, at string) (any, error) {
	if ref, ok := schema.(*avro.RefSchema); ok {
		schema = ref.Schema()
	}
	switch s := schema.(type) {
	case *avro.RecordSchema:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: want an object for record %s", at, s.FullName())
		}
		out := make(map[string]any, len(m))
		for _, f := range s.Fields() {
			fv, ok := m[f.Name()]
			if !ok {
				if f.HasDefault() {
					continue // the encoder writes the default
				}
				return nil, fmt.Errorf("%s.%s: missing, and the schema gives no default", at, f.Name())
			}
			n, err := avroNative(f.Type(), fv, at+"."+f.Name())
			if err != nil {
				return nil, err
			}
			out[f.Name()] = n
		}
		return out, nil
	case *avro.UnionSchema:
		return avroUnion(s, v, at)
	case *avro.ArraySchema:
		items, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("%s: want an array", at)
		}
		out := make([]any, len(items))
		for i, it := range items {
			n, err := avroNative(s.Items(), it, fmt.Sprintf("%s[%d]", at, i))
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case *avro.MapSchema:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: want an object for a map", at)
		}
		out := make(map[string]any, len(m))
		for k, it := range m {
			n, err := avroNative(s.Values(), it, at+"."+k)
			if err != nil {
				return nil, err
			}
			out[k] = n
		}
		return out, nil
	}
	return avroPrimitive(schema, v, at)
}

func avroPrimitive(schema avro.Schema, v any, at string) (any, error) {
	if out, handled, err := avroLogical(schema, v, at); handled {
		return out, err
	}
	switch schema.Type() {
	case avro.Null:
		if v != nil {
			return nil, fmt.Errorf("%s: want null", at)
		}
		return nil, nil
	case avro.Boolean:
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("%s: want true or false", at)
		}
		return b, nil
	case avro.Int:
		n, err := jsonInt(v, at, math.MinInt32, math.MaxInt32)
		return int(n), err
	case avro.Long:
		return jsonInt(v, at, math.MinInt64, math.MaxInt64)
	case avro.Float:
		f, err := jsonFloat(v, at)
		return float32(f), err
	case avro.Double:
		return jsonFloat(v, at)
	case avro.String, avro.Enum:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%s: want a string", at)
		}
		return s, nil
	case avro.Bytes, avro.Fixed:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%s: want a string (Avro's JSON writes bytes as a string of code points 0-255)", at)
		}
		b, err := latin1Bytes(s, at)
		if f, ok := schema.(*avro.FixedSchema); ok && err == nil {
			return fixedArray(f, b, at)
		}
		return b, err
	}
	return nil, fmt.Errorf("%s: Avro type %s is not supported by publish --schema", at, schema.Type())
}

// avroUnion picks the union's branch: {"branch": value} names it (Avro's JSON encoding), null is null, and
// a bare value takes the first branch it fits.
func avroUnion(s *avro.UnionSchema, v any, at string) (any, error) {
	if v == nil {
		if _, i := s.Types().Get(string(avro.Null)); i < 0 {
			return nil, fmt.Errorf("%s: null, and the union has no null", at)
		}
		return map[string]any{}, nil // an empty map is the null branch to the encoder
	}
	if m, ok := v.(map[string]any); ok && len(m) == 1 {
		for name, inner := range m {
			if branch := unionBranch(s, name); branch != nil {
				n, err := avroNative(branch, inner, at)
				return map[string]any{unionName(branch): n}, err
			}
		}
	}
	for _, branch := range s.Types() {
		if branch.Type() == avro.Null {
			continue
		}
		if n, err := avroNative(branch, v, at); err == nil {
			return map[string]any{unionName(branch): n}, nil
		}
	}
	return nil, fmt.Errorf("%s: fits none of the union's types", at)
}

// unionName is how hamba/avro names a union's branch: a named type by its full name, others by their type
// and logical type ("long.timestamp-millis").
func unionName(s avro.Schema) string {
	s = deref(s)
	if n, ok := s.(avro.NamedSchema); ok {
		return n.FullName()
	}
	if lt := logicalOf(s); lt != "" {
		return string(s.Type()) + "." + string(lt)
	}
	return string(s.Type())
}

// unionBranch is the branch a body names: as hamba/avro names it, or by its type alone as Avro's JSON
// encoding does ({"long": ...} for a timestamp-millis branch).
func unionBranch(s *avro.UnionSchema, name string) avro.Schema {
	for _, branch := range s.Types() {
		if unionName(branch) == name || string(deref(branch).Type()) == name {
			if _, named := deref(branch).(avro.NamedSchema); !named || unionName(branch) == name {
				return branch
			}
		}
	}
	return nil
}

// fixedArray is b as the [size]byte array hamba/avro encodes a fixed from.
func fixedArray(f *avro.FixedSchema, b []byte, at string) (any, error) {
	if len(b) != f.Size() {
		return nil, fmt.Errorf("%s: %d bytes, and fixed %s holds exactly %d", at, len(b), f.FullName(), f.Size())
	}
	arr := reflect.New(reflect.ArrayOf(f.Size(), reflect.TypeFor[byte]())).Elem()
	reflect.Copy(arr, reflect.ValueOf(b))
	return arr.Interface(), nil
}

func jsonInt(v any, at string, lo, hi int64) (int64, error) {
	num, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("%s: want an integer", at)
	}
	n, err := strconv.ParseInt(string(num), 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s: %s is not an integer in range", at, num)
	}
	return n, nil
}

func jsonFloat(v any, at string) (float64, error) {
	num, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("%s: want a number", at)
	}
	return num.Float64()
}

func latin1Bytes(s, at string) ([]byte, error) {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			return nil, fmt.Errorf("%s: bytes are code points 0-255, not %q", at, r)
		}
		out = append(out, byte(r))
	}
	return out, nil
}
