#!/usr/bin/env bash
# daemon1's numbers, with its own load generator (bench/loadgen, cmd/daemon1-bench):
#   scripts/bench.sh          the full suite (about 20 minutes)
#   scripts/bench.sh quick    a subset (about 4 minutes)
#   scripts/bench.sh overload the budget under genuine overload (about 3 minutes;
#                             the full suite runs it too)
#   scripts/bench.sh nomatch  a nearby search whose filter matches nothing over 1M
#                             points, /healthz alongside (about 2 minutes; the full
#                             suite runs it too)
# Writes bench/results/<date>/report.md, report.json and PNG plots, and (full
# suite) memory.txt (heap bytes per point feature) and fsync.txt (the cost of
# one append+fsync here). The headline (open-loop latency) runs each cell
# twice: the server pinned to the first half of the CPUs and the generator
# to the rest, then both unpinned. Elsewhere servers and the generator share
# the machine, unpinned; SERVER_CPUS=0 pins the servers (taskset) there too.
set -euo pipefail
cd "$(dirname "$0")/.."
suite=${1:-full}
go build -o bin/daemon1 ./cmd/daemon1
go build -o bin/rawgnet ./bench/rawgnet
go build -o bin/daemon1-bench ./cmd/daemon1-bench
dir="bench/results/$(date -u +%Y-%m-%d)"
[ "$suite" = full ] || dir="$dir/$suite"
bin/daemon1-bench -suite "$suite" -daemon bin/daemon1 -raw bin/rawgnet -out "$dir" -server-cpus "${SERVER_CPUS:-}"
if [ "$suite" = full ]; then
	for s in overload nomatch; do
		bin/daemon1-bench -suite "$s" -daemon bin/daemon1 -raw bin/rawgnet -out "$dir/$s" -server-cpus "${SERVER_CPUS:-}"
	done
	go test -run '^$' -bench PointFeatureMemory -benchtime 1x ./bench/storemem | tee "$dir/memory.txt"
	go test -run '^$' -bench AppendSync -count 3 ./store/aof | tee "$dir/fsync.txt"
fi
echo "report: $dir/report.md"
