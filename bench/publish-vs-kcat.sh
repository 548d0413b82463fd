#!/usr/bin/env bash
# Whole-program benchmark of `mqscope publish` against kcat (issue 12, item 1). Not a test: it prints
# numbers.
#
# It starts the demo cluster, then, in the same run and alternating the two, times with hyperfine
#   mqscope publish orders --count N --body 'msg {{seq}}'
#   kcat -P -b BROKERS -t orders -X acks=all -X enable.idempotence=true -l FILE   (N lines 'msg I')
# both with acks=all and an idempotent producer, keyless, to the demo's topic orders (6 partitions, 3
# replicas), and prints the ratio
# of wall times (and of the CPU each tool used, which a loaded machine blurs less). It checks first that
# each one's N messages arrive.
#
# Usage: bench/publish-vs-kcat.sh            (N=100000 RUNS=10 to change the count and the runs)
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-100000}
RUNS=${RUNS:-10}
TOPIC=orders
say() { printf 'publish-vs-kcat: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

for tool in kcat hyperfine; do
	command -v "$tool" >/dev/null && continue
	say "$tool is missing; installing it with apt-get"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool" >/dev/null ||
		die "could not install $tool with apt-get"
done

work=$(mktemp -d)
demo_pid=
cleanup() {
	[ -n "$demo_pid" ] && kill "$demo_pid" 2>/dev/null && wait "$demo_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

say "building mqscope"
go build -o "$work/mqscope" .
: >"$work/config.yaml" # an empty config, so that the user's contexts stay out
chmod 600 "$work/config.yaml"
seq 1 "$N" | sed 's/^/msg /' >"$work/lines"

say "starting the demo cluster"
"$work/mqscope" --config "$work/config.yaml" demo --serve --still >"$work/demo.out" &
demo_pid=$!
for _ in $(seq 1 600); do
	grep -q '^ready ' "$work/demo.out" && break
	kill -0 "$demo_pid" 2>/dev/null || die "the demo cluster did not start"
	sleep 0.2
done
brokers=$(sed -n 's/^ready //p' "$work/demo.out")
[ -n "$brokers" ] || die "the demo cluster did not say ready within 120 s"
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

say "timing ($RUNS runs each, alternating)"
hyperfine -N --warmup 1 --runs "$RUNS" --style basic --export-csv "$work/times.csv" \
	-n mqscope "$mqscope_cmd" -n kcat "$kcat_cmd" >&2

echo
echo "mqscope publish vs kcat -P, $N messages, acks=all, idempotent ($(nproc) CPUs, $RUNS runs; load $(cut -d' ' -f1-3 /proc/loadavg))"
awk -F, '
	NR > 1 { name[NR] = $1; mean[$1] = $2; sd[$1] = $3; cpu[$1] = $5 + $6 }
	END {
		printf "  %-8s %9s %9s %12s\n", "", "wall (s)", "± (s)", "CPU (s)"
		for (i = 2; i <= NR; i++) printf "  %-8s %9.3f %9.3f %12.3f\n", name[i], mean[name[i]], sd[name[i]], cpu[name[i]]
		printf "  ratio mqscope/kcat: wall %.2f, CPU %.2f\n", mean["mqscope"] / mean["kcat"], cpu["mqscope"] / cpu["kcat"]
	}' "$work/times.csv"
