#!/usr/bin/env bash
# Starts a fleet on loopback to try: three daemon1 nodes, each with its
# embedded nats-server (one R3 JetStream cluster), and HAProxy in front with
# deploy/haproxy.cfg. Ctrl-C stops them all (the nodes drain and write
# their snapshots). Usage: scripts/fleet.sh [DATA_DIR]   (make fleet)
#   clients:   http://127.0.0.1:8080   (HAProxy)
#   nodes:     http://127.0.0.1:8081 .. 8083
#   NATS:      nats://127.0.0.1:4221 .. 4223 (cluster routes on 6221 .. 6223)
#   HAProxy:   http://127.0.0.1:8404/stats
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-data/fleet}
bin=bin/daemon1
go build -o "$bin" ./cmd/daemon1
command -v haproxy >/dev/null || scripts/deps.sh haproxy:haproxy

pids=()
stop() {
	trap - INT TERM EXIT
	echo "fleet: stopping" >&2
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	wait || true
	exit 0
}
trap stop INT TERM EXIT

for i in 1 2 3; do
	routes=""
	for j in 1 2 3; do [ "$j" = "$i" ] || routes+="${routes:+,}nats://127.0.0.1:622$j"; done
	mkdir -p "$data/n$i"
	"$bin" -listen 127.0.0.1:808$i -fleet-node "n$i" \
		-nats-listen 127.0.0.1:422$i -nats-cluster 127.0.0.1:622$i -nats-routes "$routes" \
		-data-dir "$data/n$i" -log-dir "$data/n$i/logs" >"$data/n$i.log" 2>&1 &
	pids+=($!)
done
D1_FRONT=127.0.0.1:8080 D1_NODE1=127.0.0.1:8081 D1_NODE2=127.0.0.1:8082 D1_NODE3=127.0.0.1:8083 \
	D1_STATS=127.0.0.1:8404 haproxy -db -f deploy/haproxy.cfg >"$data/haproxy.log" 2>&1 &
pids+=($!)
echo "fleet: nodes on 127.0.0.1:8081-8083, HAProxy on 127.0.0.1:8080 (stats: http://127.0.0.1:8404/stats); logs in $data/*.log; Ctrl-C stops" >&2
tail -n +1 -F "$data"/n1.log "$data"/n2.log "$data"/n3.log "$data"/haproxy.log &
pids+=($!)
wait
