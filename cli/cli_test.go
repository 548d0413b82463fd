package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/launch"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/ui"
)

// run executes mqscope in-process. Connections go to open; the TUI is replaced by one that records what it
// was given. The config file defaults to none at all, so that the user's own never leaks in.
type run struct {
	code           int
	stdout, stderr string
	opened         []config.Context // what the opener was asked to connect to
	tui            *launch.Options  // what the TUI was opened with, if it was
}

func execute(t *testing.T, open func(context.Context, config.Context) (backends.Backend, error), args ...string) run {
	t.Helper()
	t.Setenv(config.EnvConfig, writeConfig(t, "# no contexts\n"))
	t.Setenv(config.EnvContext, "")
	var r run
	var stdout, stderr bytes.Buffer
	r.code = Execute(context.Background(), args, Deps{
		Open: func(ctx context.Context, c config.Context) (backends.Backend, error) {
			r.opened = append(r.opened, c)
			return open(ctx, c)
		},
		RunUI:   func(o launch.Options) error { r.tui = &o; return nil },
		CheckUI: ui.CheckConfig, // the TUI's own check of the key bindings, as the composition root gives it
		Stdout:  &stdout,
		Stderr:  &stderr,
	})
	r.stdout, r.stderr = stdout.String(), stderr.String()
	return r
}

// refuse is an opener for tests that must not reach a broker: it fails the way an adapter does.
func refuse(_ context.Context, c config.Context) (backends.Backend, error) {
	return nil, backends.Unreachable(backends.Kind(c.Kind()), c.Address(), errors.New("connection refused"))
}

func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const twoContexts = `current-context: dev
contexts:
  - name: dev
    kafka: {brokers: ["dev:9092"]}
  - name: prod
    rabbitmq: {url: "amqp://ops@prod:5672/", password-env: PROD_PW}
    read-only: true
`

func TestErrorsAreOneLineWithExitCodes(t *testing.T) {
	badConfig := writeConfig(t, "contexts:\n  - name: a\n    kafak: {brokers: [\"k:1\"]}\n")
	badType := writeConfig(t, "contexts:\n  - name: a\n    kafka: {brokers: [\"k:1\"]}\n    read-only: maybe\n")
	missing := filepath.Join(t.TempDir(), "missing.yaml")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown key in config", []string{"--config", badConfig, "ls"}, ExitError,
			badConfig + `:3:5: unknown key "kafak"`},
		{"bad type in config", []string{"--config", badType, "ls"}, ExitError,
			badType + `:4:16: read-only must be true or false, not "maybe"`},
		{"missing named config", []string{"--config", missing, "groups"}, ExitError,
			"config file " + missing + " does not exist (create it, or drop --config/MQSCOPE_CONFIG)"},
		{"no broker", []string{"ls"}, ExitUsage,
			"no broker given: use --kafka host:9092, --rabbitmq amqp://host:5672/, --redis redis://host:6379/, " +
				"--nats nats://host:4222, --mqtt tcp://host:1883 or --sqs URL, add a context to %CONFIG%, or try `mqscope demo` (see mqscope ls --help)"},
		{"contexts but none current", []string{"--config", writeConfig(t, strings.TrimPrefix(twoContexts, "current-context: dev\n")), "ls"}, ExitUsage,
			"%CONFIG% has contexts (dev, prod) but none is current: pick one with --context NAME or $MQSCOPE_CONTEXT, " +
				"or make one current with `mqscope ctx NAME` (see mqscope ls --help)"},
		{"unreachable", []string{"--kafka", "k1:9092,k2:9092", "ls"}, ExitError,
			"cannot reach kafka k1:9092,k2:9092: connection refused (check the address and that the broker is running)"},
		{"password hidden", []string{"--rabbitmq", "amqp://u:s3cret@h:5672/", "groups"}, ExitError,
			"warning: --rabbitmq carries a password, which anyone on this machine can read in the process list; put the " +
				"URL without it in a context with password-env, password-cmd or password-file (see `mqscope ctx`)\nmqscope: " +
				"cannot reach rabbitmq amqp://u:xxxxx@h:5672/: connection refused (check the address and that the broker is running)"},
		{"unknown command", []string{"lss"}, ExitUsage, `unknown command "lss" (see mqscope --help)`},
		{"stray argument", []string{"groups", "orders"}, ExitUsage, `mqscope groups takes no arguments, got "orders" (see mqscope groups --help)`},
		{"unknown flag", []string{"ls", "--bogus"}, ExitUsage, "unknown flag: --bogus (see mqscope ls --help)"},
		{"bad output", []string{"-o", "yaml", "ls"}, ExitUsage,
			`invalid argument "yaml" for "-o, --output" flag: want table or json, not "yaml" (see mqscope ls --help)`},
		{"two brokers", []string{"--kafka", "k:1", "--rabbitmq", "amqp://h/", "ls"}, ExitUsage,
			"--kafka and --rabbitmq both given; connect to one broker at a time"},
		{"unknown context", []string{"--config", writeConfig(t, twoContexts), "--context", "stage"}, ExitUsage,
			`context "stage" (from --context) is not in %CONFIG%; it has dev, prod`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := execute(t, refuse, tc.args...)
			configPath := os.Getenv(config.EnvConfig)
			if i := indexOf(tc.args, "--config"); i >= 0 {
				configPath = tc.args[i+1]
			}
			want := "mqscope: " + strings.ReplaceAll(tc.want, "%CONFIG%", configPath) + "\n"
			if r.code != tc.code || r.stderr != want || r.stdout != "" {
				t.Errorf("exit %d, stderr %q, stdout %q\nwant exit %d, stderr %q", r.code, r.stderr, r.stdout, tc.code, want)
			}
		})
	}
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// Whatever an adapter's error carries, stderr gets one line with no password and no raw control bytes.
func TestErrorOutputIsSanitizedAndRedacted(t *testing.T) {
	hostile := func(context.Context, config.Context) (backends.Backend, error) {
		return nil, errors.New("dial amqp://u:s3cret@h/ failed\n\x1b]0;owned\x07 \u202eevil")
	}
	r := execute(t, hostile, "--kafka", "k:1", "ls")
	want := "mqscope: dial amqp://u:xxxxx@h/ failed\\n\\e]0;owned\\x07 \\u202eevil\n"
	if r.stderr != want || r.code != ExitError {
		t.Errorf("stderr %q (exit %d), want %q", r.stderr, r.code, want)
	}
}

