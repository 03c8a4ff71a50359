#!/usr/bin/env bash
# Loading 1M points from a file into a fresh daemon1 (-fsync always), three
# ways, each RUNS times (default 3), alternating, medians reported:
#   daemon1 load over the binary protocol, daemon1 load over REST (NDJSON),
#   and the baseline a user had before it: curl in a shell loop posting
#   FeatureCollections of 10,000 features, one after another.
# The server runs on CPU 0 and the loader (or curl) on CPU 1 when the
# machine has two or more (taskset); on a shared VM read the ratios, not
# the absolute figures. Writes bench/results/<date>/load.md.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
n=${POINTS:-1000000}
go build -buildvcs=auto -o bin/daemon1 ./cmd/daemon1
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
python3 - "$work" "$n" <<'PY'
import os, random, sys
work, n = sys.argv[1], int(sys.argv[2])
random.seed(1)
os.mkdir(os.path.join(work, "chunks"))
with open(os.path.join(work, "points.geojson"), "w") as fc:
    fc.write('{"type":"FeatureCollection","features":[\n')
    chunk = []
    for i in range(n):
        f = '{"type":"Feature","id":"p%d","geometry":{"type":"Point","coordinates":[%.6f,%.6f]},"properties":{"i":%d,"name":"pt %d"}}' % (
            i, random.uniform(-180, 180), random.uniform(-90, 90), i, i)
        fc.write(f + (",\n" if i < n - 1 else "\n"))
        chunk.append(f)
        if len(chunk) == 10000 or i == n - 1:
            with open(os.path.join(work, "chunks", "%06d.json" % i), "w") as c:
                c.write('{"type":"FeatureCollection","features":[' + ",".join(chunk) + "]}")
            chunk = []
    fc.write("]}\n")
PY
size=$(du -m "$work/points.geojson" | cut -f1)
srv="" cli=""
if [ "$(nproc)" -ge 2 ]; then srv="taskset -c 0"; cli="taskset -c 1"; fi

# run METHOD: starts a fresh daemon1, loads, prints the seconds taken.
run() {
	rm -rf "$work/data"
	$srv bin/daemon1 -listen 127.0.0.1:18095 -data-dir "$work/data" -report.interval 0 2>"$work/daemon.log" &
	local pid=$!
	until curl -sf http://127.0.0.1:18095/readyz >/dev/null; do sleep 0.05; done
	local start end
	start=$(date +%s.%N)
	case $1 in
	binary | http) $cli bin/daemon1 load -quiet -addr 127.0.0.1:18095 -collection pts -protocol "$1" "$work/points.geojson" 2>"$work/load.log" ;;
	curl)
		curl -sf -X PUT http://127.0.0.1:18095/collections/pts >/dev/null
		for f in "$work"/chunks/*.json; do
			$cli curl -sf -X POST -H 'Content-Type: application/geo+json' --data-binary @"$f" \
				http://127.0.0.1:18095/collections/pts/items >/dev/null
		done
		;;
	esac
	end=$(date +%s.%N)
	local got
	got=$(curl -s 'http://127.0.0.1:18095/collections/pts/items?limit=1' | python3 -c 'import json,sys; print(json.load(sys.stdin)["numberMatched"])')
	kill "$pid"
	wait "$pid" || true
	[ "$got" = "$n" ] || { echo "$1: $got features loaded, want $n" >&2; exit 1; }
	awk -v a="$start" -v b="$end" 'BEGIN { print b - a }'
}

declare -A secs
for r in $(seq "$runs"); do
	for m in binary http curl; do
		s=$(run $m)
		secs[$m]="${secs[$m]:-} $s"
		printf '%s run %d: %.2f s, %.0f features/s\n' "$m" "$r" "$s" "$(awk -v n="$n" -v s="$s" 'BEGIN { print n / s }')"
	done
done

dir="bench/results/$(date -u +%Y-%m-%d)"
mkdir -p "$dir"
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
{
	echo "# Loading $n points ($size MB of GeoJSON) into a fresh daemon1, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "Made by \`scripts/bench-load.sh\` (\`make bench-load\`) on $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')),"
	echo "${srv:+server on CPU 0 and loader on CPU 1, }$runs runs of each, alternating; \`-fsync always\`."
	echo
	echo "| method | seconds (each run) | median features/s | × curl |"
	echo "|---|---|---:|---:|"
	base=$(echo "${secs[curl]}" | median)
	for m in binary http curl; do
		med=$(echo "${secs[$m]}" | median)
		printf '| %s | %s | %.0f | %.2f |\n' "$( [ $m = curl ] && echo 'curl, 10,000 a request, one at a time' || echo "daemon1 load -protocol $m")" \
			"$(echo "${secs[$m]}" | xargs printf '%.2f ')" "$(awk -v n="$n" -v s="$med" 'BEGIN { print n / s }')" "$(awk -v b="$base" -v s="$med" 'BEGIN { print b / s }')"
	done
} >"$dir/load.md"
cat "$dir/load.md"
