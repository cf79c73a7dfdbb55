#!/usr/bin/env bash
# What the console's state costs: a pool with 10 providers × 24 WEIGHTED tasks over a simulator,
# loaded until the registry holds at least 1,000 series, then GET /v1/admin/state timed
# (sequential requests on one keep-alive connection). Prints the series count, the body size and
# the latency of the state endpoint (min, p50, p90, p99, mean). Goal: under 5 ms with 1,000 series.
#   LLMPOOL_BIN=.build/release/llm-pool REQUESTS=300 scripts/bench-console.sh
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS="${REQUESTS:-300}"

. scripts/lib/bench-common.sh
bench_binary
bench_workdir
start_simulator
providers="" ; names=""
for p in $(seq 0 9); do
  providers+=$'[[providers]]\nname = "p'"$p"$'"\nkind = "openai"\nbase_url = "http://127.0.0.1:'"$SIM_PORT"$'/v1"\nmodel = "phi3:mini"\n'
  names+="\"p$p\","
done
tasks=""
for t in $(seq -w 0 23); do
  tasks+=$'[tasks.t'"$t"$']\nstrategy = "WEIGHTED"\nproviders = ['"${names%,}"$']\nprompt = "bench.md"\nmax_tokens = 16\n'
  tasks+=$'[slo.t'"$t"$']\navailability = 0.99\n'
done
HTTP=$(free_port); GRPC=$(free_port)
cat > "$WORK/pool.toml" <<TOML
[server]
host = "127.0.0.1"
[cache]
enabled = false
[logging]
level = "warning"
$providers
$tasks
TOML
"$BIN" serve --config "$WORK/pool.toml" --http-port "$HTTP" --grpc-port "$GRPC" > "$WORK/pool.log" 2>&1 & PIDS+=($!)
wait_up "http://127.0.0.1:$HTTP/healthz"

python3 - "$HTTP" "$REQUESTS" <<'PY'
import concurrent.futures, http.client, json, re, statistics, sys, time
port, requests = int(sys.argv[1]), int(sys.argv[2])

def post(i):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = json.dumps({"task": f"t{i % 24:02d}", "input": f"bench {i}", "temperature": 0.7})
    c.request("POST", "/v1/infer", body, {"content-type": "application/json"})
    c.getresponse().read()
    c.close()

def series():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", "/metrics"); text = c.getresponse().read().decode(); c.close()
    names = set()
    for line in text.splitlines():
        if line and not line.startswith("#"):
            sample = line.rsplit(" ", 1)[0]
            sample = re.sub(r'_(bucket|sum|count)\{', "{", sample)
            sample = re.sub(r',?le="[^"]*"', "", sample)
            names.add(re.sub(r'_(sum|count)$', "", sample))
    return len(names)

with concurrent.futures.ThreadPoolExecutor(16) as pool:
    for round in range(10):
        list(pool.map(post, range(round * 400, (round + 1) * 400)))
        if series() >= 1000:
            break
count = series()
c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
times, size = [], 0
for i in range(requests + 20):
    start = time.perf_counter()
    c.request("GET", "/v1/admin/state")
    body = c.getresponse().read()
    elapsed = (time.perf_counter() - start) * 1000
    if i >= 20:  # warm-up
        times.append(elapsed)
    size = len(body)
state = json.loads(body)
times.sort()
q = lambda p: times[min(len(times) - 1, int(p * len(times)))]
print(f"series in the registry: {count} (providers {len(state['providers'])}, task/api rows {len(state['pool']['latency'])})")
print(f"state body: {size} bytes")
print(f"GET /v1/admin/state x{len(times)}: min {times[0]:.2f} ms, p50 {q(0.5):.2f} ms, p90 {q(0.9):.2f} ms, "
      f"p99 {q(0.99):.2f} ms, mean {statistics.mean(times):.2f} ms")
PY