// An opener that gives up with a bare deadline still yields an error that names the address.
func TestTimeoutNamesTheAddress(t *testing.T) {
	late := func(context.Context, config.Context) (backends.Backend, error) {
		return nil, context.DeadlineExceeded
	}
	r := execute(t, late, "--kafka", "slow:9092", "groups")
	want := "mqscope: cannot reach kafka slow:9092: no answer within 8s (check the address and that the broker is running)\n"
	if r.stderr != want || r.code != ExitError {
		t.Errorf("stderr %q (exit %d), want %q", r.stderr, r.code, want)
	}
}

func TestReadOnlyReachesTheTUIAndTheOpener(t *testing.T) {
	cfg := writeConfig(t, twoContexts)
	for _, tc := range []struct {
		name     string
		args     []string
		context  string
		readOnly bool
	}{
		{"current context", []string{"--config", cfg}, "dev", false},
		{"--read-only", []string{"--config", cfg, "--read-only"}, "dev", true},
		{"read-only context", []string{"--config", cfg, "--context", "prod"}, "prod", true},
		{"ad hoc", []string{"--config", cfg, "--kafka", "adhoc:9092"}, "adhoc:9092", false},
		{"ad hoc --read-only", []string{"--config", cfg, "--kafka", "adhoc:9092", "--read-only"}, "adhoc:9092", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := execute(t, refuse, tc.args...)
			if r.code != ExitOK || r.tui == nil {
				t.Fatalf("TUI not opened: exit %d, %s", r.code, r.stderr)
			}
			c := r.tui.Context
			if c.Name != tc.context || c.ReadOnly != tc.readOnly || r.tui.Open == nil {
				t.Errorf("TUI opened on %q read-only=%v, want %q read-only=%v", c.Name, c.ReadOnly, tc.context, tc.readOnly)
			}
			if names := contextNames(r.tui.Contexts); !strings.Contains(names, tc.context) || !strings.Contains(names, "dev,prod") {
				t.Errorf("TUI got contexts %s", names)
			}

			r = execute(t, refuse, append(tc.args, "ls")...)
			if len(r.opened) != 1 || r.opened[0].Name != tc.context || r.opened[0].ReadOnly != tc.readOnly {
				t.Errorf("ls opened %+v, want %q read-only=%v", r.opened, tc.context, tc.readOnly)
			}
		})
	}
}

