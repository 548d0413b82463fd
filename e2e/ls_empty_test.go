package e2e

import (
	"strings"
	"testing"

	"github.com/mqscope/mqscope/internal/testkit/kafkafix"
	"github.com/mqscope/mqscope/internal/testkit/natsfix"
	"github.com/mqscope/mqscope/internal/testkit/redisfix"
)

// ls on a broker with nothing to list says so in one line on stderr, the same way on every broker; it
// printed the header row alone, which read like a failure. Stdout stays what scripts read.
func TestLsOnAnEmptyBrokerSaysSo(t *testing.T) {
	t.Parallel()
	nats := natsfix.Embedded(t)
	kafka := kafkafix.Start(t)
	for _, tc := range []struct {
		conn []string
		want string
	}{
		{[]string{"--nats", nats.URL}, "mqscope: no streams\n"},
		{[]string{"--kafka", strings.Join(kafka.ListenAddrs(), ",")}, "mqscope: no topics (--all also lists the broker's own, such as __consumer_offsets)\n"},
	} {
		r := mqscope(t, append([]string{"ls"}, tc.conn...)...)
		if r.code != 0 || r.stderr != tc.want || strings.Count(r.stdout, "\n") != 1 {
			t.Errorf("ls %v: exit %d, stderr %q, stdout %q; want stderr %q and the header row", tc.conn, r.code, r.stderr, r.stdout, tc.want)
		}
		json := mqscope(t, append([]string{"ls", "-o", "json"}, tc.conn...)...)
		if json.code != 0 || json.stdout != "" || json.stderr != tc.want {
			t.Errorf("ls -o json %v: exit %d, stdout %q, stderr %q", tc.conn, json.code, json.stdout, json.stderr)
		}
	}
}

// groups and lag with no group to show say so the way ls does: one line on stderr, in the broker's words;
// they printed the header row alone.
func TestGroupsAndLagOnABrokerWithoutGroupsSaySo(t *testing.T) {
	t.Parallel()
	redis := redisfix.Private(t)
	kafka := kafkafix.Start(t)
	nats := natsfix.Embedded(t)
	for _, tc := range []struct {
		conn []string
		want string
	}{
		{[]string{"--nats", nats.URL}, "mqscope: no durable consumers on any stream\n"},
		{[]string{"--redis", "redis://" + redis + "/0"}, "mqscope: no consumer groups on the streams of this database\n"},
		{[]string{"--kafka", strings.Join(kafka.ListenAddrs(), ",")}, "mqscope: no consumer groups\n"},
	} {
		for _, verb := range []string{"groups", "lag"} {
			r := mqscope(t, append([]string{verb}, tc.conn...)...)
			if r.code != 0 || r.stderr != tc.want || strings.Count(r.stdout, "\n") != 1 {
				t.Errorf("%s %v: exit %d, stderr %q, stdout %q; want stderr %q and the header row", verb, tc.conn, r.code, r.stderr, r.stdout, tc.want)
			}
			json := mqscope(t, append([]string{verb, "-o", "json"}, tc.conn...)...)
			if json.code != 0 || json.stdout != "" || json.stderr != tc.want {
				t.Errorf("%s -o json %v: exit %d, stdout %q, stderr %q", verb, tc.conn, json.code, json.stdout, json.stderr)
			}
		}
	}
}
