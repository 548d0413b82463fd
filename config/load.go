package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/adrg/xdg"
	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/mqscope/mqscope/redact"
)

// Environment variables that stand in for the --config and --context flags.
const (
	EnvConfig  = "MQSCOPE_CONFIG"
	EnvContext = "MQSCOPE_CONTEXT"
)

// DefaultPath is where the contexts file lives unless --config or MQSCOPE_CONFIG says otherwise:
// $XDG_CONFIG_HOME/mqscope/config.yaml, or the platform's equivalent.
func DefaultPath() string {
	return filepath.Join(xdg.ConfigHome, "mqscope", "config.yaml")
}

// Read loads the contexts file the user asked for: flagPath (from --config) if set, else $MQSCOPE_CONFIG,
// else DefaultPath. Having no file at the default path is normal and gives a File without contexts; a
// file the user named must exist.
func Read(flagPath string) (*File, error) {
	path, explicit := flagPath, true
	if path == "" {
		path = os.Getenv(EnvConfig)
	}
	if path == "" {
		path, explicit = DefaultPath(), false
	}
	f, err := Load(path)
	if !explicit && errors.Is(err, fs.ErrNotExist) {
		return &File{Path: path}, nil
	}
	return f, err
}

// missingFile is a config file named that is not there. It is fs.ErrNotExist without saying so twice
// ("does not exist (...): file does not exist").
type missingFile string

func (e missingFile) Error() string {
	return fmt.Sprintf("config file %s does not exist (create it, or drop --config/%s)", string(e), EnvConfig)
}

func (missingFile) Unwrap() error { return fs.ErrNotExist }

// Load reads and validates the contexts file at path. Unknown keys are errors; every error names the
// file, and the line and column where the file can say.
func Load(path string) (*File, error) {
	data, err := ReadFile(path)
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, &Error{File: path, Msg: err.Error()}
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil, missingFile(path)
		}
		return nil, fmt.Errorf("read config file: %w", err)
	}
	f, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	if w := permissionWarning(path); w != "" {
		f.warnings = append([]warning{{msg: w}}, f.warnings...)
	}
	return f, nil
}

// permissionWarning says so when people other than the owner can read the file: it may hold passwords,
// or the commands that print them.
func permissionWarning(path string) string {
	info, err := os.Stat(path)
	if err != nil || runtime.GOOS == "windows" || info.Mode().Perm()&0o044 == 0 {
		return ""
	}
	return fmt.Sprintf("config file %s can be read by others (mode %04o); run chmod 600 %s", path, info.Mode().Perm(), path)
}

// Parse decodes and validates a contexts file's content; name is the file name errors show.
func Parse(name string, data []byte) (f *File, err error) {
	defer func() {
		if recover() != nil {
			f, err = nil, notYAML(name)
		}
	}()
	f = &File{}
	body, err := DecodeYAML(name, data, f)
	if err != nil {
		return nil, err
	}
	f.Path = name
	if body == nil {
		return f, nil
	}
	if err := f.validate(locator{file: name, root: body}); err != nil {
		return nil, err
	}
	f.settle(filepath.Dir(name))
	return f, nil
}

// DecodeYAML decodes the one YAML document in data into v, strictly: a key v has no field for is an
// error. Errors are *Error, naming the file (as name), line and column in a user's words; the same rules
// hold for every file mqscope reads, such as user themes. It returns the document's root node, or nil
// when data holds none (v is then left as it was).
func DecodeYAML(name string, data []byte, v any) (root ast.Node, err error) {
	// The YAML library panics on some malformed input (the fuzz test found a tag on an odd mapping);
	// a broken file must be an error, not a crash.
	defer func() {
		if recover() != nil {
			root, err = nil, notYAML(name)
		}
	}()
	doc, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, parseError(name, err)
	}
	body, err := singleBody(name, doc)
	if err != nil || body == nil {
		return nil, err
	}
	if err := yaml.NodeToValue(body, v, yaml.Strict()); err != nil {
		return nil, yamlError(name, err)
	}
	return body, nil
}

// parseError is a parse error, with what to look at: the parser's own words ("value is not allowed in
// this context") do not say that the indentation or quoting is off.
func parseError(name string, err error) error {
	e := yamlError(name, err)
	var ce *Error
	if errors.As(e, &ce) && !strings.Contains(ce.Msg, "already defined") { // a repeated key says all there is
		ce.Msg += syntaxHint
	}
	return e
}

const syntaxHint = " (not valid YAML here: check the indentation and quoting of this line and the one before)"

func notYAML(name string) error {
	return &Error{File: name, Msg: "this is not YAML that mqscope can read; check the syntax and indentation"}
}

// singleBody is the one YAML document of the file, or nil for an empty file.
func singleBody(name string, doc *ast.File) (ast.Node, error) {
	var bodies []ast.Node
	for _, d := range doc.Docs {
		if d.Body != nil {
			bodies = append(bodies, d.Body)
		}
	}
	switch len(bodies) {
	case 0:
		return nil, nil
	case 1:
		return bodies[0], nil
	}
	return nil, errorAt(name, bodies[1], "the file holds more than one YAML document; keep one")
}

// Error is a mistake in the contexts file: where it is and what is wrong, in one line.
type Error struct {
	File         string
	Line, Column int // 0 when unknown
	Msg          string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
}

func errorAt(file string, n ast.Node, format string, args ...any) *Error {
	e := &Error{File: file, Msg: oneLine(fmt.Sprintf(format, args...))}
	if tk := firstToken(n); tk != nil && tk.Position != nil {
		e.Line, e.Column = tk.Position.Line, tk.Position.Column
	}
	return e
}

// firstToken is where a node starts as a reader sees it: a mapping's token is the ":" of its first key,
// but the key is where one looks.
func firstToken(n ast.Node) *token.Token {
	switch m := n.(type) {
	case nil:
		return nil
	case *ast.MappingNode:
		if len(m.Values) > 0 {
			return m.Values[0].Key.GetToken()
		}
	case *ast.MappingValueNode:
		return m.Key.GetToken()
	}
	return n.GetToken()
}

// yamlError turns the YAML library's error into an Error: its position, and its message in words a
// user of this file rather than of Go understands.
func yamlError(file string, err error) error {
	var ye yaml.Error
	if !errors.As(err, &ye) {
		return &Error{File: file, Msg: oneLine(err.Error())}
	}
	e := &Error{File: file, Msg: oneLine(describe(ye))}
	if tk := ye.GetToken(); tk != nil && tk.Position != nil {
		e.Line, e.Column = tk.Position.Line, tk.Position.Column
	}
	return e
}

func describe(err yaml.Error) string {
	var unknown *yaml.UnknownFieldError
	var typ *yaml.TypeError
	switch {
	case errors.As(err, &unknown):
		return strings.Replace(unknown.Message, "unknown field", "unknown key", 1)
	case errors.As(err, &typ):
		return typeMessage(typ)
	}
	return err.GetMessage()
}

// oneLine makes a message fit for one line of output: the YAML library quotes values, and a value may be
// a URL with a password in it.
func oneLine(s string) string {
	return redact.Text(strings.Join(strings.Fields(s), " "))
}
