#!/usr/bin/env bash
# Whole-program benchmark of `mqscope peek --where` against `kcat -J | jq 'select(...)'` (issue 14, item 4).
# Not a test: it prints numbers.
#
# It starts the demo cluster with a topic of N small JSON records (default 1,000,000 over 4 partitions:
# {"id":..,"name":"record-..","status":"ok","amount":0..999}), checks that both tools find the same 1 in
# 1,000 records (amount == 999), then times both with hyperfine in the same run: wall time, and the CPU
# time of each pipeline, which the shared broker does not blur.
#
# Usage: bench/search-vs-kcat-jq.sh       (N=1000000 RUNS=3 to change the size and the runs)
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-1000000}
RUNS=${RUNS:-3}
TOPIC=bench-1m
BENCH=search-vs-kcat-jq
source bench/lib.sh
need kcat jq hyperfine
build_mqscope

say "starting the demo cluster with $N records in $TOPIC"
start_demo --big-topic "$N"
brokers=$ready

mqscope_cmd="$work/mqscope --config $work/config.yaml --kafka $brokers peek $TOPIC --where 'value.amount == 999' -o json"
kcat_cmd="kcat -C -q -b $brokers -t $TOPIC -o beginning -e -J | jq -c 'select((.payload | fromjson).amount == 999)'"

say "checking that both find the same records"
want=$((N / 1000))
for cmd in "$mqscope_cmd" "$kcat_cmd"; do
	lines=$(bash -c "$cmd" 2>/dev/null | wc -l)
	[ "$lines" -eq "$want" ] || die "$cmd found $lines records, want $want"
done

time_pair mqscope "$mqscope_cmd 2>/dev/null >/dev/null" kcat-jq "$kcat_cmd >/dev/null" --warmup 1
print_times "peek --where vs kcat -J | jq, $N records of $TOPIC" kcat-jq mqscope
