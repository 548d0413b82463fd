package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/internal/testkit/kafkafix"
	"github.com/mqscope/mqscope/internal/testkit/rabbitfix"
)

// checkExportApply exports from src, applies the file to the empty dst, and wants dst to export the same;
// a second apply changes nothing.
func checkExportApply(t *testing.T, src, dst []string) {
	t.Helper()
	exp := mqscope(t, append(src, "export")...)
	if exp.code != 0 || exp.stdout == "" {
		t.Fatalf("export: %d %q", exp.code, exp.stderr)
	}
	file := filepath.Join(t.TempDir(), "topology.yaml")
	os.WriteFile(file, []byte(exp.stdout), 0o600)
	if r := mqscope(t, append(dst, "apply", "-f", file)...); r.code != 0 {
		t.Fatalf("apply: %d %q\n%s", r.code, r.stderr, r.stdout)
	}
	if again := mqscope(t, append(dst, "export")...); again.stdout != exp.stdout {
		t.Errorf("the copy exports\n%s\nthe original\n%s", again.stdout, exp.stdout)
	}
	if r := mqscope(t, append(dst, "apply", "-f", file)...); r.code != 0 || strings.TrimSpace(r.stdout) != "nothing to change" {
		t.Errorf("second apply: %d %q %q", r.code, r.stdout, r.stderr)
	}
}

func TestKafkaExportApplyReproducesTheTopology(t *testing.T) {
	a := []string{"--kafka", kafkafix.Start(t, kfake.NumBrokers(3)).ListenAddrs()[0]}
	b := []string{"--kafka", kafkafix.Start(t, kfake.NumBrokers(3)).ListenAddrs()[0]}
	for _, args := range [][]string{
		{"create", "topic", "orders", "--partitions", "6", "--replication-factor", "2", "--set", "retention.ms=86400000"},
		{"create", "topic", "audit", "--partitions", "1", "--set", "cleanup.policy=compact"},
	} {
		if r := mqscope(t, append(a, args...)...); r.code != 0 {
			t.Fatalf("%v: %q", args, r.stderr)
		}
	}
	checkExportApply(t, a, b)

	file := filepath.Join(t.TempDir(), "less.yaml")
	os.WriteFile(file, []byte("topics:\n  - {name: orders, partitions: 3, configs: {retention.ms: \"1000\"}}\n"), 0o600)
	r := mqscope(t, append(b, "diff", "-f", file)...)
	if r.code != 0 || !strings.Contains(r.stdout, "Kafka cannot lower") || !strings.Contains(r.stdout, "retention.ms=1000") ||
		strings.Contains(r.stdout, "audit") {
		t.Errorf("diff:\n%s%s", r.stdout, r.stderr)
	}
	if r := mqscope(t, append(b, "diff", "-f", file, "--prune")...); !strings.Contains(r.stdout, "audit") {
		t.Errorf("diff --prune does not delete audit:\n%s", r.stdout)
	}
	r = mqscope(t, append(b, "apply", "-f", file)...)
	if r.code != 1 || !strings.Contains(r.stderr, "refused") {
		t.Errorf("apply with a refused step: %d %q", r.code, r.stderr)
	}
	if got := mqscope(t, append(b, "config", "get", "orders")...); !strings.Contains(got.stdout, "1000 ") {
		t.Errorf("apply did not do the step it could:\n%s", got.stdout)
	}
}

func TestRabbitMQExportApplyReproducesTheTopology(t *testing.T) {
	a := []string{"--rabbitmq", rabbitfix.New(t).URL}
	b := []string{"--rabbitmq", rabbitfix.New(t).URL}
	for _, args := range [][]string{
		{"create", "queue", "jobs", "--type", "quorum", "--arg", "x-delivery-limit=5"},
		{"create", "queue", "slow", "--arg", "x-message-ttl=60000", "--arg", "x-dead-letter-exchange=dlx"},
		{"create", "exchange", "ex", "--type", "topic"},
		{"create", "exchange", "dlx", "--type", "fanout"},
		{"bind", "jobs", "--to", "ex", "--key", "job.*"},
		{"bind", "dlx", "--to", "ex", "--key", "dead.#", "--exchange-destination"},
	} {
		if r := mqscope(t, append(a, args...)...); r.code != 0 {
			t.Fatalf("%v: %q", args, r.stderr)
		}
	}
	checkExportApply(t, a, b)
	file := filepath.Join(t.TempDir(), "other.yaml")
	os.WriteFile(file, []byte("queues:\n  - {name: slow, arguments: {x-message-ttl: 1000, x-dead-letter-exchange: dlx}}\n"), 0o600)
	if r := mqscope(t, append(b, "diff", "-f", file)...); !strings.Contains(r.stdout, "x-message-ttl 60000 there, 1000 asked") ||
		!strings.Contains(r.stdout, "cannot change in place") {
		t.Errorf("diff of a queue's arguments:\n%s%s", r.stdout, r.stderr)
	}
}
