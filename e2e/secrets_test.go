package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/cli"
	"github.com/mqscope/mqscope/internal/testkit/kafkafix"
	"github.com/mqscope/mqscope/internal/testkit/rabbitfix"
	"github.com/mqscope/mqscope/internal/testkit/redisfix"
	"github.com/mqscope/mqscope/opener"
)

// Passwords are distinctive so that finding one anywhere cannot be a coincidence.
const (
	wrongPassword = "Wr0ng-Pa55-7f3c9e1b"
	rightPassword = "R1ght-Pa55-c4d2a8e6"
)

// everything runs mqscope in-process with the real opener, logging at debug to a file of its own, and
// returns its exit code and all it wrote: stdout, stderr and the log.
func everything(t *testing.T, config string, args ...string) (int, string, string) {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(dir, "mqscope.log")
	var stdout, stderr bytes.Buffer
	code := runMain(t, cfg, &stdout, &stderr, append([]string{"--log-file", log, "--log-level", "debug"}, args...)...)
	logged, _ := os.ReadFile(log)
	return code, stdout.String() + stderr.String() + string(logged), stderr.String()
}

// runMain runs mqscope in-process on the config file cfg with the real opener; the TUI must not open.
func runMain(t *testing.T, cfg string, stdout, stderr io.Writer, args ...string) int {
	t.Helper()
	return cli.Execute(context.Background(), append([]string{"--config", cfg}, args...), deps(stdout, stderr))
}

