package e2e

// These tests run the mqscope command in-process with the real parts (package app), against real
// brokers: the embedded demo cluster, a kfake cluster seeded here, and the RabbitMQ server named by
// MQSCOPE_TEST_RABBITMQ.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/app"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/cli"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/demo"
	"github.com/mqscope/mqscope/internal/testkit/demofix"
	"github.com/mqscope/mqscope/internal/testkit/iobound"
	"github.com/mqscope/mqscope/internal/testkit/kafkafix"
	"github.com/mqscope/mqscope/internal/testkit/rabbitfix"
	"github.com/mqscope/mqscope/launch"
	"github.com/mqscope/mqscope/opener"
	"github.com/mqscope/mqscope/present"
)

// envRunMain is set in the environment of a test binary that stands in for mqscope itself.
const envRunMain = "MQSCOPE_TEST_RUN_MAIN"

// TestMain lets the test binary stand in for mqscope itself, for tests that need a real process (signals,
// a terminal): it is the whole program, as main builds it (package app).
func TestMain(m *testing.M) {
	if os.Getenv(envRunMain) == "1" {
		os.Exit(app.Main(context.Background(), os.Args[1:]))
	}
	// The tests' log stays out of the user's state directory.
	logDir, err := os.MkdirTemp("", "mqscope-test-log")
	if err != nil {
		panic(err)
	}
	os.Setenv(cli.EnvLogFile, filepath.Join(logDir, "mqscope.log"))
	code := iobound.Run(m) // the tests wait on child processes, brokers and clocks
	os.RemoveAll(logDir)
	os.Exit(code)
}

// mainCommand is mqscope with args as a child process: the test binary standing in for it.
func mainCommand(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), envRunMain+"=1")
	return cmd
}

type result struct {
	code           int
	stdout, stderr string
}

// mqscope runs the command with args, with an empty config file so that the user's own stays out.
func mqscope(t *testing.T, args ...string) result {
	t.Helper()
	return withDeps(t, func(*cli.Deps) {}, args...)
}

// withDeps is mqscope with the real parts changed by change first.
func withDeps(t *testing.T, change func(*cli.Deps), args ...string) result {
	t.Helper()
	empty := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(empty, nil, 0o600)
	var stdout, stderr bytes.Buffer
	d := deps(&stdout, &stderr)
	change(&d)
	code := cli.Execute(context.Background(), append([]string{"--config", empty}, args...), d)
	return result{code, stdout.String(), stderr.String()}
}

// deps are the real parts, as main has them, but writing to stdout and stderr and with a TUI that fails
// the test by refusing to open.
func deps(stdout, stderr io.Writer) cli.Deps {
	d := app.Deps()
	d.RunUI = func(launch.Options) error { return errors.New("the TUI must not open in this test") }
	d.Stdout, d.Stderr = stdout, stderr
	return d
}

// mqscopeProcess starts mqscope as a real process (the test binary stands in for it), with stdout piped.
func mqscopeProcess(t *testing.T, args ...string) (*exec.Cmd, io.ReadCloser, *bytes.Buffer) {
	t.Helper()
	empty := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(empty, nil, 0o600)
	cmd := mainCommand(append([]string{"--config", empty}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd, out, &stderr
}

// jsonLines decodes `-o json` output.
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var rows []map[string]any
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		var row map[string]any
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			t.Fatalf("not a JSON line: %q: %v", line, err)
		}
		rows = append(rows, row)
	}
	return rows
}

func byName(rows []map[string]any, key string) map[string]map[string]any {
	m := map[string]map[string]any{}
	for _, r := range rows {
		m[r[key].(string)] = r
	}
	return m
}

