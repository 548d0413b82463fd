package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/config"
)

// Every command that changes a broker, found by its annotation so that a new one is covered without
// touching this test, is refused under --read-only before anything is connected to, exit 1.
func TestEveryMutatingCommandRefusesReadOnly(t *testing.T) {
	root := (&app{deps: Deps{Stdout: new(strings.Builder), Stderr: new(strings.Builder)}}).rootCommand()
	var tested []string
	for _, cmd := range allCommands(root) {
		when, ok := cmd.Annotations[mutatesKey]
		if !ok {
			continue
		}
		path := strings.Fields(strings.TrimPrefix(cmd.CommandPath(), root.Name()+" "))
		args := append(path, argsFor(t, cmd)...)
		if !strings.HasPrefix(when, "!") && when != "always" {
			args = append(args, "--"+when)
		}
		for _, ro := range [][]string{{"--read-only", "--kafka", "127.0.0.1:1"}, {"--context", "prod"}} {
			cfg := writeConfig(t, twoContexts)
			r := execute(t, mustNotConnect(t), append(append([]string{"--config", cfg}, ro...), args...)...)
			if r.code != ExitError || !strings.HasPrefix(r.stderr, "mqscope: ") || !strings.Contains(r.stderr, " refused: ") ||
				!strings.Contains(r.stderr, "is read-only") || strings.Count(r.stderr, "\n") != 1 || r.stdout != "" {
				t.Errorf("%v %v: exit %d, stderr %q, stdout %q", ro, args, r.code, r.stderr, r.stdout)
			}
		}
		tested = append(tested, strings.Join(path, " "))
	}
	// The commands known to change a broker must carry the annotation: the walk above is only as good as it.
	for _, name := range []string{"publish", "replay", "redrive", "reset-offsets", "purge", "delete topic", "create queue",
		"config set", "bind"} {
		if cmd, _, err := root.Find(strings.Fields(name)); err == nil && cmd != root && !slices.Contains(tested, name) {
			t.Errorf("%s changes the broker but is not annotated %q", name, mutatesKey)
		}
	}
	if len(tested) < 2 {
		t.Fatalf("only %v are annotated", tested)
	}
	t.Logf("refused read-only: %v", tested)
}

// allCommands are root's commands and theirs, all the way down.
func allCommands(root *cobra.Command) []*cobra.Command {
	var all []*cobra.Command
	for _, cmd := range root.Commands() {
		all = append(append(all, cmd), allCommands(cmd)...)
	}
	return all
}

// argsFor makes up arguments that get cmd past cobra's own checks: as many positional arguments as it
// takes, and a value for each required flag.
func argsFor(t *testing.T, cmd *cobra.Command) []string {
	var args []string
	for n := 0; n <= 3; n++ {
		try := slices.Repeat([]string{"x"}, n)
		if cmd.Args == nil || cmd.Args(cmd, try) == nil {
			args = try
			break
		}
	}
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if _, required := f.Annotations[cobra.BashCompOneRequiredFlag]; required {
			value := "x"
			if strings.Contains(f.Value.Type(), "int") || strings.Contains(f.Value.Type(), "float") {
				value = "1"
			}
			args = append(args, "--"+f.Name, value)
		}
	})
	return args
}

func mustNotConnect(t *testing.T) func(context.Context, config.Context) (backends.Backend, error) {
	return func(_ context.Context, c config.Context) (backends.Backend, error) {
		t.Errorf("connected to %s in read-only mode", c.Name)
		return refuse(context.Background(), c)
	}
}

// Dry runs and previews stay allowed read-only.
func TestReadOnlyAllowsDryRuns(t *testing.T) {
	r := execute(t, refuse, "--read-only", "--kafka", "k:1", "reset-offsets", "g", "--topic", "t", "--to", "earliest")
	if len(r.opened) != 1 || strings.Contains(r.stderr, "read-only") {
		t.Errorf("a dry run was refused: %q", r.stderr)
	}
}

const contextsFile = `# my contexts
current-context: dev
contexts:
  - name: dev
    kafka:
      brokers: ["dev:9092"]
      sasl: {mechanism: SCRAM-SHA-512, username: ops, password-env: KAFKA_PW}
      tls: {}
  - name: prod
    rabbitmq:
      url: "amqps://ops:inline-pw-123@prod:5671/"
    read-only: true
  - name: local
    rabbitmq: {url: "amqp://guest@127.0.0.1:5672/", password-cmd: "pass show rabbit"}
`