func contextNames(cs []config.Context) string {
	var names []string
	for _, c := range cs {
		names = append(names, c.Name)
	}
	return strings.Join(names, ",")
}

func TestEnvironmentPicksContextAndFile(t *testing.T) {
	cfg := writeConfig(t, twoContexts)
	t.Setenv(config.EnvConfig, cfg)
	t.Setenv(config.EnvContext, "prod")
	var got config.Context
	code := Execute(context.Background(), nil, Deps{
		Open:   refuse,
		RunUI:  func(o launch.Options) error { got = o.Context; return nil },
		Stdout: new(bytes.Buffer), Stderr: new(bytes.Buffer),
	})
	if code != ExitOK || got.Name != "prod" || got.RabbitMQ.URL != "amqp://ops@prod:5672/" || got.RabbitMQ.PasswordEnv != "PROD_PW" {
		t.Errorf("exit %d, context %+v", code, got)
	}
}

func float(f float64) *float64 { return &f }

var sample = []backends.Destination{
	{Name: "orders", Kind: backends.Queue, Type: "quorum", Vhost: "/", Messages: 1234, Ready: 1200, Unacked: 34,
		Consumers: 3, PublishRate: float(12.345), DeliverRate: float(0),
		DeadLetter: &backends.DeadLetterConfig{Exchange: "dlx", RoutingKey: "orders.dead", DeliveryLimit: 5, FromPolicy: true}},
	{Name: "idle", Kind: backends.Queue, Type: "classic", Vhost: "/"},
	{Name: "amq.direct", Kind: backends.Exchange, Type: "direct", Vhost: "/", Internal: true},
}