// oneLine asserts a failed run printed exactly one `mqscope: ` line on stderr and nothing on stdout.
func oneLine(t *testing.T, r result, code int) string {
	t.Helper()
	if r.code != code || r.stdout != "" || !strings.HasPrefix(r.stderr, "mqscope: ") ||
		strings.Count(r.stderr, "\n") != 1 || !strings.HasSuffix(r.stderr, "\n") {
		t.Fatalf("want one error line and exit %d, got exit %d, stdout %q, stderr %q", code, r.code, r.stdout, r.stderr)
	}
	return strings.TrimSuffix(r.stderr, "\n")
}

// ls and groups give exactly the numbers the demo seeded, in JSON and in the table.
func TestListingsMatchTheDemo(t *testing.T) {
	t.Parallel()
	cluster := demofix.Start(t)
	brokers := demofix.Brokers(cluster)
	seeded := cluster.Seeded()

	r := mqscope(t, "--kafka", brokers, "ls", "-o", "json")
	topics := byName(jsonLines(t, r.stdout), "name")
	plain := 0
	for _, want := range seeded.Topics {
		got, listed := topics[want.Name]
		if want.Internal {
			if listed {
				t.Errorf("internal topic %s listed without --all", want.Name)
			}
			continue
		}
		plain++
		if !listed || got["kind"] != "topic" || got["internal"] != false ||
			got["partitions"] != float64(len(want.Ends)) || got["messages"] != float64(want.Messages()) {
			t.Errorf("%s: got %v, want %d partitions and %d messages", want.Name, got, len(want.Ends), want.Messages())
		}
	}
	if r.code != 0 || len(topics) != plain {
		t.Errorf("ls -o json: exit %d, %d topics, want %d: %s", r.code, len(topics), plain, r.stderr)
	}

	all := byName(jsonLines(t, mqscope(t, "--kafka", brokers, "ls", "--all", "-o", "json").stdout), "name")
	if all[demo.InternalTopic]["internal"] != true || len(all) != len(seeded.Topics) {
		t.Errorf("ls --all lists %d topics (want %d), internal topic as %v", len(all), len(seeded.Topics), all[demo.InternalTopic])
	}

	// The table: NAME KIND PARTITIONS RF UNDER-REPL OFFLINE MESSAGES.
	rows := tableRows(t, mqscope(t, "--kafka", brokers, "ls"), "NAME", "KIND", "PARTITIONS", "RF", "UNDER-REPL", "OFFLINE", "MESSAGES")
	for _, want := range seeded.Topics {
		if row, ok := rows[want.Name]; !want.Internal && (!ok || row[2] != present.Int(len(want.Ends)) ||
			row[6] != present.Int(want.Messages())) {
			t.Errorf("table row for %s: %q", want.Name, row)
		}
	}

	r = mqscope(t, "--kafka", brokers, "groups", "-o", "json")
	groups := byName(jsonLines(t, r.stdout), "group")
	for _, want := range seeded.Groups {
		got := groups[want.Name]
		if got["state"] != want.State || got["members"] != float64(want.Members) {
			t.Errorf("group %s: got %v, want %s with %d members", want.Name, got, want.State, want.Members)
		}
		// Every committed offset, and the topics they are on, also for a group with no members now.
		var committed, wantCommitted []string
		for _, c := range got["committed"].([]any) {
			c := c.(map[string]any)
			committed = append(committed, fmt.Sprintf("%s/%v@%v", c["topic"], c["partition"], c["offset"]))
		}
		for _, topic := range slices.Sorted(maps.Keys(want.Committed)) {
			for p, o := range want.Committed[topic] {
				wantCommitted = append(wantCommitted, fmt.Sprintf("%s/%d@%d", topic, p, o))
			}
			if !slices.Contains(got["topics"].([]any), any(topic)) {
				t.Errorf("group %s: topics %v lack %s, which it committed on", want.Name, got["topics"], topic)
			}
		}
		if !slices.Equal(committed, wantCommitted) {
			t.Errorf("group %s committed %v, want %v", want.Name, committed, wantCommitted)
		}
	}
	if r.code != 0 || len(groups) != len(seeded.Groups) {
		t.Errorf("groups -o json: exit %d, %d groups, want %d: %s", r.code, len(groups), len(seeded.Groups), r.stderr)
	}
	rows = tableRows(t, mqscope(t, "--kafka", brokers, "groups"), "GROUP", "STATE", "MEMBERS", "PROTOCOL", "COORDINATOR", "TOPICS")
	for _, want := range seeded.Groups {
		if row := rows[want.Name]; len(row) < 3 || row[1] != want.State || row[2] != present.Int(want.Members) {
			t.Errorf("table row for group %s: %q", want.Name, row)
		}
	}
	if row := rows[demo.Audit]; row[len(row)-1] != demo.Customers+","+demo.Inventory {
		t.Errorf("%s has no members but committed offsets: row %q, want its topics", demo.Audit, row)
	}
}

