package config

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

const secure = `current-context: prod-kafka
theme: dracula
keys:
  quit: [q, ctrl+c]
  filter: "/"
  help: ?
contexts:
  - name: prod-kafka
    kafka:
      brokers: [k1:9093, k2:9093]
      sasl: {mechanism: scram-sha-512, username: ops, password-env: KAFKA_PW}
      tls: {ca-file: ca.pem, cert-file: certs/me.pem, key-file: /abs/me.key, server-name: k1, insecure-skip-verify: false}
      schema-registry: https://sr:8081
    read-only: true
    theme: nord
    refresh: 2s
  - name: local-rabbit
    rabbitmq:
      url: amqp://guest@127.0.0.1:5672/
      password-env: RABBIT_PW
      management-url: http://127.0.0.1:15672
      vhost: orders/eu
  - name: cmd-rabbit
    rabbitmq:
      url: amqps://ops@rabbit:5671/
      password-cmd: printf '  s3cr3t-cmd\n'
      tls: {ca-file: ~/ca.pem}
  - name: file-kafka
    kafka:
      brokers: ["k:9092"]
      sasl: {username: u, password-file: pw.txt}
      tls: {}
`

func TestLoadReadsSecuritySettings(t *testing.T) {
	path := write(t, secure)
	dir := filepath.Dir(path)
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if f.Theme != "dracula" || len(f.Keys) != 3 || f.Keys[0].Action != "quit" ||
		strings.Join(f.Keys[0].Keys, " ") != "q ctrl+c" || f.Keys[1].Keys[0] != "/" || f.Keys[2].Keys[0] != "?" ||
		f.Keys[0].Line != 4 || f.Keys[0].Column != 3 {
		t.Errorf("theme %q keys %+v", f.Theme, f.Keys)
	}
	k := f.Contexts[0].Kafka
	if k.SASL.Mechanism != SASLSCRAMSHA512 || k.SASL.Username != "ops" || k.SASL.PasswordEnv != "KAFKA_PW" {
		t.Errorf("sasl = %+v", k.SASL)
	}
	wantTLS := TLSConfig{CAFile: filepath.Join(dir, "ca.pem"), CertFile: filepath.Join(dir, "certs/me.pem"),
		KeyFile: "/abs/me.key", ServerName: "k1"}
	if *k.TLS != wantTLS || *k.SchemaRegistry != *RegistryURL("https://sr:8081") {
		t.Errorf("tls = %+v, want %+v; registry %+v", *k.TLS, wantTLS, k.SchemaRegistry)
	}
	r := f.Contexts[1].RabbitMQ
	if r.PasswordEnv != "RABBIT_PW" || r.Vhost != "orders/eu" || f.Contexts[1].Address() != "amqp://guest@127.0.0.1:5672/orders%2Feu" {
		t.Errorf("rabbitmq = %+v at %s", r, f.Contexts[1].Address())
	}
	home, _ := os.UserHomeDir()
	if got := f.Contexts[2].RabbitMQ.TLS.CAFile; got != filepath.Join(home, "ca.pem") {
		t.Errorf("~/ca.pem = %s", got)
	}
	fk := f.Contexts[3].Kafka
	if fk.SASL.Mechanism != SASLPlain || fk.SASL.PasswordFile != filepath.Join(dir, "pw.txt") || fk.TLS == nil {
		t.Errorf("file-kafka = %+v %+v", fk.SASL, fk.TLS)
	}
	if w := f.Warnings("prod-kafka"); len(w) != 0 {
		t.Errorf("warnings for a 0600 file without inline passwords: %q", w)
	}
}

