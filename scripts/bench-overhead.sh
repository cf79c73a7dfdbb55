#!/usr/bin/env bash
# The overhead of llm-pool on the request path, side by side in one run (issue 14):
#   upstream    nginx `return 200` with a fixed chat.completion (the "model server")
#   nginx       nginx `proxy_pass` to it, keep-alive (what a plain reverse proxy costs)
#   pool        llm-pool, telemetry on, `model` naming the provider directly
#   pool-notel  the same with [telemetry] enabled = false
#   grpc        llm-pool's gRPC Infer of a one-provider task, through h2load
#   litellm     LiteLLM's proxy in front of the same upstream (only with --peers; PyPI)
# each at 1 and 32 connections (wrk, POST /v1/chat/completions), with llm-pool's RSS after the
# 32-connection run. Prints one table with the ratios and writes it as Markdown.
#
#   DURATION=8s LLMPOOL_BIN=.build/release/llm-pool scripts/bench-overhead.sh [--peers] [--out FILE]
#   PROFILE=1 ... also records a CPU profile of llm-pool (perf, cpu-clock) during its 32-connection
#   run and prints the top entries.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-8s}"
OUT="bench-overhead.md"
PEERS=0
while [ $# -gt 0 ]; do
  case "$1" in
    --peers) PEERS=1 ;;
    --out) OUT="$2"; shift ;;
    *) echo "unknown argument $1"; exit 2 ;;
  esac
  shift
done

. scripts/lib/bench-common.sh
bench_need wrk
bench_need h2load nghttp2-client
command -v nginx >/dev/null || bench_need nginx nginx-light
bench_binary
bench_workdir

# --- the upstream and the reverse proxy: nginx ------------------------------------------------
UP_PORT=$(free_port); PROXY_PORT=$(free_port)
COMPLETION='{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"bench-model","choices":[{"index":0,"message":{"role":"assistant","content":"a fixed answer of a few words for the benchmark"},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":10,"total_tokens":22}}'
MODELS='{"object":"list","data":[{"id":"bench-model","object":"model","created":0,"owned_by":"bench"}]}'
mkdir -p "$WORK/nginx"
cat > "$WORK/nginx/nginx.conf" <<NGINX
worker_processes 1;
error_log $WORK/nginx/error.log warn;
pid $WORK/nginx/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  keepalive_requests 1000000;
  upstream model { server 127.0.0.1:$UP_PORT; keepalive 64; }
  server {
    listen 127.0.0.1:$UP_PORT;
    location /v1/models { default_type application/json; return 200 '$MODELS'; }
    location / { default_type application/json; return 200 '$COMPLETION'; }
  }
  server {
    listen 127.0.0.1:$PROXY_PORT;
    location / { proxy_pass http://model; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
NGINX
nginx -c "$WORK/nginx/nginx.conf" -g 'daemon off;' > "$WORK/nginx/out.log" 2>&1 & PIDS+=($!)
wait_up "http://127.0.0.1:$UP_PORT/v1/models"
wait_up "http://127.0.0.1:$PROXY_PORT/v1/models"

# --- llm-pool, telemetry on and off -----------------------------------------------------------
echo '{{input}}' > "$WORK/bench.md"
pool() { # name telemetry(true|false) -> PORT_<name>, GRPC_<name>, PID_<name>
  local http grpc
  http=$(free_port); grpc=$(free_port)
  cat > "$WORK/$1.toml" <<TOML
[server]
host = "127.0.0.1"
[[providers]]
name = "bench"
kind = "openai"
base_url = "http://127.0.0.1:$UP_PORT/v1"
model = "bench-model"
upstream_streaming = false   # the fixed upstream answers plain JSON only
[tasks.bench]
providers = ["bench"]
prompt = "bench.md"
max_tokens = 16
[cache]
enabled = false
[console]
enabled = false
[telemetry]
enabled = $2
[logging]
level = "warning"
TOML
  "$BIN" serve --config "$WORK/$1.toml" --http-port "$http" --grpc-port "$grpc" > "$WORK/$1.log" 2>&1 & PIDS+=($!)
  eval "PID_$1=$!"
  wait_up "http://127.0.0.1:$http/healthz"
  eval "PORT_$1=$http"
  eval "GRPC_$1=$grpc"
}
pool pool true
pool notel false

cat > "$WORK/chat.lua" <<'LUA'
wrk.method = "POST"
wrk.path = "/v1/chat/completions"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"bench-model","max_tokens":16,"temperature":0.7,"messages":[{"role":"user","content":"benchmark prompt for the pool"}]}'
LUA

# Warm every path once (connection pools, JIT-free but caches and allocators).
for port in "$UP_PORT" "$PROXY_PORT" "$PORT_pool" "$PORT_notel"; do
  wrk -t1 -c4 -d1s -s "$WORK/chat.lua" "http://127.0.0.1:$port" >/dev/null
done

declare -A RPS P50 P99
ms() { # wrk latency (us/ms/s) -> milliseconds
  python3 -c "
import re,sys
v=sys.argv[1]; m=re.match(r'([0-9.]+)(us|ms|s)', v)
print('nan' if not m else float(m.group(1))*{'us':0.001,'ms':1,'s':1000}[m.group(2)])" "$1"
}
run() { # name port connections
  local threads=$(( $3 > 1 ? 2 : 1 ))
  wrk -t"$threads" -c"$3" -d"$DURATION" --latency -s "$WORK/chat.lua" "http://127.0.0.1:$2" > "$WORK/$1-$3.txt"
  local errors
  errors=$(awk '/Non-2xx/ {print $5}' "$WORK/$1-$3.txt"); errors=${errors:-0}
  [ "$errors" = 0 ] || { echo "$1 at $3 connections: $errors non-2xx answers"; cat "$WORK/$1-$3.txt"; exit 1; }
  RPS[$1-$3]=$(awk '/Requests\/sec/ {print $2}' "$WORK/$1-$3.txt")
  P50[$1-$3]=$(ms "$(awk '$1=="50%" {print $2}' "$WORK/$1-$3.txt")")
  P99[$1-$3]=$(ms "$(awk '$1=="99%" {print $2}' "$WORK/$1-$3.txt")")
}
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }

