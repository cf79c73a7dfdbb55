#!/usr/bin/env bash
# Metrics registry micro-benchmarks: ns per histogram observation and counter increment with
# 1, 2 and 8 tasks, and /metrics render time at 10,000 series in both formats.
#   scripts/bench-metrics.sh [--scale F]    (F scales operation counts; default 1, about 20 s)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product llm-pool-bench
exec "$(swift build -c release --show-bin-path)/llm-pool-bench" metrics "$@"
