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

. scripts/lib/bench-common.sh
bench_need wrk
bench_binary
bench_workdir
start_simulator
start_pool on $'[cache]\nenabled = false\n[telemetry]\nenabled = true\n[slo.bench]\navailability = 0.99'
start_pool off $'[cache]\nenabled = false\n[telemetry]\nenabled = false\n[slo.bench]\navailability = 0.99'

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
