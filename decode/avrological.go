package decode

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/hamba/avro/v2"
)

// Avro's logical types as mqscope writes them in JSON, and reads them back for publish --schema. hamba/avro
// decodes and encodes them (big.Rat, time.Time, time.Duration, avro.LogicalDuration); these functions only
// turn those Go values into readable JSON and back, exactly: a decimal is a string of its digits, never a
// float; a timestamp is RFC 3339 in UTC with the precision of its type.
const (
	layoutDate        = "2006-01-02"
	layoutMillis      = "2006-01-02T15:04:05.000Z07:00"
	layoutMicros      = "2006-01-02T15:04:05.000000Z07:00"
	layoutLocalMillis = "2006-01-02T15:04:05.000"
	layoutLocalMicros = "2006-01-02T15:04:05.000000"
)

// logicalOf is the logical type of s, "" for none.
func logicalOf(s avro.Schema) avro.LogicalType {
	if lts, ok := s.(avro.LogicalTypeSchema); ok && lts.Logical() != nil {
		return lts.Logical().Type()
	}
	return ""
}

// deref is the schema a reference names.
func deref(s avro.Schema) avro.Schema {
	if ref, ok := s.(*avro.RefSchema); ok {
		return ref.Schema()
	}
	return s
}

// avroShow makes a value hamba/avro decoded into readable JSON values, after its schema: logical types as
// described above, bytes and fixed as Avro's JSON encoding writes them (a string of code points 0-255,
// which publish --schema reads back). A union keeps the shape hamba gives it: the value bare, or
// {"branch": value} when hamba names the branch.
func avroShow(schema avro.Schema, v any) any {
	if v == nil {
		return nil
	}
	switch s := deref(schema).(type) {
	case *avro.RecordSchema:
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		for _, f := range s.Fields() {
			if fv, ok := m[f.Name()]; ok {
				m[f.Name()] = avroShow(f.Type(), fv)
			}
		}
		return m
	case *avro.ArraySchema:
		items, ok := v.([]any)
		if !ok {
			return v
		}
		for i, it := range items {
			items[i] = avroShow(s.Items(), it)
		}
		return items
	case *avro.MapSchema:
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		for k, it := range m {
			m[k] = avroShow(s.Values(), it)
		}
		return m
	case *avro.UnionSchema:
		return showUnion(s, v)
	}
	if shown, ok := showLeaf(schema, v); ok {
		return shown
	}
	return v
}

// showUnion shows a union's value: {"branch": value} when hamba named the branch, else the bare value as
// the first branch its Go type fits.
func showUnion(s *avro.UnionSchema, v any) any {
	if m, ok := v.(map[string]any); ok && len(m) == 1 {
		for name, inner := range m {
			if branch, _ := s.Types().Get(name); branch != nil {
				return map[string]any{name: avroShow(branch, inner)}
			}
		}
	}
	for _, branch := range s.Types() {
		if shown, ok := showLeaf(branch, v); ok {
			return shown
		}
	}
	return v
}

// showLeaf shows a value of a primitive or fixed schema; false when v is not what hamba decodes for it.
func showLeaf(schema avro.Schema, v any) (any, bool) {
	schema = deref(schema)
	lt := logicalOf(schema)
	switch x := v.(type) {
	case time.Time:
		switch lt {
		case avro.Date:
			return x.UTC().Format(layoutDate), true
		case avro.TimestampMillis:
			return x.UTC().Format(layoutMillis), true
		case avro.TimestampMicros:
			return x.UTC().Format(layoutMicros), true
		}
	case int, int64:
		n := reflect.ValueOf(x).Int() // a local timestamp, decoded as the long it is (see avroSchema.decodeAs)
		switch lt {
		case avro.LocalTimestampMillis:
			return time.UnixMilli(n).UTC().Format(layoutLocalMillis), true
		case avro.LocalTimestampMicros:
			return time.UnixMicro(n).UTC().Format(layoutLocalMicros), true
		}
	case time.Duration:
		switch lt {
		case avro.TimeMillis:
			return timeOfDay(x, 3), true
		case avro.TimeMicros:
			return timeOfDay(x, 6), true
		}
	case *big.Rat:
		if d, ok := decimalOf(schema); ok {
			return x.FloatString(d.Scale()), true
		}
	case avro.LogicalDuration:
		if lt == avro.Duration {
			return map[string]any{"months": x.Months, "days": x.Days, "milliseconds": x.Milliseconds}, true
		}
	case []byte:
		if schema.Type() == avro.Bytes {
			return latin1String(x), true
		}
	case string:
		return x, schema.Type() == avro.String || schema.Type() == avro.Enum
	}
	if f, ok := schema.(*avro.FixedSchema); ok {
		rv := reflect.ValueOf(v)
		if rv.Kind() == reflect.Array && rv.Type().Elem().Kind() == reflect.Uint8 && rv.Len() == f.Size() {
			b := make([]byte, rv.Len())
			reflect.Copy(reflect.ValueOf(b), rv)
			return latin1String(b), true
		}
		return nil, false
	}
	return v, lt == "" && primitiveFits(schema.Type(), v)
}

