package e2e

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mqscope/mqscope/cli"
	"github.com/mqscope/mqscope/demo"
	"github.com/mqscope/mqscope/internal/testkit/demofix"
)

// suggestions are what `mqscope __complete ARGS` (what the shell scripts run on Tab) offers, and its
// directive (":4" is no file names).
func suggestions(t *testing.T, args ...string) ([]string, string) {
	t.Helper()
	return suggestionsWithin(t, patientCompletion, args...)
}

// suggestionsWithin is suggestions with the broker given limit to answer (0: the shell's own limit).
func suggestionsWithin(t *testing.T, limit time.Duration, args ...string) ([]string, string) {
	t.Helper()
	r := withDeps(t, func(d *cli.Deps) { d.CompletionTimeout = limit }, append([]string{"__complete"}, args...)...)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if r.code != 0 || len(lines) == 0 {
		t.Fatalf("__complete %v: exit %d, %q", args, r.code, r.stderr)
	}
	// cobra adds the required flags not given yet to what it offers for an empty word: not ours to test.
	names := slices.DeleteFunc(lines[:len(lines)-1], func(l string) bool { return strings.HasPrefix(l, "-") })
	return names, lines[len(lines)-1]
}

// patientCompletion is the broker's time to answer in the tests that expect suggestions: the shell's 2 s
// is too short for a -race binary connecting to the 3-broker demo while the whole suite runs on 2 cores.
// The silent-broker test keeps the shell's limit.
const patientCompletion = 30 * time.Second

// Tab offers the broker's own topics, groups and the file's contexts, by prefix, where each is taken.
func TestCompletionOffersWhatTheBrokerHas(t *testing.T) {
	t.Parallel()
	shared := demofix.Shared(t)
	brokers, seeded := demofix.Brokers(shared), shared.Seeded()
	var topics, groups []string
	for _, tp := range seeded.Topics {
		if !strings.HasPrefix(tp.Name, "__") { // the broker's own are listed with ls --all only
			topics = append(topics, tp.Name)
		}
	}
	for _, g := range seeded.Groups {
		groups = append(groups, g.Name)
	}
	slices.Sort(topics)
	slices.Sort(groups)
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"peek", ""}, topics},
		{[]string{"peek", "ord"}, []string{demo.Orders, demo.Orders + "-dlt"}},
		{[]string{"peek", demo.Orders, ""}, nil}, // peek takes one destination
		{[]string{"redrive", "x", "--to", "pay"}, []string{demo.Payments}},
		{[]string{"reset-offsets", ""}, groups},
		{[]string{"reset-offsets", demo.Billing, "--topic", "cust"}, []string{"customers"}},
		{[]string{"lag", demo.Billing, ""}, slices.DeleteFunc(slices.Clone(groups), func(g string) bool { return g == demo.Billing })},
	} {
		got, directive := suggestions(t, append([]string{"--kafka", brokers}, c.args...)...)
		if !slices.Equal(got, c.want) || directive != ":4" {
			t.Errorf("%v: %q %s, want %q :4", c.args, got, directive, c.want)
		}
	}

	config := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(config, []byte("contexts:\n  - name: prod-kafka\n    kafka: {brokers: ['k1:9092']}\n"+
		"  - name: local-rabbit\n    rabbitmq: {url: 'amqp://guest@127.0.0.1:5672/'}\n"), 0o600)
	for _, args := range [][]string{{"--config", config, "ctx", ""}, {"--config", config, "--context", ""}} {
		r := mqscope(t, append([]string{"__complete"}, args...)...)
		if want := "local-rabbit\nprod-kafka\n:4\n"; !strings.HasSuffix(r.stdout, want) {
			t.Errorf("%v: %q, want %q", args, r.stdout, want)
		}
	}
}

// A broker that takes the connection and never answers costs the shell the completion timeout, not a hang.
func TestCompletionGivesUpOnASilentBroker(t *testing.T) {
	t.Parallel()
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close() // connections wait in its backlog, never accepted, never answered
	start := time.Now()
	got, directive := suggestionsWithin(t, 0, "--kafka", silent.Addr().String(), "peek", "")
	if took := time.Since(start); len(got) != 0 || directive != ":4" || took > 4*time.Second {
		t.Errorf("%q %s after %s; want nothing within about 2 s", got, directive, took)
	}
}

// Every shell gets a script.
func TestCompletionScripts(t *testing.T) {
	t.Parallel()
	for shell, mark := range map[string]string{"bash": "__start_mqscope", "zsh": "#compdef mqscope",
		"fish": "complete -c mqscope", "powershell": "Register-ArgumentCompleter"} {
		if r := mqscope(t, "completion", shell); r.code != 0 || !strings.Contains(r.stdout, mark) {
			t.Errorf("completion %s: exit %d, no %q", shell, r.code, mark)
		}
	}
}
