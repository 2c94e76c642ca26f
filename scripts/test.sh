#!/usr/bin/env bash
# Runs Salamander's tests: unpacks the consensus-spec test vectors once, then tests every package under the
# mainnet preset (the default build) and again under the minimal preset (-tags minimal), because the preset
# shapes the SSZ types and each build is a different program.
#
#   ./scripts/test.sh                 # everything, as CI runs it
#   ./scripts/test.sh ./config/...    # some packages; go test's own flags go before them (-run, -v, -count)
#
# Exits non-zero if either run fails; both always run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# blst's portable build: a binary built here must not die with SIGILL on an older CPU.
export CGO_CFLAGS="-O2 -D__BLST_PORTABLE__"

# The vectors come from ../shared/consensus-spec-tests, or are downloaded when it is absent; the tool does
# nothing when the cache is already up to date.
go run ./internal/tools/vectors -dest .cache/consensus-spec-tests

args=("$@")
if [[ ${#args[@]} -eq 0 ]]; then
	args=(./...)
fi

status=0
echo "--- go test (mainnet preset)"
go test -timeout 30m "${args[@]}" || status=1
echo "--- go test -tags minimal (minimal preset)"
go test -tags minimal -timeout 30m "${args[@]}" || status=1
exit "$status"
