#!/usr/bin/env bash
# The project's test command. It makes sure a real RabbitMQ with its management API is running on this
# machine (installing it with apt-get if missing), points the tests at it, then runs `go vet` and the whole
# suite under the race detector. Extra arguments go to `go test`: ./scripts/test.sh -run TestLs -v
# When everything is already up it costs one HTTP request before the tests start.
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="$PATH:/usr/sbin:/sbin" # rabbitmq-server and rabbitmqctl live in sbin
API=http://127.0.0.1:15672/api/overview
export MQSCOPE_TEST_RABBITMQ="${MQSCOPE_TEST_RABBITMQ:-amqp://guest:guest@127.0.0.1:5672/}"

say() { printf 'test.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

api_answers() { curl -fsS -o /dev/null --max-time 3 -u guest:guest "$API" 2>/dev/null; }

install_rabbitmq() {
	command -v rabbitmq-server >/dev/null && return
	say "rabbitmq-server is missing; installing it with apt-get"
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >/dev/null ||
		die "could not install rabbitmq-server with apt-get"
}

start_rabbitmq() {
	if as_root rabbitmqctl -q status >/dev/null 2>&1; then
		as_root rabbitmq-plugins -q enable rabbitmq_management >/dev/null
		return
	fi
	say "starting rabbitmq-server"
	# Enabling offline before the start works without network access and needs no running node.
	as_root rabbitmq-plugins -q enable --offline rabbitmq_management >/dev/null
	as_root rabbitmq-server -detached
	as_root timeout 120 rabbitmqctl -q await_startup >/dev/null 2>&1 ||
		die "rabbitmq-server did not start within 120 s; see /var/log/rabbitmq/"
}

wait_for_api() {
	for _ in $(seq 1 60); do
		api_answers && return
		sleep 1
	done
	die "the RabbitMQ management API at $API did not answer with guest:guest within 60 s; is rabbitmq_management enabled (rabbitmq-plugins list)?"
}

if ! api_answers; then
	install_rabbitmq
	start_rabbitmq
	wait_for_api
fi

go vet ./...
go test -race "$@" ./...