func TestCtxLists(t *testing.T) {
	cfg := writeConfig(t, contextsFile)
	r := execute(t, mustNotConnect(t), "--config", cfg, "ctx")
	want := "" +
		"CURRENT  NAME   KIND      ADDRESS                       AUTH                                            TLS  READ-ONLY\n" +
		"*        dev    kafka     dev:9092                      SCRAM-SHA-512, as ops, password from $KAFKA_PW  yes\n" +
		"         prod   rabbitmq  amqps://ops:xxxxx@prod:5671/  as ops, password from the config file           yes  yes\n" +
		"         local  rabbitmq  amqp://guest@127.0.0.1:5672/  as guest, password from command\n"
	if r.code != ExitOK || r.stdout != want {
		t.Errorf("exit %d, stderr %q, table:\n%s\nwant:\n%s", r.code, r.stderr, r.stdout, want)
	}
	if strings.Contains(r.stdout+r.stderr, "inline-pw-123") {
		t.Error("a password was shown")
	}

	r = execute(t, mustNotConnect(t), "--config", cfg, "--context", "local", "ctx", "-o", "json")
	var lines []contextLine
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var cl contextLine
		if err := json.Unmarshal([]byte(l), &cl); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, cl)
	}
	if len(lines) != 3 || lines[2] != (contextLine{Name: "local", Kind: "rabbitmq", Address: "amqp://guest@127.0.0.1:5672/",
		Current: true, User: "guest", PasswordFrom: "command"}) || lines[0].Current || !lines[1].ReadOnly ||
		lines[0].Mechanism != "SCRAM-SHA-512" || !lines[0].TLS {
		t.Errorf("json: %+v", lines)
	}
	if strings.Contains(r.stdout, "inline-pw-123") {
		t.Error("a password was shown")
	}
}

func TestCtxSwitches(t *testing.T) {
	cfg := writeConfig(t, contextsFile)
	r := execute(t, mustNotConnect(t), "--config", cfg, "ctx", "local")
	if r.code != ExitOK || r.stdout != "current context is now local (in "+cfg+")\n" || r.stderr != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	data, _ := os.ReadFile(cfg)
	if string(data) != strings.Replace(contextsFile, "current-context: dev", "current-context: local", 1) {
		t.Fatalf("file now:\n%s", data)
	}
	r = execute(t, refuse, "--config", cfg, "ls")
	if len(r.opened) != 1 || r.opened[0].Name != "local" {
		t.Fatalf("ls after the switch opened %+v", r.opened)
	}

	t.Setenv(config.EnvContext, "dev")
	var stdout, stderr strings.Builder
	code := Execute(context.Background(), []string{"--config", cfg, "ctx", "prod"}, Deps{Open: mustNotConnect(t), Stdout: &stdout, Stderr: &stderr})
	if code != ExitOK || stderr.String() != "mqscope: note: $MQSCOPE_CONTEXT=dev still picks dev until it is unset\n" {
		t.Errorf("with the variable set: exit %d, stderr %q", code, stderr.String())
	}
	r = execute(t, mustNotConnect(t), "--config", cfg, "ctx", "nope")
	if r.code != ExitUsage || !strings.Contains(r.stderr, `no context "nope" in `+cfg+"; it has dev, prod, local") {
		t.Errorf("unknown: exit %d, stderr %q", r.code, r.stderr)
	}
}

// The file's warnings are said once per run on stderr; the TUI gets them for its flash line instead.
func TestConfigWarningsOnce(t *testing.T) {
	cfg := writeConfig(t, contextsFile)
	os.Chmod(cfg, 0o644)
	r := execute(t, refuse, "--config", cfg, "--context", "prod", "ls")
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	want := []string{
		"mqscope: warning: config file " + cfg + " can be read by others (mode 0644); run chmod 600 " + cfg,
		`mqscope: warning: context "prod" has the password in rabbitmq.url written in ` + cfg +
			"; prefer password-env, password-cmd or password-file",
	}
	if len(lines) != 3 || lines[0] != want[0] || lines[1] != want[1] || !strings.HasPrefix(lines[2], "mqscope: cannot reach") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	r = execute(t, refuse, "--config", cfg, "--context", "prod")
	if r.stderr != "" || r.tui == nil || strings.Join(r.tui.Warnings, "\n") != strings.Join([]string{
		strings.TrimPrefix(want[0], "mqscope: warning: "), strings.TrimPrefix(want[1], "mqscope: warning: ")}, "\n") {
		t.Errorf("TUI: stderr %q, warnings %q", r.stderr, r.tui.Warnings)
	}
	r = execute(t, refuse, "--config", cfg, "--context", "local", "ls")
	if strings.Contains(r.stderr, "password in") {
		t.Errorf("warned about another context's password: %q", r.stderr)
	}
}

func TestLogFileAndLevel(t *testing.T) {
	log := filepath.Join(t.TempDir(), "state", "mqscope.log")
	r := execute(t, refuse, "--log-file", log, "--log-level", "debug", "--rabbitmq", "amqp://u:s3cret-log@h:5672/", "ls")
	data, err := os.ReadFile(log)
	if err != nil || r.code != ExitError {
		t.Fatalf("exit %d, log: %v", r.code, err)
	}
	for _, want := range []string{"level=DEBUG msg=command", "level=ERROR msg=\"command failed\"", "amqp://u:xxxxx@h:5672/",
		"level=DEBUG msg=exit code=1"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("log lacks %q:\n%s", want, data)
		}
	}
	if strings.Contains(string(data), "s3cret-log") {
		t.Errorf("password in the log:\n%s", data)
	}
	r = execute(t, refuse, "--log-level", "loud", "ls")
	if r.code != ExitUsage || r.stderr != "mqscope: --log-level: log level \"loud\": use debug, info, warn, error (see mqscope ls --help)\n" {
		t.Errorf("bad level: exit %d, %q", r.code, r.stderr)
	}
}

