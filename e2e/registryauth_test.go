package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/mqscope/mqscope/internal/testkit/srfix"
)

// A registry behind basic auth over https (srfake checking the Authorization header, its CA given by
// tls.ca-file): the right password from a password-file decodes, browses and publishes; a wrong one or
// none fails in one line naming the settings to check, exit 1, and no password shows anywhere.
func TestSchemaRegistryBehindCredentials(t *testing.T) {
	t.Parallel()
	const secret, wrong = "s3cret-sr-password", "wr0ng-sr-password"
	reg, ca := srfix.StartTLS(t, srfake.WithAuth(srfix.BasicAuth("api-key", secret)))
	order := `{"id":"o-9","qty":3}`
	brokers := produce(t, "secured", srfix.Wire(srfix.JSONOrderID, nil, []byte(order)))
	dir := t.TempDir()
	for name, text := range map[string]string{"ca.pem": string(ca), "good.txt": secret + "\n", "wrong.txt": wrong} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	config := filepath.Join(dir, "config.yaml")
	context := func(name, auth string) string {
		return "  - name: " + name + "\n    kafka:\n      brokers: [\"" + brokers + "\"]\n      schema-registry:\n        url: " +
			reg.URL() + "\n        tls: {ca-file: ca.pem}\n" + auth
	}
	os.WriteFile(config, []byte("contexts:\n"+context("good", "        username: api-key\n        password-file: good.txt\n")+
		context("wrong", "        username: api-key\n        password-file: wrong.txt\n")+context("none", "")), 0o600)
	run := func(ctx string, args ...string) result {
		t.Helper()
		r := mqscope(t, append([]string{"--config", config, "--context", ctx}, args...)...)
		if out := r.stdout + r.stderr; strings.Contains(out, secret) || strings.Contains(out, wrong) {
			t.Errorf("%s %v shows a password:\n%s", ctx, args, out)
		}
		return r
	}

	if r := run("good", "ctx", "-o", "json"); r.code != 0 ||
		!strings.Contains(r.stdout, `"schema_registry":{"url":"`+reg.URL()+`","user":"api-key","password_from":"file `+filepath.Join(dir, "good.txt")+`"}`) {
		t.Errorf("ctx: exit %d %s%s", r.code, r.stdout, r.stderr)
	}
	r := run("good", "peek", "secured", "-o", "json")
	rows := decodedOf(t, r.stdout)
	if r.code != 0 || len(rows) != 1 || rows[0]["format"] != "jsonschema" {
		t.Fatalf("good peek: exit %d %v %s", r.code, rows, r.stderr)
	}
	jsonEqual(t, "decoded", rows[0]["value"], order)
	if r := run("good", "schemas"); r.code != 0 || !strings.Contains(r.stdout, srfix.JSONSubject) {
		t.Errorf("good schemas: exit %d %s%s", r.code, r.stdout, r.stderr)
	}
	if r := run("good", "publish", "secured", "--schema", srfix.JSONSubject, "--body", `{"id":"o-10","qty":1}`); r.code != 0 {
		t.Errorf("good publish: exit %d %s", r.code, r.stderr)
	}

	for _, c := range []struct{ ctx, want string }{
		{"wrong", "refused the credentials (HTTP 403: User not authorized): check kafka.schema-registry.username and kafka.schema-registry.password-file"},
		{"none", "asks for credentials (HTTP 401: Missing Authorization header): set kafka.schema-registry's username and password-env"},
	} {
		for _, args := range [][]string{{"schemas"}, {"publish", "secured", "--schema", srfix.JSONSubject, "--body", order}} {
			r := run(c.ctx, args...)
			if r.code != 1 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, c.want) {
				t.Errorf("%s %v: exit %d, want 1 and one line with %q: %q", c.ctx, args, r.code, c.want, r.stderr)
			}
		}
		// The table has no room for the reason: stderr says it once.
		if r := run(c.ctx, "peek", "secured"); r.code != 0 || strings.Count(r.stderr, "\n") != 1 ||
			!strings.Contains(r.stderr, "mqscope: not decoded: schema id 6: the schema registry ") || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%s table peek: exit %d %q", c.ctx, r.code, r.stderr)
		}
		r := run(c.ctx, "peek", "secured", "-o", "json")
		rows := decodedOf(t, r.stdout)
		if r.code != 0 || len(rows) != 2 || rows[0]["format"] != "binary" || !strings.Contains(rows[0]["note"].(string), c.want) {
			t.Errorf("%s peek: exit %d %v %s", c.ctx, r.code, rows, r.stderr)
		}
	}
}
