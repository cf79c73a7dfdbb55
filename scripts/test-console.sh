#!/usr/bin/env bash
# The console in a real browser: installs Debian's chromium and chromium-driver when missing and
# selenium into the venv, then runs tests/python/console against `llm-pool demo --traffic`.
#   LLMPOOL_BIN      the llm-pool binary (default: the debug build, built if missing)
#   LLMPOOL_VENV     the Python venv (default: .venv)
#   CONSOLE_SCREENSHOT=1   also saves docs/console.png (the README's screenshot)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

log() { printf '\n==> %s\n' "$*"; }

need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
command -v chromedriver >/dev/null || need_apt+=(chromium-driver)
command -v python3 >/dev/null || need_apt+=(python3 python3-venv)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi

VENV="${LLMPOOL_VENV:-$ROOT/.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  log "creating Python venv in $VENV"
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import selenium, pytest, requests" 2>/dev/null; then
  log "installing selenium"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r tests/python/console/requirements.txt
fi

if [ -z "${LLMPOOL_BIN:-}" ]; then
  LLMPOOL_BIN="$(swift build --show-bin-path)/llm-pool"
  [ -x "$LLMPOOL_BIN" ] || swift build --product llm-pool
fi
export LLMPOOL_BIN LLMPOOL_CONSOLE_TEST=1

log "the console in headless Chromium (pytest)"
"$VENV/bin/python" -m pytest -q tests/python/console "$@"
