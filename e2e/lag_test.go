package e2e

// End-to-end tests of lag, reset-offsets and purge with the real opener, against the demo cluster and the
// RabbitMQ server named by MQSCOPE_TEST_RABBITMQ. What they expect comes from demo.Seeded and from reading
// the brokers with their own clients, never from mqscope.

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/mqscope/mqscope/cli"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/demo"
	"github.com/mqscope/mqscope/internal/testkit/demofix"
	"github.com/mqscope/mqscope/internal/testkit/rabbitfix"
	"github.com/mqscope/mqscope/present"
)

// committed reads a group's committed offsets on a topic from `lag -o json`, by partition.
func committed(t *testing.T, brokers, group, topic string) map[int]float64 {
	t.Helper()
	r := mqscope(t, "--kafka", brokers, "lag", group, "--sample", "0", "-o", "json")
	lines := jsonLines(t, r.stdout)
	if r.code != 0 || len(lines) != 1 {
		t.Fatalf("lag %s: exit %d, %d lines: %s", group, r.code, len(lines), r.stderr)
	}
	out := map[int]float64{}
	for _, p := range partitionsOf(lines[0]) {
		if p["topic"] == topic {
			out[int(p["partition"].(float64))], _ = p["committed"].(float64)
		}
	}
	return out
}

func partitionsOf(group map[string]any) []map[string]any {
	var out []map[string]any
	for _, p := range group["partitions"].([]any) {
		out = append(out, p.(map[string]any))
	}
	return out
}

// `lag GROUP -o json` gives exactly the seeded committed offsets, log ends and lags per partition.
func TestLagOfBillingServiceIsExact(t *testing.T) {
	t.Parallel()
	shared := demofix.Shared(t)
	seeded, brokers := shared.Seeded(), demofix.Brokers(shared)
	want, _ := seeded.Group(demo.Billing)

	r := mqscope(t, "--kafka", brokers, "lag", demo.Billing, "--sample", "0", "-o", "json")
	lines := jsonLines(t, r.stdout)
	if r.code != 0 || len(lines) != 1 || r.stderr != "" {
		t.Fatalf("exit %d, %d lines, stderr %q", r.code, len(lines), r.stderr)
	}
	g := lines[0]
	total := want.Lag(seeded, demo.Orders) + want.Lag(seeded, demo.Payments)
	if g["group"] != demo.Billing || g["state"] != "Stable" || g["members"] != 1.0 || g["lag"] != float64(total) ||
		g["max_lag"] != 120.0 || g["lag_seconds_source"] != "exact" {
		t.Errorf("group line %v; want Stable, 1 member, lag %d, max 120, an exact lag_seconds", g, total)
	}
	parts := partitionsOf(g)
	n := 0
	for _, p := range parts {
		topic, part := p["topic"].(string), int(p["partition"].(float64))
		wantCommitted := want.Committed[topic][part]
		end := seededEnd(t, seeded, topic, part)
		lag := end - wantCommitted
		// Even a quiet log, whose end cannot date a position behind it, gives the exact age of the record
		// at the committed offset.
		secs, known := p["lag_seconds"].(float64)
		wantStatus := "OK" // one snapshot is no evidence for a partition behind: not judged yet
		if lag > 0 {
			wantStatus = "…"
		}
		if p["committed"] != float64(wantCommitted) || p["end"] != float64(end) || p["start"] != 0.0 ||
			p["lag"] != float64(lag) || !known || (lag == 0) != (secs == 0) || p["lag_seconds_source"] != "exact" ||
			p["member"] != demo.Billing || p["status"] != wantStatus {
			t.Errorf("%s/%d: %v; want committed %d, end %d, lag %d, an exact lag_seconds", topic, part, p, wantCommitted, end, lag)
		}
		n++
	}
	if n != len(want.Committed[demo.Orders])+len(want.Committed[demo.Payments]) {
		t.Errorf("%d partitions, want %v", n, want.Committed)
	}
}

func seededEnd(t *testing.T, s demo.Seeded, topic string, p int) int64 {
	t.Helper()
	st, ok := s.Topic(topic)
	if !ok {
		t.Fatalf("no seeded topic %s", topic)
	}
	return st.Ends[p]
}

