package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
)

// Read-only refuses every mutation before it connects: the opener is never asked.
func TestReadOnlyRefusesPublishReplayRedrive(t *testing.T) {
	cfg := writeConfig(t, twoContexts)
	for _, args := range [][]string{
		{"publish", "orders", "--body", "x"},
		{"publish", "orders", "--from-file", "-"},
		{"replay", "orders", "--to", "copy"},
		{"replay", "--from-file", "-", "--to", "copy"},
		{"redrive", "orders-dlt"},
	} {
		for _, ro := range [][]string{{"--read-only"}, {"--context", "prod"}} {
			r := execute(t, refuse, append(append([]string{"--config", cfg}, ro...), args...)...)
			action := map[string]string{"publish": "publish", "replay": "replay", "redrive": "redrive"}[args[0]]
			if r.code != ExitError || len(r.opened) != 0 || !strings.HasPrefix(r.stderr, "mqscope: "+action+" refused: ") ||
				!strings.Contains(r.stderr, "is read-only") || r.stdout != "" {
				t.Errorf("%v %v: exit %d, opened %d, stderr %q", ro, args, r.code, len(r.opened), r.stderr)
			}
		}
	}
}

func TestPublishReplayRedriveUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"publish"}, "mqscope publish needs DEST"},
		{[]string{"publish", "q", "--exchange", "x"}, "give DEST or --exchange, not both"},
		{[]string{"publish", "q", "--routing-key", "k"}, "--routing-key goes with --exchange"},
		{[]string{"publish", "q", "--count", "0"}, "--count 0: want 1 or more"},
		{[]string{"publish", "q", "--partition", "-1"}, "--partition -1: want 0 or more"},
		{[]string{"publish", "q", "--json", "--body", "{"}, "message 1: the body is not valid JSON"},
		{[]string{"publish", "q", "--content-type", "application/json", "--body", "nope"}, "message 1: the body is not valid JSON"},
		{[]string{"publish", "q", "-H", "novalue"}, `-H: header "novalue": want KEY=VALUE`},
		{[]string{"publish", "q", "-P", "priority=x"}, "-P: property priority="},
		{[]string{"publish", "q", "--body", "@/nonexistent/body"}, "--body @/nonexistent/body: open /nonexistent/body"},
		{[]string{"publish", "q", "--from-file", "f", "--key", "k"}, "--key builds messages, and --from-file sends them as exported"},
		{[]string{"replay", "src"}, "mqscope replay needs --to DEST, where the copies go"},
		{[]string{"replay", "--to", "dst"}, "mqscope replay needs SRC"},
		{[]string{"replay", "src", "--to", "src"}, "src is both the source and the target"},
		{[]string{"replay", "src", "--to", "dst", "--until", "-5"}, `--until "-5": want an offset, @RFC3339 time or @-DURATION`},
		{[]string{"replay", "src", "--to", "dst", "--from", "latest"}, "--from latest: there is nothing after the newest"},
		{[]string{"replay", "src", "--to", "dst", "--from-file", "f"}, "give SRC or --from-file, not both"},
		{[]string{"replay", "--to", "dst", "--from-file", "f", "-n", "3"}, "--limit picks messages of SRC"},
		{[]string{"redrive"}, "mqscope redrive takes one DLQ, got 0 arguments"},
		{[]string{"redrive", "dlq", "--max", "-1"}, "--max -1: want 0 (all) or more"},
	} {
		r := execute(t, refuse, append([]string{"--kafka", "k:9092"}, tc.args...)...)
		if r.code != ExitUsage || !strings.HasPrefix(r.stderr, "mqscope: "+tc.want) || len(r.opened) != 0 {
			t.Errorf("%v: exit %d, opened %d, stderr %q; want exit 2 and %q", tc.args, r.code, len(r.opened), r.stderr, tc.want)
		}
	}
}

