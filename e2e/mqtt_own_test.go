package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/internal/testkit/mqttfix"
)

// The tests here start a Mosquitto of their own (mqttfix.StartOwn), on free ports with a generated
// config: TLS, passwords and $SYS intervals are the broker's configuration, which the shared broker on
// 1883 must keep as it is.

// mqttContext writes a config file with one MQTT context, "dev", and returns its path.
func mqttContext(t *testing.T, body string) string {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfg, []byte("contexts:\n  - name: dev\n    mqtt:\n"+body), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func runContext(t *testing.T, cfg string, args ...string) result {
	t.Helper()
	var out, errs strings.Builder
	code := runMain(t, cfg, &out, &errs, append([]string{"--context", "dev"}, args...)...)
	return result{code, out.String(), errs.String()}
}

// TestMQTTOverTLS: an ssl:// context with the CA that signed the broker's certificate lists; without it
// (the system's roots do not know the test CA) the connection fails in one line naming the cause and the
// setting that fixes it; ssl:// to a plaintext port says so too.
func TestMQTTOverTLS(t *testing.T) {
	t.Parallel()
	own := mqttfix.StartOwn(t, mqttfix.OwnOptions{TLS: true})
	topic := mqttfix.Unique("tls") + "/kept"
	own.Broker(t).Publish(t, topic, 1, true, "over tls")

	ok := runContext(t, mqttContext(t, "      url: "+own.TLSURL+"\n      tls: {ca-file: "+own.CAFile+"}\n"),
		"peek", topic, "-o", "json")
	if ok.code != 0 || !strings.Contains(ok.stdout, `"over tls"`) {
		t.Fatalf("with the CA: exit %d, stdout %q, stderr %q", ok.code, ok.stdout, ok.stderr)
	}

	msg := oneLine(t, runContext(t, mqttContext(t, "      url: "+own.TLSURL+"\n"), "ls"), 1)
	for _, want := range []string{"mqtt", strings.TrimPrefix(own.TLSURL, "ssl://"), "unknown authority", "tls.ca-file"} {
		if !strings.Contains(msg, want) {
			t.Errorf("without the CA: %q lacks %q", msg, want)
		}
	}
	plain := "ssl://" + strings.TrimPrefix(own.URL, "tcp://")
	if msg := oneLine(t, mqscope(t, "--mqtt", plain, "ls"), 1); !strings.Contains(msg, "tcp://") {
		t.Errorf("ssl:// to a plaintext listener: %q does not point at tcp://", msg)
	}
}

// TestMQTTRefusedPassword: the right password connects; a wrong one, or none where the listener takes
// no anonymous clients, is one line saying the broker refused the credentials and what to check, exit 1,
// and the password appears nowhere.
func TestMQTTRefusedPassword(t *testing.T) {
	t.Parallel()
	const right, wrong = "s3cret-right", "s3cret-WRONG"
	own := mqttfix.StartOwn(t, mqttfix.OwnOptions{Users: map[string]string{"ops": right}})
	dir := t.TempDir()
	for name, pw := range map[string]string{"right": right, "wrong": wrong} {
		os.WriteFile(filepath.Join(dir, name), []byte(pw+"\n"), 0o600)
	}
	withPassword := func(file string) string {
		return mqttContext(t, "      url: "+own.AuthURL+"\n      username: ops\n      password-file: "+filepath.Join(dir, file)+"\n")
	}
	if r := runContext(t, withPassword("right"), "ls"); r.code != 0 {
		t.Fatalf("the right password: exit %d, %q", r.code, r.stderr)
	}
	for name, r := range map[string]result{
		"wrong password": runContext(t, withPassword("wrong"), "ls"),
		"no credentials": runContext(t, mqttContext(t, "      url: "+own.AuthURL+"\n"), "ls"),
		"in the URL":     withoutURLWarning(mqscope(t, "--mqtt", strings.Replace(own.AuthURL, "tcp://", "tcp://ops:"+wrong+"@", 1), "ls")),
	} {
		msg := oneLine(t, r, 1)
		for _, want := range []string{"authentication failed", "mqtt", "refused the credentials", "check the user name and password"} {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: %q lacks %q", name, msg, want)
			}
		}
		if strings.Contains(msg, wrong) || strings.Contains(msg, right) {
			t.Errorf("%s: the password shows: %q", name, msg)
		}
	}
}

// TestMQTTDescribeStats: describe cluster shows Mosquitto's $SYS figures dated by the update they came
// with; a broker with $SYS off still describes itself and says in one line why there are no figures.
func TestMQTTDescribeStats(t *testing.T) {
	t.Parallel()
	own := mqttfix.StartOwn(t, mqttfix.OwnOptions{SysInterval: 1})
	r := mqscope(t, "--mqtt", own.URL, "describe", "cluster", "-o", "json")
	if r.code != 0 {
		t.Fatalf("describe: exit %d: %s", r.code, r.stderr)
	}
	stats, _ := jsonLines(t, r.stdout)[0]["stats"].(map[string]any)
	if stats == nil {
		t.Fatalf("no stats: %s", r.stdout)
	}
	if age, ok := stats["age_seconds"].(float64); !ok || age < 0 || age > 2 || stats["sampled_at"] == nil {
		t.Errorf("the figures are not dated by a fresh update: %v", stats)
	}
	counts := stats["counts"].(map[string]any)
	if n, _ := counts["clients_connected"].(float64); n < 1 {
		t.Errorf("clients connected %v: mqscope itself is one", counts)
	}
	if _, ok := counts["retained_messages"]; !ok || stats["uptime_seconds"].(float64) <= 0 {
		t.Errorf("retained count or uptime missing: %v", stats)
	}

	table := mqscope(t, "--mqtt", own.URL, "describe", "cluster")
	for _, want := range []string{"broker statistics, as the broker published them on $SYS/broker/... at ", " ago",
		"clients connected", "retained messages", "uptime"} {
		if !strings.Contains(table.stdout, want) {
			t.Errorf("describe cluster lacks %q:\n%s", want, table.stdout)
		}
	}

	off := mqttfix.StartOwn(t, mqttfix.OwnOptions{SysInterval: 0})
	r = mqscope(t, "--mqtt", off.URL, "describe", "cluster", "--stats-wait", "500ms")
	if r.code != 0 || !strings.Contains(r.stdout, "mqtt") || strings.Contains(r.stdout, "broker statistics") {
		t.Fatalf("$SYS off: exit %d, stdout %q", r.code, r.stdout)
	}
	if !strings.Contains(r.stderr, "no broker statistics") || !strings.Contains(r.stderr, "sys_interval") ||
		strings.Count(r.stderr, "\n") != 2 { // the note that it waits, and the warning
		t.Errorf("$SYS off: stderr %q", r.stderr)
	}
}

// withoutURLWarning drops the warning that a password in --mqtt can be read in the process list.
func withoutURLWarning(r result) result {
	first, rest, _ := strings.Cut(r.stderr, "\n")
	if strings.Contains(first, "process list") {
		r.stderr = rest
	}
	return r
}