grpc_run() { # connections -> RPS[grpc-N], P50[grpc-N]
  python3 - "$WORK/query.bin" <<'PY'
import struct, sys
# vvtv.llmpool.v1.Query{task="bench", input="benchmark prompt for the pool", max_tokens=16, temperature=0.7}
def field(num, wire, payload): return bytes([(num << 3) | wire]) + payload
def string(num, text):
    data = text.encode(); return field(num, 2, bytes([len(data)]) + data)
msg = string(2, "bench") + string(3, "benchmark prompt for the pool") + field(5, 0, bytes([16])) + field(6, 1, struct.pack("<d", 0.7))
open(sys.argv[1], "wb").write(b"\x00" + struct.pack(">I", len(msg)) + msg)
PY
  local threads=$(( $1 > 1 ? 2 : 1 ))
  h2load -c "$1" -m 1 -D "${DURATION%s}" -t "$threads" -d "$WORK/query.bin" \
    -H 'content-type: application/grpc' -H 'te: trailers' \
    "http://127.0.0.1:$GRPC_pool/vvtv.llmpool.v1.LlmPool/Infer" > "$WORK/grpc-$1.txt" 2>&1 || true
  RPS[grpc-$1]=$(awk '/^finished in/ {print $4}' "$WORK/grpc-$1.txt")
  # h2load's "time for request" row: min max mean sd; the mean stands in for the median.
  P50[grpc-$1]=$(ms "$(awk '/^time for request:/ {print $6}' "$WORK/grpc-$1.txt")")
  P99[grpc-$1]=$(ms "$(awk '/^time for request:/ {print $5}' "$WORK/grpc-$1.txt")")
}

TARGETS=(upstream nginx pool notel)
declare -A PORTS=([upstream]=$UP_PORT [nginx]=$PROXY_PORT [pool]=$PORT_pool [notel]=$PORT_notel)
if [ "$PEERS" = 1 ]; then
  VENV="$WORK/litellm-venv"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check 'litellm[proxy]' >/dev/null
  LITE_PORT=$(free_port)
  cat > "$WORK/litellm.yaml" <<YAML
model_list:
  - model_name: bench-model
    litellm_params: {model: openai/bench-model, api_base: "http://127.0.0.1:$UP_PORT/v1", api_key: none}
YAML
  "$VENV/bin/litellm" --config "$WORK/litellm.yaml" --host 127.0.0.1 --port "$LITE_PORT" --num_workers 1 \
    > "$WORK/litellm.log" 2>&1 & PIDS+=($!)
  LITE_PID=$!
  wait_up "http://127.0.0.1:$LITE_PORT/health/liveliness"
  TARGETS+=(litellm); PORTS[litellm]=$LITE_PORT
