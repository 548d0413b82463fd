#!/usr/bin/env bash
# Whole-program benchmark of `mqscope peek` against kcat (issue 3, item 9). Not a test: it prints numbers.
#
# It starts the demo cluster with a topic of N small JSON records (default 1,000,000 over 4 partitions),
# checks that both tools print every record, then, in the same run:
#   - times `mqscope peek bench-1m --from earliest -o json > /dev/null` against
#     `kcat -C -b BROKERS -t bench-1m -o beginning -e -J > /dev/null` with hyperfine (wall time, and the
#     CPU time of each tool, which the shared broker does not blur);
#   - measures each one's peak RSS with /usr/bin/time;
#   - checks that mqscope's memory does not grow with the records streamed: peak RSS for N/5 records
#     against N.
#
# Usage: bench/peek-vs-kcat.sh            (N=1000000 RUNS=5 to change the size and the runs)
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-1000000}
RUNS=${RUNS:-5}
TOPIC=bench-1m
BENCH=peek-vs-kcat
source bench/lib.sh
need kcat hyperfine
[ -x /usr/bin/time ] || as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
build_mqscope

say "starting the demo cluster with $N records in $TOPIC"
start_demo --big-topic "$N"
brokers=$ready

mqscope_cmd="$work/mqscope --config $work/config.yaml --kafka $brokers peek $TOPIC --from earliest -o json"
kcat_cmd="kcat -C -q -b $brokers -t $TOPIC -o beginning -e -J"

say "checking that both print every record"
for cmd in "$mqscope_cmd" "$kcat_cmd"; do
	lines=$($cmd | wc -l)
	[ "$lines" -eq "$N" ] || die "$cmd printed $lines lines, want $N"
done

time_pair mqscope "$mqscope_cmd" kcat "$kcat_cmd" -N --warmup 1
small=$((N / 5))
rss_mq=$(peak_rss $mqscope_cmd)
rss_mq_small=$(peak_rss $mqscope_cmd -n "$small")
rss_kcat=$(peak_rss $kcat_cmd)

print_times "mqscope peek vs kcat, $N records of $TOPIC" mqscope kcat
echo "  peak RSS: mqscope ${rss_mq} MiB, kcat ${rss_kcat} MiB"
echo "  mqscope peak RSS by records streamed: ${small}: ${rss_mq_small} MiB, ${N}: ${rss_mq} MiB"