// A one-shot lag samples several snapshots, so the verdicts already tell the stuck member (STALL: it
// holds its partitions and never moves) from the group with no members (STOP) and the one that keeps up.
func TestLagVerdictsOnTheDemo(t *testing.T) {
	t.Parallel()
	shared := demofix.Shared(t)
	seeded, brokers := shared.Seeded(), demofix.Brokers(shared)
	r := mqscope(t, "--kafka", brokers, "lag", "--sample", "100ms")
	rows := tableRows(t, r, "GROUP", "STATE", "MEMBERS", "PARTITIONS", "LAG", "MAX-LAG", "LAG-TIME", "STATUS")
	audit, _ := seeded.Group(demo.Audit)
	billing, _ := seeded.Group(demo.Billing)
	want := map[string]string{
		demo.Audit: fmt.Sprintf("audit-exporter Empty 0 7 %s 200 ERR", present.Int(audit.Lag(seeded, demo.Inventory))),
		demo.Billing: fmt.Sprintf("billing-service Stable 1 9 %s 120 ERR",
			present.Int(billing.Lag(seeded, demo.Orders)+billing.Lag(seeded, demo.Payments))),
		demo.Shipping: "shipping-service Stable 1 6 0 0 OK",
	}
	for group, line := range want {
		row := rows[group]
		if len(row) != 8 {
			t.Fatalf("row %q", row)
		}
		lagTime := row[6]
		if got := strings.Join(slices.Delete(slices.Clone(row), 6, 7), " "); got != line {
			t.Errorf("row %q\nwant %q", got, line)
		}
		// Every group behind gets a measured lag time (the record at its position dates it), not "-" or "≈".
		if group == demo.Shipping && lagTime != "0s" || lagTime == present.Unknown || strings.HasPrefix(lagTime, present.Estimated) {
			t.Errorf("%s: LAG-TIME %q", group, lagTime)
		}
	}
	if len(rows) != len(want) {
		t.Errorf("rows %v", rows)
	}

	r = mqscope(t, "--kafka", brokers, "lag", demo.Billing, demo.Audit, "--sample", "100ms", "-o", "json")
	status := map[string]string{}
	for _, g := range jsonLines(t, r.stdout) {
		for _, p := range partitionsOf(g) {
			status[fmt.Sprintf("%s %s/%v", g["group"], p["topic"], p["partition"])] = p["status"].(string)
		}
	}
	for key, want := range map[string]string{
		"billing-service orders/0": "STALL", "billing-service orders/1": "OK", "billing-service payments/1": "STALL",
		"audit-exporter inventory-events/0": "STOP", "audit-exporter inventory-events/2": "OK",
		"audit-exporter customers/0": "OK",
	} {
		if status[key] != want {
			t.Errorf("%s: %s, want %s", key, status[key], want)
		}
	}
}

// --exact gives how old the record at the committed offset is, as the broker's own record says.
func TestExactLagIsTheAgeOfTheRecordAtTheCommittedOffset(t *testing.T) {
	t.Parallel()
	shared := demofix.Shared(t)
	seeded, brokers := shared.Seeded(), demofix.Brokers(shared)
	billing, _ := seeded.Group(demo.Billing)
	at := billing.Committed[demo.Orders][0]
	written := recordTime(t, brokers, demo.Orders, 0, at)

	before := time.Now()
	r := mqscope(t, "--kafka", brokers, "lag", demo.Billing, "--exact", "--sample", "0", "-o", "json")
	after := time.Now()
	lines := jsonLines(t, r.stdout)
	if r.code != 0 || len(lines) != 1 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var got, groupSecs float64
	for _, p := range partitionsOf(lines[0]) {
		secs, known := p["lag_seconds"].(float64)
		if !known {
			t.Errorf("%s/%v: lag_seconds %v with --exact", p["topic"], p["partition"], p["lag_seconds"])
		}
		if p["lag"] == 0.0 && secs != 0 {
			t.Errorf("%s/%v is at the head, lag_seconds %v", p["topic"], p["partition"], secs)
		}
		if p["topic"] == demo.Orders && p["partition"] == 0.0 {
			got = secs
		}
		groupSecs = max(groupSecs, secs)
	}
	lo, hi := before.Sub(written).Seconds()-0.001, after.Sub(written).Seconds()+0.001
	if got < lo || got > hi || got < 60 {
		t.Errorf("orders/0 exact lag %.3f s, want between %.3f and %.3f", got, lo, hi)
	}
	if lines[0]["lag_seconds"] != groupSecs {
		t.Errorf("group lag_seconds %v, want the worst partition's %v", lines[0]["lag_seconds"], groupSecs)
	}
	if r := mqscope(t, "--kafka", brokers, "lag", "--exact"); r.code != cli.ExitUsage {
		t.Errorf("--exact without a group: exit %d, %s", r.code, r.stderr)
	}
}