func TestThemeAndKeysReachTheTUI(t *testing.T) {
	cfg := writeConfig(t, "theme: nord\nkeys:\n  quit: [Q]\ncontexts:\n  - name: a\n    kafka: {brokers: [\"k:1\"]}\n")
	os.MkdirAll(filepath.Join(filepath.Dir(cfg), "themes"), 0o700)
	os.WriteFile(filepath.Join(filepath.Dir(cfg), "themes", "mine.yaml"), []byte("base: nord\naccent: \"#ffffff\"\n"), 0o600)
	r := execute(t, refuse, "--config", cfg, "--context", "a", "--theme", "mine")
	if r.code != ExitOK || r.tui == nil {
		t.Fatalf("exit %d, %s", r.code, r.stderr)
	}
	if r.tui.Theme != "mine" || r.tui.File.Theme != "nord" || r.tui.File.Keys[0].Action != "quit" {
		t.Errorf("options: theme %q, file %+v", r.tui.Theme, r.tui.File)
	}
	if th, err := r.tui.Themes.Get("mine"); err != nil || th.Accent != "#ffffff" {
		t.Errorf("user theme: %+v, %v", th, err)
	}
	r = execute(t, refuse, "--config", cfg, "--context", "a", "--theme", "nope")
	if r.code != ExitUsage || !strings.HasPrefix(r.stderr, `mqscope: --theme: no theme called "nope" (there are dark, dracula, light, mine, nord; `) {
		t.Errorf("unknown --theme: exit %d, %q", r.code, r.stderr)
	}
}

// A mistake in the key bindings is a mistake in the file, whatever the command.
func TestKeyBindingErrorsNameTheLine(t *testing.T) {
	cfg := writeConfig(t, "keys:\n  quit: [q]\n  qiut: [x]\ncontexts:\n  - name: a\n    kafka: {brokers: [\"k:1\"]}\n")
	for _, args := range [][]string{{"--context", "a", "ls"}, {"--context", "a"}, {"ctx"}} {
		r := execute(t, mustNotConnect(t), append([]string{"--config", cfg}, args...)...)
		if r.code != ExitError || !strings.HasPrefix(r.stderr, "mqscope: "+cfg+`:3:3: keys: there is no action "qiut"`) {
			t.Errorf("%v: exit %d, %q", args, r.code, r.stderr)
		}
	}
}

// --read-only holds for every context the TUI can switch to.
func TestReadOnlyHoldsAcrossContexts(t *testing.T) {
	cfg := writeConfig(t, twoContexts)
	r := execute(t, refuse, "--config", cfg, "--read-only")
	for _, c := range r.tui.Contexts {
		if !c.ReadOnly {
			t.Errorf("context %s is writable under --read-only", c.Name)
		}
	}
	r = execute(t, refuse, "--config", cfg)
	if r.tui.Contexts[0].ReadOnly || !r.tui.Contexts[1].ReadOnly {
		t.Errorf("without --read-only: %+v", r.tui.Contexts)
	}
}

func TestCtxWithoutContexts(t *testing.T) {
	r := execute(t, mustNotConnect(t), "ctx")
	if r.code != ExitOK || r.stdout != "" || r.stderr != "mqscope: no contexts in "+os.Getenv(config.EnvConfig)+noContextsHint+"\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// `ctx NAME` takes README's own example with current-context as its last line, quoted, no newline.
func TestCtxSwitchesTheREADMEExample(t *testing.T) {
	const example = `theme: nord                      # for contexts that name none
contexts:
  - name: prod-kafka
    kafka:
      brokers: [k1:9093, k2:9093]
      sasl: {mechanism: SCRAM-SHA-512, username: ops, password-env: KAFKA_PW}   # or PLAIN, SCRAM-SHA-256
    read-only: true
  - name: local-rabbit
    rabbitmq:
      url: amqp://guest@127.0.0.1:5672/
      password-cmd: pass show rabbit/guest     # or password-env, password-file
current-context: "prod-kafka"`
	cfg := writeConfig(t, example)
	r := execute(t, mustNotConnect(t), "--config", cfg, "ctx", "local-rabbit")
	if r.code != ExitOK || r.stderr != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if data, _ := os.ReadFile(cfg); string(data) != strings.Replace(example, `"prod-kafka"`, "local-rabbit", 1) {
		t.Fatalf("file now:\n%s", data)
	}
}