// primitiveFits says whether v is what hamba decodes for a primitive type without a logical type.
func primitiveFits(t avro.Type, v any) bool {
	switch v.(type) {
	case bool:
		return t == avro.Boolean
	case int:
		return t == avro.Int
	case int64:
		return t == avro.Long
	case float32:
		return t == avro.Float
	case float64:
		return t == avro.Double
	}
	return false
}

func decimalOf(s avro.Schema) (*avro.DecimalLogicalSchema, bool) {
	if lts, ok := s.(avro.LogicalTypeSchema); ok {
		d, ok := lts.Logical().(*avro.DecimalLogicalSchema)
		return d, ok
	}
	return nil, false
}

// timeOfDay writes d as HH:MM:SS with digits of fraction.
func timeOfDay(d time.Duration, digits int) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	h, m, s := d/time.Hour, d%time.Hour/time.Minute, d%time.Minute/time.Second
	frac := int64(d % time.Second / time.Microsecond)
	if digits == 3 {
		frac /= 1000
	}
	return fmt.Sprintf("%s%02d:%02d:%02d.%0*d", sign, h, m, s, digits, frac)
}

func latin1String(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		sb.WriteRune(rune(c))
	}
	return sb.String()
}

// avroLogical shapes a JSON value for a schema with a logical type into what hamba/avro encodes it from.
// Both the readable form avroShow writes and the underlying Avro value (a number of days, milliseconds,
// ... as Avro's JSON encoding has it) are read. handled is false for a schema without a logical type
// mqscope knows; precision a value cannot keep is refused rather than cut.
func avroLogical(schema avro.Schema, v any, at string) (out any, handled bool, err error) {
	lt := logicalOf(schema)
	if lt == "" {
		return nil, false, nil
	}
	if d, ok := decimalOf(schema); ok {
		out, err = jsonDecimal(d, v, at)
		return out, true, err
	}
	if _, isNumber := v.(json.Number); isNumber && (schema.Type() == avro.Int || schema.Type() == avro.Long) {
		// The underlying number, as Avro's JSON encoding writes it. A Go int: hamba writes an int as it
		// is whatever the logical type (an int64 would be read as a time.Duration's nanoseconds).
		lo, hi := int64(math.MinInt32), int64(math.MaxInt32)
		if schema.Type() == avro.Long {
			lo, hi = math.MinInt64, math.MaxInt64
		}
		n, err := jsonInt(v, at, lo, hi)
		return int(n), true, err
	}
	switch lt {
	case avro.UUID:
		out, err = jsonUUID(v, at)
	case avro.Date:
		out, err = jsonTime(v, at, layoutDate, "a date like 2024-05-01", time.Hour*24)
	case avro.TimestampMillis:
		out, err = jsonTime(v, at, time.RFC3339Nano, "an RFC 3339 time like 2024-05-01T12:00:00.123Z", time.Millisecond)
	case avro.TimestampMicros:
		out, err = jsonTime(v, at, time.RFC3339Nano, "an RFC 3339 time like 2024-05-01T12:00:00.123456Z", time.Microsecond)
	case avro.LocalTimestampMillis:
		out, err = jsonLocalTime(v, at, time.Millisecond)
	case avro.LocalTimestampMicros:
		out, err = jsonLocalTime(v, at, time.Microsecond)
	case avro.TimeMillis:
		out, err = jsonTimeOfDay(v, at, time.Millisecond)
	case avro.TimeMicros:
		out, err = jsonTimeOfDay(v, at, time.Microsecond)
	case avro.Duration:
		out, err = jsonDuration(v, at)
	default:
		return nil, false, nil
	}
	return out, true, err
}

