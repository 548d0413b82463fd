package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// SetCurrentContext makes name the file's current-context and writes the file back. Only the value of
// the current-context line changes (or, when the file has none, one line is added at the top): every
// comment, key order and blank line stays as the user wrote it. The YAML library can print a file from
// its syntax tree, but it re-spaces comments, so the edit is made on the text instead. The file is
// replaced atomically, with its mode kept; a symbolic link is followed, not replaced.
func (f *File) SetCurrentContext(name string) error {
	if _, ok := f.Find(name); !ok {
		return usagef("no context %q in %s%s", name, f.Path, f.known())
	}
	path, err := filepath.EvalSymlinks(f.Path)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("config file %s does not exist", f.Path)
	} else if err != nil {
		return fmt.Errorf("find config file: %w", err)
	}
	data, err := ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config file: %w", err)
	}
	edited, err := withCurrentContext(f.Path, data, name)
	if err != nil {
		return err
	}
	// Whatever is written must read back as the same file with the new current context.
	check, err := Parse(f.Path, edited)
	if err != nil || check.CurrentContext != name || len(check.Contexts) != len(f.Contexts) {
		return fmt.Errorf("could not set current-context in %s without disturbing it; edit the file by hand", f.Path)
	}
	if err := writeAtomic(path, edited); err != nil {
		return err
	}
	f.CurrentContext = name
	return nil
}

// withCurrentContext is data with the current-context value replaced by name, or a line added on top.
// The value is found by the line and column the YAML parser gives it and replaced on that line alone, as
// written: plain, 'single' or "double" quoted, first line or last, with or without a newline at the end.
func withCurrentContext(file string, data []byte, name string) ([]byte, error) {
	if !utf8.Valid(data) {
		return nil, &Error{File: file, Msg: "the file is not UTF-8 text; edit current-context by hand"}
	}
	doc, err := parser.ParseBytes(data, parser.ParseComments)
	if err != nil {
		return nil, yamlError(file, err)
	}
	body, err := singleBody(file, doc)
	if err != nil {
		return nil, err
	}
	value := yamlString(name)
	path, _ := yaml.PathString("$.current-context")
	var n ast.Node
	if body != nil {
		n, _ = path.FilterNode(body)
	}
	if n == nil {
		return append([]byte("current-context: "+value+"\n"), data...), nil
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return nil, cannotEdit(file, n)
	}
	lines := strings.SplitAfter(string(data), "\n")
	at := tk.Position.Line - 1
	if at < 0 || at >= len(lines) {
		return nil, cannotEdit(file, n)
	}
	edited, ok := replaceScalar(lines[at], tk.Position.Column, tk.Value, value)
	if !ok {
		return nil, cannotEdit(file, n)
	}
	lines[at] = edited
	return []byte(strings.Join(lines, "")), nil
}

func cannotEdit(file string, n ast.Node) error {
	return errorAt(file, n, "current-context is written in a form mqscope cannot edit safely (over several lines?); edit it by hand")
}

// replaceScalar replaces, in line, the one-line scalar that starts at column (counted in characters from
// 1) and reads as was, by value. It refuses (false) where the text there is not such a scalar.
func replaceScalar(line string, column int, was, value string) (string, bool) {
	runes := []rune(line)
	if column < 1 || column > len(runes) {
		return "", false
	}
	start := len(string(runes[:column-1]))
	end := scalarEnd(line, start)
	if end <= start {
		return "", false
	}
	var read struct {
		V string `yaml:"v"`
	}
	if yaml.Unmarshal([]byte("v: "+line[start:end]+"\n"), &read) != nil || read.V != was {
		return "", false
	}
	return line[:start] + value + line[end:], true
}

// scalarEnd is where the scalar starting at start in line ends: after its closing quote, or for a plain
// one before a comment or the end of the line, trailing blanks left out. -1 when a quote is not closed
// on the line.
func scalarEnd(line string, start int) int {
	switch line[start] {
	case '"':
		for i := start + 1; i < len(line); i++ {
			switch line[i] {
			case '\\':
				i++
			case '"':
				return i + 1
			}
		}
		return -1
	case '\'':
		for i := start + 1; i < len(line); i++ {
			if line[i] == '\'' {
				if i+1 < len(line) && line[i+1] == '\'' {
					i++
					continue
				}
				return i + 1
			}
		}
		return -1
	}
	end := len(line)
	if i := strings.Index(line[start:], " #"); i >= 0 {
		end = start + i
	}
	return start + len(strings.TrimRight(line[start:end], " \t\r\n"))
}

// yamlString writes s as a YAML scalar: plain when that reads back as the same string, else quoted.
func yamlString(s string) string {
	var back map[string]any
	if s != "" && !strings.ContainsAny(s, "\"'\\") && yaml.Unmarshal([]byte("v: "+s+"\n"), &back) == nil {
		if v, ok := back["v"].(string); ok && v == s {
			return s
		}
	}
	return strconv.Quote(s) // a YAML double-quoted string reads Go's escapes the same way
}

// writeAtomic replaces path with data through a temporary file in the same folder, keeping its mode.
func writeAtomic(path string, data []byte) error {
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".config-*.yaml")
	if err != nil {
		return fmt.Errorf("write config file: %w", err)
	}
	defer os.Remove(tmp.Name()) // once renamed, there is nothing left to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write config file: %w", err)
	}
	if err := tmp.Chmod(info.Mode().Perm()); err != nil {
		tmp.Close()
		return fmt.Errorf("write config file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write config file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write config file: %w", err)
	}
	return nil
}
