package actions

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/mqscope/mqscope"

// The session is the one gate: outside actions/ (and the adapter contract and adapters under backends/),
// no code asserts a backend's capability interfaces, calls the backends.As* helpers that do, or builds a
// session itself. Test files may, to set the scene.
func TestNothingOutsideActionsBypassesTheSession(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	capabilities := backendInterfaces(t, filepath.Join(root, "backends"))
	if !capabilities["Publisher"] || !capabilities["Purger"] {
		t.Fatalf("the capability interfaces were not found in backends/: %v", capabilities)
	}
	var checked int
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if rel == "actions" || rel == "backends" || strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		checked++
		for _, bad := range bypasses(t, path, capabilities) {
			t.Errorf("%s: %s", rel, bad)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 20 {
		t.Fatalf("only %d files checked: is the walk in the right place (%s)?", checked, root)
	}
}

// The check itself catches each way around the session.
func TestBypassesAreFound(t *testing.T) {
	src := `package x
import (
	b "github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/actions"
)
func f(x b.Backend) {
	_, _ = x.(b.Purger)
	switch x.(type) {
	case b.Mover:
	}
	_, _ = b.AsGroupLister(x)
	_ = actions.NewSession(x, c)
	_ = &actions.Session{}
	_, _ = x.(interface{ Close() error })
}`
	path := filepath.Join(t.TempDir(), "x.go")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	got := bypasses(t, path, map[string]bool{"Purger": true, "Mover": true})
	if len(got) != 5 {
		t.Fatalf("found %d bypasses, want 5:\n%s", len(got), strings.Join(got, "\n"))
	}
}

// backendInterfaces are the interface types the contract package declares.
func backendInterfaces(t *testing.T, dir string) map[string]bool {
	pkgs, err := parser.ParseDir(token.NewFileSet(), dir, func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, p := range pkgs {
		for _, f := range p.Files {
			ast.Inspect(f, func(n ast.Node) bool {
				if ts, ok := n.(*ast.TypeSpec); ok {
					if _, ok := ts.Type.(*ast.InterfaceType); ok && ts.Name.Name != "Backend" {
						out[ts.Name.Name] = true
					}
				}
				return true
			})
		}
	}
	return out
}

// bypasses lists, for one file, every place it goes around the session.
func bypasses(t *testing.T, path string, capabilities map[string]bool) []string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	backendsName, actionsName := importName(f, module+"/backends"), importName(f, module+"/actions")
	var out []string
	say := func(n ast.Node, what string) {
		pos := fset.Position(n.Pos())
		out = append(out, fmt.Sprintf("line %d:%d: %s", pos.Line, pos.Column, what))
	}
	isCapability := func(e ast.Expr) bool {
		name, ok := selected(e, backendsName)
		return ok && capabilities[name]
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.TypeAssertExpr:
			if n.Type != nil && isCapability(n.Type) {
				say(n, "type-asserts a backend capability: ask the session (Can, Allows) instead")
			}
		case *ast.CaseClause:
			for _, e := range n.List {
				if isCapability(e) {
					say(e, "switches on a backend capability: ask the session (Can, Allows) instead")
				}
			}
		case *ast.CallExpr:
			if name, ok := selected(n.Fun, backendsName); ok && strings.HasPrefix(name, "As") {
				say(n, "backends."+name+" asserts a capability: ask the session instead")
			}
			if name, ok := selected(n.Fun, actionsName); ok && name == "NewSession" {
				say(n, "builds a session: only actions.Connect does, from the opener")
			}
		case *ast.CompositeLit:
			if name, ok := selected(n.Type, actionsName); ok && name == "Session" {
				say(n, "builds a session: only actions.Connect does, from the opener")
			}
		}
		return true
	})
	return out
}

// importName is the name the file gives the package at path; "" when it does not import it.
func importName(f *ast.File, path string) string {
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == path {
			if imp.Name != nil {
				return imp.Name.Name
			}
			return path[strings.LastIndex(path, "/")+1:]
		}
	}
	return ""
}

// selected is Name for an expression pkg.Name (or *pkg.Name) where pkg is the package's name in the file.
func selected(e ast.Expr, pkg string) (string, bool) {
	if star, ok := e.(*ast.StarExpr); ok {
		e = star.X
	}
	sel, ok := e.(*ast.SelectorExpr)
	if !ok || pkg == "" {
		return "", false
	}
	x, ok := sel.X.(*ast.Ident)
	if !ok || x.Name != pkg {
		return "", false
	}
	return sel.Sel.Name, true
}

// actions/ speaks to both front ends, so its messages name no CLI flag and no CLI command: those are the
// CLI's to add (see cli's phrase), as keys are the TUI's. An English "mqscope reads" names no command: only
// the CLI's own command words count.
func TestNoCLIWordingInActions(t *testing.T) {
	flag := regexp.MustCompile("(^|[\\s(`])--[a-z]|`mqscope|mqscope (" + strings.Join(cliCommands(t), "|") + ")\\b")
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING && flag.MatchString(lit.Value) {
				t.Errorf("%s: %s", fset.Position(lit.Pos()), lit.Value)
			}
			return true
		})
	}
}

// cliCommands are the first words of every Use of a cobra command in cli/, read from its source (cli
// imports actions, so the test cannot import cli).
func cliCommands(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "cli", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("the CLI's sources: %v (%d files)", err, len(files))
	}
	seen := map[string]bool{}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			kv, ok := n.(*ast.KeyValueExpr)
			if !ok {
				return true
			}
			if key, ok := kv.Key.(*ast.Ident); !ok || key.Name != "Use" {
				return true
			}
			if lit, ok := kv.Value.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if use, err := strconv.Unquote(lit.Value); err == nil && use != "" {
					seen[regexp.QuoteMeta(strings.Fields(use)[0])] = true
				}
			}
			return true
		})
	}
	var words []string
	for w := range seen {
		words = append(words, w)
	}
	if len(words) < 10 {
		t.Fatalf("found only %d CLI commands in cli/: %q", len(words), words)
	}
	return words
}
