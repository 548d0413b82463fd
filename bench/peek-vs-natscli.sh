#!/usr/bin/env bash
# Whole-program benchmark of `mqscope peek -o json` on NATS JetStream against natscli. Not a test: it
# prints numbers.
#
# It starts the NATS demo (an embedded server, `demo --broker nats`) with stream DEMO_BENCH holding N small
# JSON messages (default 1,000,000), checks that each tool prints every message, then, in the same run,
# times with hyperfine:
#   - mqscope peek DEMO_BENCH --from earliest -o json > /dev/null (every message as a JSON line: subject,
#     sequence, time, headers, body);
#   - nats sub demo.bench --stream DEMO_BENCH --all --count N --raw > /dev/null (bodies only, through an
#     ordered consumer). `nats stream view` pages 25 messages at a time and asks before each page, so it
#     cannot dump a stream; `nats sub --raw` is what natscli has for that, and it prints less than mqscope.
# and measures each one's peak RSS with /usr/bin/time.
#
# Usage: bench/peek-vs-natscli.sh     (N=1000000 RUNS=3 to change the size and the runs; NATS_CLI=path)
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-1000000}
RUNS=${RUNS:-3}
NATS_CLI=${NATS_CLI:-$(command -v nats || echo "$HOME/go/bin/nats")}
BENCH=peek-vs-natscli
source bench/lib.sh

[ -x "$NATS_CLI" ] || die "natscli is missing: go install github.com/nats-io/natscli/nats@v0.5.0, or set NATS_CLI"
command -v hyperfine >/dev/null || die "hyperfine is missing (apt-get install hyperfine)"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install time)"
build_mqscope

say "starting the NATS demo with $N messages in DEMO_BENCH"
WAIT=300 start_demo --broker nats --big-topic "$N"
url=$ready

mqscope_cmd="$work/mqscope --config $work/config.yaml --nats $url peek DEMO_BENCH --from earliest -o json"
natscli_cmd="$NATS_CLI -s $url sub demo.bench --stream DEMO_BENCH --all --count $N --raw"

say "checking that both print every message"
for cmd in "$mqscope_cmd" "$natscli_cmd"; do
	lines=$($cmd 2>/dev/null | grep -c 'bench' || true)
	[ "$lines" -eq "$N" ] || die "$cmd printed $lines messages, want $N"
done

time_pair mqscope "$mqscope_cmd" natscli "$natscli_cmd" -N
rss_mq=$(peak_rss $mqscope_cmd)
rss_nats=$(peak_rss $natscli_cmd)

print_times "mqscope peek vs natscli sub, $N messages of DEMO_BENCH" mqscope natscli
echo "  peak RSS: mqscope ${rss_mq} MiB, natscli ${rss_nats} MiB"