// jsonDecimal reads a decimal exactly, from a JSON number or a string: more places than the schema's
// scale are refused (hamba would cut them), as are more digits than its precision (hamba says so).
func jsonDecimal(d *avro.DecimalLogicalSchema, v any, at string) (*big.Rat, error) {
	var text string
	switch x := v.(type) {
	case json.Number:
		text = string(x)
	case string:
		text = strings.TrimSpace(x)
	default:
		return nil, fmt.Errorf("%s: want a decimal, as a string like \"12.50\" or a number", at)
	}
	r, ok := new(big.Rat).SetString(text)
	if !ok || strings.Contains(text, "/") {
		return nil, fmt.Errorf("%s: %q is not a decimal number", at, text)
	}
	scaled := new(big.Rat).Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.Scale())), nil)))
	if !scaled.IsInt() {
		return nil, fmt.Errorf("%s: %s has more than the schema's %d decimal places", at, text, d.Scale())
	}
	if digits := len(new(big.Int).Abs(scaled.Num()).String()); digits > d.Precision() {
		return nil, fmt.Errorf("%s: %s has %d digits, more than the schema's precision %d", at, text, digits, d.Precision())
	}
	return r, nil
}

// jsonUUID reads a UUID as text (8-4-4-4-12 hex digits), the form Avro's uuid string carries.
func jsonUUID(v any, at string) (string, error) {
	s, ok := v.(string)
	if !ok || !isUUID(s) {
		return "", fmt.Errorf("%s: want a UUID like \"123e4567-e89b-12d3-a456-426614174000\"", at)
	}
	return s, nil
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
	}
	return true
}

// jsonTime reads a date or an RFC 3339 time (any offset; hamba encodes the instant) that unit can hold.
func jsonTime(v any, at, layout, want string, unit time.Duration) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, fmt.Errorf("%s: want %s", at, want)
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: %q is not %s", at, s, want)
	}
	if unit < 24*time.Hour && t.Sub(t.Truncate(unit)) != 0 {
		return time.Time{}, fmt.Errorf("%s: %s is more precise than the schema's %s", at, s, unitName(unit))
	}
	return t.UTC(), nil
}

// jsonLocalTime reads a local timestamp (a wall clock with no zone) as the number Avro carries: hamba
// would read a time.Time through time.Local, and a wall clock that time.Local skips (daylight saving)
// would move.
func jsonLocalTime(v any, at string, unit time.Duration) (int64, error) {
	s, ok := v.(string)
	const want = "a local time with no zone, like 2024-05-01T12:00:00.123"
	if !ok {
		return 0, fmt.Errorf("%s: want %s", at, want)
	}
	t, err := time.Parse("2006-01-02T15:04:05.999999999", s)
	if err != nil {
		return 0, fmt.Errorf("%s: %q is not %s", at, s, want)
	}
	if t.Sub(t.Truncate(unit)) != 0 {
		return 0, fmt.Errorf("%s: %s is more precise than the schema's %s", at, s, unitName(unit))
	}
	if unit == time.Millisecond {
		return t.UnixMilli(), nil
	}
	return t.UnixMicro(), nil
}

// jsonTimeOfDay reads HH:MM:SS[.fraction].
func jsonTimeOfDay(v any, at string, unit time.Duration) (time.Duration, error) {
	s, ok := v.(string)
	const want = "a time of day like 13:45:30.123"
	if !ok {
		return 0, fmt.Errorf("%s: want %s", at, want)
	}
	t, err := time.Parse("15:04:05.999999999", s)
	if err != nil {
		return 0, fmt.Errorf("%s: %q is not %s", at, s, want)
	}
	d := time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute +
		time.Duration(t.Second())*time.Second + time.Duration(t.Nanosecond())
	if d%unit != 0 {
		return 0, fmt.Errorf("%s: %s is more precise than the schema's %s", at, s, unitName(unit))
	}
	return d, nil
}

// jsonDuration reads {"months": M, "days": D, "milliseconds": MS}, each 0 to 4294967295.
func jsonDuration(v any, at string) (avro.LogicalDuration, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return avro.LogicalDuration{}, fmt.Errorf(`%s: want {"months": M, "days": D, "milliseconds": MS}`, at)
	}
	var parts [3]uint32
	for i, key := range []string{"months", "days", "milliseconds"} {
		x, ok := m[key]
		if !ok {
			continue
		}
		n, err := jsonInt(x, at+"."+key, 0, math.MaxUint32)
		if err != nil {
			return avro.LogicalDuration{}, err
		}
		parts[i] = uint32(n)
	}
	for key := range m {
		if key != "months" && key != "days" && key != "milliseconds" {
			return avro.LogicalDuration{}, fmt.Errorf("%s.%s: a duration has months, days and milliseconds only", at, key)
		}
	}
	return avro.LogicalDuration{Months: parts[0], Days: parts[1], Milliseconds: parts[2]}, nil
}

func unitName(unit time.Duration) string {
	switch unit {
	case time.Millisecond:
		return "milliseconds"
	case time.Microsecond:
		return "microseconds"
	}
	return strconv.Quote(unit.String())
}
