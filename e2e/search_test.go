package e2e

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/cli"
	"github.com/mqscope/mqscope/demo"
	"github.com/mqscope/mqscope/internal/testkit/demofix"
)

// peek --where writes exactly the messages of the whole export that satisfy the expression, in the same
// order, stops after -n matches, ends the scan at --until, and says on stderr what it scanned and matched.
func TestPeekWhereIsTheExportFiltered(t *testing.T) {
	t.Parallel()
	brokers := demofix.Brokers(demofix.Shared(t))
	all := jsonLines(t, mqscope(t, "--kafka", brokers, "peek", demo.Orders, "-o", "json").stdout)
	key := func(m map[string]any) string { s, _ := m["key"].(string); return s }
	var want []string
	for _, m := range all {
		if m["partition"] == 2.0 && m["offset"].(float64) >= 10 && strings.HasSuffix(key(m), "1") {
			want = append(want, key(m)+"@"+strings.TrimSuffix(m["timestamp"].(string), "Z"))
		}
	}
	if len(want) < 3 {
		t.Fatalf("the demo has %d matches, too few to test with", len(want))
	}
	keys := func(out string) []string {
		var got []string
		for _, m := range jsonLines(t, out) {
			got = append(got, key(m)+"@"+strings.TrimSuffix(m["timestamp"].(string), "Z"))
		}
		return got
	}
	where := `partition == 2 && offset >= 10 && key endsWith "1"`
	r := mqscope(t, "--kafka", brokers, "peek", demo.Orders, "--where", where, "-o", "json")
	if got := keys(r.stdout); r.code != 0 || !slices.Equal(got, want) {
		t.Errorf("exit %d: %d matches %v\nwant %d %v\n%s", r.code, len(got), got, len(want), want, r.stderr)
	}
	line := regexp.MustCompile(`^mqscope: scanned ([\d,]+), matched ([\d,]+) in \S+ \([\d,]+/s\)\n$`).FindStringSubmatch(r.stderr)
	if line == nil || line[1] != thousandsOf(len(all)) || line[2] != thousandsOf(len(want)) {
		t.Errorf("stderr %q; want scanned %d, matched %d", r.stderr, len(all), len(want))
	}

	r = mqscope(t, "--kafka", brokers, "peek", demo.Orders, "--where", where, "-n", "2", "-o", "json")
	if got := keys(r.stdout); r.code != 0 || !slices.Equal(got, want[:2]) {
		t.Errorf("-n 2: %v, want %v", got, want[:2])
	}
	// A JSON field of the body: every order with that status, and only those.
	var big int
	for _, m := range all {
		var order struct {
			Status string
			Total  float64
		}
		json.Unmarshal([]byte(m["value"].(string)), &order)
		if order.Status == "created" && order.Total > 300 {
			big++
		}
	}
	r = mqscope(t, "--kafka", brokers, "peek", demo.Orders, "--where", `value.status == "created" && value.total > 300`, "-o", "json")
	if n := len(jsonLines(t, r.stdout)); r.code != 0 || n != big || big == 0 || big == len(all) {
		t.Errorf("created orders over 300: %d, want %d of %d: %s", n, big, len(all), r.stderr)
	}
	r = mqscope(t, "--kafka", brokers, "peek", demo.Orders, "--partition", "2", "--where", "true", "--until", "10", "-o", "json")
	if n := len(jsonLines(t, r.stdout)); r.code != 0 || n != 10 {
		t.Errorf("--until 10 on one partition: %d messages, %s", n, r.stderr)
	}
}

// A mistake in the expression is a one-line usage error naming it, before anything is read.
func TestPeekWhereMistakes(t *testing.T) {
	t.Parallel()
	brokers := demofix.Brokers(demofix.Shared(t))
	for _, args := range [][]string{
		{"--where", `key startsWith "x`}, {"--where", "offset + 1"}, {"--until", "10"},
		{"--where", "true", "--follow"}, {"--where", "true", "--until", "latest"},
	} {
		r := mqscope(t, append([]string{"--kafka", brokers, "peek", demo.Orders}, args...)...)
		if r.code != cli.ExitUsage || strings.Count(r.stderr, "\n") != 1 || r.stdout != "" {
			t.Errorf("%v: exit %d, %q", args, r.code, r.stderr)
		}
	}
}