func TestTableAlignsAndBlanksWhatDoesNotApply(t *testing.T) {
	var b bytes.Buffer
	if err := writeTable(&b, sample, destinationColumns); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"NAME        VHOST  KIND      TYPE     MESSAGES  READY  UNACKED  CONSUMERS  PUBLISH/S  DELIVER/S  DEAD-LETTER                           INTERNAL\n" +
		"orders      /      queue     quorum      1,234  1,200       34          3       12.3        0.0  dlx key=orders.dead limit=5 (policy)\n" +
		"idle        /      queue     classic         0      0        0          0          -          -\n" +
		"amq.direct  /      exchange  direct                                                                                                    yes\n"
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestListingOrder(t *testing.T) {
	d := []backends.Destination{
		{Name: "b", Kind: backends.Exchange, Vhost: "/"},
		{Name: "", Kind: backends.Exchange, Vhost: "/"},
		{Name: "c", Kind: backends.Stream, Vhost: "/"},
		{Name: "a", Kind: backends.Queue, Vhost: "/"},
		{Name: "z", Kind: backends.Queue, Vhost: "/a"},
		{Name: "d", Kind: backends.Queue, Vhost: "/"},
	}
	sortDestinations(d)
	var got []string
	for _, x := range d {
		got = append(got, x.Vhost+" "+present.DestinationName(x))
	}
	want := "/ a,/ c,/ d,/ (default exchange),/ b,/a z"
	if strings.Join(got, ",") != want {
		t.Errorf("order %s, want %s", strings.Join(got, ","), want)
	}
}

func TestKafkaTableShowsPartitionColumns(t *testing.T) {
	var b bytes.Buffer
	topics := []backends.Destination{
		{Name: "orders", Kind: backends.Topic, Partitions: 12, ReplicationFactor: 3, UnderReplicated: 1, Messages: 98765},
		{Name: "audit", Kind: backends.Topic, Partitions: 1, ReplicationFactor: 1},
	}
	writeTable(&b, topics, destinationColumns)
	want := "" +
		"NAME    KIND   PARTITIONS  RF  UNDER-REPL  OFFLINE  MESSAGES\n" +
		"orders  topic          12   3           1        0    98,765\n" +
		"audit   topic           1   1           0        0         0\n"
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
}

// A name written by whoever controls the broker is escaped in the table and exact in JSON, and neither
// output carries a raw byte a terminal would act on.
func TestHostileNamesEscapedInTableExactInJSON(t *testing.T) {
	name := "evil\x1b]0;owned\x07\u202e\u009b2J\n"
	dests := []backends.Destination{{Name: name, Kind: backends.Queue, Vhost: "/"}}

	var table bytes.Buffer
	writeTable(&table, dests, destinationColumns)
	if !strings.Contains(table.String(), `evil\e]0;owned\x07\u202e\x9b2J\n`) {
		t.Errorf("table does not show the name escaped:\n%s", table.String())
	}

	var lines bytes.Buffer
	writeJSONLines(&lines, dests, destinationJSON)
	for _, out := range []string{table.String(), lines.String()} {
		if strings.ContainsAny(strings.TrimSuffix(out, "\n"), "\x1b\x07\u202e\u009b") {
			t.Errorf("raw control character in output %q", out)
		}
	}
	var got destinationLine
	if err := json.Unmarshal(lines.Bytes(), &got); err != nil || got.Name != name {
		t.Errorf("JSON name = %q (%v), want %q", got.Name, err, name)
	}
}

func TestJSONLinesHaveEveryField(t *testing.T) {
	var b bytes.Buffer
	if err := writeJSONLines(&b, sample, destinationJSON); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != len(sample) {
		t.Fatalf("%d lines for %d destinations", len(lines), len(sample))
	}
	var first, second map[string]any
	json.Unmarshal([]byte(lines[0]), &first)
	json.Unmarshal([]byte(lines[1]), &second)
	fields := "bytes consumers counts dead_letter deliver_rate first_id groups internal kind last_id messages mqtt name newest " +
		"offline oldest partitions policy publish_rate ready replication_factor sqs state subjects type unacked under_replicated vhost"
	if got := keys(first); got != fields {
		t.Errorf("fields %s\nwant   %s", got, fields)
	}
	if first["publish_rate"] != 12.345 || first["messages"] != 1234.0 ||
		keys(first["dead_letter"].(map[string]any)) != "delivery_limit exchange from_policy routing_key" {
		t.Errorf("first line %s", lines[0])
	}
	if second["publish_rate"] != nil || second["dead_letter"] != nil {
		t.Errorf("unknown rate or unset dead-lettering is not null: %s", lines[1])
	}

	b.Reset()
	writeJSONLines(&b, []backends.ConsumerGroup{{Name: "g", State: "Empty"}}, groupJSON)
	want := `{"group":"g","state":"Empty","members":0,"protocol_type":"","protocol":"","coordinator":"","topics":[],"committed":[]}` + "\n"
	if b.String() != want {
		t.Errorf("group line %s want %s", b.String(), want)
	}
}

func keys(m map[string]any) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return strings.Join(ks, " ")
}

// A config file far too large for one fails at once, in one line; an error that quotes a huge value is
// clipped to a line a person can read.
func TestHugeConfigFailsFastInOneLine(t *testing.T) {
	huge := writeConfig(t, "# "+strings.Repeat("x", 2<<20)+"\n")
	r := execute(t, refuse, "--config", huge, "ls")
	if want := "mqscope: " + huge + ": larger than 1 MiB, the most mqscope reads in a settings file: is it the right file?\n"; r.code != ExitError || r.stderr != want {
		t.Errorf("2 MB config: exit %d, stderr %q", r.code, r.stderr)
	}
	long := writeConfig(t, "contexts:\n  - name: a\n    kafka: {brokers: [\""+strings.Repeat("b", 900<<10)+"\"]}\n")
	r = execute(t, refuse, "--config", long, "ls")
	if r.code != ExitError || strings.Count(r.stderr, "\n") != 1 || len(r.stderr) > 1200 ||
		!strings.HasPrefix(r.stderr, "mqscope: "+long+":3:") || !strings.HasSuffix(r.stderr, " more bytes)\n") {
		t.Errorf("a huge quoted value: exit %d, %d bytes of stderr: %.300q", r.code, len(r.stderr), r.stderr)
	}
}

