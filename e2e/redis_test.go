package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/internal/testkit/redisfix"
)

// redisWork seeds a stream of n entries with a group that has read `read` of them, `pending` of those
// delivered and unacknowledged to one consumer.
func redisWork(t *testing.T, s *redisfix.Server, n, read, pending int) (stream, group string, ids []string) {
	t.Helper()
	stream, group = redisfix.Unique("orders"), redisfix.Unique("billing")
	for i := range n {
		ids = append(ids, s.Add(t, stream, "body", fmt.Sprintf(`{"order":%d}`, i), "kind", "order"))
	}
	s.CreateGroup(t, stream, group, int64(read-pending))
	if pending > 0 {
		err := s.Client.XReadGroup(context.Background(), &goredis.XReadGroupArgs{Group: group, Consumer: "worker-1",
			Streams: []string{stream, ">"}, Count: int64(pending)}).Err()
		if err != nil {
			t.Fatal(err)
		}
	}
	return stream, group, ids
}

// state is everything a reader could change on a stream: its entries, its groups, their consumers and
// their pending lists.
func redisState(t *testing.T, s *redisfix.Server, stream string) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	fmt.Fprintf(&b, "entries %v\n", s.Entries(t, stream))
	for _, g := range s.Groups(t, stream) {
		fmt.Fprintf(&b, "group %+v\n", g)
		cs, err := s.Client.XInfoConsumers(ctx, stream, g.Name).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			fmt.Fprintf(&b, "consumer %s pending %d\n", c.Name, c.Pending)
		}
		p, err := s.Client.Do(ctx, "XPENDING", stream, g.Name, "-", "+", 100).Slice()
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range p { // id, consumer, idle, deliveries: the idle time grows by itself
			f := e.([]any)
			fmt.Fprintf(&b, "pending %v %v deliveries %v\n", f[0], f[1], f[3])
		}
	}
	return b.String()
}

