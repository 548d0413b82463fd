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