// A password on the command line is visible to every user of the machine: mqscope says so, without the
// password, and points at the safe ways. RabbitMQ's public guest:guest is no secret.
func TestPasswordOnTheCommandLineIsWarnedAbout(t *testing.T) {
	r := execute(t, refuse, "--rabbitmq", "amqp://ops:S3cret-9f2@h:5672/", "ls")
	want := "mqscope: warning: --rabbitmq carries a password, which anyone on this machine can read in the process " +
		"list; put the URL without it in a context with password-env, password-cmd or password-file (see `mqscope ctx`)\n"
	if !strings.HasPrefix(r.stderr, want) || strings.Contains(r.stderr, "S3cret") || r.code != ExitError {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	r = execute(t, refuse, "--rabbitmq", "amqp://h:5672/", "--rabbitmq-api", "http://ops:S3cret-9f2@h:15672", "ls")
	if !strings.HasPrefix(r.stderr, "mqscope: warning: --rabbitmq-api carries a password") {
		t.Errorf("--rabbitmq-api: stderr %q", r.stderr)
	}
	r = execute(t, refuse, "--rabbitmq", "amqp://guest:guest@h:5672/", "ls")
	if strings.Contains(r.stderr, "warning") {
		t.Errorf("guest:guest: stderr %q", r.stderr)
	}
}

// An existing log others can read is made private before anything is appended, and that is said.
func TestAWorldReadableLogIsMadePrivate(t *testing.T) {
	log := filepath.Join(t.TempDir(), "mqscope.log")
	if err := os.WriteFile(log, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	os.Chmod(log, 0o644)
	r := execute(t, refuse, "--log-file", log, "ctx")
	want := "mqscope: warning: the log " + log + " could be read by others (mode 0644); it is now 0600\n"
	if !strings.HasPrefix(r.stderr, want) {
		t.Errorf("stderr %q, want %q", r.stderr, want)
	}
	if info, err := os.Stat(log); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("log mode %v, %v", info.Mode(), err)
	}
}

// --metrics on the TUI hands it a sink that a server on ADDR serves, and says where; a port taken is one
// line before the terminal changes hands.
func TestTUIMetricsFlag(t *testing.T) {
	r := execute(t, refuse, "--kafka", "adhoc:9092", "--metrics", "127.0.0.1:0")
	if r.code != ExitOK || r.tui == nil || r.tui.Metrics == nil {
		t.Fatalf("TUI not opened with a metrics sink: exit %d, %s", r.code, r.stderr)
	}
	if w := strings.Join(r.tui.Warnings, " "); !strings.Contains(w, "http://127.0.0.1:") || !strings.Contains(w, "/metrics") {
		t.Errorf("the flash line should say where metrics are served: %q", w)
	}
	if r := execute(t, refuse, "--kafka", "adhoc:9092", "--metrics", "127.0.0.1:-1"); r.code == ExitOK || r.tui != nil {
		t.Errorf("a bad address opened the TUI: exit %d", r.code)
	}
	if r := execute(t, refuse, "--kafka", "adhoc:9092", "lag", "--metrics", ":0"); r.code != ExitUsage {
		t.Errorf("lag's own --metrics still needs --watch: exit %d, %s", r.code, r.stderr)
	}
}

// The help names every broker mqscope speaks (it said "Kafka and RabbitMQ" long after four more came),
// and the demo's --broker reads as a placeholder, not as "--broker kafka" (pflag takes a backquoted
// word of the usage for the value's name).
func TestHelpNamesEveryBroker(t *testing.T) {
	r := execute(t, refuse, "--help")
	for _, b := range []string{"Kafka", "RabbitMQ", "Redis", "NATS", "MQTT", "SQS"} {
		if intro, _, _ := strings.Cut(r.stdout, "Usage:"); !strings.Contains(intro, b) {
			t.Errorf("mqscope --help does not name %s before its usage:\n%s", b, r.stdout)
		}
	}
	r = execute(t, refuse, "demo", "--help")
	if !strings.Contains(r.stdout, "--broker BROKER ") || strings.Contains(r.stdout, "--broker kafka") {
		t.Errorf("demo --help:\n%s", r.stdout)
	}
}

// demo --broker sqs --serve keeps stdout to its ready line and says on stderr what a `--sqs URL` in
// another shell needs: the emulator takes any credentials, but the SDK finds none there and
// `ls` failed with "no AWS credentials found", though the README's steps had been followed.
func TestDemoSQSServeSaysWhichCredentials(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_PROFILE", "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // serve returns at once
	var stdout, stderr bytes.Buffer
	code := Execute(ctx, []string{"demo", "--broker", "sqs", "--serve"}, Deps{
		Demo: func(context.Context, DemoOptions) (DemoCluster, error) {
			return fakeDemo{"http://127.0.0.1:4100"}, nil
		},
		Stdout: &stdout, Stderr: &stderr,
	})
	if code != ExitOK || stdout.String() != "ready http://127.0.0.1:4100\n" ||
		!strings.Contains(stderr.String(), "export AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo") ||
		strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("exit %d\nstdout %q\nstderr %q", code, stdout.String(), stderr.String())
	}
}