// recordTime reads one record's timestamp with franz-go.
func recordTime(t *testing.T, brokers, topic string, partition int32, offset int64) time.Time {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(brokers, ",")...), kgo.ConsumePartitions(
		map[string]map[int32]kgo.Offset{topic: {partition: kgo.NewOffset().At(offset)}}))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		fetches := cl.PollFetches(ctx)
		if err := fetches.Err0(); err != nil {
			t.Fatal(err)
		}
		for _, r := range fetches.Records() {
			if r.Offset == offset {
				return r.Timestamp
			}
		}
	}
}

// Every group behind gets an exact lag in seconds from a one-shot lag, and a stalled partition's figure
// grows with the clock: looked at twice, it grew by the time between the looks, not by a multiple of it.
func TestLagSecondsOfAStalledPartitionGrowsWithTheClock(t *testing.T) {
	t.Parallel()
	brokers := demofix.Brokers(demofix.Shared(t))
	look := func() (time.Time, float64) {
		t.Helper()
		r := mqscope(t, "--kafka", brokers, "lag", "--sample", "0", "-o", "json")
		var at time.Time
		var orders0 float64
		for _, g := range jsonLines(t, r.stdout) {
			at, _ = time.Parse(time.RFC3339Nano, g["at"].(string))
			if g["lag"] != 0.0 && (g["lag_seconds"] == nil || g["lag_seconds_source"] != "exact") {
				t.Errorf("%s is behind by %v, lag_seconds %v (%v): %v", g["group"], g["lag"], g["lag_seconds"], g["lag_seconds_source"], g["partitions"])
			}
			for _, p := range partitionsOf(g) {
				if g["group"] == demo.Billing && p["topic"] == demo.Orders && p["partition"] == 0.0 {
					orders0, _ = p["lag_seconds"].(float64)
				}
			}
		}
		return at, orders0
	}
	t1, s1 := look()
	time.Sleep(time.Second) // the time that passes is what is measured
	t2, s2 := look()
	elapsed, grew := t2.Sub(t1).Seconds(), s2-s1
	if s1 < 60 || grew < elapsed-0.05 || grew > elapsed+0.05 {
		t.Errorf("billing-service orders/0: %.3f s, then %.3f s %.3f s later", s1, s2, elapsed)
	}
}

// A group Kafka does not know is an error of one line, exit 1, nothing on stdout: it used to print a row
// with STATUS OK and exit 0 after a warning.
func TestLagNamesAGroupThatDoesNotExist(t *testing.T) {
	t.Parallel()
	brokers := demofix.Brokers(demofix.Shared(t))
	r := mqscope(t, "--kafka", brokers, "lag", "no-such-group", "--sample", "0")
	if want := "mqscope: no group named no-such-group here (see `mqscope groups`)\n"; r.code != 1 || r.stderr != want || r.stdout != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 and %q", r.code, r.stdout, r.stderr, want)
	}
}

// resetLines runs reset-offsets -o json and returns its lines by partition.
func resetLines(t *testing.T, r result) map[int]map[string]any {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	out := map[int]map[string]any{}
	for _, l := range jsonLines(t, r.stdout) {
		out[int(l["partition"].(float64))] = l
	}
	return out
}