// A failed connection, whatever the reason, shows no password: not on stdout or stderr, not in the log
// (with the broker clients' own loggers routed into it), not in -o json.
func TestNoPasswordInAnyOutputOfAFailedConnection(t *testing.T) {
	opener.QuietLibraries() // as main does: sarama's and amqp091's loggers go to the log too
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	os.WriteFile(pwFile, []byte(wrongPassword+"\n"), 0o600)
	t.Setenv("MQSCOPE_TEST_WRONG_PW", wrongPassword)

	type tc struct {
		name, config string
		want         string // in stderr
	}
	var cases []tc
	for _, mech := range []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"} {
		cluster := kafkafix.Start(t, kfake.NumBrokers(1), kfake.EnableSASL(), kfake.Superuser(mech, "ops", rightPassword))
		cases = append(cases, tc{"kafka " + mech + " wrong password", fmt.Sprintf(`contexts:
  - name: k
    kafka:
      brokers: [%q]
      sasl: {mechanism: %s, username: ops, password-file: %s}
`, cluster.ListenAddrs()[0], mech, pwFile), "authentication failed at kafka " + cluster.ListenAddrs()[0]})
	}
	cases = append(cases,
		tc{"kafka unreachable", `contexts:
  - name: k
    kafka:
      brokers: ["127.0.0.1:1"]
      sasl: {mechanism: SCRAM-SHA-512, username: ops, password-env: MQSCOPE_TEST_WRONG_PW}
`, "cannot reach kafka 127.0.0.1:1"},
		tc{"password-cmd that fails after printing the password", fmt.Sprintf(`contexts:
  - name: k
    kafka:
      brokers: ["127.0.0.1:1"]
      sasl: {username: ops, password-cmd: "cat %s; cat %s >&2; exit 3"}
`, pwFile, pwFile), `context "k": kafka.sasl.password-cmd failed with exit status 3 (run it in a shell to see why)`},
		tc{"rabbitmq unreachable, password in the URL", fmt.Sprintf(`contexts:
  - name: r
    rabbitmq: {url: "amqp://guest:%s@127.0.0.1:1/"}
`, wrongPassword), "cannot reach rabbitmq amqp://guest:xxxxx@127.0.0.1:1/"},
	)
	cases = append(cases, tc{"redis unreachable, password in the URL", fmt.Sprintf(`contexts:
  - name: d
    redis: {url: "redis://app:%s@127.0.0.1:1/0"}
`, wrongPassword), "cannot reach redis 127.0.0.1:1"})
	if u := os.Getenv(redisfix.Env); u != "" {
		host := strings.SplitN(u, "/", 4)[2]
		cases = append(cases, tc{"redis wrong password of an ACL user from the environment", fmt.Sprintf(`contexts:
  - name: d
    redis: {url: "redis://%s/0", username: mqscope-nobody, password-env: MQSCOPE_TEST_WRONG_PW}
`, host), "authentication failed at redis " + host})
	}
	if url := os.Getenv(rabbitfix.Env); url != "" {
		host := strings.TrimSuffix(url[strings.LastIndex(url, "@")+1:], "/")
		cases = append(cases,
			tc{"rabbitmq wrong password from the environment", fmt.Sprintf(`contexts:
  - name: r
    rabbitmq: {url: "amqp://guest@%s/", password-env: MQSCOPE_TEST_WRONG_PW}
`, host), "authentication failed at rabbitmq amqp://guest:xxxxx@" + host},
			tc{"rabbitmq wrong password written in the URL", fmt.Sprintf(`contexts:
  - name: r
    rabbitmq: {url: "amqp://guest:%s@%s/"}
`, wrongPassword, host), "authentication failed at rabbitmq amqp://guest:xxxxx@" + host},
		)
	} else {
		t.Log("MQSCOPE_TEST_RABBITMQ is not set: the RabbitMQ wrong-password cases are skipped")
	}

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel() // RabbitMQ takes a few seconds to refuse a password
			for _, args := range [][]string{{"ls"}, {"-o", "json", "lag"}, {"ctx"}, {"-o", "json", "ctx"}} {
				code, all, stderr := everything(t, c.config, append([]string{"--context", c.config[strings.Index(c.config, "name: ")+6 : strings.Index(c.config, "name: ")+7]}, args...)...)
				if strings.Contains(all, wrongPassword) || strings.Contains(all, rightPassword) {
					t.Errorf("%v: a password was output:\n%s", args, all)
				}
				if strings.Contains(all, ">&2; exit 3") {
					t.Errorf("%v: a password-cmd was quoted (a token may be written in it):\n%s", args, all)
				}
				if args[len(args)-1] == "ctx" {
					continue // listing contexts connects to nothing
				}
				if code != 1 || !strings.Contains(stderr, c.want) {
					t.Errorf("%v: exit %d, stderr %q; want %q", args, code, stderr, c.want)
				}
				if !strings.Contains(all, "msg=connecting") || !strings.Contains(all, `msg="connection failed"`) {
					t.Errorf("%v: the log lacks the attempt:\n%s", args, all)
				}
			}
		})
	}
}

// The right password from each source connects.
func TestPasswordSourcesConnect(t *testing.T) {
	cluster := kafkafix.Start(t, kfake.NumBrokers(1), kfake.EnableSASL(), kfake.Superuser("SCRAM-SHA-512", "ops", rightPassword),
		kfake.SeedTopics(1, "secured"))
	pwFile := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pwFile, []byte(rightPassword+"\n"), 0o600)
	t.Setenv("MQSCOPE_TEST_RIGHT_PW", rightPassword)
	for _, source := range []string{"password-env: MQSCOPE_TEST_RIGHT_PW", "password-file: " + pwFile, "password-cmd: cat " + pwFile} {
		config := fmt.Sprintf("contexts:\n  - name: k\n    kafka:\n      brokers: [%q]\n      sasl: {mechanism: SCRAM-SHA-512, username: ops, %s}\n",
			cluster.ListenAddrs()[0], source)
		code, all, stderr := everything(t, config, "--context", "k", "ls")
		if code != 0 || !strings.Contains(all, "secured") || strings.Contains(all, rightPassword) {
			t.Errorf("%s: exit %d, stderr %q", source, code, stderr)
		}
	}
}
