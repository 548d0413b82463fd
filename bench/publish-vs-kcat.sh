#!/usr/bin/env bash
# Whole-program benchmark of `mqscope publish` against kcat (issue 12, item 1). Not a test: it prints
# numbers.
#
# It starts the demo cluster, then, in the same run and alternating the two, times (/usr/bin/time)
#   mqscope publish orders --count N --body 'msg {{seq}}'
#   kcat -P -b BROKERS -t orders -X acks=all -X enable.idempotence=true -l FILE   (N lines 'msg I')
# both with acks=all and an idempotent producer, keyless, to the demo's topic orders (6 partitions, 3
# replicas), and prints the ratios of the median wall times, of the CPU each tool used, and of the CPU
# the demo's brokers spent on each (CPU figures are blurred less by a loaded machine). It checks first that
# each one's N messages arrive.
#
# Usage: bench/publish-vs-kcat.sh            (N=100000 RUNS=10 to change the count and the rounds)
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-100000}
RUNS=${RUNS:-10}
TOPIC=orders
BENCH=publish-vs-kcat
source bench/lib.sh
need kcat
build_mqscope
seq 1 "$N" | sed 's/^/msg /' >"$work/lines"

say "starting the demo cluster"
start_demo
brokers=$ready
count() { "$work/mqscope" --config "$work/config.yaml" --kafka "$brokers" ls -o json |
	sed -n "s/.*\"name\":\"$TOPIC\".*\"messages\":\([0-9]*\).*/\1/p"; }

mqscope_cmd="$work/mqscope --config $work/config.yaml --kafka $brokers publish $TOPIC --count $N --body msg-{{seq}} -o json"
kcat_cmd="kcat -P -b $brokers -t $TOPIC -X acks=all -X enable.idempotence=true -l $work/lines"

say "checking that each one's $N messages arrive"
for cmd in "$mqscope_cmd" "$kcat_cmd"; do
	before=$(count)
	$cmd >/dev/null
	after=$(count)
	[ $((after - before)) -ge "$N" ] || die "$cmd added $((after - before)) messages, want $N"
done

$mqscope_cmd >/dev/null # warm up both (page cache, the demo's first produce requests)
$kcat_cmd
alternate mqscope "$mqscope_cmd" kcat "$kcat_cmd" "$demo_pid"
print_alternate "mqscope publish vs kcat -P, $N messages, acks=all, idempotent" mqscope kcat
