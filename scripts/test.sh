#!/usr/bin/env bash
# The project's test command. It makes sure the brokers the tests use are running on this machine,
# installing them with apt-get if missing, points the tests at them, then runs `go vet` and the whole suite
# under the race detector. Extra arguments go to `go test`: ./scripts/test.sh -run TestLs -v
#   RabbitMQ  5672, with the management API (15672) and the shovel plugins   MQSCOPE_TEST_RABBITMQ
#   Redis     6379                                                            MQSCOPE_TEST_REDIS
#   NATS      4222, with JetStream                                            MQSCOPE_TEST_NATS
#   Mosquitto 1883 (MQTT)                                                     MQSCOPE_TEST_MQTT
# Kafka needs nothing: the tests run it in-process (kfake). When everything is already up this costs two
# HTTP requests and three port checks before the tests start. It never stops or restarts a running server.
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="$PATH:/usr/sbin:/sbin" # rabbitmq-server, rabbitmqctl and nats-server live in sbin
API=http://127.0.0.1:15672/api
export MQSCOPE_TEST_RABBITMQ="${MQSCOPE_TEST_RABBITMQ:-amqp://guest:guest@127.0.0.1:5672/}"
export MQSCOPE_TEST_REDIS="${MQSCOPE_TEST_REDIS:-redis://127.0.0.1:6379/}"
export MQSCOPE_TEST_NATS="${MQSCOPE_TEST_NATS:-nats://127.0.0.1:4222}"
export MQSCOPE_TEST_MQTT="${MQSCOPE_TEST_MQTT:-mqtt://127.0.0.1:1883}"

say() { printf 'test.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# need PACKAGE COMMAND: apt-get install PACKAGE unless COMMAND is already there.
need() {
	command -v "$2" >/dev/null && return
	say "$2 is missing; installing $1 with apt-get"
	if [ -z "${apt_updated:-}" ]; then
		as_root apt-get update -qq
		apt_updated=1
	fi
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null ||
		die "could not install $1 with apt-get"
}

# answers PORT: something accepts connections on 127.0.0.1:PORT.
answers() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# await WHAT CHECK...: run CHECK until it succeeds, for up to 60 s.
await() {
	local what=$1
	shift
	for _ in $(seq 1 120); do
		"$@" && return
		sleep 0.5
	done
	die "$what did not come up within 60 s"
}

## RabbitMQ

api_answers() { curl -fsS -o /dev/null --max-time 3 -u guest:guest "$API/$1" 2>/dev/null; }

rabbitmq_plugins() { as_root rabbitmq-plugins -q enable "$@" rabbitmq_management rabbitmq_shovel rabbitmq_shovel_management >/dev/null; }

start_rabbitmq() {
	if as_root rabbitmqctl -q status >/dev/null 2>&1; then
		rabbitmq_plugins # enabling a plugin on a running node restarts nothing
		return
	fi
	say "starting rabbitmq-server"
	# Enabling offline before the start works without network access and needs no running node.
	rabbitmq_plugins --offline
	as_root rabbitmq-server -detached
	as_root timeout 120 rabbitmqctl -q await_startup >/dev/null 2>&1 ||
		die "rabbitmq-server did not start within 120 s; see /var/log/rabbitmq/"
}

shovels_answer() { api_answers shovels; } # /api/shovels exists once rabbitmq_shovel_management runs

if ! shovels_answer; then
	need rabbitmq-server rabbitmq-server
	start_rabbitmq
	await "the RabbitMQ management API at $API with guest:guest (and rabbitmq_shovel_management)" shovels_answer
fi

## Redis

if ! answers 6379; then
	need redis-server redis-server
	say "starting redis-server"
	as_root mkdir -p /var/lib/redis /var/log/redis
	as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
		--dir /var/lib/redis --logfile /var/log/redis/ci.log >/dev/null
	await "redis-server on 6379 (see /var/log/redis/ci.log)" answers 6379
fi

## NATS with JetStream

# jetstream_answers: the server on 4222 says in its INFO line that JetStream is on.
jetstream_answers() {
	local info
	info=$(timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/4222 && head -n 1 <&3' 2>/dev/null) || return 1
	[[ $info == *'"jetstream":true'* ]]
}

if ! jetstream_answers; then
	answers 4222 && die "the server on 4222 runs without JetStream; restart it with -js"
	need nats-server nats-server
	say "starting nats-server with JetStream"
	as_root mkdir -p /var/lib/nats-server
	as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
		-a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
	await "nats-server with JetStream on 4222 (see /var/log/nats-server.log)" jetstream_answers
fi

## Mosquitto (MQTT)

if ! answers 1883; then
	need mosquitto mosquitto
	say "starting mosquitto"
	as_root mosquitto -d -c /etc/mosquitto/mosquitto.conf
	await "mosquitto on 1883 (see /var/log/mosquitto/)" answers 1883
fi

go vet ./...
go test -race "$@" ./...