func TestSecretsResolveFromTheirSources(t *testing.T) {
	path := write(t, secure)
	os.WriteFile(filepath.Join(filepath.Dir(path), "pw.txt"), []byte("from-file\n"), 0o600)
	t.Setenv("KAFKA_PW", "from-env")
	t.Setenv("RABBIT_PW", "rabbit pw/?")
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	resolved := func(i int) Context {
		t.Helper()
		c, err := f.Contexts[i].WithSecrets(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if pw := resolved(0).Kafka.SASL.Password.Reveal(); pw != "from-env" {
		t.Errorf("env password = %q", pw)
	}
	if f.Contexts[0].Kafka.SASL.Password != "" {
		t.Error("WithSecrets changed the file's context")
	}
	r := resolved(1).RabbitMQ
	if got := r.AMQPURL(); got != "amqp://guest:rabbit%20pw%2F%3F@127.0.0.1:5672/orders%2Feu" {
		t.Errorf("AMQP URL = %q", got)
	}
	if got := resolved(1).Address(); strings.Contains(got, "rabbit") && strings.Contains(got, "pw") {
		t.Errorf("Address shows the password: %s", got)
	}
	if pw := resolved(2).RabbitMQ.Password.Reveal(); pw != "s3cr3t-cmd" {
		t.Errorf("cmd password = %q (want trimmed)", pw)
	}
	if pw := resolved(3).Kafka.SASL.Password.Reveal(); pw != "from-file" {
		t.Errorf("file password = %q", pw)
	}
}

// Errors say which source failed and how, and never what a command printed.
func TestSecretSourceErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte(" \n"), 0o600)
	t.Setenv("EMPTY_PW", "")
	for _, tc := range []struct {
		src  PasswordSource
		want string
	}{
		{PasswordSource{PasswordEnv: "MQSCOPE_TEST_UNSET_PW"}, "password-env: environment variable MQSCOPE_TEST_UNSET_PW is not set (export it before starting mqscope)"},
		{PasswordSource{PasswordEnv: "EMPTY_PW"}, "password-env: environment variable EMPTY_PW is empty"},
		{PasswordSource{PasswordCmd: "echo leaked-output; echo more >&2; exit 3"},
			`password-cmd failed with exit status 3 (run it in a shell to see why)`},
		{PasswordSource{PasswordCmd: "true"}, `password-cmd printed no password`},
		{PasswordSource{PasswordFile: filepath.Join(dir, "nope")}, "password-file " + filepath.Join(dir, "nope") + ": no such file or directory"},
		{PasswordSource{PasswordFile: empty}, "password-file " + empty + " is empty"},
	} {
		_, err := tc.src.Resolve(context.Background())
		if err == nil || err.Error() != tc.want {
			t.Errorf("%+v:\n got %v\nwant %s", tc.src, err, tc.want)
		}
	}
	c := Context{Name: "p", Kafka: &KafkaConfig{Brokers: []string{"k:1"},
		SASL: &SASLConfig{Username: "u", PasswordSource: PasswordSource{PasswordEnv: "MQSCOPE_TEST_UNSET_PW"}}}}
	if _, err := c.WithSecrets(context.Background()); err == nil ||
		!strings.HasPrefix(err.Error(), `context "p": kafka.sasl.password-env: environment variable`) {
		t.Errorf("context error = %v", err)
	}
}

func TestPasswordCmdIsAskedOnceUntilForgotten(t *testing.T) {
	count := filepath.Join(t.TempDir(), "count")
	c := Context{Name: "r", RabbitMQ: &RabbitMQConfig{URL: "amqp://u@h/",
		PasswordSource: PasswordSource{PasswordCmd: Secret("echo x >> " + count + "; echo pw")}}}
	var s Secrets
	runs := func() int {
		data, _ := os.ReadFile(count)
		return strings.Count(string(data), "x")
	}
	for i := 0; i < 2; i++ {
		r, err := s.Resolve(context.Background(), c)
		if err != nil || r.RabbitMQ.Password.Reveal() != "pw" {
			t.Fatalf("resolve: %v", err)
		}
	}
	if runs() != 1 {
		t.Fatalf("the command ran %d times, want 1", runs())
	}
	s.Forget(c)
	s.Resolve(context.Background(), c)
	if runs() != 2 {
		t.Fatalf("after Forget the command ran %d times in all, want 2", runs())
	}
}

// Every way of printing a Secret, or a context holding one, hides it.
func TestSecretNeverPrints(t *testing.T) {
	const pw = "hunter2-distinctive"
	c := Context{Name: "x", Kafka: &KafkaConfig{Brokers: []string{"k:1"},
		SASL: &SASLConfig{Username: "u", PasswordSource: PasswordSource{Password: pw}}}}
	sasl := *c.Kafka.SASL
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%10s", "%d"} {
		outs = append(outs, fmt.Sprintf(verb, sasl), fmt.Sprintf(verb, Secret(pw)))
	}
	js, _ := json.Marshal(c)
	ys, _ := yaml.Marshal(c)
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("ctx", "sasl", sasl, "pw", Secret(pw))
	slog.New(slog.NewTextHandler(&logged, nil)).Info("ctx", "pw", Secret(pw), "s", sasl.Password)
	outs = append(outs, string(js), string(ys), logged.String(), Secret(pw).String())
	for _, out := range outs {
		if strings.Contains(out, pw) || strings.Contains(out, fmt.Sprintf("%x", pw)) {
			t.Errorf("password printed: %s", out)
		}
	}
	if !strings.Contains(string(js), Redacted) || !strings.Contains(logged.String(), Redacted) {
		t.Errorf("redaction mark missing: %s / %s", js, logged.String())
	}
	if Secret("").String() != "" || Secret(pw).Reveal() != pw {
		t.Error("empty secret or Reveal")
	}
}