func TestProgressLine(t *testing.T) {
	for _, tc := range []struct {
		s       progressState
		elapsed time.Duration
		want    string
	}{
		{progressState{}, 0, "moving  0"},
		{progressState{done: 1234, total: 3000}, 2 * time.Second,
			"moving [#########---------------]  1,234/3,000  617/s  ETA 3s"},
		{progressState{done: 800, kept: 50, failed: 50, total: 1000}, time.Second,
			"moving [#####################---]  800/1,000  kept 50  failed 50  900/s  ETA 0s"},
		{progressState{done: 1000, total: 1000}, time.Second, "moving [########################]  1,000/1,000  1,000/s"},
		{progressState{done: 1_500_000}, 3 * time.Second, "moving  1,500,000  500,000/s"},
	} {
		if got := progressLine("moving", tc.s, tc.elapsed); got != tc.want {
			t.Errorf("%+v: %q\nwant %q", tc.s, got, tc.want)
		}
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func p32(v int32) *int32 { return &v }

var plan = actions.RedrivePlan{
	Source: "orders-dlt", Letters: 10,
	Routes: []actions.PlannedRoute{
		{Route: actions.Route{Target: backends.Target{Destination: "orders", Partition: p32(0)}, Via: "spring kafka_dlt"}, Letters: 5},
		{Route: actions.Route{Target: backends.Target{Destination: "orders", Partition: p32(2)}, Via: "spring kafka_dlt"}, Letters: 2},
	},
	Kept: []actions.KeptLetters{
		{Target: "old-orders", Reason: "origin old-orders no longer exists", Err: actions.ErrOriginGone, Letters: 2},
		{Reason: "no origin: its headers name none, and no target was given for such letters", Err: actions.ErrNoOrigin, Letters: 1},
	},
}

func TestRedrivePlanTable(t *testing.T) {
	var b bytes.Buffer
	if err := render(&b, outputTable, planRows(plan), planColumns, planJSON(plan.Source)); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"TARGET      PARTITION  VIA               LETTERS  OUTCOME\n" +
		"orders              0  spring kafka_dlt        5  moves\n" +
		"orders              2  spring kafka_dlt        2  moves\n" +
		"old-orders                                     2  stays: origin old-orders no longer exists\n" +
		"-                                              1  stays: no origin: its headers name none; give --to DEST to send such letters somewhere\n"
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestRedrivePlanJSON(t *testing.T) {
	var b bytes.Buffer
	if err := render(&b, outputJSON, planRows(plan), planColumns, planJSON(plan.Source)); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	want := []string{
		`{"source":"orders-dlt","target":"orders","partition":0,"exchange":null,"routing_key":null,"via":"spring kafka_dlt","letters":5,"moves":true,"reason":null}`,
		`{"source":"orders-dlt","target":"orders","partition":2,"exchange":null,"routing_key":null,"via":"spring kafka_dlt","letters":2,"moves":true,"reason":null}`,
		`{"source":"orders-dlt","target":"old-orders","partition":null,"exchange":null,"routing_key":null,"via":null,"letters":2,"moves":false,"reason":"origin old-orders no longer exists"}`,
		`{"source":"orders-dlt","target":null,"partition":null,"exchange":null,"routing_key":null,"via":null,"letters":1,"moves":false,"reason":"no origin: its headers name none; give --to DEST to send such letters somewhere"}`,
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("json:\n%s\nwant:\n%s", b.String(), strings.Join(want, "\n"))
	}
	for _, l := range lines {
		if !json.Valid([]byte(l)) {
			t.Errorf("not JSON: %s", l)
		}
	}
}

// Letters that stayed are grouped by target and reason, most first.
func TestStayedRows(t *testing.T) {
	rows := stayedRows([]backends.MoveFailure{
		{Offset: 1, Target: "", Reason: "no origin"},
		{Offset: 2, Target: "gone", Reason: "origin gone no longer exists"},
		{Offset: 3, Target: "gone", Reason: "origin gone no longer exists"},
	})
	if len(rows) != 2 || rows[0].target != "gone" || rows[0].letters != 2 || rows[1].letters != 1 {
		t.Errorf("rows %+v", rows)
	}
}

// A broker that confirms nothing is said on stderr, terminal or not, each time the sender tells it.
func TestPublishSaysWhenTheBrokerGoesQuiet(t *testing.T) {
	var stderr strings.Builder
	a := &app{deps: Deps{Stderr: &stderr}}
	bar := a.progress("publishing")
	bar.sendProgress(actions.SendProgress{Sent: 3})
	bar.sendProgress(actions.SendProgress{Sent: 3, Waiting: 10*time.Second + 300*time.Millisecond})
	want := "mqscope: warning: the broker has confirmed nothing for 10s (3 confirmed so far); still waiting, " +
		"Ctrl-C stops with a report\n"
	if stderr.String() != want {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
}

// A redrive waiting out a cluster that does not answer says so in the words a publish's wait is said in.
func TestRedriveSaysWhenTheBrokerGoesQuiet(t *testing.T) {
	var stderr strings.Builder
	a := &app{deps: Deps{Stderr: &stderr}}
	bar := a.progress("moving")
	bar.moveProgress(backends.MoveProgress{Moved: 500, Total: 1200})
	bar.moveProgress(backends.MoveProgress{Moved: 500, Total: 1200, Waiting: 20*time.Second + 100*time.Millisecond})
	want := "mqscope: warning: the broker has confirmed nothing for 20s (500 moved so far); still waiting, " +
		"Ctrl-C stops with a report\n"
	if stderr.String() != want {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
}

// RATE is what went: a publish whose every message failed (a topic that does not exist, a wildcard MQTT
// topic) has no rate, where it read "1,886/s" for one refusal.
func TestSendReportRateCountsSent(t *testing.T) {
	var b bytes.Buffer
	rows := []sendRow{
		{target: "nosuch", SendReport: actions.SendReport{Failed: 1, Elapsed: 500 * time.Microsecond}},
		{target: "orders", SendReport: actions.SendReport{Sent: 100, Failed: 100, Elapsed: time.Second}},
	}
	if err := render(&b, outputTable, rows, sendColumns, sendJSON); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"TARGET  SENT  FAILED  ELAPSED   RATE\n" +
		"nosuch     0       1      1ms      -\n" +
		"orders   100     100       1s  100/s\n"
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
}

// A search quicker than a tenth of a second says how long it took, not "in 0s".
func TestSearchLineOfAQuickSearch(t *testing.T) {
	for elapsed, want := range map[time.Duration]string{
		46 * time.Millisecond:   "scanned 5,572, matched 0 in 46ms (121,130/s)",
		2140 * time.Millisecond: "scanned 5,572, matched 0 in 2.1s (2,603/s)",
	} {
		if got := searchLine(actions.SearchProgress{Scanned: 5572, Elapsed: elapsed}); got != want {
			t.Errorf("%v: %q, want %q", elapsed, got, want)
		}
	}
}

// A warning while a progress line is drawn in place (a terminal) starts a line of its own: Ctrl-C's
// "mqscope: stopping…" ran on from the end of the bar.
func TestAWarningClearsTheProgressLine(t *testing.T) {
	var stderr strings.Builder
	a := &app{deps: Deps{Stderr: &stderr}}
	bar := a.progress("moving")
	bar.w = &stderr // as on a terminal
	bar.moveProgress(backends.MoveProgress{Moved: 500, Total: 1200})
	a.warn("stopping: finishing what is under way to report it; Ctrl-C again quits at once")
	out := stderr.String()
	if !strings.Contains(out, "\r\x1b[Kmqscope: stopping") || !strings.HasPrefix(out, "\rmoving") {
		t.Errorf("stderr %q: want the bar, then the line cleared before the warning", out)
	}
}
