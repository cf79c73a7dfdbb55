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
. scripts/lib/bench-common.sh
bench_need wrk
bench_need redis-server
bench_binary
bench_workdir
start_simulator
REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" >/dev/null 2>&1 & PIDS+=($!)
export LLM_POOL_BENCH_JWT_SECRET="bench-secret-bench-secret-bench-secret-0123"
REDIS_TOML=$'[redis]\nurl = "redis://127.0.0.1:'"$REDIS_PORT"'/0"'

start_pool memory $'[cache]\nbackend = "memory"'
start_pool redis "$REDIS_TOML"$'\n[cache]\nbackend = "redis"'
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