// tableRows checks a table's header and returns its rows split into fields, by their first field.
func tableRows(t *testing.T, r result, header ...string) map[string][]string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if r.code != 0 || strings.Join(strings.Fields(lines[0]), " ") != strings.Join(header, " ") {
		t.Fatalf("exit %d, table:\n%s%s", r.code, r.stdout, r.stderr)
	}
	rows := map[string][]string{}
	for _, line := range lines[1:] {
		f := strings.Fields(line)
		rows[f[0]] = f
	}
	return rows
}

// `mqscope demo --serve` prints exactly one line, serves, and exits 0 on SIGINT or SIGTERM. It runs as a
// real process: the test binary stands in for mqscope.
func TestDemoServeUntilSignalled(t *testing.T) {
	t.Parallel()
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			serveUntil(t, sig)
		})
	}
}

func serveUntil(t *testing.T, sig os.Signal) {
	cmd, out, stderr := mqscopeProcess(t, "demo", "--serve", "--still")
	stdout := bufio.NewReader(out)
	line, err := stdout.ReadString('\n')
	addrs, ready := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "ready ")
	if err != nil || !ready || len(strings.Split(addrs, ",")) != demo.Brokers {
		cmd.Process.Kill()
		t.Fatalf("first line %q (%v), want ready and %d host:port; stderr %s", line, err, demo.Brokers, stderr.String())
	}

	groups := jsonLines(t, mqscope(t, "--kafka", addrs, "groups", "-o", "json").stdout)
	if len(groups) != len(demo.Expected(demo.Options{}).Groups) {
		t.Errorf("the served demo has %d groups: %v", len(groups), groups)
	}

	cmd.Process.Signal(sig)
	rest, _ := io.ReadAll(stdout)
	if err := cmd.Wait(); err != nil || len(rest) != 0 || stderr.Len() != 0 {
		t.Errorf("after %v: %v, more stdout %q, stderr %q", sig, err, rest, stderr.String())
	}
}

func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestUnreachableBrokerIsOneLineNamingTheAddress(t *testing.T) {
	t.Parallel()
	addr := closedPort(t)
	msg := oneLine(t, mqscope(t, "--kafka", addr, "ls"), cli.ExitError)
	if !strings.HasPrefix(msg, "mqscope: cannot reach kafka "+addr+":") {
		t.Errorf("kafka: %s", msg)
	}
	// A password on the command line is warned about first (anyone can read it in ps), then the error.
	r := mqscope(t, "--rabbitmq", "amqp://ops:s3cret@"+addr+"/", "groups")
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	if r.code != cli.ExitError || len(lines) != 2 || !strings.HasPrefix(lines[0], "mqscope: warning: --rabbitmq carries a password") ||
		!strings.HasPrefix(lines[1], "mqscope: cannot reach rabbitmq amqp://ops:xxxxx@"+addr+"/") || strings.Contains(r.stderr, "s3cret") {
		t.Errorf("rabbitmq: exit %d, stderr %q", r.code, r.stderr)
	}
}

