package e2e

import (
	"bufio"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/cli"
	"github.com/mqscope/mqscope/demo"
	"github.com/mqscope/mqscope/internal/testkit/srfix"
)

// `demo --serve --registry` serves a schema registry (franz-go's srfake) beside the cluster and says where
// on a second line; its topics decode through it, schemas lists them, and publish --schema round-trips.
func TestDemoServesASchemaRegistry(t *testing.T) {
	t.Parallel()
	cmd, out, stderr := mqscopeProcess(t, "demo", "--serve", "--still", "--registry")
	stdout := bufio.NewReader(out)
	first, _ := stdout.ReadString('\n')
	second, _ := stdout.ReadString('\n')
	brokers, ready := strings.CutPrefix(strings.TrimSpace(first), "ready ")
	registry, served := strings.CutPrefix(strings.TrimSpace(second), "schema-registry http://127.0.0.1:")
	if !ready || !served {
		cmd.Process.Kill()
		if help := mqscope(t, "demo", "--help").stdout; !strings.Contains(help, demo.OrdersAvro+", "+demo.OrdersProto+"\nand "+demo.OrdersJSON) {
			t.Errorf("demo --help does not name the registry's topics as the demo does:\n%s", help) // the CLI spells them itself
		}
		t.Fatalf("lines %q, %q; stderr %s", first, second, stderr.String())
	}
	registry = "http://127.0.0.1:" + registry
	run := func(args ...string) result {
		return mqscope(t, append([]string{"--kafka", brokers, "--schema-registry", registry}, args...)...)
	}

	topics := map[string]string{}
	for _, s := range jsonLines(t, run("schemas", "-o", "json").stdout) {
		if ts, _ := s["topics"].([]any); len(ts) == 1 {
			topics[ts[0].(string)] = s["type"].(string)
		}
	}
	if topics[demo.OrdersAvro] != "avro" || topics[demo.OrdersProto] != "protobuf" || topics[demo.OrdersJSON] != "jsonschema" {
		t.Fatalf("schemas: topics by subject %v", topics)
	}

	for topic, format := range map[string]string{demo.OrdersAvro: "avro", demo.OrdersProto: "protobuf", demo.OrdersJSON: "jsonschema"} {
		r := run("peek", topic, "--from", "earliest", "-n", "100", "-o", "json")
		decoded := decodedOf(t, r.stdout)
		if r.code != 0 || len(decoded) != demo.SchemaRecords {
			t.Fatalf("peek %s: exit %d, %d records, stderr %s", topic, r.code, len(decoded), r.stderr)
		}
		refunds := 0
		for _, d := range decoded {
			if d["format"] != format || d["value"] == nil {
				t.Fatalf("%s: decoded %v", topic, d)
			}
			if v, _ := d["value"].(map[string]any); v["reason"] != nil {
				refunds++
			}
		}
		if topic == demo.OrdersProto && refunds != demo.SchemaRecords/10 {
			t.Errorf("%s: %d refunds (message index 1), want %d", topic, refunds, demo.SchemaRecords/10)
		}
	}

	body := `{"id":"o-new","total":{"cents":42,"currency":"EUR"},"note":"by hand"}`
	if r := run("publish", demo.OrdersAvro, "--schema", srfix.AvroSubject, "--partition", "0", "--body", body); r.code != 0 {
		t.Fatalf("publish --schema: exit %d, %s", r.code, r.stderr)
	}
	r := run("peek", demo.OrdersAvro, "--partition", "0", "--from", "-1", "-o", "json")
	if got := decodedOf(t, r.stdout); len(got) != 1 {
		t.Fatalf("peek after publish: %s %s", r.stdout, r.stderr)
	} else {
		jsonEqual(t, "published back", got[0]["value"], body)
	}

	cmd.Process.Kill()
	if help := mqscope(t, "demo", "--help").stdout; !strings.Contains(help, demo.OrdersAvro+", "+demo.OrdersProto+"\nand "+demo.OrdersJSON) {
		t.Errorf("demo --help does not name the registry's topics as the demo does:\n%s", help) // the CLI spells them itself
	}
	if r := mqscope(t, "demo", "--registry", "--broker", "nats"); r.code != cli.ExitUsage || !strings.Contains(r.stderr, "--registry") {
		t.Errorf("--registry beside NATS: exit %d, %s", r.code, r.stderr)
	}
}
