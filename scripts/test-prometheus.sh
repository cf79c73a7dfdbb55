#!/usr/bin/env bash
# Checks the Prometheus files of llm-pool with promtool:
#   - deploy/prometheus/prometheus.yml and its rule files (`promtool check config`, `check rules`),
#   - the rules' unit tests, each alert firing and staying quiet (`promtool test rules`),
#   - dashboards/*.json are what dashboards/generate.py writes,
#   - with a URL: the live /metrics of a running llm-pool, after some traffic, passes
#     `promtool check metrics` (Prometheus text format 0.0.4).
# The parsers, the dashboards' queries and a real Prometheus scrape are in
# tests/python/test_prometheus.py (run by scripts/test.sh with the other Python tests).
#
#   scripts/test-prometheus.sh [http://127.0.0.1:7071]
set -euo pipefail
cd "$(dirname "$0")/.."
URL="${1:-}"
URL="${URL%/}"

command -v promtool >/dev/null || { echo "promtool is missing: apt-get install prometheus"; exit 1; }
passed=0
run() { # a check that stops the script (set -e) when it fails
  printf -- '--- %s\n' "$*"
  "$@"
  passed=$((passed + 1))
}

run promtool check config deploy/prometheus/prometheus.yml
run promtool check rules deploy/prometheus/rules/*.yml
run promtool test rules deploy/prometheus/tests/*.yml
run python3 dashboards/generate.py --check

if [ -n "$URL" ]; then
  printf -- '--- %s\n' "promtool check metrics on $URL/metrics after traffic"
  for i in $(seq 1 20); do
    curl -fsS --max-time 30 "$URL/v1/infer" -H 'content-type: application/json' \
      -d "{\"task\":\"expand_queries\",\"input\":\"promtool check $i\"}" >/dev/null
  done
  curl -sS --max-time 30 "$URL/v1/infer" -H 'content-type: application/json' -d '{"task":"expand_queries","input":""}' >/dev/null
  metrics="$(mktemp)"
  trap 'rm -f "$metrics"' EXIT
  status=$(curl -sS --max-time 10 -o "$metrics" -w '%{http_code}' "$URL/metrics")
  [ "$status" = 200 ] || { echo "GET $URL/metrics answered $status"; exit 1; }
  grep -q '^llm_pool_requests_total{' "$metrics" || { echo "no llm_pool_requests_total in $URL/metrics"; exit 1; }
  promtool check metrics < "$metrics"
  passed=$((passed + 1))
  echo "$(grep -c '^[a-z]' "$metrics") samples checked"
fi
echo "promtool: $passed passed, 0 failed"