// A dry run shows, per partition, the seeded committed offset and where each target goes, clamped to
// the log with a warning; it changes nothing.
func TestResetOffsetsDryRun(t *testing.T) {
	t.Parallel()
	shared := demofix.Shared(t)
	seeded, brokers := shared.Seeded(), demofix.Brokers(shared)
	audit, _ := seeded.Group(demo.Audit)
	current := audit.Committed[demo.Inventory]
	end := func(p int) int64 { return seededEnd(t, seeded, demo.Inventory, p) }
	dry := func(topic, to string) map[int]map[string]any {
		r := mqscope(t, "--kafka", brokers, "reset-offsets", demo.Audit, "--topic", topic, "--to", to, "-o", "json")
		if !strings.HasSuffix(r.stderr, "mqscope: dry run: nothing changed; add --execute to apply\n") {
			t.Errorf("--to %s: stderr %q", to, r.stderr)
		}
		return resetLines(t, r)
	}
	check := func(to string, got map[int]map[string]any, p int, wantNew int64, warning string) {
		t.Helper()
		l := got[p]
		if l["current"] != float64(current[p]) || l["new"] != float64(wantNew) ||
			l["change"] != float64(wantNew-current[p]) || l["warning"] != warning || l["executed"] != false ||
			l["group"] != demo.Audit || l["state"] != "Empty" || l["end"] != float64(end(p)) || l["to"] != to {
			t.Errorf("--to %s, partition %d: %v; want new %d, warning %q", to, p, l, wantNew, warning)
		}
	}

	earliest := dry(demo.Inventory, "earliest")
	for p := range current {
		check("earliest", earliest, p, 0, "")
	}
	if len(earliest) != len(current) {
		t.Errorf("earliest: %d partitions, want %d", len(earliest), len(current))
	}
	some := dry(demo.Inventory+":0,3", "300")
	check("300", some, 0, 300, "")
	check("300", some, 3, min(300, end(3)), "")
	if len(some) != 2 {
		t.Errorf("partitions 0,3: got %v", some)
	}
	past := dry(demo.Inventory, "9999")
	for p := range current {
		check("9999", past, p, end(p), fmt.Sprintf("9999 is past the log end; set to %d", end(p)))
	}
	back := dry(demo.Inventory, "shift:-180")
	for p, c := range current {
		want, warning := c-180, ""
		if want < 0 {
			want, warning = 0, fmt.Sprintf("%d is before the log start; set to 0", c-180)
		}
		check("shift:-180", back, p, want, warning)
	}
	// A time with no record at or after it: the log end.
	later := "@" + time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	future := dry(demo.Inventory, later)
	for p := range current {
		check(later, future, p, end(p), "")
	}
	// A time within the log: the first offset at or after it, as the broker's own ListOffsets answers.
	when := time.Now().Add(-90 * time.Minute).Truncate(time.Second) // inventory spans the last 3 hours
	byTime := dry(demo.Inventory, "@"+when.UTC().Format(time.RFC3339))
	for p, off := range offsetsAfter(t, brokers, demo.Inventory, when) {
		if int64(off) >= end(p) || off == 0 {
			t.Errorf("partition %d: %d at %s is not within the log: pick another time", p, off, when)
		}
		check("@"+when.UTC().Format(time.RFC3339), byTime, p, off, "")
	}
	latest := dry(demo.Inventory, "latest")
	for p := range current {
		check("latest", latest, p, end(p), "")
	}

	// The table.
	r := mqscope(t, "--kafka", brokers, "reset-offsets", demo.Audit, "--topic", demo.Inventory+":0", "--to", "9999")
	rows := tableRows(t, r, "TOPIC", "PARTITION", "START", "END", "CURRENT", "NEW", "CHANGE", "WARNING")
	wantRow := fmt.Sprintf("%s 0 0 %d %d %d %+d 9999 is past the log end; set to %d", demo.Inventory, end(0), current[0],
		end(0), end(0)-current[0], end(0))
	if got := strings.Join(rows[demo.Inventory], " "); got != wantRow {
		t.Errorf("table row %q\nwant %q", got, wantRow)
	}
	if got := committed(t, brokers, demo.Audit, demo.Inventory); fmt.Sprint(got) != fmt.Sprint(asFloats(current)) {
		t.Errorf("dry runs changed the offsets: %v, seeded %v", got, current)
	}
}

// offsetsAfter asks the broker, through franz-go, for each partition's first offset at or after t.
func offsetsAfter(t *testing.T, brokers, topic string, at time.Time) map[int]int64 {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(brokers, ",")...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	listed, err := kadm.NewClient(cl).ListOffsetsAfterMilli(ctx, at.UnixMilli(), topic)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]int64{}
	listed.Each(func(o kadm.ListedOffset) { out[int(o.Partition)] = o.Offset })
	if len(out) == 0 {
		t.Fatalf("no offsets of %s at %s", topic, at)
	}
	return out
}

