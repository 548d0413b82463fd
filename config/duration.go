package config

import (
	"fmt"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// Duration is a time.Duration written as "2s" in YAML.
type Duration time.Duration

// UnmarshalYAML reads a Go duration such as "2s" or "1m30s". It takes the node rather than the text so
// that a bad value is reported at its line and column like every other mistake in the file.
func (d *Duration) UnmarshalYAML(node ast.Node) error {
	text := node.String()
	if s, ok := node.(*ast.StringNode); ok {
		text = s.Value
	}
	v, err := time.ParseDuration(text)
	if err != nil {
		return &yaml.SyntaxError{
			Message: fmt.Sprintf("%q is not a duration (write it like 2s, 500ms or 1m)", text),
			Token:   node.GetToken(),
		}
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration back as "2s".
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

func (d Duration) String() string { return time.Duration(d).String() }
