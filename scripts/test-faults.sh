#!/usr/bin/env bash
# The fault suites (tests/python/faults): the fault matrix, bad input with a bounded hypothesis
# fuzz, and SIGTERM drains, each against `llm-pool serve` over `llm-pool simulate` started by
# the tests. About 3-4 minutes on 2 cores.
#   LLMPOOL_BIN   the llm-pool binary (default: the debug build, built if missing)
#   LLMPOOL_VENV  the Python venv (default: .venv)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

log() { printf '\n==> %s\n' "$*"; }

VENV="${LLMPOOL_VENV:-$ROOT/.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  log "creating Python venv in $VENV"
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import hypothesis, grpc, grpc_tools, requests, pytest" 2>/dev/null; then
  log "installing hypothesis, grpcio, grpcio-tools, requests, pytest"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r tests/python/faults/requirements.txt
fi

if [ -z "${LLMPOOL_BIN:-}" ]; then
  LLMPOOL_BIN="$(swift build --show-bin-path)/llm-pool"
  [ -x "$LLMPOOL_BIN" ] || swift build --product llm-pool
fi
export LLMPOOL_BIN LLMPOOL_FAULTS_TEST=1

log "fault matrix, bad input, shutdown (pytest)"
"$VENV/bin/python" -m pytest -q -p no:cacheprovider tests/python/faults/test_fault_matrix.py \
  tests/python/faults/test_bad_input.py tests/python/faults/test_shutdown.py "$@"