func TestWarnings(t *testing.T) {
	inline := "contexts:\n  - name: a\n    kafka:\n      brokers: [\"k:1\"]\n      sasl: {username: u, password: pw}\n" +
		"  - name: b\n    rabbitmq: {url: \"amqp://u:pw@h/\"}\n"
	path := write(t, inline)
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`context "a" has kafka.sasl.password written in ` + path + `; prefer password-env, password-cmd or password-file`,
		`context "b" has the password in rabbitmq.url written in ` + path + `; prefer password-env, password-cmd or password-file`,
	}
	if got := append(f.Warnings("a"), f.Warnings("b")...); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings\n got %q\nwant %q", got, want)
	}
	if got := f.Warnings("other"); len(got) != 0 {
		t.Errorf("warnings of a context without an inline password: %q", got)
	}
	os.Chmod(path, 0o644)
	f, _ = Load(path)
	all := f.Warnings("b")
	if len(all) != 2 || all[0] != "config file "+path+" can be read by others (mode 0644); run chmod 600 "+path {
		t.Errorf("warnings of a 0644 file: %q", all)
	}
	for _, w := range all {
		if strings.Contains(w, "pw") && !strings.Contains(w, "password") {
			t.Errorf("warning shows a password: %s", w)
		}
	}
}

func TestSecurityErrorsNameLineAndColumn(t *testing.T) {
	ctx := "contexts:\n  - name: a\n"
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown sasl key", ctx + "    kafka:\n      brokers: [\"k:1\"]\n      sasl: {username: u, pasword-env: X}\n",
			`:5:27: unknown key "pasword-env"`},
		{"unknown tls key", ctx + "    kafka:\n      brokers: [\"k:1\"]\n      tls:\n        ca: x\n",
			`:6:9: unknown key "ca"`},
		{"mechanism", ctx + "    kafka:\n      brokers: [\"k:1\"]\n      sasl: {mechanism: GSSAPI, username: u, password-env: X}\n",
			`:5:25: context "a": SASL mechanism "GSSAPI" is not one mqscope speaks: use PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512`},
		{"no username", ctx + "    kafka:\n      brokers: [\"k:1\"]\n      sasl: {password-env: X}\n",
			`:5:14: context "a": sasl needs username`},
		{"no password", ctx + "    kafka:\n      brokers: [\"k:1\"]\n      sasl: {username: u}\n",
			`:5:14: context "a": sasl needs a password: add password-env, password-cmd or password-file`},
		{"two sources", ctx + "    kafka:\n      brokers: [\"k:1\"]\n      sasl:\n        username: u\n        password-env: X\n        password-cmd: pass x\n",
			`:8:23: context "a": give one of password-env and password-cmd, not both`},
		{"half a certificate", ctx + "    kafka:\n      brokers: [\"k:1\"]\n      tls: {cert-file: c.pem}\n",
			`:5:13: context "a": a client certificate needs both cert-file and key-file`},
		{"registry scheme", ctx + "    kafka:\n      brokers: [\"k:1\"]\n      schema-registry: sr:8081\n",
			`:5:24: context "a": the schema registry URL must start with http:// or https://`},
		{"password twice", ctx + "    rabbitmq:\n      url: amqp://u:p@h/\n      password-env: X\n",
			`:5:21: context "a": the URL has a password already; keep one (write the URL as amqp://USER@host/)`},
		{"no user for the password", ctx + "    rabbitmq:\n      url: amqp://h/\n      password-file: pw\n",
			`:4:12: context "a": the URL names no user for the password: write it as amqp://USER@host/`},
		{"tls without amqps", ctx + "    rabbitmq:\n      url: amqp://h/\n      tls: {ca-file: ca.pem}\n",
			`:5:13: context "a": tls settings apply to amqps:// or an https management-url, and this context uses neither`},
		{"inline password of the wrong type", ctx + "    kafka:\n      brokers: [\"k:1\"]\n      sasl: {username: u, password: [9876543]}\n",
			`:5:37: password must be a string, not a list`},
		{"keys not a mapping", "keys: [q]\n", `:1:7: keys must be a mapping of actions to keys, like keys: {quit: [q, ctrl+c]}`},
		{"keys empty list", "keys:\n  quit: []\n", `:2:9: keys.quit has no key; an action needs at least one`},
		{"keys nested", "keys:\n  quit: {a: b}\n", `:2:9: keys.quit must be a key or a list of keys, like [q, ctrl+c]`},
		{"duplicate action", "keys:\n  quit: q\n  quit: x\n", `:3:3: mapping key "quit" already defined at [2:3]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := write(t, tc.yaml)
			_, err := Load(path)
			if err == nil {
				t.Fatal("no error")
			}
			if got, want := err.Error(), path+tc.want; got != want {
				t.Errorf("error\n got %s\nwant %s", got, want)
			}
		})
	}
}

func TestKeyError(t *testing.T) {
	f := &File{Path: "/c.yaml"}
	err := f.KeyError(KeyBinding{Action: "quti", Line: 3, Column: 5}, "unknown action %q", "quti")
	if err.Error() != `/c.yaml:3:5: unknown action "quti"` {
		t.Fatal(err)
	}
}
