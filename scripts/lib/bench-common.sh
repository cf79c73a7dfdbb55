# Shared helpers of the load benchmarks (sourced, not run): the llm-pool binary, free loopback
# ports, readiness waits, cleanup of every process started, a simulator with no added latency,
# and a pool started from a generated one-model configuration.

# LLMPOOL_BIN names a prebuilt release binary; otherwise one is built.
bench_binary() {
  BIN="${LLMPOOL_BIN:-}"
  if [ -z "$BIN" ]; then swift build -c release --product llm-pool >/dev/null; BIN=.build/release/llm-pool; fi
}

bench_need() { # tool [debian-package]
  command -v "$1" >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${2:-$1}" >/dev/null; }
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

wait_up() { # url
  local end=$((SECONDS + 60))
  until curl -fsS "$1" >/dev/null 2>&1; do [ $SECONDS -ge $end ] && { echo "timeout: $1"; exit 1; }; sleep 0.2; done
}

bench_workdir() { # sets WORK and PIDS, and kills every process on exit
  WORK=$(mktemp -d); PIDS=()
  trap 'kill "${PIDS[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"' EXIT
}

start_simulator() { # sets SIM_PORT
  SIM_PORT=$(free_port)
  "$BIN" simulate --host 127.0.0.1 --port "$SIM_PORT" --latency-scale 0 > "$WORK/sim.log" 2>&1 & PIDS+=($!)
  wait_up "http://127.0.0.1:$SIM_PORT/v1/models"
  echo '{{input}}' > "$WORK/bench.md"
}

start_pool() { # name extra-toml -> sets PORT_<name> and GRPC_<name>; one OpenAI-kind model at the simulator, task "bench"
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
$2
TOML
  "$BIN" serve --config "$WORK/$1.toml" --http-port "$http" --grpc-port "$grpc" > "$WORK/$1.log" 2>&1 & PIDS+=($!)
  wait_up "http://127.0.0.1:$http/healthz"
  eval "PORT_$1=$http"
  eval "GRPC_$1=$grpc"
}
