#!/usr/bin/env bash
# Pulls the models the configuration's Ollama providers name, so `llm-pool serve` finds them:
#   scripts/setup-models.sh [llm-pool.toml]
# Checks that `ollama` is installed and its daemon answers (OLLAMA_HOST, default 127.0.0.1:11434),
# pulls each model with `ollama pull`, and reports each model's size on disk.
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG="${1:-llm-pool.toml}"
HOST="${OLLAMA_HOST:-127.0.0.1:11434}"
case "$HOST" in http://* | https://*) URL="$HOST" ;; *) URL="http://$HOST" ;; esac

command -v ollama >/dev/null || {
  echo "ollama is not installed: see https://ollama.com/download, then run this script again" >&2
  exit 1
}
curl -fsS --max-time 5 "$URL/api/tags" >/dev/null || {
  echo "the Ollama daemon does not answer at $URL: start it with 'ollama serve' (or set OLLAMA_HOST)" >&2
  exit 1
}

# The models of the [[providers]] entries with kind = "ollama" (the default kind).
mapfile -t MODELS < <(python3 - "$CONFIG" <<'PY'
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    config = tomllib.load(f)
seen = []
for provider in config.get("providers", []):
    if provider.get("kind", "ollama") == "ollama" and provider["model"] not in seen:
        seen.append(provider["model"])
print("\n".join(seen))
PY
)
[ ${#MODELS[@]} -gt 0 ] || { echo "no Ollama providers in $CONFIG"; exit 0; }

for model in "${MODELS[@]}"; do
  echo "==> ollama pull $model"
  ollama pull "$model"
done

echo
echo "models named by $CONFIG:"
curl -fsS "$URL/api/tags" | python3 -c '
import json, sys
wanted = sys.argv[1:]
sizes = {m["name"]: m.get("size", 0) for m in json.load(sys.stdin).get("models", [])}
missing = 0
for name in wanted:
    size = sizes.get(name) or sizes.get(name + ":latest")
    if size is None:
        print(f"  {name:24} MISSING"); missing += 1
    else:
        print(f"  {name:24} {size / 1e9:6.2f} GB")
sys.exit(1 if missing else 0)
' "${MODELS[@]}"
