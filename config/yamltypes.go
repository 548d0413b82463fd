package config

import (
	"fmt"
	"reflect"
	"strconv"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/token"
)

// typeMessage says what a key wanted and what it got, in YAML's words rather than Go's:
// `read-only must be true or false, not "yes"`.
func typeMessage(e *yaml.TypeError) string {
	msg := fmt.Sprintf("expected %s, found %s", kindWord(e.DstType), valueWord(e.SrcType, e.Token))
	if key := keyOf(e.Token); key != "" {
		msg = fmt.Sprintf("%s must be %s, not %s", key, kindWord(e.DstType), valueWord(e.SrcType, e.Token))
	}
	if e.SrcType != nil && e.SrcType.Kind() == reflect.Map && e.DstType.Kind() == reflect.String {
		// The YAML library reads an unquoted host:port inside {...} as a one-key mapping.
		msg += ` (quote values that contain ":", like "k1:9092")`
	}
	return msg
}

// keyOf is the mapping key a value token belongs to, or "" when the value is not a mapping's value.
func keyOf(tk *token.Token) string {
	if tk == nil || tk.Prev == nil || tk.Prev.Type != token.MappingValueType || tk.Prev.Prev == nil {
		return ""
	}
	return tk.Prev.Prev.Value
}

func kindWord(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "a mapping"
	}
	return "a " + t.Kind().String()
}

func valueWord(t reflect.Type, tk *token.Token) string {
	if t != nil {
		switch t.Kind() {
		case reflect.Slice, reflect.Array:
			return "a list"
		case reflect.Map, reflect.Struct:
			return "a mapping"
		}
	}
	if tk != nil && tk.Value != "" {
		if keyOf(tk) == "password" {
			return "a value (not shown: it is a password)"
		}
		return strconv.Quote(tk.Value)
	}
	return "an empty value"
}