// A broker that accepts connections and never answers is given up on when the context ends, with an
// error that says where, whatever the adapter's own timeouts are.
func TestOpenGivesUpWhenTheContextEnds(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		var held []net.Conn // accepted and never answered
		for {
			c, err := l.Accept()
			if err != nil {
				for _, c := range held {
					c.Close()
				}
				return
			}
			held = append(held, c)
		}
	}()
	for _, c := range []config.Context{
		{Name: "k", Kafka: &config.KafkaConfig{Brokers: []string{l.Addr().String()}}},
		{Name: "r", RabbitMQ: &config.RabbitMQConfig{URL: "amqp://u:s3cret@" + l.Addr().String() + "/"}},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		b, err := opener.Open(ctx, c)
		cancel()
		var ce *backends.ConnectError
		if b != nil || !errors.As(err, &ce) || !strings.Contains(err.Error(), l.Addr().String()) ||
			strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: got %v, %v; want a ConnectError naming %s", c.Kind(), b, err, l.Addr())
		}
	}
}

// kafkaCluster is a one-broker kfake cluster with a topic of 2 partitions and 5 records, and a consumer
// group whose name is hostile terminal text, committed at offset 1 on both partitions.
func kafkaCluster(t *testing.T, group string) string {
	t.Helper()
	c := kafkafix.Start(t, kfake.NumBrokers(1), kfake.SeedTopics(2, "payments"))
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := range 5 {
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "payments", Value: fmt.Appendf(nil, "%d", i)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	var offsets kadm.Offsets
	for p := range int32(2) {
		offsets.Add(kadm.Offset{Topic: "payments", Partition: p, At: 1, LeaderEpoch: -1})
	}
	if err := kadm.NewClient(cl).CommitAllOffsets(ctx, group, offsets); err != nil {
		t.Fatal(err)
	}
	return strings.Join(c.ListenAddrs(), ",")
}

func TestKafkaListingsEscapeHostileNamesInTablesOnly(t *testing.T) {
	t.Parallel()
	group := "evil\x1b]0;owned\x07\u202e"
	brokers := kafkaCluster(t, group)

	r := mqscope(t, "--kafka", brokers, "ls", "-o", "json")
	topic := byName(jsonLines(t, r.stdout), "name")["payments"]
	if r.code != 0 || topic["partitions"] != 2.0 || topic["messages"] != 5.0 || topic["kind"] != "topic" {
		t.Errorf("ls -o json: exit %d %s %s", r.code, r.stdout, r.stderr)
	}

	r = mqscope(t, "--kafka", brokers, "groups", "-o", "json")
	g, ok := byName(jsonLines(t, r.stdout), "group")[group]
	if r.code != 0 || !ok || g["members"] != 0.0 || g["state"] != "Empty" {
		t.Errorf("groups -o json: exit %d %q %s", r.code, r.stdout, r.stderr)
	}

	r = mqscope(t, "--kafka", brokers, "groups")
	if r.code != 0 || !strings.Contains(r.stdout, `evil\e]0;owned\x07\u202e  Empty`) {
		t.Errorf("groups table does not show the name escaped:\n%s%s", r.stdout, r.stderr)
	}
	for _, out := range []string{r.stdout, mqscope(t, "--kafka", brokers, "groups", "-o", "json").stdout} {
		if strings.ContainsAny(out, "\x1b\x07\u202e") {
			t.Errorf("raw control character reached the output: %q", out)
		}
	}
}

func TestLsShowsARabbitMQQueueWithItsMessages(t *testing.T) {
	t.Parallel()
	rabbit := rabbitfix.New(t)
	url, vhost := rabbit.URL, rabbit.Name
	name := "orders-\x1b[31mred\u202e"
	rabbit.Declare(t, name, amqp.Table{"x-dead-letter-exchange": "orders.dlx"})
	rabbit.PutJSON(t, name, 7)

	// The management API's figures lag the broker by a few seconds, and come in parts (the consumer
	// count apart from the message counts): wait until every figure asserted below is there.
	var rows []map[string]any
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		r := mqscope(t, "--rabbitmq", url, "ls", "-o", "json")
		if r.code != 0 {
			t.Fatalf("ls -o json: exit %d: %s", r.code, r.stderr)
		}
		if rows = jsonLines(t, r.stdout); len(rows) == 1 && rows[0]["messages"] == 7.0 &&
			rows[0]["ready"] != nil && rows[0]["unacked"] != nil && rows[0]["consumers"] != nil {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if len(rows) != 1 {
		t.Fatalf("ls -o json lists %v, want the one queue", rows)
	}
	q := rows[0]
	if q["name"] != name || q["messages"] != 7.0 || q["ready"] != 7.0 || q["unacked"] != 0.0 || q["consumers"] != 0.0 ||
		q["kind"] != "queue" || q["type"] != "classic" || q["vhost"] != vhost {
		t.Fatalf("queue in ls -o json = %v", q)
	}
	if dl, _ := q["dead_letter"].(map[string]any); dl["exchange"] != "orders.dlx" || dl["from_policy"] != false {
		t.Errorf("dead_letter = %v, want exchange orders.dlx", q["dead_letter"])
	}

	// The table: the name escaped, numbers right-aligned under their headings, rates with one decimal.
	r := mqscope(t, "--rabbitmq", url, "ls")
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	header := "NAME VHOST KIND TYPE MESSAGES READY UNACKED CONSUMERS PUBLISH/S DELIVER/S DEAD-LETTER"
	if r.code != 0 || len(lines) != 2 || strings.Join(strings.Fields(lines[0]), " ") != header {
		t.Fatalf("ls table:\n%s%s", r.stdout, r.stderr)
	}
	row := strings.Fields(lines[1])
	wantRow := []string{`orders-\e[31mred\u202e`, vhost, "queue", "classic", "7", "7", "0", "0", row[8], row[9], "orders.dlx"}
	oneDecimal := regexp.MustCompile(`^(-|[0-9]+\.[0-9])$`)
	if !slices.Equal(row, wantRow) || !oneDecimal.MatchString(row[8]) || !oneDecimal.MatchString(row[9]) {
		t.Errorf("table row %q, want %q", row, wantRow)
	}
	if end := strings.Index(lines[0], "MESSAGES") + len("MESSAGES"); lines[1][end-1:end+1] != "7 " {
		t.Errorf("MESSAGES not right-aligned:\n%s", r.stdout)
	}
}

// RabbitMQ has no consumer groups: groups says so in one line, once, names where its consumers show,
// and fails.
func TestGroupsOnRabbitMQSaysItHasNone(t *testing.T) {
	t.Parallel()
	url := rabbitfix.New(t).URL
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := opener.Open(ctx, config.Context{Name: "r", RabbitMQ: &config.RabbitMQConfig{URL: url}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	_, want := actions.ListGroups(ctx, b)
	if !errors.Is(want, backends.ErrNotSupported) {
		t.Fatalf("actions.ListGroups on RabbitMQ = %v, want ErrNotSupported", want)
	}
	msg := oneLine(t, mqscope(t, "--rabbitmq", url, "groups"), cli.ExitError)
	if !strings.HasPrefix(msg, "mqscope: this broker has no consumer groups:") || !strings.Contains(msg, "`mqscope ls`") ||
		strings.Contains(msg, backends.ErrNotSupported.Error()) {
		t.Errorf("got %s\nwant one line that says so once and names `mqscope ls`", msg)
	}
}

// The demo's help names its benchmark topic as the demo package does: the CLI spells the name itself,
// since it does not import the demo.
func TestDemoHelpNamesTheBenchmarkTopic(t *testing.T) {
	r := mqscope(t, "demo", "--help")
	if r.code != cli.ExitOK || !strings.Contains(r.stdout, "add topic "+demo.BigTopic+" with") {
		t.Errorf("demo --help (exit %d) does not name %s:\n%s", r.code, demo.BigTopic, r.stdout)
	}
}
