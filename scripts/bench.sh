#!/usr/bin/env bash
# The benchmarks, driven by wrk on loopback (installed if missing):
#   engine.md  daemon1 (gnet) vs the same binary on fasthttp.Server vs a raw
#              gnet responder, GET /healthz;
#   api.md     the OGC API scenarios on 100k points, gnet vs fasthttp.Server;
#   put.md     PUT throughput, latency and writes per fsync against connections
#              (1 to 256), -fsync always; and the cost of one fsync here;
#   memory.txt heap bytes per stored point feature (go test -bench).
# Environment: ROUNDS (3), DURATION (5s), ONLY (engine|api|put|memory: just one).
# Writes bench/results/<date>/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh wrk:wrk
go build -o bin/daemon1 ./cmd/daemon1
go build -o bin/rawgnet ./bench/rawgnet
dir="bench/results/$(date -u +%Y-%m-%d)"
only=${ONLY:-}
if [ -z "$only" ] || [ "$only" = engine ]; then
	go run ./bench/enginebench -daemon bin/daemon1 -raw bin/rawgnet -raw-dir "$dir/raw" \
		-rounds "${ROUNDS:-3}" -duration "${DURATION:-5s}" -out "$dir/engine.md"
	echo "report: $dir/engine.md"
fi
if [ -z "$only" ] || [ "$only" = api ]; then
	go run ./bench/apibench -daemon bin/daemon1 -raw-dir "$dir/raw" \
		-rounds "${ROUNDS:-3}" -duration "${DURATION:-5s}" -out "$dir/api.md"
	echo "report: $dir/api.md"
fi
if [ -z "$only" ] || [ "$only" = put ]; then
	go run ./bench/apibench -daemon bin/daemon1 -raw-dir "$dir/raw" -put-scale 1,4,16,64,256 \
		-rounds "${ROUNDS:-3}" -duration "${DURATION:-5s}" -out "$dir/put.md"
	{ echo; echo '```'; go test -run '^$' -bench AppendSync -count 3 ./store/aof | grep Benchmark; echo '```'; } >> "$dir/put.md"
	echo "report: $dir/put.md"
fi
if [ -z "$only" ] || [ "$only" = memory ]; then
	go test -run '^$' -bench PointFeatureMemory -benchtime 1x ./bench/storemem | tee "$dir/memory.txt"
	echo "report: $dir/memory.txt"
fi
