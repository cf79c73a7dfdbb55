#!/usr/bin/env bash
# Overhead of llm-pool on the request path: wrk POSTs /v1/chat/completions to the simulator
# directly, then through llm-pool (one configured model, zero added latency), with the same
# connections and duration, and prints requests/s and p50/p99 for both and the ratio.
#   CONNECTIONS=32 DURATION=10s THREADS=2 scripts/bench-overhead.sh
set -euo pipefail
cd "$(dirname "$0")/.."
CONNECTIONS="${CONNECTIONS:-32}"
DURATION="${DURATION:-10s}"
THREADS="${THREADS:-2}"

. scripts/lib/bench-common.sh
bench_need wrk
bench_binary
bench_workdir

start_simulator
start_pool pool $'[cache]\nenabled = false'
HTTP_PORT=$PORT_pool; GRPC_PORT=$GRPC_pool

run() { # name url
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s scripts/wrk/chat.lua "$2" > "$WORK/$1.txt"
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/$1.txt")
  p50=$(awk '$1=="50%" {print $2}' "$WORK/$1.txt")
  p99=$(awk '$1=="99%" {print $2}' "$WORK/$1.txt")
  errors=$(awk '/Non-2xx/ {print $5}' "$WORK/$1.txt"); errors=${errors:-0}
  printf '%-8s %12s %10s %10s %8s\n' "$1" "$rps" "$p50" "$p99" "$errors"
  eval "RPS_$1=$rps"
}

echo "wrk: $CONNECTIONS connections, $THREADS threads, $DURATION, POST /v1/chat/completions"
printf '%-8s %12s %10s %10s %8s\n' target "requests/s" p50 p99 non-2xx
run direct "http://127.0.0.1:$SIM_PORT"
run pool "http://127.0.0.1:$HTTP_PORT"
python3 -c "print(f'pool/direct requests/s ratio: {float(\"$RPS_pool\")/float(\"$RPS_direct\"):.2f}')"

# gRPC through llm-pool with h2load (nghttp2-client): the same model, one Query per request,
# gRPC length-prefixed framing, compared with the HTTP run through llm-pool above.
command -v h2load >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nghttp2-client >/dev/null; }
python3 - "$WORK/query.bin" <<'PY'
import struct, sys
# vvtv.llmpool.v1.Query{task="bench", input="benchmark prompt for the pool", max_tokens=16}
def field(num, wire, payload): return bytes([(num << 3) | wire]) + payload
def string(num, text):
    data = text.encode(); return field(num, 2, bytes([len(data)]) + data)
msg = string(2, "bench") + string(3, "benchmark prompt for the pool") + field(5, 0, bytes([16])) + field(6, 1, struct.pack("<d", 0.7))
open(sys.argv[1], "wb").write(b"\x00" + struct.pack(">I", len(msg)) + msg)
PY
SECS=${DURATION%s}
h2load -c "$CONNECTIONS" -m 1 -D "$SECS" -t "$THREADS" -d "$WORK/query.bin" \
  -H 'content-type: application/grpc' -H 'te: trailers' \
  "http://127.0.0.1:$GRPC_PORT/vvtv.llmpool.v1.LlmPool/Infer" > "$WORK/grpc.txt" 2>&1 || true
GRPC_RPS=$(awk '/^finished in/ {print $4}' "$WORK/grpc.txt")
echo
echo "gRPC (h2load, $CONNECTIONS connections, POST /vvtv.llmpool.v1.LlmPool/Infer)"
grep -E "^(finished in|requests:|status codes:|time for request:)" "$WORK/grpc.txt"
python3 -c "print(f'grpc/http requests/s ratio through llm-pool: {float(\"${GRPC_RPS:-0}\")/float(\"$RPS_pool\"):.2f}')"
