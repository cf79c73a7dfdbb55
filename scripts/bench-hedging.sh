#!/usr/bin/env bash
# Hedged requests on heavy-tailed providers: p50/p99 of FASTEST without hedging, with the static
# hedge delay and with the measured p95, and the extra upstream requests each costs.
#   scripts/bench-hedging.sh [--requests N] [--concurrency C]   (default 2000 and 32; about 40 s)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product llm-pool-bench
exec "$(swift build -c release --show-bin-path)/llm-pool-bench" hedging "$@"
