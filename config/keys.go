package config

import (
	"fmt"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// KeyBinding is one line of the file's keys mapping: an action of the TUI and the keys that trigger it,
// with where it is written, so that the TUI (which knows the actions) can point at a mistake.
type KeyBinding struct {
	Action string
	Keys   []string
	Line   int // of the action's name; 0 when not from a file
	Column int
}

// KeyBindings are the file's key bindings in the order written:
//
//	keys:
//	  quit: [q, ctrl+c]
//	  filter: "/"
type KeyBindings []KeyBinding

// UnmarshalYAML reads the keys mapping. A value is one key or a list of keys; an action with no key
// would be out of reach, so it is refused.
func (kb *KeyBindings) UnmarshalYAML(node ast.Node) error {
	if _, null := node.(*ast.NullNode); null {
		return nil
	}
	m, ok := node.(ast.MapNode)
	if !ok {
		return syntaxError(node, "keys must be a mapping of actions to keys, like keys: {quit: [q, ctrl+c]}")
	}
	for it := m.MapRange(); it.Next(); {
		b := KeyBinding{Action: it.Key().String()}
		if tk := it.Key().GetToken(); tk != nil && tk.Position != nil {
			b.Line, b.Column = tk.Position.Line, tk.Position.Column
		}
		keys, err := keyList(b.Action, it.Value())
		if err != nil {
			return err
		}
		b.Keys = keys
		*kb = append(*kb, b)
	}
	return nil
}

func keyList(action string, v ast.Node) ([]string, error) {
	var keys []string
	switch n := v.(type) {
	case *ast.SequenceNode:
		for _, e := range n.Values {
			k, ok := scalar(e)
			if !ok {
				return nil, syntaxError(e, fmt.Sprintf("keys.%s: each key must be a string like ctrl+c", action))
			}
			keys = append(keys, k)
		}
	default:
		k, ok := scalar(v)
		if !ok {
			return nil, syntaxError(v, fmt.Sprintf("keys.%s must be a key or a list of keys, like [q, ctrl+c]", action))
		}
		keys = []string{k}
	}
	if len(keys) == 0 {
		return nil, syntaxError(v, fmt.Sprintf("keys.%s has no key; an action needs at least one", action))
	}
	for i, k := range keys {
		if k == "" {
			return nil, syntaxError(v, fmt.Sprintf("keys.%s: key #%d is empty", action, i+1))
		}
	}
	return keys, nil
}

// scalar is the text of a string-like node: a key such as 1 or ? is written unquoted.
func scalar(n ast.Node) (string, bool) {
	switch s := n.(type) {
	case *ast.StringNode:
		return s.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		return n.GetToken().Value, true
	}
	return "", false
}

func syntaxError(n ast.Node, msg string) error {
	return &yaml.SyntaxError{Message: msg, Token: n.GetToken()}
}

// KeyError is a mistake in binding b (found by the TUI, which knows the actions), at its line and column.
func (f *File) KeyError(b KeyBinding, format string, args ...any) error {
	return &Error{File: f.Path, Line: b.Line, Column: b.Column, Msg: oneLine(fmt.Sprintf(format, args...))}
}