type fakeDemo struct{ addr string }

func (d fakeDemo) Bootstrap() []string { return []string{d.addr} }
func (fakeDemo) Close()                {}

// The commands that are dry runs unless --execute take the --dry-run the others take (it was "unknown
// flag: --dry-run"); with --execute it is a usage error, before connecting.
func TestDryRunByDefaultTakesDryRun(t *testing.T) {
	for _, args := range [][]string{
		{"reset-offsets", "g", "--topic", "t", "--to", "earliest"},
		{"dead-letter", "s", "g", "--to", "dlq", "--min-deliveries", "3"},
		{"claim", "s", "g", "--for", "c"},
	} {
		base := append([]string{"--kafka", "k:9092"}, args...)
		r := execute(t, refuse, append(base, "--dry-run")...)
		if r.code == ExitUsage || len(r.opened) != 1 {
			t.Errorf("%v --dry-run: exit %d, opened %d, stderr %q", args, r.code, len(r.opened), r.stderr)
		}
		r = execute(t, refuse, append(base, "--dry-run", "--execute")...)
		if r.code != ExitUsage || len(r.opened) != 0 || !strings.Contains(r.stderr, "--dry-run and --execute ask for opposites") {
			t.Errorf("%v --dry-run --execute: exit %d, opened %d, stderr %q", args, r.code, len(r.opened), r.stderr)
		}
	}
}

// A usage error of a subcommand points at that command's help, which lists its flags; mqscope's own
// help does not ("unknown flag: --dry-run (see mqscope --help)" led to a page without reset-offsets'
// flags). One of mqscope itself still points at mqscope's.
func TestUsageErrorPointsAtTheCommandsHelp(t *testing.T) {
	for args, want := range map[string]string{
		"reset-offsets g --topic t --to earliest --bogus": "mqscope: unknown flag: --bogus (see mqscope reset-offsets --help)\n",
		"describe topic": "(see mqscope describe topic --help)\n",
		"peek t -n -1":   "mqscope: -n -1: want 0 (no limit) or more (see mqscope peek --help)\n",
		"lss":            "mqscope: unknown command \"lss\" (see mqscope --help)\n",
		"--bogus":        "mqscope: unknown flag: --bogus (see mqscope --help)\n",
	} {
		r := execute(t, refuse, append([]string{"--kafka", "k:9092"}, strings.Fields(args)...)...)
		if r.code != ExitUsage || !strings.HasSuffix(r.stderr, want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 ending %q", args, r.code, r.stderr, want)
		}
	}
}

// A stream has no count of messages ready for delivery (each group reads it from its own position): READY
// shows "-" there, not a 0 that reads as a fact; a Redis list's length is its ready count, and it holds
// nothing unacknowledged, ever (UNACKED blank; a stream's is its groups' pending entries).
func TestStreamsHaveNoReadyCount(t *testing.T) {
	var b bytes.Buffer
	redis := []backends.Destination{
		{Name: "events", Kind: backends.Stream, Type: "stream", Messages: 12, Unacked: 2, Consumers: 1, Groups: 1, FirstID: "1-0"},
		{Name: "jobs", Kind: backends.Queue, Type: "list", Messages: 3, Ready: 3, TakenWhenRead: true},
	}
	if err := writeTable(&b, redis, destinationColumns); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"NAME    KIND    TYPE    MESSAGES  READY  UNACKED  CONSUMERS  PUBLISH/S  DELIVER/S  GROUPS\n" +
		"events  stream  stream        12      -        2          1          -          -       1\n" +
		"jobs    queue   list           3      3                   0          -          -\n"
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
}
