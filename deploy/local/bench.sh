#!/usr/bin/env bash
# Benchmarks Relay against the raw limits on this machine, in one run (not part of the tests).
#   deploy/local/bench.sh [translation] [--messages N] [--concurrency C]
# Starts what it needs (APY), builds in Release and writes its table to docs/benchmarks/.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

scenario=${1:-translation}
[ $# -gt 0 ] && shift
install_runtime
start_apy
log "building the benchmarks (Release)"
dotnet build "$ROOT/tests/Relay.Benchmarks" -c Release -nologo -v q -clp:ErrorsOnly >"$LOGS/bench-build.log" 2>&1 \
  || { cat "$LOGS/bench-build.log"; exit 1; }
mkdir -p "$ROOT/docs/benchmarks"
dotnet "$ROOT/tests/Relay.Benchmarks/bin/Release/net10.0/Relay.Benchmarks.dll" "$scenario" \
  --apy "http://127.0.0.1:$APY_PORT" --out "$ROOT/docs/benchmarks/$scenario.md" "$@"
