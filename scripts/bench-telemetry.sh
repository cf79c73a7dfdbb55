#!/usr/bin/env bash
# What telemetry costs: two llm-pool processes over the same simulator, one with `[telemetry]
# enabled = true` (every request, step and provider call measured and traced: metrics, spans,
# exemplars, SLO tracking) and one with it off, loaded alternately by wrk in one run
# (on, off, on, off) so that both see the same machine. Prints requests/s and p99 of each round
# and the on/off throughput ratio of the means. Goal: on costs at most 5%.
#   CONNECTIONS=32 DURATION=8s ROUNDS=2 scripts/bench-telemetry.sh
set -euo pipefail
cd "$(dirname "$0")/.."
CONNECTIONS="${CONNECTIONS:-32}"
DURATION="${DURATION:-8s}"
THREADS="${THREADS:-2}"
ROUNDS="${ROUNDS:-2}"

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
# LLMPOOL_BIN names a prebuilt release binary; otherwise one is built.
BIN="${LLMPOOL_BIN:-}"
if [ -z "$BIN" ]; then swift build -c release --product llm-pool >/dev/null; BIN=.build/release/llm-pool; fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_up() { local end=$((SECONDS + 60)); until curl -fsS "$1" >/dev/null 2>&1; do [ $SECONDS -ge $end ] && { echo "timeout: $1"; exit 1; }; sleep 0.2; done; }

WORK=$(mktemp -d); PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"' EXIT

SIM_PORT=$(free_port)
"$BIN" simulate --host 127.0.0.1 --port "$SIM_PORT" --latency-scale 0 > "$WORK/sim.log" 2>&1 & PIDS+=($!)
wait_up "http://127.0.0.1:$SIM_PORT/v1/models"
echo '{{input}}' > "$WORK/bench.md"

start_pool() { # name enabled -> sets PORT_<name>
  local http grpc
  http=$(free_port); grpc=$(free_port)
  cat > "$WORK/$1.toml" <<TOML
[server]
host = "127.0.0.1"
[[providers]]
name = "phi3-mini"
kind = "openai"
base_url = "http://127.0.0.1:$SIM_PORT/v1"
model = "phi3:mini"
[tasks.bench]
providers = ["phi3-mini"]
prompt = "bench.md"
[cache]
enabled = false
[logging]
level = "warning"
[telemetry]
enabled = $2
[slo.bench]
availability = 0.99
TOML
  "$BIN" serve --config "$WORK/$1.toml" --http-port "$http" --grpc-port "$grpc" > "$WORK/$1.log" 2>&1 & PIDS+=($!)
  wait_up "http://127.0.0.1:$http/healthz"
  eval "PORT_$1=$http"
}
start_pool on true
start_pool off false

run() { # label port
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s scripts/wrk/pool-task.lua "http://127.0.0.1:$2" > "$WORK/run.txt"
  local rps p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/run.txt")
  p99=$(awk '$1=="99%" {print $2}' "$WORK/run.txt")
  printf '%-14s %12s %10s\n' "$1" "$rps" "$p99"
  echo "$1 $rps" >> "$WORK/results.txt"
}

echo "wrk: $CONNECTIONS connections, $THREADS threads, $DURATION per round, POST /v1/chat/completions"
printf '%-14s %12s %10s\n' round "requests/s" p99
# Warm both up so that neither pays for first-request costs in its first round.
wrk -t1 -c4 -d2s -s scripts/wrk/pool-task.lua "http://127.0.0.1:$PORT_on" >/dev/null
wrk -t1 -c4 -d2s -s scripts/wrk/pool-task.lua "http://127.0.0.1:$PORT_off" >/dev/null
for round in $(seq 1 "$ROUNDS"); do
  run "on#$round" "$PORT_on"
  run "off#$round" "$PORT_off"
done
python3 - "$WORK/results.txt" <<'PY'
import sys
on, off = [], []
for line in open(sys.argv[1]):
    label, rps = line.split()
    (on if label.startswith("on") else off).append(float(rps))
mean_on, mean_off = sum(on) / len(on), sum(off) / len(off)
print(f"telemetry on: {mean_on:.0f} req/s, off: {mean_off:.0f} req/s, on/off ratio {mean_on / mean_off:.3f} (cost {100 * (1 - mean_on / mean_off):.1f}%)")
PY
curl -fsS "http://127.0.0.1:$PORT_on/metrics" | grep -E '^llm_pool_requests_total\{api="openai"' | head -3
