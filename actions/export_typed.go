package actions

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// typedNode is one nested typed value: an element of an array or a field of a table.
type typedNode struct {
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

// appendTyped appends the JSON of an AMQP typed value (in the plain Go types backends.Header.Typed holds)
// and returns the name of its type. A type outside those is written as its text, type string.
func appendTyped(dst []byte, v any) ([]byte, string) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), "void"
	case string:
		if !utf8.ValidString(x) {
			return appendBase64(dst, []byte(x)), "string_base64"
		}
		return appendString(dst, x), "string"
	case bool:
		return strconv.AppendBool(dst, x), "bool"
	case int8:
		return strconv.AppendInt(dst, int64(x), 10), "int8"
	case int16:
		return strconv.AppendInt(dst, int64(x), 10), "int16"
	case int32:
		return strconv.AppendInt(dst, int64(x), 10), "int32"
	case int64:
		return strconv.AppendInt(dst, x, 10), "int64"
	case int:
		return strconv.AppendInt(dst, int64(x), 10), "int64"
	case uint8:
		return strconv.AppendUint(dst, uint64(x), 10), "uint8"
	case uint16:
		return strconv.AppendUint(dst, uint64(x), 10), "uint16"
	case uint32:
		return strconv.AppendUint(dst, uint64(x), 10), "uint32"
	case uint64:
		return strconv.AppendUint(dst, x, 10), "uint64"
	case float32:
		return appendFloat(dst, float64(x), 32), "float32"
	case float64:
		return appendFloat(dst, x, 64), "float64"
	case time.Time:
		return appendTime(dst, x), "timestamp"
	case []byte:
		if x == nil {
			return append(dst, "null"...), "bytes"
		}
		return appendBase64(dst, x), "bytes"
	case []any:
		return appendTypedArray(dst, x), "array"
	case map[string]any:
		return appendTypedTable(dst, x), "table"
	}
	return appendString(dst, fmt.Sprint(v)), "string"
}

func appendTypedArray(dst []byte, items []any) []byte {
	if items == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, it := range items {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendTypedNode(dst, it)
	}
	return append(dst, ']')
}

// appendTypedTable writes a table's fields sorted by key: AMQP tables are ordered on the wire, but client
// libraries hand them over as maps, so the order is already gone; sorting makes the output stable.
func appendTypedTable(dst []byte, t map[string]any) []byte {
	if t == nil {
		return append(dst, "null"...)
	}
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, k)
		dst = append(dst, ':')
		dst = appendTypedNode(dst, t[k])
	}
	return append(dst, '}')
}

func appendTypedNode(dst []byte, v any) []byte {
	value, typ := appendTyped(nil, v) // the type is known once the value is written
	dst = append(dst, `{"type":"`...)
	dst = append(dst, typ...)
	dst = append(dst, `","value":`...)
	dst = append(dst, value...)
	return append(dst, '}')
}

// appendFloat writes a float as a JSON number; NaN and the infinities, which JSON has no numbers for, as
// the strings "NaN", "Infinity" and "-Infinity".
func appendFloat(dst []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(dst, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(dst, `"-Infinity"`...)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, bits)
}

// decodeTyped reads a typed value of type typ written by appendTyped.
func decodeTyped(typ string, raw json.RawMessage) (any, error) {
	if len(raw) == 0 {
		raw = json.RawMessage("null")
	}
	switch typ {
	case "void":
		return nil, nil
	case "string":
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case "string_base64":
		b, err := decodeBase64(raw)
		return string(b), err
	case "bool":
		var b bool
		err := json.Unmarshal(raw, &b)
		return b, err
	case "int8", "int16", "int32", "int64":
		return decodeInt(typ, raw)
	case "uint8", "uint16", "uint32", "uint64":
		return decodeUint(typ, raw)
	case "float32":
		f, err := decodeFloat(raw, 32)
		return float32(f), err
	case "float64":
		return decodeFloat(raw, 64)
	case "timestamp":
		var t Time
		err := t.UnmarshalJSON(raw)
		return t.Time, err
	case "bytes":
		if string(raw) == "null" {
			return []byte(nil), nil
		}
		return decodeBase64(raw)
	case "array":
		return decodeTypedArray(raw)
	case "table":
		return decodeTypedTable(raw)
	}
	return nil, fmt.Errorf("unknown type %q", typ)
}

func decodeTypedArray(raw json.RawMessage) (any, error) {
	var nodes []typedNode
	if err := json.Unmarshal(raw, &nodes); err != nil {
		return nil, err
	}
	if nodes == nil {
		return []any(nil), nil
	}
	out := make([]any, len(nodes))
	for i, n := range nodes {
		v, err := decodeTyped(n.Type, n.Value)
		if err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
		out[i] = v
	}
	return out, nil
}

func decodeTypedTable(raw json.RawMessage) (any, error) {
	var nodes map[string]typedNode
	if err := json.Unmarshal(raw, &nodes); err != nil {
		return nil, err
	}
	if nodes == nil {
		return map[string]any(nil), nil
	}
	out := make(map[string]any, len(nodes))
	for k, n := range nodes {
		v, err := decodeTyped(n.Type, n.Value)
		if err != nil {
			return nil, fmt.Errorf("[%q]: %w", k, err)
		}
		out[k] = v
	}
	return out, nil
}

func decodeBase64(raw json.RawMessage) ([]byte, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(s)
}

func decodeInt(typ string, raw json.RawMessage) (any, error) {
	bits, _ := strconv.Atoi(typ[len("int"):])
	n, err := strconv.ParseInt(string(raw), 10, bits)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", typ, err)
	}
	switch bits {
	case 8:
		return int8(n), nil
	case 16:
		return int16(n), nil
	case 32:
		return int32(n), nil
	}
	return n, nil
}

func decodeUint(typ string, raw json.RawMessage) (any, error) {
	bits, _ := strconv.Atoi(typ[len("uint"):])
	n, err := strconv.ParseUint(string(raw), 10, bits)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", typ, err)
	}
	switch bits {
	case 8:
		return uint8(n), nil
	case 16:
		return uint16(n), nil
	case 32:
		return uint32(n), nil
	}
	return n, nil
}

func decodeFloat(raw json.RawMessage, bits int) (float64, error) {
	switch string(raw) {
	case `"NaN"`:
		return math.NaN(), nil
	case `"Infinity"`:
		return math.Inf(1), nil
	case `"-Infinity"`:
		return math.Inf(-1), nil
	}
	f, err := strconv.ParseFloat(string(raw), bits)
	if err != nil {
		return 0, fmt.Errorf("float%d: %w", bits, err)
	}
	return f, nil
}
