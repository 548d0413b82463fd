#!/usr/bin/env bash
# Benchmark of RabbitMQ redrive against the broker's own move (issue 12, item 3). Not a test: it prints
# numbers and ratios.
#
# N dead letters made by the broker (expired through a dead-letter exchange, with x-death headers) land in
# a dead-letter queue in each of three vhosts (one per way, so none shares message bodies with another);
# in one run, in the order given, they are moved home by:
#   - mover:  mqscope's client-side mover (each letter to the origin its x-death names),
#   - server: mqscope's server-side move (`redrive --server-side`: the shovel plugin, in parts),
#   - shovel: a dynamic shovel exactly as the management UI's "Move messages" creates it.
# Each time runs until the target holds every letter and the source none. Ratios > 1 mean faster than the
# shovel. Goals: server/shovel >= 1.0, mover/shovel >= 0.8.
#
# Usage: bench/redrive-vs-shovel.sh   (N=100000 ROUNDS=1 ORDERS="mover server shovel" to change)
# With MQSCOPE_BENCH_BROKER_PID set to the broker's beam.smp process it also prints the CPU the broker and
# the benchmark's own process spent on each way (other clients of that broker count in the broker's).
# Needs the RabbitMQ of scripts/test.sh (management and shovel plugins enabled).
set -euo pipefail
cd "$(dirname "$0")/.."
export MQSCOPE_TEST_RABBITMQ="${MQSCOPE_TEST_RABBITMQ:-amqp://guest:guest@127.0.0.1:5672/}"
N=${N:-100000}
ROUNDS=${ROUNDS:-1}
ORDERS=${ORDERS:-"mover server shovel"}
for round in $(seq "$ROUNDS"); do
	# Alternate the order from round to round, so that neither side always goes first.
	order=$ORDERS
	if [ $((round % 2)) -eq 0 ]; then order=$(echo "$ORDERS" | tr ' ' '\n' | tac | tr '\n' ' '); fi
	log=$(mktemp)
	if ! MQSCOPE_BENCH_LETTERS=$N MQSCOPE_BENCH_ORDER="$order" go test -run '^$' -bench RedriveVsShovel -benchtime 1x \
		-timeout 60m ./backends/rabbitmq/ >"$log" 2>&1; then
		grep -v ' INFO ' "$log" | tail -20 >&2
		exit 1
	fi
	grep -E 'mover/shovel|msg/s|CPU|heap|idle|busy' "$log" | sed "s/^/round $round: /"
	rm -f "$log"
done
