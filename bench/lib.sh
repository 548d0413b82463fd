# Shared by the whole-program benchmarks: source it after setting BENCH (the script's name, for messages).
# It gives say/die, tool installs, a scratch folder with a fresh mqscope build and an empty config, and a
# demo started in the background that is stopped when the script exits.

say() { printf '%s: %s\n' "$BENCH" "$*" >&2; }
die() { say "$*"; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# need installs each missing tool with apt-get (Debian package names).
need() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null && continue
		say "$tool is missing; installing it with apt-get"
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool" >/dev/null ||
			die "could not install $tool with apt-get"
	done
}

work=$(mktemp -d)
demo_pid=
cleanup() {
	[ "$(type -t bench_cleanup)" = function ] && bench_cleanup
	[ -n "$demo_pid" ] && kill "$demo_pid" 2>/dev/null && wait "$demo_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# build_mqscope builds $work/mqscope, with an empty config so that the user's contexts stay out.
build_mqscope() {
	say "building mqscope"
	go build -o "$work/mqscope" .
	: >"$work/config.yaml"
	chmod 600 "$work/config.yaml"
}

# start_demo runs `mqscope demo --serve --still ARGS...` in the background and sets ready to what it said
# after "ready " (its brokers or URL), waiting at most WAIT seconds (default 120). Not in $(...): the demo's
# pid must reach cleanup.
start_demo() {
	"$work/mqscope" --config "$work/config.yaml" demo --serve --still "$@" >"$work/demo.out" &
	demo_pid=$!
	local wait=${WAIT:-120} i
	for ((i = 0; i < wait * 5; i++)); do
		grep -q '^ready ' "$work/demo.out" && break
		kill -0 "$demo_pid" 2>/dev/null || die "the demo did not start"
		sleep 0.2
	done
	ready=$(sed -n 's/^ready //p' "$work/demo.out")
	[ -n "$ready" ] || die "the demo did not say ready within $wait s"
}

# bench_cleanup, when a script defines it, runs at exit before the scratch folder goes (to delete what the
# script wrote to a shared broker, say).

# time_pair NAME1 CMD1 NAME2 CMD2 [HYPERFINE_OPTION...] times both commands with hyperfine, $RUNS runs each
# in the same run, into $work/times.csv for print_times. Options such as -N (no shell) or --warmup 1 go last.
time_pair() {
	local name1=$1 cmd1=$2 name2=$3 cmd2=$4
	shift 4
	say "timing ($RUNS runs each)"
	hyperfine "$@" --runs "$RUNS" --style basic --export-csv "$work/times.csv" \
		-n "$name1" "$cmd1" -n "$name2" "$cmd2" >&2
}

# peak_rss CMD... prints the peak resident set in MiB of one run of CMD, its output discarded.
peak_rss() {
	/usr/bin/time -f '%M' -o "$work/rss" "$@" >/dev/null 2>"$work/rss.err" ||
		die "$* failed: $(tail -n 3 "$work/rss.err")"
	awk '{ printf "%.0f", $1 / 1024 }' "$work/rss"
}

# print_times TITLE OVER UNDER prints the hyperfine times of $work/times.csv under a title line that says
# the CPUs, runs and load, then the ratio of OVER's times to UNDER's (both names given to time_pair).
print_times() {
	echo
	echo "$1 ($(nproc) CPUs, $RUNS runs; load $(cut -d' ' -f1-3 /proc/loadavg))"
	awk -F, -v over="$2" -v under="$3" '
		NR > 1 { name[NR] = $1; mean[$1] = $2; sd[$1] = $3; cpu[$1] = $5 + $6; if (length($1) > w) w = length($1) }
		END {
			if (w < 8) w = 8
			printf "  %-" w "s %9s %9s %12s\n", "", "wall (s)", "± (s)", "CPU (s)"
			for (i = 2; i <= NR; i++) printf "  %-" w "s %9.3f %9.3f %12.3f\n", name[i], mean[name[i]], sd[name[i]], cpu[name[i]]
			printf "  ratio %s/%s: wall %.2f, CPU %.2f\n", over, under, mean[over] / mean[under], cpu[over] / cpu[under]
		}' "$work/times.csv"
}

# alternate NAME1 CMD1 NAME2 CMD2 [PID] runs the two commands in turn, $RUNS rounds, each round in the
# other order than the last (hyperfine runs all of one before the other, which a load that changes over a
# run tilts), and prints for each the median wall time, its CPU (user + system) and, when PID is given,
# the CPU that process (the broker) spent meanwhile; then the ratios of the medians, with the load.
alternate() {
	local name1=$1 cmd1=$2 name2=$3 cmd2=$4 pid=${5:-} round name cmd before
	: >"$work/alt"
	say "timing ($RUNS rounds, alternating)"
	for ((round = 0; round < RUNS; round++)); do
		local order=("$name1" "$name2")
		((round % 2)) && order=("$name2" "$name1")
		for name in "${order[@]}"; do
			cmd=$cmd1
			[ "$name" = "$name2" ] && cmd=$cmd2
			before=0
			[ -n "$pid" ] && before=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
			/usr/bin/time -f "%e %U %S" -o "$work/one" $cmd >/dev/null 2>"$work/one.err" ||
				die "$cmd failed: $(tail -n 3 "$work/one.err")"
			local broker=0
			[ -n "$pid" ] && broker=$(awk -v b="$before" '{ print ($14 + $15 - b) / 100 }' "/proc/$pid/stat")
			echo "$name $(tail -n 1 "$work/one") $broker" >>"$work/alt"
		done
	done
}

# print_alternate TITLE OVER UNDER prints what alternate measured.
print_alternate() {
	echo
	echo "$1 ($(nproc) CPUs, $RUNS rounds alternating; load $(cut -d' ' -f1-3 /proc/loadavg)); medians"
	sort -k1,1 -k2,2n "$work/alt" | awk -v over="$2" -v under="$3" '
		function median(list,    n, a) { n = split(list, a, " "); asort(a); return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
		{ wall[$1] = wall[$1] " " $2; cpu[$1] = cpu[$1] " " ($3 + $4); broker[$1] = broker[$1] " " $5 }
		END {
			printf "  %-8s %9s %9s %12s\n", "", "wall (s)", "CPU (s)", "broker CPU"
			for (n in wall) {
				w[n] = median(wall[n]); c[n] = median(cpu[n]); b[n] = median(broker[n])
				printf "  %-8s %9.3f %9.3f %12.3f\n", n, w[n], c[n], b[n]
			}
			printf "  ratio %s/%s: wall %.2f, CPU %.2f", over, under, w[over] / w[under], c[over] / c[under]
			if (b[under] > 0) printf ", broker CPU %.2f", b[over] / b[under]
			printf "\n"
		}'
}
