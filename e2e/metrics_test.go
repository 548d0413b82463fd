package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mqscope/mqscope/cli"
	"github.com/mqscope/mqscope/internal/testkit/demofix"
)

// A scrape of /metrics during `lag --watch` serves the watch's own snapshot: the lag in messages and in
// seconds, their source and the verdicts of the JSON line printed for that same refresh, and what a
// one-shot `lag -o json` says at the same time (lag seconds moved on by the snapshot's age).
func TestMetricsDuringLagWatchMatchLagJSON(t *testing.T) {
	t.Parallel()
	brokers := demofix.Brokers(demofix.Shared(t))
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr lockedBuffer
	done := make(chan int)
	go func() {
		done <- cli.Execute(ctx, []string{"--config", emptyConfig(t), "--kafka", brokers, "lag", "--watch",
			"--interval", "500ms", "--metrics", "127.0.0.1:0", "-o", "json"}, deps(&stdout, &stderr))
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("lag --watch ended with %d: %s", code, stderr.String())
		}
	}()
	addr := waitFor(t, func() string {
		m := regexp.MustCompile(`serving metrics on http://(\S+)/metrics`).FindStringSubmatch(stderr.String())
		if m == nil {
			return ""
		}
		return m[1]
	})

	// The scrape and the frame of the watch that printed the snapshot it serves.
	var series map[string]float64
	var frame []map[string]any
	waitFor(t, func() string {
		series = scrapeMetrics(t, addr)
		at, ok := series["mqscope_snapshot_timestamp_seconds"]
		if !ok {
			return ""
		}
		frame = nil
		for _, line := range jsonLines(t, stdout.String()) {
			stamp, _ := time.Parse(time.RFC3339Nano, line["at"].(string))
			if math.Abs(float64(stamp.UnixNano())/1e9-at) < 1e-3 {
				frame = append(frame, line)
			}
		}
		if len(frame) == 0 {
			return ""
		}
		return "found"
	})
	before := time.Now()
	oneShot := map[string]map[string]any{}
	for _, g := range jsonLines(t, mqscope(t, "--kafka", brokers, "lag", "--sample", "0", "-o", "json").stdout) {
		oneShot[g["group"].(string)] = g
	}
	after := time.Now()
	snapshotAt := series["mqscope_snapshot_timestamp_seconds"]
	// The one-shot's lag seconds are the snapshot's, older by the time between them.
	agedFrom, agedTo := float64(before.UnixNano())/1e9-snapshotAt-0.002, float64(after.UnixNano())/1e9-snapshotAt+0.002

	if len(frame) != len(oneShot) || len(frame) < 3 {
		t.Fatalf("%d groups in the watch's frame, %d in the one-shot lag", len(frame), len(oneShot))
	}
	for _, g := range frame {
		group := g["group"].(string)
		key := fmt.Sprintf(`{group="%s"}`, group)
		if got := series["mqscope_group_lag_messages"+key]; got != g["lag"] || got != oneShot[group]["lag"] {
			t.Errorf("%s: scraped lag %v, watch %v, one-shot %v", group, got, g["lag"], oneShot[group]["lag"])
		}
		status := g["status"].(string)
		if status == "…" {
			status = "pending"
		}
		if got := series[fmt.Sprintf(`mqscope_group_status{group="%s",status="%s"}`, group, status)]; got != 1 {
			t.Errorf("%s: status %s is %v in the scrape", group, status, got)
		}
		secs, known := g["lag_seconds"].(float64)
		scraped, scrapedKnown := series[fmt.Sprintf(`mqscope_group_lag_seconds{group="%s",source="%v"}`, group, g["lag_seconds_source"])]
		if known != scrapedKnown || math.Abs(secs-scraped) > 0.001 {
			t.Errorf("%s: scraped lag seconds %v (%v), watch %v (%v)", group, scraped, scrapedKnown, secs, g["lag_seconds_source"])
		}
		if now, ok := oneShot[group]["lag_seconds"].(float64); known && ok && secs > 0 &&
			(now < scraped+agedFrom || now > scraped+agedTo) {
			t.Errorf("%s: scraped lag seconds %.3f + %.3f to %.3f s since, one-shot %.3f", group, scraped, agedFrom, agedTo, now)
		}
		for _, p := range partitionsOf(g) {
			labels := fmt.Sprintf(`group="%s",partition="%v",topic="%s"`, group, p["partition"], p["topic"])
			if got := series["mqscope_partition_lag_messages{"+labels+"}"]; got != p["lag"] {
				t.Errorf("%s: scraped lag %v, watch %v", labels, got, p["lag"])
			}
			secs, known := p["lag_seconds"].(float64)
			scraped, scrapedKnown := series[fmt.Sprintf(`mqscope_partition_lag_seconds{group="%s",partition="%v",source="%v",topic="%s"}`,
				group, p["partition"], p["lag_seconds_source"], p["topic"])]
			if known != scrapedKnown || math.Abs(secs-scraped) > 0.001 {
				t.Errorf("%s: scraped lag seconds %v (%v), watch %v (%v)", labels, scraped, scrapedKnown, secs, p["lag_seconds_source"])
			}
		}
	}
	if age := series["mqscope_snapshot_age_seconds"]; age < 0 || age > 5 {
		t.Errorf("snapshot age %v s", age)
	}
}

// --metrics serves a watch's snapshots: without --watch it is a usage error, and a taken address fails
// at once with one line.
func TestMetricsNeedsAWatchAndAFreeAddress(t *testing.T) {
	t.Parallel()
	brokers := demofix.Brokers(demofix.Shared(t))
	if r := mqscope(t, "--kafka", brokers, "lag", "--metrics", "127.0.0.1:0"); r.code != cli.ExitUsage ||
		!strings.Contains(r.stderr, "add --watch") {
		t.Errorf("exit %d, %q", r.code, r.stderr)
	}
	r := mqscope(t, "--kafka", brokers, "lag", "--watch", "--metrics", "nowhere:no-port")
	if r.code != cli.ExitError || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "serve metrics on nowhere:no-port") {
		t.Errorf("exit %d, %q", r.code, r.stderr)
	}
}

// scrapeMetrics reads /metrics into series (name and labels as exposed) → value.
func scrapeMetrics(t *testing.T, addr string) map[string]float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %d %v", resp.StatusCode, err)
	}
	series := map[string]float64{}
	for _, line := range strings.Split(string(body), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("scrape line %q: %v", line, err)
		}
		series[line[:i]] = v
	}
	return series
}

// waitFor polls until get says something, for up to 20 s.
func waitFor(t *testing.T, get func() string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if s := get(); s != "" {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// lockedBuffer is a buffer one goroutine writes while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
