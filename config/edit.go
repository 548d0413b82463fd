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
func withCurrentContext(file string, data []byte, name string) ([]byte, error) {
	if !utf8.Valid(data) {
		return nil, &Error{File: file, Msg: "the file is not UTF-8 text; edit current-context by hand"}
	}
	value := yamlString(name)
	doc, err := parser.ParseBytes(data, parser.ParseComments)
	if err != nil {
		return nil, yamlError(file, err)
	}
	body, err := singleBody(file, doc)
	if err != nil {
		return nil, err
	}
	path, _ := yaml.PathString("$.current-context")
	if body == nil {
		return append([]byte("current-context: "+value+"\n"), data...), nil
	}
	n, err := path.FilterNode(body)
	if err != nil || n == nil {
		return append([]byte("current-context: "+value+"\n"), data...), nil
	}
	tk := n.GetToken()
	written := []rune(strings.TrimSpace(tk.Origin))
	runes := []rune(string(data))
	if tk.Position == nil || len(written) == 0 {
		return nil, errorAt(file, n, "current-context is written in a form mqscope cannot edit safely; edit it by hand")
	}
	at := tk.Position.Offset // counted in runes, from 0
	if at < 0 || at+len(written) > len(runes) || string(runes[at:at+len(written)]) != string(written) {
		return nil, errorAt(file, n, "current-context is written in a form mqscope cannot edit safely; edit it by hand")
	}
	return []byte(string(runes[:at]) + value + string(runes[at+len(written):])), nil
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
