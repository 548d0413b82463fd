package e2e

import (
	"encoding/json"
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

// Every administration command is refused read-only before connecting, and the broker is unchanged.
func TestAdminCommandsRefusedReadOnly(t *testing.T) {
	c := kafkafix.Start(t, kfake.NumBrokers(1), kfake.SeedTopics(1, "kept"))
	k := []string{"--kafka", c.ListenAddrs()[0], "--read-only"}
	for _, args := range [][]string{
		{"create", "topic", "new", "--partitions", "2"},
		{"create", "topic", "new", "--dry-run"},
		{"create", "queue", "new"},
		{"create", "exchange", "ex"},
		{"delete", "topic", "kept", "--yes"},
		{"delete", "queue", "kept", "--yes"},
		{"delete", "exchange", "ex", "--yes"},
		{"delete", "group", "g", "--yes"},
		{"delete", "offsets", "g", "--topic", "kept", "--yes"},
		{"delete", "policy", "p", "--yes"},
		{"alter", "topic", "kept", "--partitions", "3"},
		{"config", "set", "kept", "retention.ms=1"},
		{"bind", "kept", "--to", "ex"},
		{"unbind", "kept", "--from", "ex"},
		{"policy", "set", "p", "--pattern", "x", "--definition", "max-length=1"},
	} {
		r := mqscope(t, append(k, args...)...)
		if r.code != cli.ExitError || !strings.Contains(r.stderr, "refused") || !strings.Contains(r.stderr, "read-only") {
			t.Errorf("%v read-only: exit %d, %q", args, r.code, r.stderr)
		}
	}
	r := mqscope(t, "--kafka", c.ListenAddrs()[0], "describe", "topic", "kept", "-o", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"partitions":1`) {
		t.Errorf("after the refusals, describe topic kept: %d %s %s", r.code, r.stdout, r.stderr)
	}
}

func TestKafkaTopicLifecycleFromTheCLI(t *testing.T) {
	c := kafkafix.Start(t, kfake.NumBrokers(3))
	k := []string{"--kafka", strings.Join(c.ListenAddrs(), ",")}
	run := func(want int, args ...string) result {
		t.Helper()
		r := mqscope(t, append(k, args...)...)
		if r.code != want {
			t.Fatalf("%v: exit %d, want %d; stderr %q", args, r.code, want, r.stderr)
		}
		return r
	}
	run(0, "create", "topic", "orders", "--partitions", "6", "--set", "retention.ms=86400000")
	if r := run(1, "create", "topic", "orders"); !strings.Contains(r.stderr, "TOPIC_ALREADY_EXISTS") {
		t.Errorf("second create: %q", r.stderr)
	}
	if r := run(1, "create", "topic", "wide", "--replication-factor", "7"); !strings.Contains(r.stderr, "INVALID_REPLICATION_FACTOR") ||
		strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("too many replicas: %q", r.stderr)
	}
	r := run(0, "config", "get", "orders", "-o", "json")
	var found bool
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var l struct {
			Name, Source string
			Value        *string
		}
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatal(err)
		}
		if l.Name == "retention.ms" {
			found = l.Source == "topic" && l.Value != nil && *l.Value == "86400000"
		}
	}
	if !found {
		t.Errorf("config get does not show retention.ms set on the topic:\n%s", r.stdout)
	}
	if r := run(0, "config", "set", "orders", "retention.ms=1000", "--dry-run"); !strings.Contains(r.stdout, "86400000 (topic) -> 1000") {
		t.Errorf("config set --dry-run: %s", r.stdout)
	}
	if r := run(0, "describe", "topic", "orders"); !regexp.MustCompile(`\n +retention\.ms +86400000 +topic\n`).MatchString(r.stdout) ||
		!strings.Contains(r.stdout, "partitions (6)") {
		t.Errorf("describe topic does not show the config set on it, or its 6 partitions:\n%s", r.stdout)
	}
	run(0, "config", "set", "orders", "--reset", "retention.ms")
	if r := run(0, "config", "get", "orders"); !regexp.MustCompile(`\nretention\.ms +\d+ +default\n`).MatchString(r.stdout) {
		t.Errorf("after the reset, config get:\n%s", r.stdout)
	}
	if r := run(0, "describe", "topic", "orders"); strings.Contains(r.stdout, "retention.ms") {
		t.Errorf("after the reset, describe topic still lists retention.ms among the configs set away from their defaults:\n%s", r.stdout)
	}
	run(0, "alter", "topic", "orders", "--partitions", "8")
	if r := run(0, "describe", "cluster", "-o", "json"); !strings.Contains(r.stdout, `"role":"controller"`) {
		t.Errorf("describe cluster: %s", r.stdout)
	}
	if r := run(2, "delete", "topic", "orders"); !strings.Contains(r.stderr, "add --yes") {
		t.Errorf("delete without --yes: %q", r.stderr)
	}
	run(0, "delete", "topic", "orders", "--yes")
	run(1, "describe", "topic", "orders")
}

func TestRabbitMQQueueLifecycleFromTheCLI(t *testing.T) {
	v := rabbitfix.New(t)
	v.Declare(t, "held", nil)
	q := []string{"--rabbitmq", v.URL}
	run := func(want int, args ...string) result {
		t.Helper()
		r := mqscope(t, append(q, args...)...)
		if r.code != want {
			t.Fatalf("%v: exit %d, want %d; stderr %q", args, r.code, want, r.stderr)
		}
		return r
	}
	run(2, "create", "queue", "bad", "--arg", "x-message-ttl=10s")
	run(2, "create", "queue", "bad", "--arg", "x-delivery-limit=3")
	run(0, "create", "queue", "jobs", "--type", "quorum", "--arg", "x-delivery-limit=5")
	if r := run(1, "create", "queue", "held", "--arg", "x-max-length=10"); !strings.Contains(r.stderr, "x-max-length is unset there, 10 asked") {
		t.Errorf("inequivalent declare: %q", r.stderr)
	}
	run(0, "create", "exchange", "ex", "--type", "topic")
	run(0, "bind", "jobs", "--to", "ex", "--key", "job.*")
	if r := run(0, "describe", "queue", "jobs"); !strings.Contains(r.stdout, "job.*") || !strings.Contains(r.stdout, "quorum") {
		t.Errorf("describe queue:\n%s", r.stdout)
	}
	run(0, "unbind", "jobs", "--from", "ex", "--key", "job.*")
	run(0, "policy", "set", "cap", "--pattern", "^jobs$", "--definition", "max-length=100", "--apply-to", "queues")
	if r := run(0, "policy", "list", "-o", "json"); !strings.Contains(r.stdout, `"max-length":100`) {
		t.Errorf("policy list: %s", r.stdout)
	}
	run(0, "delete", "policy", "cap", "--yes")
	run(0, "delete", "exchange", "ex", "--yes")
	run(0, "delete", "queue", "jobs", "--yes", "--if-empty")
	run(1, "delete", "queue", "jobs", "--yes")
}

// A topic name Kafka's rules refuse is refused before anything is sent, in one line naming the rule, by
// create, create --dry-run and apply alike; kfake would have created it (a new user made a topic whose
// name cleared the screen). A name mixing '.' and '_' is created, with Kafka's warning.
func TestKafkaTopicNamesAreCheckedBeforeSending(t *testing.T) {
	c := kafkafix.Start(t, kfake.NumBrokers(1))
	k := []string{"--kafka", c.ListenAddrs()[0]}
	const rule = "(topic names are ASCII letters, digits, '.', '_' and '-', at most 249 of them, not \".\" or \"..\")"
	file := filepath.Join(t.TempDir(), "evil.yaml")
	os.WriteFile(file, []byte("topics:\n  - {name: fine, partitions: 1}\n  - {name: \"evil\\e[2J\", partitions: 1}\n"), 0o600)
	for _, args := range [][]string{
		{"create", "topic", "evil\x1b[2J"},
		{"create", "topic", "evil\x1b[2J", "--dry-run"},
		{"apply", "-f", file},
	} {
		r := mqscope(t, append(k, args...)...)
		if r.code != cli.ExitError || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, `Kafka refuses the topic name "evil\x1b[2J": '\x1b' is not allowed `+rule) {
			t.Errorf("%q: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
	r := mqscope(t, append(k, "create", "topic", "orders.v1_eu")...)
	if r.code != 0 || !strings.Contains(r.stderr, "warning: topic orders.v1_eu mixes '.' and '_'") {
		t.Errorf("a name mixing '.' and '_': exit %d, stderr %q", r.code, r.stderr)
	}
	if ls := mqscope(t, append(k, "ls", "-o", "json")...); strings.Contains(ls.stdout, "evil") || strings.Contains(ls.stdout, `"fine"`) ||
		!strings.Contains(ls.stdout, "orders.v1_eu") {
		t.Errorf("the broker has (want orders.v1_eu only, not evil nor fine, the apply refused whole):\n%s", ls.stdout)
	}
}
