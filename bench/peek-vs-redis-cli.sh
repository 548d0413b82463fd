#!/usr/bin/env bash
# Whole-program benchmark of `mqscope peek` of a Redis stream against `redis-cli XRANGE` (issue 15). Not a
# test: it prints numbers.
#
# It fills stream mqscope-bench:peek in database 14 of the Redis server at $REDIS (default
# redis://127.0.0.1:6379) with N small entries (default 1,000,000: a "body" field of JSON), checks that both
# tools print every entry, then, in the same run, times with hyperfine
#   mqscope --redis URL peek STREAM --from earliest -o json > /dev/null      (JSON Lines, one object per entry)
#   redis-cli -n 14 --raw XRANGE STREAM - + > /dev/null                      (one reply, printed raw)
# and prints the ratio of their wall and CPU times and their peak RSS. The stream is deleted at the end.
#
# Usage: bench/peek-vs-redis-cli.sh        (N=200000 RUNS=3 to change the size and the runs)
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-1000000}
RUNS=${RUNS:-5}
REDIS=${REDIS:-redis://127.0.0.1:6379}
DB=14
STREAM=mqscope-bench:peek
BENCH=peek-vs-redis-cli
source bench/lib.sh
for tool in redis-cli hyperfine /usr/bin/time; do command -v "$tool" >/dev/null || die "$tool is missing"; done

host=${REDIS#redis://}; host=${host%%/*}
rcli() { redis-cli -h "${host%:*}" -p "${host##*:}" -n "$DB" "$@"; }
bench_cleanup() { rcli DEL "$STREAM" >/dev/null 2>&1 || true; }
build_mqscope

say "writing $N entries to $STREAM (db $DB)"
rcli DEL "$STREAM" >/dev/null
awk -v n="$N" -v key="$STREAM" 'BEGIN {
	for (i = 0; i < n; i++) {
		v = sprintf("{\"order\":%d,\"sku\":\"SKU-%05d\",\"qty\":%d}", i, i % 99991, i % 7 + 1)
		printf "*5\r\n$4\r\nXADD\r\n$%d\r\n%s\r\n$1\r\n*\r\n$4\r\nbody\r\n$%d\r\n%s\r\n", length(key), key, length(v), v
	}
}' | rcli --pipe >/dev/null
[ "$(rcli XLEN "$STREAM")" -eq "$N" ] || die "$STREAM holds $(rcli XLEN "$STREAM") entries, want $N"

mqscope_cmd="$work/mqscope --config $work/config.yaml --redis $REDIS/$DB peek $STREAM --from earliest -o json"
cli_cmd="redis-cli -h ${host%:*} -p ${host##*:} -n $DB --raw XRANGE $STREAM - +"

say "checking that both print every entry"
lines=$($mqscope_cmd | wc -l)
[ "$lines" -eq "$N" ] || die "mqscope printed $lines lines, want $N"
lines=$($cli_cmd | wc -l)
[ "$lines" -eq $((3 * N)) ] || die "redis-cli printed $lines lines, want $((3 * N)) (id, field, value per entry)"

time_pair mqscope "$mqscope_cmd" redis-cli "$cli_cmd" -N --warmup 1
rss_mq=$(peak_rss $mqscope_cmd)
rss_cli=$(peak_rss $cli_cmd)

print_times "mqscope peek vs redis-cli XRANGE, $N entries" mqscope redis-cli
echo "  peak RSS: mqscope ${rss_mq} MiB, redis-cli ${rss_cli} MiB"
