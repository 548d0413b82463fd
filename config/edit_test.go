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

// readmeExample is the example config of README.md, as a user would copy it.
const readmeExample = `current-context: prod-kafka
theme: nord                      # for contexts that name none (default: light or dark, from the terminal)
keys:                            # rebind any TUI action: quit, help, filter, sort, purge, ... (see ? in the TUI)
  quit: [q, ctrl+c]
  filter: "/"
contexts:
  - name: prod-kafka
    kafka:
      brokers: [k1:9093, k2:9093]
      sasl: {mechanism: SCRAM-SHA-512, username: ops, password-env: KAFKA_PW}   # or PLAIN, SCRAM-SHA-256
      tls: {ca-file: ca.pem, cert-file: me.pem, key-file: me.key, server-name: k1}  # tls: {} for system roots
      schema-registry: https://sr:8081
    read-only: true
    theme: dracula
    refresh: 2s
  - name: local-rabbit
    rabbitmq:
      url: amqp://guest@127.0.0.1:5672/
      password-cmd: pass show rabbit/guest     # or password-env, password-file
      management-url: http://127.0.0.1:15672
      vhost: orders                            # replaces the URL's vhost
      # tls: {...} as above, for amqps:// and an https management-url
`

// ctx NAME edits README's own example wherever current-context stands and however it is quoted: only
// that value changes, every other byte stays.
func TestSetCurrentContextOnTheREADMEExample(t *testing.T) {
	body := strings.TrimPrefix(readmeExample, "current-context: prod-kafka\n")
	for _, tc := range []struct{ name, before, after string }{
		{"first line", readmeExample, strings.Replace(readmeExample, "current-context: prod-kafka", "current-context: local-rabbit", 1)},
		{"last line, no newline", body + "current-context: prod-kafka", body + "current-context: local-rabbit"},
		{"last line", body + "current-context: prod-kafka\n", body + "current-context: local-rabbit\n"},
		{"single quotes", "current-context: 'prod-kafka'   # quoted\n" + body, "current-context: local-rabbit   # quoted\n" + body},
		{"double quotes", body + `current-context: "prod-kafka"`, body + "current-context: local-rabbit"},
		{"CRLF", "current-context: prod-kafka\r\n" + body, "current-context: local-rabbit\r\n" + body},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := write(t, tc.before)
			f, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.SetCurrentContext("local-rabbit"); err != nil {
				t.Fatal(err)
			}
			if data, _ := os.ReadFile(path); string(data) != tc.after {
				t.Errorf("got:\n%q\nwant:\n%q", data, tc.after)
			}
		})
	}
}

// A value over several lines is not guessed at.
func TestSetCurrentContextRefusesAMultiLineValue(t *testing.T) {
	content := "current-context: >-\n  prod-kafka\n" + strings.TrimPrefix(readmeExample, "current-context: prod-kafka\n")
	path := write(t, content)
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SetCurrentContext("local-rabbit"); err == nil || !strings.Contains(err.Error(), "edit it by hand") {
		t.Errorf("a folded value: %v", err)
	}
	if data, _ := os.ReadFile(path); string(data) != content {
		t.Errorf("changed the file:\n%s", data)
	}
}