func TestRedisListsStreamsGroupsAndExactLag(t *testing.T) {
	t.Parallel()
	s := redisfix.New(t)
	stream, group, ids := redisWork(t, s, 10, 4, 1)
	jobs := redisfix.Unique("jobs")
	s.Track(jobs)
	s.Client.RPush(context.Background(), jobs, "a", "b")

	ls := byName(jsonLines(t, mqscope(t, "--redis", s.URL, "ls", "-o", "json").stdout), "name")
	if d := ls[stream]; d == nil || d["kind"] != "stream" || d["messages"] != 10.0 || d["consumers"] != 1.0 {
		t.Errorf("ls: %s is %v", stream, d)
	}
	if d := ls[jobs]; d == nil || d["kind"] != "queue" || d["type"] != "list" || d["messages"] != 2.0 {
		t.Errorf("ls: %s is %v", jobs, d)
	}

	r := mqscope(t, "--redis", s.URL, "groups", "-o", "json")
	var g map[string]any
	for _, row := range jsonLines(t, r.stdout) {
		if topics, _ := row["topics"].([]any); slices.Contains(topics, any(stream)) && row["group"] == group {
			g = row
		}
	}
	if g == nil || g["state"] != "Active" || g["members"] != 1.0 {
		t.Errorf("groups: %s on %s is %v\n%s", group, stream, g, r.stdout)
	}

	// The table is in Redis's words: a group reads a STREAM, its consumers have READ entries of those ADDED;
	// no partitions. JSON keeps its keys.
	r = mqscope(t, "--redis", s.URL, "lag", group)
	if head := strings.Join(strings.Fields(r.stdout), " "); !strings.Contains(head, "GROUP STREAM READ ADDED LAG") ||
		strings.Contains(head, "PARTITION") || strings.Contains(head, "TOPIC") {
		t.Errorf("lag table not in Redis's words:\n%s", r.stdout)
	}

	r = mqscope(t, "--redis", s.URL, "lag", group, "-o", "json")
	lines := jsonLines(t, r.stdout)
	if r.code != 0 || len(lines) != 1 {
		t.Fatalf("lag: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var part map[string]any
	for _, p := range lines[0]["partitions"].([]any) {
		if p.(map[string]any)["topic"] == stream {
			part = p.(map[string]any)
		}
	}
	if part == nil || part["lag"] != 6.0 || part["committed"] != 4.0 || part["end"] != 10.0 {
		t.Fatalf("lag of %s on %s: %v", group, stream, part)
	}
	// Exact: the age, at the snapshot's time, of the first entry the group has not read (ids carry it).
	at, err := time.Parse(time.RFC3339Nano, lines[0]["at"].(string))
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := strconv.ParseInt(strings.Split(ids[4], "-")[0], 10, 64)
	want := at.Sub(time.UnixMilli(ms)).Seconds()
	if got := part["lag_seconds"].(float64); math.Abs(got-want) > 0.002 {
		t.Errorf("lag_seconds = %v, want %v: the age of entry %s at %v", got, want, ids[4], at)
	}
}

func TestRedisPeekMovesNothing(t *testing.T) {
	t.Parallel()
	s := redisfix.New(t)
	stream, _, ids := redisWork(t, s, 8, 5, 2)
	before := redisState(t, s, stream)
	for _, args := range [][]string{{}, {"--from", "@-15m"}, {"--from", "-3"}, {"--from", "2", "-n", "2"}} {
		r := mqscope(t, append([]string{"--redis", s.URL, "peek", stream, "-o", "json"}, args...)...)
		msgs := records(t, r.stdout)
		if r.code != 0 || len(msgs) == 0 {
			t.Fatalf("peek %v: exit %d\n%s", args, r.code, r.stderr)
		}
		last := msgs[len(msgs)-1]
		if string(last.Key) != ids[len(ids)-1] && len(args) < 3 {
			t.Errorf("peek %v: last key %s, want the last entry %s", args, last.Key, ids[len(ids)-1])
		}
		if h, ok := last.HeaderValue("kind"); !ok || string(h.Value) != "order" || !strings.HasPrefix(string(last.Body), `{"order":`) {
			t.Errorf("peek %v: %+v", args, last)
		}
	}
	if after := redisState(t, s, stream); after != before {
		t.Errorf("peeks changed the stream:\nbefore %s\nafter  %s", before, after)
	}
}

func TestRedisPublishReplayResetPurge(t *testing.T) {
	t.Parallel()
	s := redisfix.New(t)
	stream, group, _ := redisWork(t, s, 5, 5, 0)
	copyTo := redisfix.Unique("copy")
	s.EmptyStream(t, copyTo)

	r := mqscope(t, "--redis", s.URL, "publish", stream, "-H", "kind=test", "--body", "hello")
	entries := s.Entries(t, stream)
	if last := entries[len(entries)-1]; r.code != 0 || len(entries) != 6 || last.Fields[0] != "kind" {
		t.Fatalf("publish: exit %d %s; stream ends with %+v", r.code, r.stderr, last)
	}
	if body, _ := entries[5].Field("body"); body != "hello" {
		t.Errorf("published body %q", body)
	}
	if r := mqscope(t, "--redis", s.URL, "publish", redisfix.Unique("nowhere"), "--body", "x"); r.code == 0 ||
		!strings.Contains(r.stderr, "does not exist") {
		t.Errorf("publish to a missing stream: exit %d %s", r.code, r.stderr)
	}

	r = mqscope(t, "--redis", s.URL, "replay", stream, "--to", copyTo, "-n", "3")
	copied := s.Entries(t, copyTo)
	// A replay keeps every field; the body field comes last.
	if r.code != 0 || len(copied) != 3 || !reflect.DeepEqual(fieldMap(copied[2]), fieldMap(entries[2])) {
		t.Fatalf("replay: exit %d %s; copy holds %+v", r.code, r.stderr, copied)
	}
	if n := len(s.Entries(t, stream)); n != 6 {
		t.Errorf("the source holds %d entries after a replay, want 6", n)
	}

	r = mqscope(t, "--redis", s.URL, "reset-offsets", group, "--topic", stream, "--to", "earliest")
	if g := s.GroupNamed(t, stream, group); r.code != 0 || g.EntriesRead != 5 {
		t.Fatalf("dry run: exit %d %s; group %+v", r.code, r.stderr, g)
	}
	r = mqscope(t, "--redis", s.URL, "reset-offsets", group, "--topic", stream, "--to", "earliest", "--execute")
	if g := s.GroupNamed(t, stream, group); r.code != 0 || g.EntriesRead != 0 || g.Lag != 6 || g.LastDelivered != "0-0" {
		t.Fatalf("reset: exit %d %s; group %+v", r.code, r.stderr, g)
	}

	r = mqscope(t, "--redis", s.URL, "publish", copyTo, "--body", "capped", "--count", "3", "--maxlen", "2")
	if capped := s.Entries(t, copyTo); r.code != 0 || len(capped) != 2 {
		t.Fatalf("publish --maxlen 2: exit %d %s; %d entries", r.code, r.stderr, len(capped))
	}
	if r := mqscope(t, "--redis", s.URL, "publish", copyTo, "--body", "x", "--minid", "yesterday"); r.code != 2 {
		t.Errorf("publish --minid yesterday: exit %d %s, want 2", r.code, r.stderr)
	}

	r = mqscope(t, "--redis", s.URL, "purge", copyTo, "--yes")
	if left := s.Entries(t, copyTo); r.code != 0 || len(left) != 0 || !strings.Contains(r.stdout+r.stderr, "2") {
		t.Fatalf("purge: exit %d %s %s; %d left", r.code, r.stdout, r.stderr, len(left))
	}
}

// TestRedisRedriveKilledHalfway: a redrive killed with SIGKILL in the middle and run again puts every
// letter home exactly once, to its own origin of two.
func TestRedisRedriveKilledHalfway(t *testing.T) {
	t.Parallel()
	s := redisfix.New(t)
	dlq := redisfix.Unique("dead")
	origins := []string{redisfix.Unique("orders"), redisfix.Unique("payments")}
	for _, o := range origins {
		s.EmptyStream(t, o)
	}
	const n = 5_000 // the kill comes a quarter of the way through
	pipe := s.Client.Pipeline()
	for i := range n {
		pipe.XAdd(context.Background(), &goredis.XAddArgs{Stream: dlq, Values: []any{"body", fmt.Sprintf("letter %05d", i),
			"original-stream", origins[i%2], "error", "handler failed"}})
	}
	if _, err := pipe.Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.Track(dlq)

	cmd, _, stderr := mqscopeProcess(t, "--redis", s.URL, "redrive", dlq)
	deadline := time.Now().Add(30 * time.Second)
	for {
		left, err := s.Client.XLen(context.Background(), dlq).Result()
		if err != nil {
			t.Fatal(err)
		}
		if left < n*3/4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the redrive moved %d letters in 30 s: %s", n-left, stderr)
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	left := s.Entries(t, dlq)
	if len(left) == 0 || len(left) == n {
		t.Fatalf("killed with %d of %d letters left; want it stopped halfway", len(left), n)
	}
	checkLetters(t, s, dlq, origins, n, "after SIGKILL")

	r := mqscope(t, "--redis", s.URL, "redrive", dlq)
	if r.code != 0 {
		t.Fatalf("the second redrive: exit %d %s", r.code, r.stderr)
	}
	if left := s.Entries(t, dlq); len(left) != 0 {
		t.Errorf("%d letters left after the second redrive", len(left))
	}
	checkLetters(t, s, dlq, origins, n, "after the second run")
}

// checkLetters: every letter is in exactly one place, the dead-letter stream or its own origin.
func checkLetters(t *testing.T, s *redisfix.Server, dlq string, origins []string, n int, when string) {
	t.Helper()
	seen := make([]int, n)
	count := func(stream string, want func(i int) bool) {
		for _, e := range s.Entries(t, stream) {
			body, _ := e.Field("body")
			i, err := strconv.Atoi(strings.TrimPrefix(body, "letter "))
			if err != nil || !want(i) {
				t.Fatalf("%s: %s holds %q", when, stream, body)
			}
			seen[i]++
		}
	}
	count(dlq, func(int) bool { return true })
	for k, o := range origins {
		count(o, func(i int) bool { return i%2 == k })
	}
	for i, c := range seen {
		if c != 1 {
			t.Errorf("%s: letter %05d is in %d places, want exactly one", when, i, c)
		}
	}
}

func fieldMap(e redisfix.Entry) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(e.Fields); i += 2 {
		m[e.Fields[i]] = e.Fields[i+1]
	}
	return m
}

// TestRedisPendingPastADeliveryCountAreDeadLetters: pending lists what a group holds without counting a
// delivery; dead-letter moves exactly the entries past the count to a dead-letter stream and acknowledges
// them, leaving them in their stream; claim hands the rest to another consumer; redrive sends the letters
// home.
func TestRedisPendingPastADeliveryCountAreDeadLetters(t *testing.T) {
	t.Parallel()
	s := redisfix.New(t)
	ctx := context.Background()
	stream, group, ids := redisWork(t, s, 6, 6, 6) // all six delivered once to worker-1
	if err := s.Client.XClaim(ctx, &goredis.XClaimArgs{Stream: stream, Group: group, Consumer: "worker-1",
		Messages: ids[:2]}).Err(); err != nil { // the first two delivered twice
		t.Fatal(err)
	}
	dlq := stream + ":dlq"
	s.Track(dlq)
	before := redisState(t, s, stream)

	r := mqscope(t, "--redis", s.URL, "pending", stream, group, "--min-deliveries", "2", "-o", "json")
	lines := jsonLines(t, r.stdout)
	if r.code != 0 || len(lines) != 2 || lines[0]["deliveries"] != 2.0 || lines[0]["consumer"] != "worker-1" {
		t.Fatalf("pending: exit %d %s\n%s", r.code, r.stderr, r.stdout)
	}
	if r := mqscope(t, "--redis", s.URL, "dead-letter", stream, group, "--to", dlq, "--min-deliveries", "2"); r.code != 0 {
		t.Fatalf("dead-letter dry run: exit %d %s", r.code, r.stderr)
	}
	if after := redisState(t, s, stream); after != before {
		t.Fatalf("pending and a dry run changed the stream:\nbefore %s\nafter  %s", before, after)
	}

	r = mqscope(t, "--redis", s.URL, "dead-letter", stream, group, "--to", dlq, "--min-deliveries", "2", "--execute")
	letters := s.Entries(t, dlq)
	if r.code != 0 || len(letters) != 2 {
		t.Fatalf("dead-letter: exit %d %s; %s holds %d", r.code, r.stderr, dlq, len(letters))
	}
	for i, l := range letters {
		if o, _ := l.Field("original-stream"); o != stream {
			t.Errorf("letter %d names origin %q", i, o)
		}
		if id, _ := l.Field("original-id"); id != ids[i] {
			t.Errorf("letter %d names id %q, want %s", i, id, ids[i])
		}
	}
	if g := s.GroupNamed(t, stream, group); g.Pending != 4 || len(s.Entries(t, stream)) != 6 {
		t.Errorf("after dead-lettering two: %+v, %d entries; want 4 pending of 6", g, len(s.Entries(t, stream)))
	}

	r = mqscope(t, "--redis", s.URL, "claim", stream, group, "--for", "worker-2", "--execute")
	cs, _ := s.Client.XInfoConsumers(ctx, stream, group).Result()
	held := map[string]int64{}
	for _, c := range cs {
		held[c.Name] = c.Pending
	}
	if r.code != 0 || held["worker-2"] != 4 || held["worker-1"] != 0 {
		t.Errorf("claim: exit %d %s; consumers hold %v", r.code, r.stderr, held)
	}

	if r := mqscope(t, "--redis", s.URL, "redrive", dlq); r.code != 0 || len(s.Entries(t, dlq)) != 0 ||
		len(s.Entries(t, stream)) != 8 {
		t.Errorf("redrive: exit %d %s; %s holds %d", r.code, r.stderr, stream, len(s.Entries(t, stream)))
	}
}

// A redis: context over TLS with a client certificate, its files relative to the config file, lists a
// server that requires both; without the client certificate it fails in one line.
func TestRedisContextWithMutualTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	server := writeTestPKI(t, dir)
	certs := filepath.Join(dir, "certs")
	writePEMFile(t, filepath.Join(certs, "server.pem"), "CERTIFICATE", server.Certificates[0].Certificate[0])
	keyDER, err := x509.MarshalECPrivateKey(server.Certificates[0].PrivateKey.(*ecdsa.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	writePEMFile(t, filepath.Join(certs, "server.key"), "EC PRIVATE KEY", keyDER)
	addr := redisfix.Private(t, "--port", "0", "--tls-port", "{port}", "--tls-cert-file", filepath.Join(certs, "server.pem"),
		"--tls-key-file", filepath.Join(certs, "server.key"), "--tls-ca-cert-file", filepath.Join(certs, "ca.pem"),
		"--tls-auth-clients", "yes")
	cfg := filepath.Join(dir, "config.yaml")
	run := func(tlsLine string) (int, string) {
		os.WriteFile(cfg, []byte(`contexts:
  - name: secure
    redis:
      url: rediss://`+addr+`/0
      tls: `+tlsLine+`
`), 0o600)
		var out, errs strings.Builder
		code := runMain(t, cfg, &out, &errs, "--context", "secure", "ls")
		return code, errs.String()
	}
	if code, errs := run("{ca-file: certs/ca.pem, cert-file: certs/client.pem, key-file: certs/client.key}"); code != 0 {
		t.Fatalf("over mutual TLS: exit %d, %q", code, errs)
	}
	if code, errs := run("{ca-file: certs/ca.pem}"); code != 1 || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "redis") {
		t.Errorf("without a client certificate: exit %d, %q", code, errs)
	}
}

// TestRedisPurgeList: a list is purged as a queue (its length previewed, then DEL), not looked up as a
// stream to truncate; its preview has no UNACKED column.
func TestRedisPurgeList(t *testing.T) {
	t.Parallel()
	s := redisfix.New(t)
	list := redisfix.Unique("jobs")
	s.Track(list)
	if err := s.Client.RPush(context.Background(), list, "a", "b", "c").Err(); err != nil {
		t.Fatal(err)
	}
	r := mqscope(t, "--redis", s.URL, "purge", list)
	if n, _ := s.Client.LLen(context.Background(), list).Result(); r.code != 2 || n != 3 ||
		!strings.Contains(r.stderr, "would remove 3 ready messages") {
		t.Fatalf("preview: exit %d %s; list holds %d", r.code, r.stderr, n)
	}
	if head := strings.Fields(strings.SplitN(r.stdout, "\n", 2)[0]); len(head) == 0 || head[0] != "LIST" {
		t.Errorf("the preview names a list a list, not a queue: %q", r.stdout)
	}
	if strings.Contains(r.stdout, "UNACKED") { // a list holds nothing unacknowledged, ever
		t.Errorf("the preview shows a list's UNACKED: %q", r.stdout)
	}
	r = mqscope(t, "--redis", s.URL, "purge", list, "--yes")
	if n, _ := s.Client.LLen(context.Background(), list).Result(); r.code != 0 || n != 0 {
		t.Fatalf("purge --yes: exit %d %s %s; list holds %d", r.code, r.stdout, r.stderr, n)
	}
	if r := mqscope(t, "--redis", s.URL, "purge", redisfix.Unique("none")); r.code != 1 ||
		!strings.Contains(r.stderr, "mqscope ls") {
		t.Errorf("purge of a missing key: exit %d %s", r.code, r.stderr)
	}
}
