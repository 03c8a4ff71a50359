#!/usr/bin/env bash
# The engine benchmark: daemon1 (gnet) vs the same binary on fasthttp.Server
# vs a raw gnet responder, driven by wrk on loopback. Installs wrk if missing.
# Environment: ROUNDS (3), DURATION (5s). Writes bench/results/<date>/engine.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh wrk:wrk
go build -o bin/daemon1 ./cmd/daemon1
go build -o bin/rawgnet ./bench/rawgnet
dir="bench/results/$(date -u +%Y-%m-%d)"
out="$dir/engine.md"
go run ./bench/enginebench -daemon bin/daemon1 -raw bin/rawgnet -raw-dir "$dir/raw" \
	-rounds "${ROUNDS:-3}" -duration "${DURATION:-5s}" -out "$out"
echo "report: $out"
