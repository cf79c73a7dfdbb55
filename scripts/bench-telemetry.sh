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
# A third pool also exports 10% of traces over OTLP/HTTP to a sink on loopback (typical
# production sampling), to show what export adds.
SINK_PORT=$(free_port)
python3 -c '
import http.server, sys
class Sink(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *args): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
' "$SINK_PORT" & PIDS+=($!)
start_pool export $'[cache]\nenabled = false\n[telemetry]\nenabled = true\n[slo.bench]\navailability = 0.99\n[tracing]\nenabled = true\nendpoint = "http://127.0.0.1:'"$SINK_PORT"$'"\nsampler = "parentbased_traceidratio"\nsampler_ratio = 0.1\n[tracing.batch]\nschedule_delay_ms = 1000'

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
wrk -t1 -c4 -d2s -s scripts/wrk/pool-task.lua "http://127.0.0.1:$PORT_export" >/dev/null
for round in $(seq 1 "$ROUNDS"); do
  run "on#$round" "$PORT_on"
  run "off#$round" "$PORT_off"
  run "export#$round" "$PORT_export"
done
python3 - "$WORK/results.txt" <<'PY'
import sys
runs = {}
for line in open(sys.argv[1]):
    label, rps = line.split()
    runs.setdefault(label.split("#")[0], []).append(float(rps))
mean = {name: sum(values) / len(values) for name, values in runs.items()}
on, off, export = mean["on"], mean["off"], mean["export"]
print(f"telemetry on: {on:.0f} req/s, off: {off:.0f} req/s, on/off ratio {on / off:.3f} (cost {100 * (1 - on / off):.1f}%)")
print(f"on + OTLP export of 10% of traces: {export:.0f} req/s, ratio to off {export / off:.3f} (cost {100 * (1 - export / off):.1f}%)")
PY
curl -fsS "http://127.0.0.1:$PORT_on/metrics" | grep -E '^llm_pool_requests_total\{api="openai"' | head -3
curl -fsS "http://127.0.0.1:$PORT_export/metrics" | grep -E '^llm_pool_spans_(exported|dropped)_total' 
