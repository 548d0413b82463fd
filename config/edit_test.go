package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const commented = `# my clusters — keep this comment
current-context:   dev    # the one I use most

contexts:
  # production: careful
  - name: dev
    kafka: {brokers: ["k:1"]}   # flow style stays
  - name: "prod eu: main"
    rabbitmq:
      url: amqp://u@h/
      password-env: PW
  - name: "true"
    kafka: {brokers: ["k:2"]}
`

// Switching the current context changes the value and nothing else: comments, spacing and quoting
// survive byte for byte.
func TestSetCurrentContextKeepsTheFileAsWritten(t *testing.T) {
	path := write(t, commented)
	os.Chmod(path, 0o640)
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, line string }{
		{"prod eu: main", `current-context:   "prod eu: main"    # the one I use most`},
		{"true", `current-context:   "true"    # the one I use most`},
		{"dev", `current-context:   dev    # the one I use most`},
	} {
		if err := f.SetCurrentContext(tc.name); err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(path)
		want := strings.Replace(commented, "current-context:   dev    # the one I use most", tc.line, 1)
		if string(data) != want {
			t.Fatalf("after switching to %q:\n%s", tc.name, data)
		}
		back, err := Load(path)
		if err != nil || back.CurrentContext != tc.name || f.CurrentContext != tc.name {
			t.Fatalf("read back: %v, current %q", err, back.CurrentContext)
		}
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o640 {
		t.Errorf("mode changed to %v", info.Mode().Perm())
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("left files behind: %v", entries)
	}
}

func TestSetCurrentContextAddsTheLineWhenMissing(t *testing.T) {
	content := "# top comment\ncontexts:\n  - name: a\n    kafka: {brokers: [\"k:1\"]}\n"
	path := write(t, content)
	f, _ := Load(path)
	if err := f.SetCurrentContext("a"); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if string(data) != "current-context: a\n"+content {
		t.Fatalf("got:\n%s", data)
	}
}

func TestSetCurrentContextFollowsASymlink(t *testing.T) {
	real := write(t, commented)
	link := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	f, err := Load(link)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SetCurrentContext("true"); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
		t.Fatal("the link was replaced by a file")
	}
	if back, _ := Load(real); back.CurrentContext != "true" {
		t.Fatalf("target not edited: %q", back.CurrentContext)
	}
}

func TestSetCurrentContextRefuses(t *testing.T) {
	path := write(t, commented)
	f, _ := Load(path)
	if err := f.SetCurrentContext("nope"); err == nil ||
		err.Error() != `no context "nope" in `+path+`; it has dev, prod eu: main, true` {
		t.Fatalf("unknown context: %v", err)
	}
	// A file that no longer reads (edited meanwhile) is not touched.
	broken := commented + "  - bogus\n"
	os.WriteFile(path, []byte(broken), 0o600)
	if err := f.SetCurrentContext("true"); err == nil {
		t.Fatal("edited a file that does not parse")
	}
	if data, _ := os.ReadFile(path); string(data) != broken {
		t.Fatal("changed a broken file")
	}
}

func TestYAMLString(t *testing.T) {
	for in, want := range map[string]string{
		"dev": "dev", "prod-eu": "prod-eu", "a b": "a b", "true": `"true"`, "12": `"12"`, "a: b": `"a: b"`,
		"#x": `"#x"`, "- x": `"- x"`, " pad": `" pad"`, "": `""`, "é": "é", "null": `"null"`, "x\ny": `"x\ny"`,
	} {
		if got := yamlString(in); got != want {
			t.Errorf("yamlString(%q) = %s, want %s", in, got, want)
		}
	}
}
