package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/cli"
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
		{"create", "exchange", "hx", "--type", "headers"},
		{"bind", "jobs", "--to", "hx", "--arg", "x-match=all", "--arg", "kind=job"},
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
	// A binding's arguments are part of it: other arguments are another binding, and --prune takes the old.
	os.WriteFile(file, []byte("bindings:\n  - {exchange: hx, queue: jobs, arguments: {x-match: any, kind: job}}\n"), 0o600)
	r := mqscope(t, append(b, "diff", "-f", file, "--prune")...)
	if !strings.Contains(r.stdout, "hx -> queue jobs key= arguments: kind=job x-match=any") ||
		!strings.Contains(r.stdout, "unbind") || !strings.Contains(r.stdout, "kind=job x-match=all") {
		t.Errorf("diff of a binding's arguments:\n%s%s", r.stdout, r.stderr)
	}
}

// twoContexts is a config file with a Kafka context k and a RabbitMQ context r.
func twoContexts(t *testing.T, kafka, rabbit string, rabbitReadOnly bool) string {
	t.Helper()
	cfg := fmt.Sprintf("contexts:\n  - name: k\n    kafka:\n      brokers: [%s]\n  - name: r\n    rabbitmq:\n      url: %s\n    read-only: %t\n",
		kafka, rabbit, rabbitReadOnly)
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// One file names a Kafka context and a RabbitMQ one: export --contexts writes both, apply on a fresh
// cluster and a fresh vhost makes each, reporting each step with its context, and a second apply changes
// nothing. A read-only context in the file refuses the whole apply before either broker is touched.
func TestTwoContextTopology(t *testing.T) {
	src := twoContexts(t, kafkafix.Start(t, kfake.NumBrokers(1)).ListenAddrs()[0], rabbitfix.New(t).URL, false)
	dstKafka, dstRabbit := kafkafix.Start(t, kfake.NumBrokers(1)).ListenAddrs()[0], rabbitfix.New(t).URL
	dst := twoContexts(t, dstKafka, dstRabbit, false)
	for _, args := range [][]string{
		{"--context", "k", "create", "topic", "orders", "--partitions", "3", "--set", "retention.ms=86400000"},
		{"--context", "r", "create", "queue", "jobs", "--type", "quorum"},
		{"--context", "r", "create", "exchange", "ex", "--type", "topic"},
		{"--context", "r", "bind", "jobs", "--to", "ex", "--key", "job.*"},
	} {
		if r := mqscope(t, append([]string{"--config", src}, args...)...); r.code != 0 {
			t.Fatalf("%v: %q", args, r.stderr)
		}
	}
	exp := mqscope(t, "--config", src, "export", "--contexts", "k,r")
	if exp.code != 0 || !strings.Contains(exp.stdout, "contexts:") || !strings.Contains(exp.stdout, "orders") ||
		!strings.Contains(exp.stdout, "jobs") {
		t.Fatalf("export --contexts: %d %q\n%s", exp.code, exp.stderr, exp.stdout)
	}
	file := filepath.Join(t.TempDir(), "both.yaml")
	os.WriteFile(file, []byte(exp.stdout), 0o600)

	readOnly := twoContexts(t, dstKafka, dstRabbit, true)
	if r := mqscope(t, "--config", readOnly, "apply", "-f", file); r.code != cli.ExitError || !strings.Contains(r.stderr, "read-only") {
		t.Fatalf("apply with a read-only context: %d %q", r.code, r.stderr)
	}
	if r := mqscope(t, "--config", dst, "--context", "k", "export"); strings.Contains(r.stdout, "orders") {
		t.Fatal("an apply refused for one context changed the other")
	}

	if r := mqscope(t, "--config", dst, "diff", "-f", file); r.code != 0 || !strings.Contains(r.stdout, "CONTEXT") ||
		!regexp.MustCompile(`(?m)^k\s+would create\s+topic\s+orders`).MatchString(r.stdout) ||
		!regexp.MustCompile(`(?m)^r\s+would create\s+queue\s+jobs`).MatchString(r.stdout) {
		t.Fatalf("diff of both: %d %q\n%s", r.code, r.stderr, r.stdout)
	}
	r := mqscope(t, "--config", dst, "apply", "-f", file)
	if r.code != 0 || !regexp.MustCompile(`(?m)^r\s+bind\s+binding\s+jobs`).MatchString(r.stdout) {
		t.Fatalf("apply of both: %d %q\n%s", r.code, r.stderr, r.stdout)
	}
	if again := mqscope(t, "--config", dst, "export", "--contexts", "k,r"); again.stdout != exp.stdout {
		t.Errorf("the copies export\n%s\nthe originals\n%s", again.stdout, exp.stdout)
	}
	if r := mqscope(t, "--config", dst, "apply", "-f", file); r.code != 0 || strings.TrimSpace(r.stdout) != "nothing to change" {
		t.Errorf("second apply: %d %q %q", r.code, r.stdout, r.stderr)
	}
	// --context picks one section; a file with contexts cannot go to a context given by a connection flag.
	if r := mqscope(t, "--config", dst, "--context", "k", "diff", "-f", file); r.code != 0 || strings.TrimSpace(r.stdout) != "nothing to change" {
		t.Errorf("diff --context k: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := mqscope(t, "--kafka", dstKafka, "diff", "-f", file); r.code != cli.ExitUsage || !strings.Contains(r.stderr, "names its contexts") {
		t.Errorf("diff --kafka of a file with contexts: %d %q", r.code, r.stderr)
	}
}

// config set --broker changes a broker's dynamic config through IncrementalAlterConfigs, asked of that
// broker; describe cluster then lists it; --dry-run and read-only change nothing; an unknown broker id is
// one line.
func TestBrokerConfigSet(t *testing.T) {
	k := []string{"--kafka", kafkafix.Start(t, kfake.NumBrokers(3)).ListenAddrs()[0]}
	shows := func() bool {
		r := mqscope(t, append(k, "describe", "cluster")...)
		return strings.Contains(r.stdout, "log.retention.ms") && strings.Contains(r.stdout, "7200000")
	}
	if shows() {
		t.Fatal("the cluster starts with log.retention.ms set")
	}
	if r := mqscope(t, append(k, "config", "set", "--broker", "1", "log.retention.ms=7200000", "--dry-run")...); r.code != 0 ||
		!strings.Contains(r.stdout, "would set") || !strings.Contains(r.stdout, "log.retention.ms: default -> 7200000") || shows() {
		t.Fatalf("dry run: %d %q\n%s", r.code, r.stderr, r.stdout)
	}
	if r := mqscope(t, append(k, "--read-only", "config", "set", "--broker", "1", "log.retention.ms=7200000")...); r.code != cli.ExitError ||
		!strings.Contains(r.stderr, "read-only") || shows() {
		t.Fatalf("read-only: %d %q", r.code, r.stderr)
	}
	if r := mqscope(t, append(k, "config", "set", "--broker", "1", "log.retention.ms=7200000")...); r.code != 0 ||
		!strings.Contains(r.stdout, "broker config") || !shows() {
		t.Fatalf("set: %d %q\n%s", r.code, r.stderr, r.stdout)
	}
	if r := mqscope(t, append(k, "config", "set", "--broker", "9", "log.retention.ms=1")...); r.code != cli.ExitError ||
		!strings.Contains(r.stderr, "broker 9 is not in the cluster") || strings.Count(r.stderr, "\n") != 1 {
		t.Fatalf("unknown broker: %d %q", r.code, r.stderr)
	}
	if r := mqscope(t, append(k, "config", "set", "--broker", "1", "--reset", "log.retention.ms")...); r.code != 0 || shows() {
		t.Fatalf("reset: %d %q; still shown: %t", r.code, r.stderr, shows())
	}
}