fi

for c in 1 32; do
  for t in "${TARGETS[@]}"; do run "$t" "${PORTS[$t]}" "$c"; done
  grpc_run "$c"
done
if [ "${PROFILE:-0}" = 1 ]; then
  bench_need perf linux-perf
  wrk -t2 -c32 -d"$DURATION" -s "$WORK/chat.lua" "http://127.0.0.1:$PORT_pool" > /dev/null &
  WRK=$!
  perf record -e cpu-clock -F 1999 -g -p "$PID_pool" -o "$WORK/perf.data" -- sleep "${DURATION%s}" 2>/dev/null
  wait "$WRK"
  echo "CPU profile of llm-pool under 32 connections (self time, top 40):"
  perf report -i "$WORK/perf.data" --no-children --sort dso --stdio 2>/dev/null | grep -E "^ +[0-9.]+%" | head -12
  perf report -i "$WORK/perf.data" --no-children --sort symbol --stdio 2>/dev/null \
    | grep -E '^ +[0-9.]+%' | head -40 | tee "$WORK/profile.txt"
  cp "$WORK/profile.txt" "${OUT%.md}-profile.txt"
fi
RSS_POOL=$(rss_mb "$PID_pool"); RSS_NOTEL=$(rss_mb "$PID_notel")
RSS_LITE=""; [ "$PEERS" = 1 ] && RSS_LITE=$(rss_mb "$LITE_PID")

python3 - "$OUT" <<PY
import sys
rps = {k: float(v or 0) for k, v in {$(for k in "${!RPS[@]}"; do printf '"%s": "%s", ' "$k" "${RPS[$k]}"; done)}.items()}
p50 = {k: float(v) for k, v in {$(for k in "${!P50[@]}"; do printf '"%s": "%s", ' "$k" "${P50[$k]}"; done)}.items()}
p99 = {k: float(v) for k, v in {$(for k in "${!P99[@]}"; do printf '"%s": "%s", ' "$k" "${P99[$k]}"; done)}.items()}
names = {"upstream": "upstream directly (nginx return 200)", "nginx": "nginx proxy_pass (keepalive)",
         "pool": "llm-pool, telemetry on", "notel": "llm-pool, telemetry off", "grpc": "llm-pool gRPC Infer (h2load)",
         "litellm": "LiteLLM proxy (1 worker)"}
rss = {"pool": "$RSS_POOL", "notel": "$RSS_NOTEL", "litellm": "$RSS_LITE"}
order = [t for t in ["upstream", "nginx", "pool", "notel", "grpc", "litellm"] if f"{t}-1" in rps]
lines = ["| path | 1 conn req/s | 1 conn p50 ms | 32 conns req/s | 32 conns p50 / p99 ms | RSS MB |", "|---|---|---|---|---|---|"]
for t in order:
    lines.append(f"| {names[t]} | {rps[t+'-1']:,.0f} | {p50[t+'-1']:.3f} | {rps[t+'-32']:,.0f} | "
                 f"{p50[t+'-32']:.2f} / {p99[t+'-32']:.2f} | {rss.get(t) or '—'} |")
added = (p50["pool-1"] - p50["upstream-1"]) * 1000
added99 = (p99["pool-1"] - p99["upstream-1"]) * 1000
ratios = [
    ("32 conns: llm-pool / nginx proxy_pass req/s (target >= 0.35)", f"{rps['pool-32'] / rps['nginx-32']:.2f}"),
    ("1 conn: p50 added over the upstream (target <= 200 us)", f"{added:.0f} us"),
    ("1 conn: p99 added over the upstream (target <= 1 ms)", f"{added99:.0f} us"),
    ("gRPC / HTTP req/s, 32 conns (target >= 1)", f"{rps['grpc-32'] / rps['pool-32']:.2f}"),
    ("telemetry on / off req/s, 32 conns (target >= 0.95)", f"{rps['pool-32'] / rps['notel-32']:.2f}"),
]
if "litellm-32" in rps:
    ratios.append(("llm-pool / LiteLLM req/s, 32 conns", f"{rps['pool-32'] / rps['litellm-32']:.0f}x"))
lines += ["", "| ratio | measured |", "|---|---|"] + [f"| {a} | {b} |" for a, b in ratios]
text = "\n".join(lines) + "\n"
print(text)
open(sys.argv[1], "w").write(text)
print(f"written to {sys.argv[1]}")
PY
