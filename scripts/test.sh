#!/usr/bin/env bash
# Runs every test of llm-pool on a bare machine: installs what the tests need (Debian packages,
# a Python venv with the independent clients), runs the Swift test suites, then starts
# `llm-pool demo` on loopback and runs the independent clients and CLI checks against it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

log() { printf '\n==> %s\n' "$*"; }

# --- Debian packages ------------------------------------------------------------------------
need_apt=()
command -v curl >/dev/null || need_apt+=(curl)
command -v python3 >/dev/null || need_apt+=(python3 python3-venv)
command -v python3 >/dev/null && ! python3 -c 'import ensurepip, venv' 2>/dev/null && need_apt+=(python3-venv)
command -v redis-server >/dev/null || need_apt+=(redis-server)
command -v prometheus >/dev/null && command -v promtool >/dev/null || need_apt+=(prometheus)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi

# --- Python venv for the independent clients -----------------------------------------------
VENV="${LLMPOOL_VENV:-$ROOT/.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  log "creating Python venv in $VENV"
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import openai, pytest, requests, prometheus_client, yaml" 2>/dev/null; then
  "$VENV/bin/pip" install -q --disable-pip-version-check -r tests/python/requirements.txt
fi

# --- Formatting and line length --------------------------------------------------------------
# The same files scripts/format.sh formats; any lint warning fails the run.
source scripts/lib/swift-sources.sh
mapfile -t SWIFT_FILES < <(swift_sources)
log "swift format lint (${#SWIFT_FILES[@]} files)"
swift format lint --strict --parallel "${SWIFT_FILES[@]}"
log "lines of at most 150 characters"
check_line_length 150 "${SWIFT_FILES[@]}"

# --- Swift suites ---------------------------------------------------------------------------
log "swift build"
swift build --build-tests
log "swift test"
# Suites run in parallel on two cores, and some assert timings of real sockets and servers
# (Redis, the simulator): a run that fails is run once more, and only a second failure fails.
if ! swift test --skip-build; then
  log "swift test failed; running it once more (a second failure fails the build)"
  swift test --skip-build
fi

# --- The service against independent clients -----------------------------------------------
BIN="$(swift build --show-bin-path)/llm-pool"
export LLMPOOL_BIN="$BIN"
WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { "$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

wait_ready() { # url, seconds
  local deadline=$((SECONDS + $2))
  until curl -fsS "$1" >/dev/null 2>&1; do
    [ $SECONDS -ge $deadline ] && { echo "timed out waiting for $1"; return 1; }
    sleep 0.2
  done
}

log "check-config"
"$BIN" check-config llm-pool.toml
sed 's/timeout_ms = 15000/timeout_ms = 0/' llm-pool.toml > "$WORK/bad.toml"
cp -r prompts "$WORK/prompts"
if "$BIN" check-config "$WORK/bad.toml" 2> "$WORK/check.err"; then
  echo "check-config accepted a broken file"; exit 1
fi
grep -q 'providers\[0\].timeout_ms' "$WORK/check.err" || { cat "$WORK/check.err"; echo "check-config did not name the key"; exit 1; }
echo "check-config rejected the broken file: $(head -2 "$WORK/check.err" | tail -1)"

HTTP_PORT=$(free_port); GRPC_PORT=$(free_port)
log "llm-pool demo on 127.0.0.1:$HTTP_PORT"
"$BIN" demo --http-port "$HTTP_PORT" --grpc-port "$GRPC_PORT" --latency-scale 0.1 > "$WORK/demo.log" 2>&1 &
DEMO_PID=$!
PIDS+=("$DEMO_PID")
wait_ready "http://127.0.0.1:$HTTP_PORT/readyz" 60 || { cat "$WORK/demo.log"; exit 1; }

export LLMPOOL_HTTP="http://127.0.0.1:$HTTP_PORT" LLMPOOL_GRPC="127.0.0.1:$GRPC_PORT" LLMPOOL_DEMO_LOG="$WORK/demo.log"
log "independent clients (pytest)"
# The console, fault and real-server suites have their own scripts (and packages), called below.
"$VENV/bin/python" -m pytest -q tests/python --ignore=tests/python/real_server --ignore=tests/python/console \
  --ignore=tests/python/faults
log "Prometheus rules, dashboards, promtool check metrics"; scripts/test-prometheus.sh "$LLMPOOL_HTTP"

log "graceful shutdown on SIGTERM"
kill -TERM "$DEMO_PID"
status=0; wait "$DEMO_PID" || status=$?
PIDS=()
[ "$status" -eq 0 ] || { echo "demo exited with $status on SIGTERM"; tail -20 "$WORK/demo.log"; exit 1; }
echo "demo exited 0 on SIGTERM"
grep -q '"request_id"' "$WORK/demo.log" || { echo "no JSON request log lines"; exit 1; }

log "client SDKs, OpenAPI document, schemathesis"; LLMPOOL_VENV="$VENV" scripts/test-clients.sh

log "faults, bad input and shutdown"; scripts/test-faults.sh
log "the console in a real browser"; scripts/test-console.sh
# --- A real llama.cpp server behind llm-pool (tests/python/real_server) ----------------------
# llama-cpp-python is compiled from source the first time (~6 min on 2 cores; pip's wheel cache
# makes later installs take seconds); the model is a tiny random GGUF made here, never committed.
if ! "$VENV/bin/python" -c "import llama_cpp, llama_cpp.server.app, gguf" 2>/dev/null; then
  if ! command -v cmake >/dev/null || ! command -v c++ >/dev/null; then
    log "installing cmake build-essential"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq cmake build-essential
  fi
  log "installing llama-cpp-python (built from source) and gguf"
  CMAKE_ARGS="-DGGML_NATIVE=OFF" "$VENV/bin/pip" install -q --disable-pip-version-check \
    --no-binary llama-cpp-python -r tests/python/real_server/requirements.txt
fi
log "tiny GGUF model for llama.cpp"
"$VENV/bin/python" scripts/real-server/make_tiny_model.py "$WORK/tiny.gguf"
log "llm-pool in front of a real llama.cpp server (pytest)"
LLMPOOL_TINY_GGUF="$WORK/tiny.gguf" "$VENV/bin/python" -m pytest -q tests/python/real_server

log "all tests passed"
