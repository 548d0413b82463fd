package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/adrg/xdg"
)

const example = `# two clusters
current-context: local-rabbit
contexts:
  - name: dev-kafka
    kafka:
      brokers: [k1:9092, "k2:9092"]
    read-only: true
    theme: nord
    refresh: 500ms
  - name: local-rabbit
    rabbitmq:
      url: amqp://guest:guest@127.0.0.1:5672/
      management-url: http://127.0.0.1:15672
`

func write(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadReadsEveryField(t *testing.T) {
	path := write(t, example)
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if f.Path != path || f.CurrentContext != "local-rabbit" || len(f.Contexts) != 2 {
		t.Fatalf("file = %+v", f)
	}
	k := f.Contexts[0]
	if k.Name != "dev-kafka" || strings.Join(k.Kafka.Brokers, " ") != "k1:9092 k2:9092" || !k.ReadOnly ||
		k.Theme != "nord" || k.RefreshInterval() != 500*time.Millisecond || k.RabbitMQ != nil {
		t.Errorf("kafka context = %+v", k)
	}
	r := f.Contexts[1]
	if r.RabbitMQ.URL != "amqp://guest:guest@127.0.0.1:5672/" || r.RabbitMQ.ManagementURL != "http://127.0.0.1:15672" ||
		r.ReadOnly || r.RefreshInterval() != DefaultRefresh || r.Kind() != "rabbitmq" {
		t.Errorf("rabbitmq context = %+v", r)
	}
	if got := r.Address(); got != "amqp://guest:xxxxx@127.0.0.1:5672/" {
		t.Errorf("Address() = %q, want the password hidden", got)
	}
}

func TestLoadEmptyFileHasNoContexts(t *testing.T) {
	for _, content := range []string{"", "# nothing yet\n", "---\n"} {
		f, err := Load(write(t, content))
		if err != nil || len(f.Contexts) != 0 {
			t.Errorf("%q: %+v, %v", content, f, err)
		}
	}
}

// Each mistake is reported at its line and column, in one line that says what is wrong.
func TestLoadErrorsNameFileLineAndColumn(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown key", "contexts:\n  - name: a\n    kafak: {brokers: [\"k:1\"]}\n",
			`:3:5: unknown key "kafak"`},
		{"bad type", "contexts:\n  - name: a\n    kafka: {brokers: [\"k:1\"]}\n    read-only: yes\n",
			`:4:16: read-only must be true or false, not "yes"`},
		{"list for a string", "current-context: [a]\n",
			`:1:18: current-context must be a string, not a list`},
		{"unquoted host:port in a flow mapping", "contexts:\n  - name: a\n    kafka: {brokers: [k1:9092]}\n",
			`:3:25: expected a string, found a mapping (quote values that contain ":", like "k1:9092")`},
		{"bad duration", "contexts:\n  - name: a\n    refresh: 2 seconds\n",
			`:3:14: "2 seconds" is not a duration (write it like 2s, 500ms or 1m)`},
		{"syntax", "contexts: [\n", `:1:11: sequence end token ']' not found` + syntaxHint},
		{"indentation", "contexts:\n  - name: x\n   kafka: [\n", `:3:4: value is not allowed in this context` + syntaxHint},
		{"duplicate key", "current-context: a\ncurrent-context: b\n",
			`:2:1: mapping key "current-context" already defined at [1:1]`},
		{"no name", "contexts:\n  - kafka: {brokers: [\"k:1\"]}\n",
			`:2:5: context #1 has no name; add name: ...`},
		{"duplicate name", "contexts:\n  - name: a\n    kafka: {brokers: [\"k:1\"]}\n  - name: a\n    kafka: {brokers: [\"k:1\"]}\n",
			`:4:11: context name "a" is used twice (contexts #1 and #2)`},
		{"no broker", "contexts:\n  - name: a\n    read-only: true\n",
			`:2:5: context "a" needs a broker: add kafka: {brokers: ["host:9092"]}, rabbitmq: {url: amqp://host:5672/}, redis: {url: redis://host:6379/0}, nats: {url: nats://host:4222}, mqtt: {url: tcp://host:1883} or sqs: {region: eu-west-1}`},
		{"both brokers", "contexts:\n  - name: a\n    kafka: {brokers: [\"k:1\"]}\n    rabbitmq: {url: \"amqp://h/\"}\n",
			`:4:16: context "a" has both kafka and rabbitmq; a context connects to one broker, so keep one`},
		{"no brokers", "contexts:\n  - name: a\n    kafka: {brokers: []}\n",
			`:3:13: context "a": kafka needs brokers, like brokers: ["k1:9092"]`},
		{"broker without port", "contexts:\n  - name: a\n    kafka:\n      brokers: [k1]\n",
			`:4:17: context "a": broker "k1" must be host:port`},
		{"url scheme", "contexts:\n  - name: a\n    rabbitmq:\n      url: http://u:s3cret@h/\n",
			`:4:12: context "a": the AMQP URL must start with amqp:// or amqps://`},
		{"management scheme", "contexts:\n  - name: a\n    rabbitmq:\n      url: amqp://h/\n      management-url: h:15672\n",
			`:5:23: context "a": the management URL must start with http:// or https://`},
		{"nats two ways to authenticate", "contexts:\n  - name: a\n    nats:\n      url: nats://h:4222\n      password-env: PW\n      creds-file: a.creds\n",
			`:6:19: context "a": give one way to authenticate, not both password and creds-file`},
		{"nats scheme", "contexts:\n  - name: a\n    nats:\n      url: http://h:4222\n",
			`:4:12: context "a": the NATS URL must start with nats:// or tls://`},
		{"current-context missing", "current-context: b\ncontexts:\n  - name: a\n    kafka: {brokers: [\"k:1\"]}\n",
			`:1:18: current-context "b" is not one of the contexts (a)`},
		{"two documents", "contexts: []\n---\ncontexts: []\n", `:3:1: the file holds more than one YAML document; keep one`},
		{"password in a value", "contexts:\n  - name: a\n    read-only: amqp://u:s3cret@h/\n",
			`:3:16: read-only must be true or false, not "amqp://u:xxxxx@h/"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := write(t, tc.yaml)
			_, err := Load(path)
			if err == nil {
				t.Fatal("no error")
			}
			if got, want := err.Error(), path+tc.want; got != want {
				t.Errorf("error\n got %s\nwant %s", got, want)
			}
			var e *Error
			if !errors.As(err, &e) || e.Line == 0 {
				t.Errorf("error %T has no position", err)
			}
		})
	}
}

func TestReadPicksTheFile(t *testing.T) {
	t.Cleanup(xdg.Reload) // runs after the environment is restored
	home := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", home)
	t.Setenv(EnvConfig, "")
	xdg.Reload()
	want := filepath.Join(home, "mqscope", "config.yaml")
	if got := DefaultPath(); got != want {
		t.Fatalf("DefaultPath() = %q, want %q", got, want)
	}

	// No file at the default path: fine, no contexts.
	f, err := Read("")
	if err != nil || len(f.Contexts) != 0 || f.Path != want {
		t.Fatalf("Read without a file = %+v, %v", f, err)
	}

	// A file at the default path is read.
	os.MkdirAll(filepath.Dir(want), 0o700)
	os.WriteFile(want, []byte(example), 0o600)
	if f, err := Read(""); err != nil || len(f.Contexts) != 2 {
		t.Fatalf("Read default = %+v, %v", f, err)
	}

	// MQSCOPE_CONFIG beats the default, --config beats MQSCOPE_CONFIG.
	env := write(t, "contexts:\n  - name: from-env\n    kafka: {brokers: [\"e:1\"]}\n")
	t.Setenv(EnvConfig, env)
	if f, err := Read(""); err != nil || f.Contexts[0].Name != "from-env" {
		t.Fatalf("Read with %s = %+v, %v", EnvConfig, f, err)
	}
	flag := write(t, "contexts:\n  - name: from-flag\n    kafka: {brokers: [\"f:1\"]}\n")
	if f, err := Read(flag); err != nil || f.Contexts[0].Name != "from-flag" {
		t.Fatalf("Read with --config = %+v, %v", f, err)
	}

	// A file the user named must exist.
	missing := filepath.Join(home, "nope.yaml")
	for _, read := range []func() (*File, error){
		func() (*File, error) { return Read(missing) },
		func() (*File, error) { t.Setenv(EnvConfig, missing); return Read("") },
	} {
		_, err := read()
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
			t.Errorf("missing named file: %v", err)
		}
	}
}

func TestResolve(t *testing.T) {
	f, err := Parse("c.yaml", []byte(example))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		flags    Flags
		env      string
		file     *File
		wantName string
		wantAddr string
		readOnly bool
		wantErr  string
	}{
		{name: "current-context", wantName: "local-rabbit", wantAddr: "amqp://guest:xxxxx@127.0.0.1:5672/"},
		{name: "env beats current-context", env: "dev-kafka", wantName: "dev-kafka", wantAddr: "k1:9092,k2:9092", readOnly: true},
		{name: "--context beats env", env: "dev-kafka", flags: Flags{Context: "local-rabbit"}, wantName: "local-rabbit",
			wantAddr: "amqp://guest:xxxxx@127.0.0.1:5672/"},
		{name: "--read-only adds", flags: Flags{ReadOnly: true}, wantName: "local-rabbit",
			wantAddr: "amqp://guest:xxxxx@127.0.0.1:5672/", readOnly: true},
		{name: "--kafka is ad hoc", env: "dev-kafka", flags: Flags{Kafka: " a:1, b:2 ,"}, wantName: "a:1,b:2", wantAddr: "a:1,b:2"},
		{name: "--rabbitmq is ad hoc", flags: Flags{RabbitMQ: "amqp://u:pw@h:5672/v", ReadOnly: true},
			wantName: "h:5672", wantAddr: "amqp://u:xxxxx@h:5672/v", readOnly: true},
		{name: "--redis is ad hoc", flags: Flags{Redis: "redis://app:pw@h:6379/3"},
			wantName: "h:6379", wantAddr: "redis://app:xxxxx@h:6379/3"},
		{name: "--redis and --kafka", flags: Flags{Kafka: "a:1", Redis: "redis://h:6379/0"},
			wantErr: "--kafka and --redis both given; connect to one broker at a time"},
		{name: "bad --redis scheme", flags: Flags{Redis: "h:6379"},
			wantErr: "--redis: the Redis URL must start with redis:// or rediss://"},
		{name: "bad --redis database", flags: Flags{Redis: "redis://h:6379/orders"},
			wantErr: "--redis: the Redis URL's path must be a database number, like redis://host:6379/0"},
		{name: "--nats is ad hoc", flags: Flags{NATS: "nats://app:pw@h:4222"},
			wantName: "h:4222", wantAddr: "nats://app:xxxxx@h:4222"},
		{name: "--nats and --redis", flags: Flags{Redis: "redis://h:6379/0", NATS: "nats://h:4222"},
			wantErr: "--redis and --nats both given; connect to one broker at a time"},
		{name: "bad --nats scheme", flags: Flags{NATS: "h:4222"},
			wantErr: "--nats: the NATS URL must start with nats:// or tls://"},
		{name: "--mqtt is ad hoc", flags: Flags{MQTT: "tcp://dev:pw@h:1883"},
			wantName: "h:1883", wantAddr: "tcp://dev:xxxxx@h:1883"},
		{name: "--mqtt and --nats", flags: Flags{NATS: "nats://h:4222", MQTT: "tcp://h:1883"},
			wantErr: "--nats and --mqtt both given; connect to one broker at a time"},
		{name: "bad --mqtt scheme", flags: Flags{MQTT: "http://h:1883"},
			wantErr: "--mqtt: the MQTT URL must start with tcp:// or ssl:// or mqtt:// or mqtts://"},
		{name: "--sqs is ad hoc", flags: Flags{SQS: "https://sqs.eu-west-1.amazonaws.com"},
			wantName: "sqs.eu-west-1.amazonaws.com", wantAddr: "https://sqs.eu-west-1.amazonaws.com"},
		{name: "bad --sqs scheme", flags: Flags{SQS: "sqs.eu-west-1.amazonaws.com"},
			wantErr: "--sqs: the SQS endpoint must start with http:// or https://"},
		{name: "unknown --context", flags: Flags{Context: "x"},
			wantErr: `context "x" (from --context) is not in c.yaml; it has dev-kafka, local-rabbit`},
		{name: "unknown env context", env: "y",
			wantErr: `context "y" (from MQSCOPE_CONTEXT) is not in c.yaml; it has dev-kafka, local-rabbit`},
		{name: "both connections", flags: Flags{Kafka: "a:1", RabbitMQ: "amqp://h/"},
			wantErr: "--kafka and --rabbitmq both given; connect to one broker at a time"},
		{name: "connection and --context", flags: Flags{Kafka: "a:1", Context: "dev-kafka"},
			wantErr: "--context and a connection flag (--kafka) both given; use one"},
		{name: "bad --kafka", flags: Flags{Kafka: "a"}, wantErr: `--kafka: broker "a" must be host:port`},
		{name: "empty --kafka", flags: Flags{Kafka: ","}, wantErr: `--kafka: kafka needs brokers, like brokers: ["k1:9092"]`},
		{name: "bad --rabbitmq", flags: Flags{RabbitMQ: "h:5672"},
			wantErr: "--rabbitmq: the AMQP URL must start with amqp:// or amqps://"},
		{name: "--rabbitmq without a scheme", flags: Flags{RabbitMQ: "127.0.0.1:5672"},
			wantErr: "--rabbitmq: the AMQP URL is not a valid URL (write it as amqp://user:password@host:5672/vhost, or amqps:// for TLS)"},
		{name: "--redis without a scheme", flags: Flags{Redis: "127.0.0.1:6379"},
			wantErr: "--redis: the Redis URL is not a valid URL (write it as redis://host:6379/0, or rediss:// for TLS)"},
		{name: "--nats without a scheme", flags: Flags{NATS: "127.0.0.1:4222"},
			wantErr: "--nats: the NATS URL is not a valid URL (write it as nats://host:4222, or tls:// for TLS)"},
		{name: "--mqtt without a scheme", flags: Flags{MQTT: "127.0.0.1:1883"},
			wantErr: "--mqtt: the MQTT URL is not a valid URL (write it as tcp://host:1883, or ssl:// for TLS)"},
		{name: "--rabbitmq-api on kafka", flags: Flags{Context: "dev-kafka", RabbitMQAPI: "http://h:1"},
			wantErr: `--rabbitmq-api is for RabbitMQ, and context "dev-kafka" is kafka`},
		{name: "bad --rabbitmq-api", flags: Flags{RabbitMQAPI: "h:1"},
			wantErr: "--rabbitmq-api: the management URL must start with http:// or https://"},
		{name: "nothing at all", file: &File{Path: "none.yaml"}, wantErr: ErrNoContext.Error()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvContext, tc.env)
			file := f
			if tc.file != nil {
				file = tc.file
			}
			c, err := file.Resolve(tc.flags)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error = %v, want %s", err, tc.wantErr)
				}
				if tc.file == nil && !errors.Is(err, ErrUsage) {
					t.Errorf("%v is not a usage error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Name != tc.wantName || c.Address() != tc.wantAddr || c.ReadOnly != tc.readOnly {
				t.Errorf("got %s at %s read-only=%v, want %s at %s read-only=%v",
					c.Name, c.Address(), c.ReadOnly, tc.wantName, tc.wantAddr, tc.readOnly)
			}
		})
	}
}

func TestResolveRabbitMQAPIOverridesWithoutTouchingTheFile(t *testing.T) {
	t.Setenv(EnvContext, "")
	f, _ := Parse("c.yaml", []byte(example))
	c, err := f.Resolve(Flags{RabbitMQAPI: "https://other:443"})
	if err != nil || c.RabbitMQ.ManagementURL != "https://other:443" {
		t.Fatalf("got %+v, %v", c.RabbitMQ, err)
	}
	if f.Contexts[1].RabbitMQ.ManagementURL != "http://127.0.0.1:15672" {
		t.Error("Resolve changed the file's context")
	}
}

// The loader never panics, and whatever it rejects it rejects with a one-line message naming the file;
// whatever it accepts satisfies the rules validation promises.
func FuzzLoad(f *testing.F) {
	f.Add(example)
	f.Add("contexts:\n  - name: a\n    kafak: {brokers: [k1:9092]}\n")
	f.Add("current-context: x\ncontexts: [{name: x, rabbitmq: {url: 'amqp://u:p@h/'}, refresh: 1s}]\n")
	f.Add("a: &a [*a, *a]\n")
	f.Add("contexts:\n- name: \"\\e]0;x\\a\"\n  kafka: {brokers: [\"h:1\"]}\n  refresh: -1s\n")
	f.Add(secure)
	f.Add(commented)
	f.Add("keys: {quit: [q, 1, true], filter: /}\ncontexts: [{name: a, kafka: {brokers: ['k:1'], sasl: {username: u, password: p, password-env: E}}}]\n")
	f.Add("contexts: [{name: r, rabbitmq: {url: 'amqps://u@h/', password-file: ../pw, vhost: /, tls: {cert-file: c}}}]\n")
	f.Fuzz(func(t *testing.T, content string) {
		file, err := Parse("fuzz.yaml", []byte(content))
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, "fuzz.yaml") || strings.ContainsAny(msg, "\n\r") {
				t.Fatalf("error not one line naming the file: %q", msg)
			}
			return
		}
		seen := map[string]bool{}
		for _, c := range file.Contexts {
			if c.Name == "" || seen[c.Name] || (c.Kafka == nil) == (c.RabbitMQ == nil) {
				t.Fatalf("accepted an invalid context: %+v", c)
			}
			seen[c.Name] = true
			checkSecurity(t, c)
		}
		if file.CurrentContext != "" && !seen[file.CurrentContext] {
			t.Fatalf("accepted current-context %q that is not a context", file.CurrentContext)
		}
		for _, b := range file.Keys {
			if b.Action == "" || len(b.Keys) == 0 || b.Line == 0 || slices.Contains(b.Keys, "") {
				t.Fatalf("accepted binding %+v", b)
			}
		}
		// Switching contexts keeps every comment line.
		if len(file.Contexts) > 0 {
			edited, err := withCurrentContext("fuzz.yaml", []byte(content), file.Contexts[len(file.Contexts)-1].Name)
			if err == nil {
				for _, line := range strings.Split(content, "\n") {
					if strings.HasPrefix(strings.TrimSpace(line), "#") && !strings.Contains(string(edited), line) {
						t.Fatalf("switching lost the comment %q", line)
					}
				}
			}
		}
	})
}

// checkSecurity holds an accepted context to the rules of its security settings.
func checkSecurity(t *testing.T, c Context) {
	var sources []PasswordSource
	var tlss []*TLSConfig
	if k := c.Kafka; k != nil {
		if s := k.SASL; s != nil {
			if !slices.Contains([]string{SASLPlain, SASLSCRAMSHA256, SASLSCRAMSHA512}, s.Mechanism) || s.Username == "" || !s.IsSet() {
				t.Fatalf("accepted SASL %+v", s)
			}
			sources = append(sources, s.PasswordSource)
		}
		tlss = append(tlss, k.TLS)
	}
	if r := c.RabbitMQ; r != nil {
		sources = append(sources, r.PasswordSource)
		tlss = append(tlss, r.TLS)
		if r.IsSet() && hasPassword(r.URL) {
			t.Fatalf("accepted two passwords for %q", c.Name)
		}
	}
	for _, s := range sources {
		if len(s.given()) > 1 || (s.PasswordFile != "" && !filepath.IsAbs(s.PasswordFile)) {
			t.Fatalf("accepted password source %+v", s)
		}
	}
	for _, tc := range tlss {
		if tc != nil && ((tc.CertFile == "") != (tc.KeyFile == "") || (tc.CAFile != "" && !filepath.IsAbs(tc.CAFile))) {
			t.Fatalf("accepted TLS %+v", tc)
		}
	}
}

// A refresh below the floor is refused where it is written: every refresh asks the broker.
func TestRefreshHasAFloor(t *testing.T) {
	_, err := Parse("c.yaml", []byte("contexts:\n  - name: a\n    kafka: {brokers: [\"k:1\"]}\n    refresh: 1ns\n"))
	want := "c.yaml:4:14: context \"a\": refresh 1ns is too short: every refresh asks the broker; use 500ms or more"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
}
