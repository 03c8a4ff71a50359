#!/usr/bin/env bash
# Installs the Debian packages that the tests and benchmarks use, each only if
# its command (or, for a CHECK starting with /, its file) is missing:
# `apt-get update` runs once, and only when needed.
# Usage: scripts/deps.sh CHECK:PACKAGE ...
#   e.g. scripts/deps.sh curl:curl /usr/lib/python3/dist-packages/owslib:python3-owslib
set -euo pipefail

missing=()
for pair in "$@"; do
	cmd=${pair%%:*} pkg=${pair#*:}
	if [[ $cmd == /* ]]; then
		[ -e "$cmd" ] || missing+=("$pkg")
	else
		command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "deps: installing ${missing[*]}" >&2
# Packages such as prometheus and victoria-metrics start a service when
# installed; the tests start their own on free ports, so deny service starts
# for the install (the usual policy-rc.d), unless the machine already has a policy.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
	$sudo chmod +x "$policy"
	trap '$sudo rm -f "$policy"' EXIT
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