func asFloats(offsets []int64) map[int]float64 {
	out := map[int]float64{}
	for p, o := range offsets {
		out[p] = float64(o)
	}
	return out
}

// A group with a live member is refused with the message that says why, and so is any reset in read-only
// mode; neither changes an offset.
func TestResetOffsetsRefused(t *testing.T) {
	t.Parallel()
	shared := demofix.Shared(t)
	seeded, brokers := shared.Seeded(), demofix.Brokers(shared)
	billing, _ := seeded.Group(demo.Billing)

	r := mqscope(t, "--kafka", brokers, "reset-offsets", demo.Billing, "--topic", demo.Orders, "--to", "earliest", "--execute")
	want := "mqscope: group billing-service is Stable with 1 member; stop its consumers first — offsets can only be reset on an inactive group"
	if msg := oneLine(t, r, cli.ExitError); msg != want {
		t.Errorf("got  %s\nwant %s", msg, want)
	}
	r = mqscope(t, "--kafka", brokers, "reset-offsets", demo.Billing, "--topic", demo.Orders, "--to", "earliest")
	if r.code != 0 || !strings.Contains(r.stderr, "mqscope: warning: --execute would be refused: group billing-service is Stable") {
		t.Errorf("dry run of an active group: exit %d, stderr %q", r.code, r.stderr)
	}
	if got := committed(t, brokers, demo.Billing, demo.Orders); fmt.Sprint(got) != fmt.Sprint(asFloats(billing.Committed[demo.Orders])) {
		t.Errorf("offsets after the refusal %v, seeded %v", got, billing.Committed[demo.Orders])
	}

	audit, _ := seeded.Group(demo.Audit)
	r = mqscope(t, "--kafka", brokers, "--read-only", "reset-offsets", demo.Audit, "--topic", demo.Inventory, "--to", "earliest", "--execute")
	if msg := oneLine(t, r, cli.ExitError); !strings.HasPrefix(msg, `mqscope: reset-offsets refused: context "`) ||
		!strings.Contains(msg, "is read-only") {
		t.Errorf("read-only: %s", msg)
	}
	r = mqscope(t, "--kafka", brokers, "--read-only", "reset-offsets", demo.Audit, "--topic", demo.Inventory, "--to", "earliest")
	if r.code != 0 || !strings.Contains(r.stderr, "mqscope: warning: --execute would be refused: this context is read-only") {
		t.Errorf("read-only dry run: exit %d, stderr %q", r.code, r.stderr)
	}
	if got := committed(t, brokers, demo.Audit, demo.Inventory); fmt.Sprint(got) != fmt.Sprint(asFloats(audit.Committed[demo.Inventory])) {
		t.Errorf("offsets after the read-only refusal %v, seeded %v", got, audit.Committed[demo.Inventory])
	}
}

// --execute on the Empty group moves exactly the planned partitions, as lag then shows.
func TestResetOffsetsExecute(t *testing.T) {
	t.Parallel()
	cluster := demofix.Start(t)
	brokers := demofix.Brokers(cluster)
	audit, _ := cluster.Seeded().Group(demo.Audit)
	current := audit.Committed[demo.Inventory]

	r := mqscope(t, "--kafka", brokers, "reset-offsets", demo.Audit, "--topic", demo.Inventory+":0,1", "--to", "shift:-50",
		"--execute", "-o", "json")
	lines := resetLines(t, r)
	if len(lines) != 2 || lines[0]["executed"] != true || lines[0]["new"] != float64(current[0]-50) ||
		!strings.Contains(r.stderr, "mqscope: reset 2 offsets of group audit-exporter on inventory-events to shift:-50") {
		t.Errorf("execute: %v, stderr %q", lines, r.stderr)
	}
	want := asFloats(current)
	want[0], want[1] = float64(current[0]-50), float64(current[1]-50)
	if got := committed(t, brokers, demo.Audit, demo.Inventory); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("committed after the reset %v, want %v", got, want)
	}
}

