#!/usr/bin/env bash
# A soak of `llm-pool serve` over `llm-pool simulate`: steady load through every door with faults
# switched every 30 s, RSS and fd count of the serve process sampled every 10 s, printed as a
# table and plotted to docs/soak.png (scripts/soak/soak.py says what can be set).
#   SOAK_SECONDS=600 SOAK_CLIENTS=4 SOAK_FAULT_PERIOD=30 SOAK_SAMPLE=10 SOAK_PLOT=docs/soak.png
#   LLMPOOL_BIN   the llm-pool binary (default: the debug build, built if missing)
#   LLMPOOL_VENV  the Python venv (default: .venv)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

VENV="${LLMPOOL_VENV:-$ROOT/.venv}"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
if ! "$VENV/bin/python" -c "import requests, grpc, grpc_tools, matplotlib" 2>/dev/null; then
  "$VENV/bin/pip" install -q --disable-pip-version-check -r scripts/soak/requirements.txt
fi
if [ -z "${LLMPOOL_BIN:-}" ]; then
  LLMPOOL_BIN="$(swift build --show-bin-path)/llm-pool"
  [ -x "$LLMPOOL_BIN" ] || swift build --product llm-pool
fi
export LLMPOOL_BIN
exec "$VENV/bin/python" scripts/soak/soak.py
