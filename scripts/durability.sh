#!/usr/bin/env bash
# The durability tests against the real binary (bounded, loopback, temporary
# directories); make test runs them all with the rest.
#   scripts/durability.sh crash       SIGKILL under writes, 4 rounds (2 with garbage
#                                     after the tail): no acknowledged write lost;
#                                     and the negative control (early acks) must lose some
#   scripts/durability.sh corruption  a flipped byte: refuse to start, then -aof-repair
#   scripts/durability.sh disk-full   a 1 MiB tmpfs fills: 507s, reads work, nothing
#                                     acknowledged lost (root only; skipped otherwise)
#   scripts/durability.sh compaction  compaction while writes go on
#   scripts/durability.sh all
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-all}" in
crash) run='TestCrashLosesNoAcknowledgedWrite|TestCrashTestCatchesEarlyAcks' ;;
corruption) run='TestCorruptionRefusesToStart' ;;
disk-full) run='TestDiskFull' ;;
compaction) run='TestCompactionUnderWrites' ;;
all) run='TestCrash|TestCorruption|TestDiskFull|TestCompactionUnderWrites' ;;
*) echo "usage: $0 crash|corruption|disk-full|compaction|all" >&2; exit 2 ;;
esac
exec go test -count=1 -v -run "^($run)\$" ./cmd/daemon1