// Kafka truncation: without --yes it says what would go and exits 2; read-only refuses; --yes moves the
// log start, to an offset or to the end.
func TestPurgeTruncatesATopic(t *testing.T) {
	t.Parallel()
	cluster := demofix.Start(t)
	brokers := demofix.Brokers(cluster)
	topic := demo.OrdersDLT
	ends, _ := cluster.Seeded().Topic(topic)
	dryRun := func() result { return mqscope(t, "--kafka", brokers, "purge", topic) }
	total := ends.Messages()

	r := mqscope(t, "--kafka", brokers, "purge", topic+":0")
	wantErr := fmt.Sprintf("mqscope: would delete %d records of %s; add --yes to purge\n", ends.Ends[0], topic)
	wantOut := fmt.Sprintf("TOPIC PARTITION START END BEFORE DELETES\n%s 0 0 %d %d %d\n", topic, ends.Ends[0], ends.Ends[0], ends.Ends[0])
	if r.code != cli.ExitUsage || r.stderr != wantErr || squeeze(r.stdout) != wantOut {
		t.Errorf("without --yes: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	before := dryRun()

	r = mqscope(t, "--kafka", brokers, "--read-only", "purge", topic, "--yes")
	if msg := oneLine(t, r, cli.ExitError); !strings.HasPrefix(msg, "mqscope: purge refused: context") {
		t.Errorf("read-only: %s", msg)
	}
	if after := dryRun(); after != before || messagesOf(t, brokers, topic) != total {
		t.Errorf("read-only purge changed the topic: %v", after)
	}

	r = mqscope(t, "--kafka", brokers, "purge", topic+":0", "--before", "2", "--yes", "-o", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"before":2,"deletes":2,"warning":"","executed":true`) {
		t.Errorf("--before 2 --yes: exit %d, %s %s", r.code, r.stdout, r.stderr)
	}
	if got := messagesOf(t, brokers, topic); got != total-2 {
		t.Errorf("%d messages after deleting 2 of %d", got, total)
	}
	r = mqscope(t, "--kafka", brokers, "purge", topic, "--yes")
	if r.code != 0 || !strings.Contains(r.stderr, fmt.Sprintf("deleted %d records of %s", total-2, topic)) {
		t.Errorf("purge --yes: exit %d, %s", r.code, r.stderr)
	}
	if got := messagesOf(t, brokers, topic); got != 0 {
		t.Errorf("%d messages after purging everything", got)
	}
}

// squeeze joins each line's fields with one space.
func squeeze(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		b.WriteString(strings.Join(strings.Fields(line), " ") + "\n")
	}
	return b.String()
}

// messagesOf is what `ls` counts in a topic: the sum of log end − log start.
func messagesOf(t *testing.T, brokers, topic string) int64 {
	t.Helper()
	r := mqscope(t, "--kafka", brokers, "ls", "-o", "json")
	d, ok := byName(jsonLines(t, r.stdout), "name")[topic]
	if !ok {
		t.Fatalf("no topic %s in ls: %s", topic, r.stderr)
	}
	return int64(d["messages"].(float64))
}

// `lag --watch` prints a JSON line per group per refresh until SIGINT, then exits 0. It runs as a real
// process: the test binary stands in for mqscope.
func TestLagWatchUntilInterrupted(t *testing.T) {
	t.Parallel()
	shared := demofix.Shared(t)
	seeded, brokers := shared.Seeded(), demofix.Brokers(shared)
	// 1ns is raised to the floor, with a note: a watch must not hammer the broker.
	cmd, out, stderr := mqscopeProcess(t, "--kafka", brokers, "lag", "--watch", "--interval", "1ns", "-o", "json")
	started := time.Now()
	lines := bufio.NewScanner(out)
	ticks := map[string]int{}
	for want := 2 * len(seeded.Groups); want > 0 && lines.Scan(); want-- {
		g := jsonLines(t, lines.Text())[0]
		ticks[g["group"].(string)]++
	}
	if took := time.Since(started); took < config.MinRefresh {
		t.Errorf("two refreshes took %s: the floor of %s does not hold", took, config.MinRefresh)
	}
	cmd.Process.Signal(os.Interrupt)
	for lines.Scan() {
	}
	floor := "mqscope: note: --interval 1ns is below the floor of 500ms (each refresh asks the broker); refreshing every 500ms\n"
	if err := cmd.Wait(); err != nil || stderr.String() != floor {
		t.Errorf("after SIGINT: %v, stderr %q, want %q", err, stderr.String(), floor)
	}
	for _, g := range seeded.Groups {
		if ticks[g.Name] != 2 {
			t.Errorf("ticks per group %v, want 2 each", ticks)
		}
	}
}

func emptyConfig(t *testing.T) string {
	path := t.TempDir() + "/config.yaml"
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// backlogOf polls `lag -o json` until the management API's figures for the queue satisfy ok.
func backlogOf(t *testing.T, url, queue string, ok func(map[string]any) bool) map[string]any {
	t.Helper()
	var q map[string]any
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		r := mqscope(t, "--rabbitmq", url, "lag", queue, "-o", "json")
		if r.code != 0 {
			t.Fatalf("lag %s: exit %d: %s", queue, r.code, r.stderr)
		}
		if lines := jsonLines(t, r.stdout); len(lines) == 1 {
			if q = lines[0]; ok(q) {
				return q
			}
		}
	}
	t.Fatalf("lag %s never showed the expected figures; last %v", queue, q)
	return nil
}

// A queue named on the command line is counted now (a passive declare), not read from the management
// API's sample, which lags a publish by seconds: right after three messages land, lag says 3.
func TestLagOfANamedQueueCountsItNow(t *testing.T) {
	t.Parallel()
	rabbit := rabbitfix.New(t)
	rabbit.Declare(t, "fresh", nil)
	rabbit.PutJSON(t, "fresh", 3)
	r := mqscope(t, "--rabbitmq", rabbit.URL, "lag", "fresh", "-o", "json")
	lines := jsonLines(t, r.stdout)
	if r.code != 0 || len(lines) != 1 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if q := lines[0]; q["ready"] != 3.0 || q["consumers"] != 0.0 || q["counts"] != "exact" || q["drain"] != "stalled" {
		t.Errorf("right after 3 published: %v; want ready 3, consumers 0, counted exactly, stalled", q)
	}
}

// On RabbitMQ, lag is the queues' backlog: a consumer that holds 2 of 3 messages unacknowledged leaves 1
// ready, and the queue drains at the ack rate (none here: it is not draining).
func TestLagOnRabbitMQIsTheQueueBacklog(t *testing.T) {
	t.Parallel()
	rabbit := rabbitfix.New(t)
	url, queue := rabbit.URL, "backlog"
	rabbit.Declare(t, queue, nil)
	rabbit.PutJSON(t, queue, 3)
	ch := rabbit.Channel(t) // the consumer that holds messages
	if err := ch.Qos(2, 0, false); err != nil {
		t.Fatal(err)
	}
	if _, err := ch.Consume(queue, "holder", false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}

	q := backlogOf(t, url, queue, func(q map[string]any) bool {
		return q["ready"] == 1.0 && q["unacked"] == 2.0 && q["consumers"] == 1.0
	})
	if got := keys(q); got != "ack_rate at consumers counts deliver_rate drain drain_seconds growing publish_rate queue ready unacked vhost" {
		t.Errorf("fields %s", got)
	}
	if at, err := time.Parse(time.RFC3339, fmt.Sprint(q["at"])); err != nil || time.Since(at) > time.Minute {
		t.Errorf("at %v: %v; want when the figures were read, RFC 3339", q["at"], err)
	}
	if q["queue"] != queue || !strings.HasSuffix(url, "/"+q["vhost"].(string)) {
		t.Errorf("line %v", q)
	}
	r := mqscope(t, "--rabbitmq", url, "lag", queue) // named: counted now, as the JSON above was
	lines := strings.Split(squeeze(r.stdout), "\n")
	if r.code != 0 || lines[0] != "QUEUE VHOST READY UNACKED CONSUMERS PUBLISH/S DELIVER/S ACK/S DRAIN" ||
		!strings.HasPrefix(lines[1], "backlog "+q["vhost"].(string)+" 1 2 1 ") {
		t.Errorf("table:\n%s%s", r.stdout, r.stderr)
	}
	if r := mqscope(t, "--rabbitmq", url, "lag", "nope"); r.code != cli.ExitError || !strings.Contains(r.stderr, "no queue named nope") {
		t.Errorf("unknown queue: exit %d %s", r.code, r.stderr)
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
