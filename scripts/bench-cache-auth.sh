#!/usr/bin/env bash
# Issue 6 figures, in one run on this machine:
#  1. cache-hit latency through the HTTP API (wrk, 4 connections, one repeated deterministic
#     request) with the in-memory cache and with the Redis cache (a real redis-server on loopback);
#     targets: p99 under 1 ms in memory, under 3 ms with Redis;
#  2. requests/s of uncached requests with JWT authentication and per-tenant rate limits on versus
#     off (alternating rounds, same simulator).
#   DURATION=8s CONNECTIONS=32 scripts/bench-cache-auth.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-8s}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-2}"
for tool in wrk redis-server; do
  command -v "$tool" >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${tool/redis-server/redis-server}" >/dev/null; }
done
# LLMPOOL_BIN names a prebuilt release binary; otherwise one is built.
BIN="${LLMPOOL_BIN:-}"
if [ -z "$BIN" ]; then swift build -c release --product llm-pool >/dev/null; BIN=.build/release/llm-pool; fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_up() { local end=$((SECONDS + 60)); until curl -fsS "$1" >/dev/null 2>&1; do [ $SECONDS -ge $end ] && { echo "timeout: $1"; exit 1; }; sleep 0.2; done; }
WORK=$(mktemp -d); PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"' EXIT

SIM_PORT=$(free_port); REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" >/dev/null 2>&1 & PIDS+=($!)
"$BIN" simulate --host 127.0.0.1 --port "$SIM_PORT" --latency-scale 0 > "$WORK/sim.log" 2>&1 & PIDS+=($!)
wait_up "http://127.0.0.1:$SIM_PORT/v1/models"
echo '{{input}}' > "$WORK/bench.md"
export LLM_POOL_BENCH_JWT_SECRET="bench-secret-bench-secret-bench-secret-0123"

start_pool() { # name extra-toml -> PORT_<name>
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
max_tokens = 16
[logging]
level = "warning"
[redis]
url = "redis://127.0.0.1:$REDIS_PORT/0"
$2
TOML
  "$BIN" serve --config "$WORK/$1.toml" --http-port "$http" --grpc-port "$grpc" > "$WORK/$1.log" 2>&1 & PIDS+=($!)
  wait_up "http://127.0.0.1:$http/healthz"
  eval "PORT_$1=$http"
}
start_pool memory $'[cache]\nbackend = "memory"'
start_pool redis $'[cache]\nbackend = "redis"'
start_pool open $'[cache]\nenabled = false'
start_pool guarded $'[cache]\nenabled = false\n[security]\nenabled = true\nmode = "jwt"\n[security.jwt]\nalgorithms = ["HS256"]\naudience = "llm-pool"\nhmac_secret_env = "LLM_POOL_BENCH_JWT_SECRET"\n[rate_limits]\nenabled = true\nrequests_per_minute = 100000000\ntokens_per_minute = 1000000000'

TOKEN=$(python3 - <<'PY'
import base64, hashlib, hmac, json, os, time
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
claims = b64(json.dumps({"sub": "bench", "tenant": "bench", "aud": "llm-pool", "exp": int(time.time()) + 3600}).encode())
signature = hmac.new(os.environ["LLM_POOL_BENCH_JWT_SECRET"].encode(), f"{header}.{claims}".encode(), hashlib.sha256).digest()
print(f"{header}.{claims}.{b64(signature)}")
PY
)

stat() { # file -> "rps p50 p99"
  awk '/Requests\/sec/ {r=$2} $1=="50%" {p50=$2} $1=="99%" {p99=$2} END {print r, p50, p99}' "$1"
}

echo "== 1. cache-hit latency (wrk -c4 -t1 $DURATION, one repeated temperature-0 request)"
HIT_BODY='{"task":"bench","input":"the same cached question","temperature":0}'
for name in memory redis; do
  port_var="PORT_$name"; port=${!port_var}
  BODY="$HIT_BODY" wrk -t1 -c1 -d1s -s scripts/wrk/infer-auth.lua "http://127.0.0.1:$port" >/dev/null   # fills the cache
  BODY="$HIT_BODY" wrk -t1 -c4 -d"$DURATION" --latency -s scripts/wrk/infer-auth.lua "http://127.0.0.1:$port" > "$WORK/hit-$name.txt"
  read -r rps p50 p99 < <(stat "$WORK/hit-$name.txt")
  hits=$(curl -fsS "http://127.0.0.1:$port/metrics" | awk -v b="$name" '$0 ~ "^llm_pool_cache_requests_total\\{backend=\""b"\",result=\"hit\"\\}" {print $2}')
  printf '%-7s cache hit: %10s req/s  p50 %8s  p99 %8s  (hits counted: %s)\n' "$name" "$rps" "$p50" "$p99" "$hits"
done

echo "== 2. uncached requests/s, JWT auth + rate limits on vs off (wrk -c$CONNECTIONS -t$THREADS $DURATION per round)"
MISS_BODY='{"task":"bench","input":"benchmark prompt for the pool","temperature":0.7}'
for round in 1 2; do
  for name in guarded open; do
    port_var="PORT_$name"; port=${!port_var}
    BODY="$MISS_BODY" TOKEN="$TOKEN" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s scripts/wrk/infer-auth.lua "http://127.0.0.1:$port" > "$WORK/$name-$round.txt"
    read -r rps p50 p99 < <(stat "$WORK/$name-$round.txt")
    non2xx=$(awk '/Non-2xx/ {print $5}' "$WORK/$name-$round.txt")
    printf '%-8s round %d: %10s req/s  p50 %8s  p99 %8s  non-2xx %s\n' "$name" "$round" "$rps" "$p50" "$p99" "${non2xx:-0}"
    echo "$name $rps" >> "$WORK/onoff.txt"
  done
done
python3 - "$WORK/onoff.txt" <<'PY'
import sys
runs = {}
for line in open(sys.argv[1]):
    name, rps = line.split(); runs.setdefault(name, []).append(float(rps))
on, off = sum(runs["guarded"]) / len(runs["guarded"]), sum(runs["open"]) / len(runs["open"])
print(f"auth+rate limits on: {on:.0f} req/s, off: {off:.0f} req/s, ratio {on / off:.3f}")
PY
