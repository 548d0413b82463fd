package e2e

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/mqscope/mqscope/internal/testkit/kafkafix"
	"github.com/mqscope/mqscope/internal/testkit/srfix"
)

// schemas lists the registry's subjects with their latest version, type, level and the topics that use
// them by TopicNameStrategy; schemas SUBJECT shows versions, level, references and the schema text.
func TestSchemasBrowsesTheRegistry(t *testing.T) {
	t.Parallel()
	reg := srfix.Start(t)
	reg.SeedSchema(srfix.AvroSubject, 2, 40, sr.Schema{Schema: `{"type":"string"}`, Type: sr.TypeAvro})
	if err := reg.SetCompat(srfix.JSONSubject, sr.CompatFull); err != nil {
		t.Fatal(err)
	}
	brokers := kafkafix.Brokers(kafkafix.Start(t, kfake.NumBrokers(1), kfake.SeedTopics(1, "orders-proto", "orders-avro", "unrelated")))
	run := func(args ...string) result {
		return mqscope(t, append([]string{"--kafka", brokers, "--schema-registry", reg.URL(), "schemas"}, args...)...)
	}

	r := run("-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	bySubject := map[string]map[string]any{}
	for _, row := range jsonLines(t, r.stdout) {
		bySubject[row["subject"].(string)] = row
	}
	if len(bySubject) != 7 {
		t.Fatalf("want the 7 seeded subjects, got %v", r.stdout)
	}
	check := func(subject, field string, want any) {
		t.Helper()
		gb, _ := json.Marshal(bySubject[subject][field])
		wb, _ := json.Marshal(want)
		if string(gb) != string(wb) {
			t.Errorf("%s %s: %s, want %s", subject, field, gb, wb)
		}
	}
	check(srfix.AvroSubject, "version", 2)
	check(srfix.AvroSubject, "id", 40)
	check(srfix.AvroSubject, "topics", []string{"orders-avro"})
	check(srfix.ProtoSubject, "type", "protobuf")
	check(srfix.ProtoSubject, "topics", []string{"orders-proto"})
	check(srfix.JSONSubject, "compatibility", "FULL")
	check(srfix.JSONSubject, "topics", []string{})    // no topic orders-json
	check("shop-common", "compatibility", "BACKWARD") // srfake's global default

	r = run()
	if r.code != 0 || !strings.Contains(r.stdout, "SUBJECT") || !strings.Contains(r.stdout, "orders-proto-value") {
		t.Fatalf("table: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	fitsIn80(t, r.stdout)
	fitsIn80(t, run(srfix.ProtoSubject).stdout)

	r = run(srfix.ProtoSubject)
	// Labelled as describe labels a topic: a section title, then lowercase labels padded alike.
	for _, want := range []string{"subject\n  subject        orders-proto-value\n", "\n  versions       1\n",
		"common.proto → shop-common v1", "message Refund {", "\n  topics         orders-proto"} {
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("schemas %s: want %q in:\n%s%s", srfix.ProtoSubject, want, r.stdout, r.stderr)
		}
	}
	if strings.Contains(r.stdout, ":  ") || strings.Contains(r.stdout, "Versions") {
		t.Errorf("schemas %s: capitalised 'Label:' lines, unlike describe's:\n%s", srfix.ProtoSubject, r.stdout)
	}
	r = run(srfix.AvroSubject, "--version", "1", "-o", "json")
	rows := jsonLines(t, r.stdout)
	if r.code != 0 || len(rows) != 1 || rows[0]["version"] != 1.0 || rows[0]["latest"] != 2.0 ||
		!strings.Contains(rows[0]["schema"].(string), "shop.Money") {
		t.Errorf("--version 1: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	refs, _ := json.Marshal(rows[0]["references"])
	if string(refs) != `[{"name":"shop.Money","subject":"avro-money","version":1}]` {
		t.Errorf("references: %s", refs)
	}

	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{srfix.AvroSubject, "--version", "7"}, "has no version 7 (it has 1, 2)"},
		{[]string{"nope-value"}, `subject "nope-value"`},
	} {
		r = run(bad.args...)
		if r.code == 0 || !strings.Contains(r.stderr, bad.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q, want one line with %q", bad.args, r.code, r.stderr, bad.want)
		}
	}
	r = mqscope(t, "--kafka", brokers, "schemas")
	if r.code == 0 || !strings.Contains(r.stderr, "--schema-registry URL") {
		t.Errorf("no registry: exit %d, %q", r.code, r.stderr)
	}
	// A registry without GET /schemas (Confluent's before 6.0, others) is listed subject by subject.
	reg.Intercept(func(w http.ResponseWriter, req *http.Request) bool {
		if req.URL.Path == "/schemas" {
			http.NotFound(w, req)
			return true
		}
		return false
	})
	if r := run("-o", "json"); r.code != 0 || len(jsonLines(t, r.stdout)) != len(bySubject) {
		t.Errorf("without GET /schemas: exit %d %s%s", r.code, r.stdout, r.stderr)
	}
	notRegistry := httptest.NewServer(http.NotFoundHandler())
	defer notRegistry.Close()
	r = mqscope(t, "--kafka", brokers, "--schema-registry", notRegistry.URL, "schemas")
	if r.code != 1 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "answered HTTP 404 to GET /schemas and GET /subjects: is it a schema registry?") {
		t.Errorf("not a registry: exit %d %q", r.code, r.stderr)
	}
	reg.Close()
	r = run()
	if r.code != 1 || !strings.Contains(r.stderr, "did not answer") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("registry down: exit %d, %q", r.code, r.stderr)
	}
}

// fitsIn80 fails for a line of out wider than 80 terminal cells.
func fitsIn80(t *testing.T, out string) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if w := ansi.StringWidth(line); w > 80 {
			t.Errorf("%d cells, more than 80: %q", w, line)
		}
	}
}
